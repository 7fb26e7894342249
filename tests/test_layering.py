"""Imports point one way: the core never imports a domain package or the composition root."""

import ast
import importlib
from pathlib import Path

import pytest

import secretariat

CORE = Path(secretariat.__file__).parent / "core"
FORBIDDEN = ("mailroom", "callcenter", "exchange", "secretariat.app", "secretariat.background", "secretariat.cli",
             "secretariat.demo")


def imported_modules(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_the_core_imports_no_domain_and_not_the_composition_root():
    offenders = {str(path.relative_to(CORE)): sorted(name for name in imported_modules(path)
                                                     if name.startswith(FORBIDDEN))
                 for path in CORE.rglob("*.py")}
    assert {path: names for path, names in offenders.items() if names} == {}


@pytest.mark.parametrize("package", ["mailroom", "exchange", "callcenter", "online"])
def test_domain_packages_never_import_the_composition_root(package):
    root = Path(importlib.import_module(package).__file__).parent
    offenders = {str(path.relative_to(root)): sorted(name for name in imported_modules(path)
                                                     if name.startswith(FORBIDDEN[3:]))
                 for path in root.rglob("*.py")}
    assert {path: names for path, names in offenders.items() if names} == {}


def test_the_package_root_imports_nothing():
    assert imported_modules(Path(secretariat.__file__)) == set()


def test_the_residents_side_imports_neither_the_call_center_nor_the_exchange():
    """`online` builds on the core, the mailroom's flows and the templates; the call center and the
    exchange are staff's domains, reached through the core's records only."""
    root = Path(importlib.import_module("online").__file__).parent
    offenders = {str(path.relative_to(root)): sorted(name for name in imported_modules(path)
                                                     if name.startswith(("callcenter", "exchange")))
                 for path in root.rglob("*.py")}
    assert {path: names for path, names in offenders.items() if names} == {}
