"""The one message catalogue (メッセージ): the Japanese name of every code staff see.

`label(kind, code)` gives the name of a code of one kind (`label("status", "received")` → 受付済み); the
web's templates have the same as the filter `{{ value|label('status') }}`, `label_code` for the name with its
code beside it, and the global `labels('status')` for a select's options.

Why a YAML file and not gettext (Babel): what we translate are codes (`received`, `attachment:id_copy`),
not English sentences, and there is one language. A gettext catalogue keyed on codes would be the same
mapping with a compile step, a tool chain and a .mo file to keep in step; `ja.yaml` is read as it is, a
reviewer reads it as a table, and a test walks it against the codes the code base defines. It is data, so
the core carries the names of the domains' codes without importing a domain.

A code the catalogue does not know shows as itself, so a screen never breaks on it; the test that scans the
code base's codes is what keeps that from happening.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Iterable

from secretariat.core.yamlfile import load_yaml

CATALOGUE = Path(__file__).with_name("ja.yaml")
EMPTY = "—"
# deficiency codes are "<what>:<which>"; which catalogue kind names the <which>
_DEFICIENCY_PARTS = {"attachment": "attachment", "page_missing": None}


@cache
def catalogue() -> dict[str, dict[str, str]]:
    data = load_yaml(CATALOGUE.read_text(encoding="utf-8"))
    return {kind: {str(code): str(name) for code, name in (entries or {}).items()} for kind, entries in data.items()}


def labels(kind: str) -> dict[str, str]:
    """Every code of one kind with its name, in the catalogue's order (for a select's options)."""
    return dict(catalogue().get(kind, {}))


def known(kind: str, code: object) -> bool:
    """Whether the catalogue names this code (a deficiency: its pattern and every part it names)."""
    value = _code(code)
    if kind == "deficiency":
        return _deficiency(value) is not None
    return value in catalogue().get(kind, {})


def label(kind: str, code: object) -> str:
    """The Japanese name of `code` as a `kind` (status, role, deficiency, field, …); the code itself if unknown."""
    value = _code(code)
    if not value:
        return EMPTY
    if kind == "deficiency":
        return _deficiency(value) or value
    return catalogue().get(kind, {}).get(value, value)


def label_code(kind: str, code: object) -> str:
    """The name with its code beside it, for staff who also need the code: 本人確認書類の写し…（attachment:id_copy）."""
    value = _code(code)
    name = label(kind, value)
    return name if name in (value, EMPTY) else f"{name}（{value}）"


def missing(kind: str, codes: Iterable[object]) -> list[str]:
    """The codes of `codes` the catalogue does not name, for the test that keeps it complete."""
    return sorted({_code(code) for code in codes if not known(kind, code)})


def _code(code: object) -> str:
    if code is None:
        return ""
    return str(getattr(code, "value", code))


def _deficiency(code: str) -> str | None:
    what, _, which = code.partition(":")
    pattern = catalogue()["deficiency"].get(what)
    if pattern is None or not which:
        return None
    if what == "page_missing":
        return pattern.format(name=which) if which.isdigit() else None
    kind = _DEFICIENCY_PARTS.get(what, "field")
    names = [catalogue()[kind].get(part) for part in which.split("+")]
    if not all(names):
        return None
    return pattern.format(name="と".join(f"「{name}」" for name in names))
