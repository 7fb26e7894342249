"""YAML read with libyaml's C loader: the catalogue, answers and mappings are read by commands
that should start in a fraction of a second, and the pure-Python loader takes ten times longer."""

from __future__ import annotations

from typing import Any


def load_yaml(text: str) -> Any:
    """`yaml.safe_load`, through the C loader when PyYAML was built with libyaml (its wheels are)."""
    import yaml  # here, so commands that never read YAML do not pay for importing it

    return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
