"""The mailroom: the print room's output going out, and returned forms coming back in."""
