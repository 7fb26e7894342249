"""Finding the caller's record in seconds, however the caller or the agent writes it.

A phone number in any form (090-1234-5678, +81 90 1234 5678, 0312345678) becomes E.164 and
then the national digits the store holds. Name kana is compared folded: half- or full-width,
hiragana or katakana, small kana as large, long vowel marks and spaces dropped, so ｷｮｳｺ finds
キヨウコ and サトー finds サトウ's neighbour サト. A 宛名番号, or a postal code with a birth date,
finds the person exactly.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from sqlmodel import Session, select

from secretariat.core.applications.models import Application
from secretariat.core.audit.service import record_audit
from secretariat.core.auth.actor import Actor
from secretariat.core.errors import InvalidInput
from secretariat.core.households.models import Household, Person
from secretariat.core.text import enlarge_small_kana, normalise_kana, normalise_postal_code, to_halfwidth_digits

_DROP = str.maketrans("", "", "ー－-\u3000 ・")
_DIGITS_ONLY = re.compile(r"[^\d+]")
MAX_RESULTS = 30


def to_e164(text: str) -> str:
    """A Japanese phone number as E.164 (+819012345678), or a clear error."""
    digits = _DIGITS_ONLY.sub("", to_halfwidth_digits(text))
    if digits.startswith("+81"):
        national = "0" + digits[3:]
    elif digits.startswith("81") and len(digits) in (11, 12):
        national = "0" + digits[2:]
    else:
        national = digits
    if not national.startswith("0") or not 10 <= len(national) <= 11 or not national.isdigit():
        raise InvalidInput(f"{text!r} is not a Japanese phone number")
    return "+81" + national[1:]


def national_digits(e164: str) -> str:
    return "0" + e164[3:]


def fold_kana(text: str) -> str:
    """The key two spellings of a name share: ｷｮｳｺ, きょうこ and キヨウコ all fold to キヨウコ."""
    return enlarge_small_kana(normalise_kana(text)).translate(_DROP)


@dataclass
class Caller:
    household_id: int
    programme_id: int
    household_number: str
    head_name: str
    head_name_kana: str
    phone: str
    status: str
    matched_by: str


def find_callers(*, session: Session, actor: Actor, query: str = "", phone: str = "", kana: str = "",
                 resident_number: str = "", postal_code: str = "", birth_date: date | None = None) -> list[Caller]:
    """Households matching whatever the agent typed; the result is audited as a read of each."""
    households: dict[int, str] = {}
    if query:
        phone, kana, resident_number = _guess(query)
    if phone:
        national = national_digits(to_e164(phone))
        for household_id in session.exec(select(Household.id).where(Household.phone == national,
                                                                     actor.scope(Household.municipality_id))):
            households.setdefault(household_id, "phone")
    if resident_number:
        for household_id in session.exec(select(Person.household_id).where(
                Person.resident_number == to_halfwidth_digits(resident_number).strip(),
                actor.scope(Person.municipality_id))):
            households.setdefault(household_id, "resident_number")
    if postal_code and birth_date:
        for household_id in session.exec(select(Person.household_id).join(Household, Household.id == Person.household_id)
                                          .where(Household.postal_code == normalise_postal_code(postal_code),
                                                 Person.birth_date == birth_date,
                                                 actor.scope(Person.municipality_id))):
            households.setdefault(household_id, "postal_code+birth_date")
    if kana:
        key = fold_kana(kana)
        if len(key) >= 2:
            # a name never starts with a small kana or a long vowel mark, so its first letter narrows it
            candidates = session.exec(select(Person.household_id, Person.name_kana).where(
                Person.name_kana.like(f"{key[0]}%"), actor.scope(Person.municipality_id)))
            for household_id, name_kana in candidates:
                if fold_kana(name_kana).startswith(key):
                    households.setdefault(household_id, "kana")
    return _callers(session, actor, households)


def _guess(query: str) -> tuple[str, str, str]:
    """What a single search box holds: a phone number, a 宛名番号 or a name in kana. Ten digits
    starting with 0 may be either a landline or a 宛名番号, so both are tried."""
    plain = to_halfwidth_digits(query).strip()
    compact = plain.replace("-", "").replace(" ", "").replace("(", "").replace(")", "")
    if compact.lstrip("+").isdigit():
        try:
            phone = plain if to_e164(plain) else ""
        except InvalidInput:
            phone = ""
        return phone, "", compact if compact.isdigit() else ""
    return "", plain, ""


def _callers(session: Session, actor: Actor, households: dict[int, str]) -> list[Caller]:
    if not households:
        return []
    ids = list(households)[:MAX_RESULTS]
    rows = session.exec(select(Household, Person.name, Person.name_kana, Application.status)
                        .join(Person, (Person.household_id == Household.id) & Person.is_head.is_(True))
                        .join(Application, Application.household_id == Household.id)
                        .where(Household.id.in_(ids)).order_by(Household.id))
    found = [Caller(household_id=h.id, programme_id=h.programme_id, household_number=h.household_number,
                    head_name=name, head_name_kana=kana, phone=h.phone, status=status,
                    matched_by=households[h.id]) for h, name, kana, status in rows]
    for municipality_id in {h.municipality_id for h in session.exec(select(Household).where(Household.id.in_(ids)))}:
        record_audit(session=session, actor=actor, action="list", entity="household", municipality_id=municipality_id,
                     detail="caller lookup ids=" + ",".join(str(c.household_id) for c in found))
    return found
