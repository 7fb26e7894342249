"""What goes back to the municipality: status, return, undeliverable and decline lists, and payments."""
