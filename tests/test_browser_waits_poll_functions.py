"""Browser tests wait with a JavaScript function, never an expression: Playwright polls an expression
through `eval`, which the product's Content-Security-Policy forbids, so a wait that is not already
true on its first look fails with an EvalError (a flake that depends on the machine's speed)."""

import ast
from pathlib import Path

BROWSER_TESTS = Path(__file__).parent / "browser"


def expression_waits() -> list[str]:
    found = []
    for path in sorted(BROWSER_TESTS.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and node.func.attr == "wait_for_function" and node.args
                    and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)
                    and not node.args[0].value.lstrip().startswith(("(", "function", "async"))):
                found.append(f"{path.name}:{node.lineno}: {node.args[0].value}")
    return found


def test_every_wait_for_function_in_the_browser_tests_passes_a_function():
    assert expression_waits() == [], "write it as an arrow function: \"() => …\""
