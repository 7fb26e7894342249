"""From ink to a decision: each field filled, blank or uncertain, then the template's rules.

Thresholds are absolute areas of ink (mm²), calibrated on the synthetic scan corpus
(`benchmarks/scan_check.py`). Between "surely blank" and "surely filled" lies a band where the
machine does not decide: an operator looks at the crop. The band is placed so that a blank
field is never called filled, the costly mistake (the municipality would pay on an incomplete
form); a faint mark called uncertain only costs an operator a glance.

A form is judged complete only when nothing the rules depend on is uncertain.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from mailroom.scanning.ink import InkReading
from templates.schema import Condition, ExactlyOne, InputField, RequiredIf, Template


class State(StrEnum):
    filled = "filled"
    blank = "blank"
    uncertain = "uncertain"


@dataclass(frozen=True)
class Band:
    """At or below `blank` mm² of ink: blank. At or above `filled`, with a stroke at least
    `stroke` mm long: filled. Anything else: uncertain."""

    blank: float
    filled: float
    stroke: float


# Tick boxes are small and a tick is a short stroke; writing boxes collect more stray marks.
BANDS = {
    "checkbox": Band(blank=0.35, filled=1.0, stroke=1.5),
    "text": Band(blank=0.6, filled=1.6, stroke=2.0),
    "digits": Band(blank=0.6, filled=1.6, stroke=2.0),
    "date": Band(blank=0.6, filled=1.6, stroke=2.0),
    "signature": Band(blank=0.8, filled=2.0, stroke=2.5),
}


def judge(kind: str, reading: InkReading) -> State:
    band = BANDS["checkbox" if kind == "choice" else kind]
    if reading.area_mm2 <= band.blank:
        return State.blank
    if reading.area_mm2 >= band.filled and reading.longest_mm >= band.stroke:
        return State.filled
    return State.uncertain


@dataclass
class FieldResult:
    """One input field as read (and, after review, as confirmed by an operator)."""

    name: str
    kind: str
    state: State
    ink_mm2: float
    options: dict[str, State] = field(default_factory=dict)  # for a choice: each option's state

    @property
    def chosen(self) -> list[str]:
        return [value for value, state in self.options.items() if state == State.filled]


def field_state(options: dict[str, State]) -> State:
    """A choice is filled if any option is, blank if all are, otherwise uncertain."""
    states = set(options.values())
    if State.filled in states:
        return State.filled
    return State.uncertain if State.uncertain in states else State.blank


@dataclass(frozen=True)
class Deficiency:
    """A reason to return the form (不備): `code` for counting, `message` and `fix` in plain Japanese."""

    code: str
    message: str
    fix: str = ""
    field: str | None = None

    @property
    def sentence(self) -> str:
        return f"{self.message}{self.fix}"

    def as_json(self) -> dict:
        return {"code": self.code, "field": self.field, "message": self.message, "fix": self.fix}


class Outcome(StrEnum):
    complete = "complete"
    deficient = "deficient"
    review = "review"  # an operator must look at the uncertain fields first


@dataclass
class Verdict:
    outcome: Outcome
    deficiencies: list[Deficiency]
    uncertain: list[str]  # the fields an operator must confirm


def referenced_fields(template: Template) -> set[str]:
    """Fields whose state can change the verdict: required ones and those the rules mention."""
    names = {item.name for item in template.fields().values() if item.required}
    for rule in template.rules:
        if isinstance(rule, ExactlyOne):
            names |= set(rule.fields)
        else:
            names |= {rule.when.field, *rule.then}
    for attachment in template.attachments:
        if attachment.required_when:
            names.add(attachment.required_when.field)
    return names


def evaluate(template: Template, fields: dict[str, FieldResult], pages_present: set[int] | None = None,
             attachment_pages: int | None = None) -> Verdict:
    """The form's verdict. Fields of pages that were not scanned are left out of the rules (a
    missing page is its own deficiency); `attachment_pages=None` skips the attachment check
    (one page checked on its own)."""
    pages_present = pages_present if pages_present is not None else {page.number for page in template.pages}
    known = {name: item for name, item in template.fields().items() if name in fields}
    uncertain = sorted(name for name in referenced_fields(template) & set(fields)
                       if fields[name].state == State.uncertain
                       or State.uncertain in fields[name].options.values())
    certain = _deficiencies(template, known, fields, assume=State.blank)
    if uncertain:
        other = {d.code for d in _deficiencies(template, known, fields, assume=State.filled)}
        certain = [d for d in certain if d.code in other]
    certain += _missing_pages(template, pages_present)
    if attachment_pages is not None and not uncertain:
        certain += _missing_attachments(template, fields, attachment_pages)
    if uncertain:
        return Verdict(Outcome.review, certain, uncertain)
    return Verdict(Outcome.deficient if certain else Outcome.complete, certain, [])


def _resolved(result: FieldResult, assume: State) -> tuple[bool, set[str]]:
    """(filled?, chosen values) with every uncertain reading taken as `assume`."""
    def pick(state: State) -> bool:
        return (assume if state == State.uncertain else state) == State.filled
    if result.options:
        chosen = {value for value, state in result.options.items() if pick(state)}
        return bool(chosen), chosen
    return pick(result.state), set()


def _deficiencies(template: Template, known: dict[str, InputField], fields: dict[str, FieldResult],
                  assume: State) -> list[Deficiency]:
    values = {name: _resolved(fields[name], assume) for name in known}
    found: dict[str, Deficiency] = {}

    def blank(name: str, fix: str) -> None:
        code = f"blank:{name}"
        if code not in found:
            found[code] = Deficiency(code, f"「{known[name].label}」が記入されていません。", fix, name)

    for name, item in known.items():
        filled, chosen = values[name]
        if item.required and not filled:
            blank(name, _fix_for(item))
        if item.kind == "choice" and len(chosen) > 1:
            found[f"several:{name}"] = Deficiency(
                f"several:{name}", f"「{item.label}」で複数が選ばれています。", "一つだけ選んでください。", name)
    for rule in template.rules:
        if isinstance(rule, ExactlyOne):
            names = [name for name in rule.fields if name in known]
            if len(names) != len(rule.fields):
                continue  # its fields are on a page that did not come back
            chosen = [name for name in names if values[name][0]]
            if len(chosen) != 1:
                key = "none_of" if not chosen else "both_of"
                code = f"{key}:{'+'.join(rule.fields)}"
                labels = "」と「".join(known[name].label for name in rule.fields)
                message = (f"「{labels}」のどれにも✓がありません。" if not chosen
                           else f"「{labels}」の両方に✓があります。")
                found[code] = Deficiency(code, message, rule.message, None)
        elif isinstance(rule, RequiredIf):
            if _holds(rule.when, values, known):
                for name in rule.then:
                    if name in known and not values[name][0]:
                        blank(name, rule.message)
    return list(found.values())


def _holds(condition: Condition, values, known) -> bool:
    if condition.field not in known:
        return False
    filled, chosen = values[condition.field]
    if isinstance(condition.equals, bool):
        return filled == condition.equals
    return condition.equals in chosen


def _fix_for(item: InputField) -> str:
    return {"signature": "世帯主ご本人が署名するか、記名のうえ押印してください。",
            "checkbox": "内容をご確認のうえ、□に✓を付けてください。",
            "choice": "当てはまるものを一つ選んで✓を付けてください。",
            "date": "記入した日を書いてください。",
            "digits": "枠に一字ずつ数字で記入してください。"}.get(item.kind, "記入してください。")


def _missing_pages(template: Template, present: set[int]) -> list[Deficiency]:
    return [Deficiency(f"page_missing:{page.number}", f"{page.number}ページ目が届いていません。",
                       "すべてのページをそろえて返送してください。")
            for page in template.pages if page.number not in present]


def _missing_attachments(template: Template, fields: dict[str, FieldResult], pages: int) -> list[Deficiency]:
    """Attachments are copies on plain paper: the check knows how many came, not which is which,
    so it asks for the ones the form needs when fewer pages came than it needs."""
    known = {name: item for name, item in template.fields().items() if name in fields}
    values = {name: _resolved(fields[name], State.blank) for name in known}
    needed = [attachment for attachment in template.attachments
              if attachment.required or (attachment.required_when and _holds(attachment.required_when, values, known))]
    if pages >= len(needed):
        return []
    return [Deficiency(f"attachment:{attachment.name}", f"「{attachment.label}」が同封されていません。",
                       "写しを同封してください。") for attachment in needed[pages:]]
