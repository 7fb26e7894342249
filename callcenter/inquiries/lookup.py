"""Finding the caller's record in seconds, however the caller or the agent writes it.

The search itself is the core's (`secretariat.core.households.service.find_households`, the same
box as a programme's household list): a phone number in any form, 世帯番号 or 宛名番号 with or
without leading zeros, the 受付番号 an online application gave (W00000222, w222), a name in kana (widths, small kana, long vowels and spaces forgiven: ｷｮｳｺ
finds キヨウコ) or in kanji, or a postal code with a birth date. Every result names its
municipality and programme, so two households with the same 世帯番号 are told apart.
"""

from __future__ import annotations

from datetime import date

from sqlmodel import Session

from mailroom.checkin.receipt_numbers import household_of_receipt
from secretariat.core.auth.actor import Actor
from secretariat.core.households.service import (HouseholdRow, SearchTerms, find_households, fold_kana,
                                                 national_phone, read_search)
from secretariat.core.text import normalise_postal_code

__all__ = ["Caller", "find_callers", "fold_kana", "national_digits", "read_search", "to_e164"]

Caller = HouseholdRow
MAX_RESULTS = 30


def to_e164(text: str) -> str:
    """A Japanese phone number as E.164 (+819012345678), or a clear error."""
    return "+81" + national_phone(text)[1:]


def national_digits(e164: str) -> str:
    return "0" + e164[3:]


def find_callers(*, session: Session, actor: Actor, query: str = "", phone: str = "", kana: str = "",
                 resident_number: str = "", postal_code: str = "", birth_date: date | None = None) -> list[Caller]:
    """Households matching what the agent typed in the one box (`query`), or the fields given (the
    telephony's screen pop passes the caller's number); audited as a read of each."""
    if query and (household_id := household_of_receipt(session, query)) is not None:
        return find_households(session=session, actor=actor, terms=SearchTerms(household_ids=(household_id,)),
                               limit=MAX_RESULTS)
    terms = read_search(query) if query else SearchTerms(
        phone=national_phone(phone) if phone else "", kana=fold_kana(kana) if kana else "",
        numbers=read_search(resident_number).numbers if resident_number else (),
        postal_code=normalise_postal_code(postal_code) if postal_code else "", birth_date=birth_date)
    return find_households(session=session, actor=actor, terms=terms, limit=MAX_RESULTS)
