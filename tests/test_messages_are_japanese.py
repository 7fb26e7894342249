"""Every error a person can see is Japanese.

A domain error's message is shown on the error page and in `/api` JSON (`secretariat.core.web.errors`), the
CLI prints it, and the SFTP drop's refusals reach the municipality's liaison. So every `raise X("…")` whose X
is a domain error (a subclass of `DomainError`, found by name in the code, or another error whose message a
person reads: the drop's refusals, a scanned page's `ScanError`) and whose message is written as a string must
hold Japanese, and so must the name given to `NotFound.of`. The walk is over the source, so a new raise cannot
slip past: it reads each class's `__init__` to find which argument is the message.
"""

import ast
import re
from functools import cache
from pathlib import Path

ROOT = Path(__file__).parents[1]
PACKAGES = ("secretariat", "mailroom", "callcenter", "exchange", "online")
JAPANESE = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uff66-\uff9f]")

# Errors that are not DomainErrors but whose message still reaches a person.
SHOWN_ROOTS = {
    "DomainError": "shown on the error page, in /api JSON and by the CLI",
    "OutsideJail": "the SFTP drop's refusal: written to the audit trail the liaison and staff read",
    "Busy": "the SFTP drop's refusal: written to the audit trail the liaison and staff read",
    "ScanError": "why a scanned page is an exception: shown to the operator beside its code",
}

# Raises whose message is never shown to a person, each with the reason ("path:line" would drift; the
# message's text identifies the raise).
NEVER_SHOWN = {
    ("callcenter/telephony/calls.py", "the request has no CallSid"):
        "Twilio's webhook answer: only Twilio reads it, and a request without CallSid is not Twilio's",
}

# TEMPORARY: files other helpers are editing in this session; the lead translates them after those land.
TEMPORARY = {
}


@cache
def sources() -> dict[str, ast.Module]:
    return {path.relative_to(ROOT).as_posix(): ast.parse(path.read_text(encoding="utf-8"))
            for package in PACKAGES for path in sorted((ROOT / package).rglob("*.py"))}


def _name(node: ast.expr) -> str | None:
    if isinstance(node, ast.Attribute):
        return node.attr
    return node.id if isinstance(node, ast.Name) else None


def shown_errors(trees: dict[str, ast.Module]) -> dict[str, int | None]:
    """Each shown error class by name → the position of its message among the arguments (None: it builds
    its own message, which `own_messages` checks)."""
    classes = {node.name: node for tree in trees.values() for node in ast.walk(tree) if isinstance(node, ast.ClassDef)}
    shown = set(SHOWN_ROOTS)
    while more := {name for name, node in classes.items()
                   if name not in shown and {_name(base) for base in node.bases} & shown}:
        shown |= more

    def position(name: str) -> int | None:
        node = classes.get(name)
        if node is None:
            return 0
        init = next((item for item in node.body if isinstance(item, ast.FunctionDef) and item.name == "__init__"), None)
        if init is None:
            bases = [_name(base) for base in node.bases if _name(base) in shown]
            return position(bases[0]) if bases else 0
        arguments = [argument.arg for argument in init.args.args[1:]]
        return arguments.index("message") if "message" in arguments else None

    return {name: position(name) for name in shown}


def written_text(node: ast.expr | None) -> str | None:
    """The literal text of a string or f-string argument; None for anything else (a variable, a call)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(part.value for part in node.values if isinstance(part, ast.Constant))
    return None


def messages(trees: dict[str, ast.Module]):
    """(path, line, text) of every message written as a string for a shown error."""
    errors = shown_errors(trees)
    for path, tree in trees.items():
        for node in ast.walk(tree):
            if isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call) and _name(node.exc.func) in errors:
                call, at = node.exc, errors[_name(node.exc.func)]
                given = {keyword.arg: keyword.value for keyword in call.keywords}
                argument = call.args[at] if at is not None and len(call.args) > at else given.get("message")
                text = written_text(argument)
                if text is not None:
                    yield path, node.lineno, text
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "of"
                    and _name(node.func.value) in errors and node.args):  # NotFound.of("事業", id): the thing's name
                text = written_text(node.args[0])
                if text is not None:
                    yield path, node.lineno, text
            if isinstance(node, ast.ClassDef) and node.name in errors:
                bases = [_name(base) for base in node.bases if _name(base) in errors]
                yield from own_messages(path, node, errors[bases[0]] if bases else 0)


def own_messages(path: str, node: ast.ClassDef, at: int | None):
    """The message a shown error class passes to `super().__init__` itself (at its base's message position)."""
    for call in ast.walk(node):
        if (isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute) and call.func.attr == "__init__"
                and isinstance(call.func.value, ast.Call) and _name(call.func.value.func) == "super"
                and at is not None and len(call.args) > at):
            text = written_text(call.args[at])
            if text is not None:
                yield path, call.lineno, text


def untranslated(trees: dict[str, ast.Module]) -> list[str]:
    return [f"{path}:{line}: {text}" for path, line, text in messages(trees)
            if not JAPANESE.search(text) and (path, text) not in NEVER_SHOWN
            and not any(path.startswith(prefix) for prefix in TEMPORARY)]


def test_every_error_message_a_person_can_see_is_japanese():
    found = untranslated(sources())
    assert not found, "English messages (write them in Japanese):\n" + "\n".join(found)


def test_the_walk_finds_domain_errors_defined_outside_the_core():
    errors = shown_errors(sources())
    assert {"NotFound", "OverLimit", "ResidentConflict", "OutsideJail", "IllegalTransition"} <= set(errors)
    assert errors["OverLimit"] == 3  # its message comes after the code, the row and the value


def test_the_walk_flags_an_english_message_and_passes_a_japanese_one():
    tree = ast.parse('class Late(Conflict):\n    pass\n'
                     'def f(n):\n    raise Late(f"batch {n} is late")\n'
                     'def g(n):\n    raise Late(f"バッチ {n} は遅れています")\n')
    found = untranslated({"exchange/x.py": tree, **{k: v for k, v in sources().items() if k.endswith("errors.py")}})
    assert found == ["exchange/x.py:4: batch  is late"]


def test_every_exclusion_still_names_a_message_that_exists():
    written = {(path, text) for path, _, text in messages(sources())}
    assert set(NEVER_SHOWN) <= written
