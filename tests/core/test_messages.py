"""The one message catalogue names every code the code base defines, and shows an unknown code as itself."""

import re
from pathlib import Path

import pytest
import yaml

from callcenter.inquiries.models import CHANNELS, DEFAULT_CATEGORIES, LANGUAGES
from exchange.decisions.files import FLAG_LABELS_JA
from exchange.decisions.flows import STATUS_LABELS_JA as DECISION_STATES
from mailroom.keying import flows as keying
from mailroom.scanning.verdict import Outcome, State
from secretariat.core.applications.states import Status
from secretariat.core.auth.roles import Role
from secretariat.core.households.models import AccountType, Sex
from secretariat.core.messages import label, label_code, missing
from secretariat.core.programmes.models import Channel
from secretariat.core.web.templating import templates
from templates.loader import load_template
from templates.schema import ExactlyOne

ROOT = Path(__file__).parents[2]
FORMS = sorted((ROOT / "templates" / "forms").glob("*.yaml"))
SOURCES = [path for package in ("secretariat", "mailroom", "callcenter", "exchange")
           for path in (ROOT / package).rglob("*.py")]


def literals(keyword: str) -> set[str]:
    """Every `keyword="code"` the code base writes (the audit's actions and entities)."""
    pattern = re.compile(rf'\b{keyword}="([a-z_]+)"')
    return {code for path in SOURCES for code in pattern.findall(path.read_text(encoding="utf-8"))}


def deficiency_codes(template) -> set[str]:
    """Every code the scan check can give this form (mailroom/scanning/verdict.py builds them so)."""
    fields = template.fields()
    codes = {f"blank:{name}" for name in fields}
    codes |= {f"several:{name}" for name, item in fields.items() if item.kind == "choice"}
    for rule in template.rules:
        if isinstance(rule, ExactlyOne):
            codes |= {f"none_of:{'+'.join(rule.fields)}", f"both_of:{'+'.join(rule.fields)}"}
    codes |= {f"attachment:{attachment.name}" for attachment in template.attachments}
    codes |= {f"page_missing:{page.number}" for page in template.pages}
    return codes


DEFINED = {
    "status": list(Status),
    "role": list(Role),
    "programme_channel": list(Channel),
    "sex": list(Sex),
    "account_type": list(AccountType),
    "inquiry": DEFAULT_CATEGORIES,
    "inquiry_outcome": ["answered", "escalated", "callback", "reissued", "declined", "address_change"],
    "contact_channel": CHANNELS,
    "language": LANGUAGES,
    "escalation": ["open", "paused", "answered"],
    "receipt": ["pending", *Outcome],
    "read_state": list(State),
    "keying": keying.STATUSES,
    "keying_kind": list(keying.KIND_LABELS_JA),
    "decision": list(DECISION_STATES),
    "decision_flag": list(FLAG_LABELS_JA),
    "match": ["phone", "resident_number", "kana", "postal_code+birth_date"],
    "audit_action": sorted(literals("action")),
    "audit_entity": sorted(literals("entity")),
    "template_kind": sorted({yaml.safe_load(path.read_text(encoding="utf-8")).get("kind")
                             for path in (ROOT / "templates").glob("*/*.yaml") if path.parent.name != "mappings"} - {None}),
}


@pytest.mark.parametrize("kind", sorted(DEFINED))
def test_the_catalogue_names_every_code_of_each_kind(kind):
    assert missing(kind, DEFINED[kind]) == []


@pytest.mark.parametrize("path", FORMS, ids=lambda path: path.stem)
def test_the_catalogue_names_every_field_and_deficiency_of_each_form(path):
    template = load_template(path)
    assert missing("field", template.fields()) == []
    assert missing("deficiency", deficiency_codes(template)) == []


def test_a_deficiency_reads_as_a_japanese_sentence_naming_what_is_missing():
    assert label("deficiency", "attachment:id_copy") == "「本人確認書類の写し」が同封されていません"
    assert label("deficiency", "none_of:receive+decline") == "「受け取る」と「辞退する」のいずれにも✓がありません"


def test_an_unknown_code_shows_as_itself_and_nothing_as_a_dash():
    assert label("status", "teleported") == "teleported"
    assert label("deficiency", "blank:no_such_field") == "blank:no_such_field"
    assert label("status", None) == "—"


def test_templates_have_the_catalogue_as_filters_and_globals():
    page = templates.env.from_string(
        "{{ 'received'|label('status') }}/{{ 'resident_number'|label_code('match') }}/{{ label('escalation', 'open') }}"
        "/{{ labels('receipt')['review'] }}")
    assert page.render() == "受付済み/宛名番号（resident_number）/回答待ち/目視確認待ち"


def test_a_code_beside_its_name_only_when_the_catalogue_knows_it():
    assert label_code("receipt", "deficient") == "不備あり（deficient）"
    assert label_code("receipt", "lost") == "lost"
