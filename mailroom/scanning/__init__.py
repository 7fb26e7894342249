"""Reading returned forms back: which page a scan is, and which of its fields the resident filled."""
