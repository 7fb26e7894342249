"""The demo is a user of the product: it calls flows, and never moves an application or writes a
row itself. Read from the demo's source, so a shortcut added later fails here."""

import ast
from pathlib import Path

import pytest

import secretariat

DEMO_FILES = sorted(Path(secretariat.__file__).parent.glob("demo*.py"))
STATE_CHANGERS = {"transition", "manual_transition"}
WRITES = {"add", "add_all", "delete", "merge", "execute", "bulk_save_objects"}
# The demo's own bookkeeping objects, whose attributes it may set (never a model).
OWN_OBJECTS = {"self", "result", "outcome", "drop", "server"}


def tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


@pytest.mark.parametrize("path", DEMO_FILES, ids=lambda p: p.name)
def test_the_demo_never_imports_the_transition_function(path):
    imported = {alias.asname or alias.name for node in ast.walk(tree(path)) if isinstance(node, ast.ImportFrom)
                for alias in node.names}
    assert not imported & STATE_CHANGERS


@pytest.mark.parametrize("path", DEMO_FILES, ids=lambda p: p.name)
def test_the_demo_never_writes_through_the_session(path):
    calls = [node for node in ast.walk(tree(path)) if isinstance(node, ast.Call)
             and isinstance(node.func, ast.Attribute) and node.func.attr in WRITES
             and isinstance(node.func.value, ast.Name) and node.func.value.id == "session"]
    assert calls == [], [f"line {c.lineno}: session.{c.func.attr}" for c in calls]


def _root(node: ast.expr) -> str | None:
    while isinstance(node, ast.Attribute):
        node = node.value
    return node.id if isinstance(node, ast.Name) else None


@pytest.mark.parametrize("path", DEMO_FILES, ids=lambda p: p.name)
def test_the_demo_never_sets_a_field_of_a_stored_object(path):
    assigned = [target for node in ast.walk(tree(path)) if isinstance(node, (ast.Assign, ast.AugAssign))
                for target in (node.targets if isinstance(node, ast.Assign) else [node.target])
                if isinstance(target, ast.Attribute) and _root(target) not in OWN_OBJECTS]
    assert assigned == [], [f"line {t.lineno}: {ast.unparse(t)}" for t in assigned]


def test_the_rule_reads_every_demo_module():
    assert {p.name for p in DEMO_FILES} >= {"demo.py", "demo_exchange.py", "demo_replay.py"}
