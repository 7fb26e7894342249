"""受付番号: how a resident names an online application when they call, and how staff find it.

An online application's receipt page and its SMS give `W` and the receipt's id in eight digits
(W00000222). A caller reads it out however they like (w222, Ｗ００００００２２２, W-00000222), so
the reading forgives case, widths, a hyphen or spaces and the leading zeros. Paper receipts carry
no number a resident ever sees; staff find those households by name, phone or 世帯番号.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date

from sqlmodel import Session, select

from mailroom.checkin.models import Receipt
from secretariat.core.households.models import Household
from secretariat.core.messages import label
from secretariat.core.programmes.models import Channel

WEB_PREFIX = "W"
_WRITTEN = re.compile(r"^W[\s\-]*(\d{1,10})$", re.IGNORECASE)


def receipt_number(receipt: Receipt) -> str:
    """受付番号 as the resident reads it to the call center."""
    return f"{WEB_PREFIX}{receipt.id:08d}"


def receipt_id_in(text: str) -> int | None:
    """The receipt id a typed 受付番号 names, or None when the text is not one."""
    found = _WRITTEN.match(unicodedata.normalize("NFKC", text).strip())
    return int(found.group(1)) if found else None


def household_of_receipt(session: Session, text: str) -> int | None:
    """The household whose online receipt the typed 受付番号 names (web receipts only: a paper
    receipt's id was never given to anyone)."""
    receipt_id = receipt_id_in(text)
    if receipt_id is None:
        return None
    return session.exec(select(Receipt.household_id).where(Receipt.id == receipt_id,
                                                           Receipt.channel == Channel.web.value)).first()


@dataclass(frozen=True)
class ReceiptLine:
    """One arrival of the household's form, as staff read it on a record."""

    number: str        # 受付番号 of an online application, "" for paper
    channel: str       # 紙 or Web
    arrived_on: date
    outcome: str       # 不備なし, 不備あり, …
    note: str          # why it was flagged (二重提出, late, …), or ""

    @property
    def summary(self) -> str:
        parts = [f"受付番号 {self.number}" if self.number else "", self.outcome, self.note]
        return "　".join(part for part in parts if part)


def receipt_lines(session: Session, household: Household) -> list[ReceiptLine]:
    """Every form the household sent in, oldest first, with the 受付番号 a resident may quote."""
    receipts = session.exec(select(Receipt).where(Receipt.household_id == household.id).order_by(Receipt.id))
    return [ReceiptLine(number=receipt_number(r) if r.channel == Channel.web.value else "",
                        channel="Web" if r.channel == Channel.web.value else "紙", arrived_on=r.arrived_on,
                        outcome=label("receipt", r.outcome), note=r.flag_note) for r in receipts]

