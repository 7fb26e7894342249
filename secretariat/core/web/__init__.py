"""The web shell's shared parts: templates, security, dependencies and error pages.

Each domain's routes live with the domain (`core/households/router.py`, `mailroom/...`);
this package holds only what all of them use.
"""
