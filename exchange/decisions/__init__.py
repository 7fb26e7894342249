"""支給決定: decision lists the secretariat proposes and the municipality's liaison approves."""
