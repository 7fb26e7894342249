"""Target households (対象世帯) and the persons in them, as the municipality hands them over."""
