"""Programmes: one benefit scheme run for one municipality."""
