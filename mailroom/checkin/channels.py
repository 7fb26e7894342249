"""How each household answered its notice: on paper, on the web, or by letting a push notice
(支給のお知らせ) stand. One rule for the back office's figures and the municipality's status file.

A household's channel is that of its first receipt (each receipt records `paper` or `web`); a
household of a push programme with no receipt answered through its push page or by letting the
decline-by date pass, once its application has moved past the notice. Otherwise it has not
answered yet (None).
"""

from __future__ import annotations

from sqlalchemy import func
from sqlmodel import Session, select

from mailroom.checkin.models import Receipt
from secretariat.core.applications.models import Application
from secretariat.core.applications.states import Status
from secretariat.core.programmes.models import Channel, Programme

CHANNELS = ("paper", "web", "push")
CHANNEL_NAMES = {"paper": "紙の申請書", "web": "オンライン申請", "push": "支給のお知らせ（プッシュ型）"}
# a push programme's household that has moved past its notice answered it, even if only by waiting
_PAST_THE_NOTICE = {Status.approved.value, Status.declined.value, Status.paid.value, Status.payment_failed.value,
                    Status.withdrawn.value}


def channel_of(programme: Programme, receipt_channel: str | None, status: str) -> str | None:
    if receipt_channel:
        return receipt_channel
    if Channel.push.value in (programme.channels or []) and status in _PAST_THE_NOTICE:
        return Channel.push.value
    return None


def first_receipt_channels(session: Session, programme: Programme) -> dict[int, str]:
    """Household id → the channel of its first receipt, for the households that sent one."""
    first_receipts = select(func.min(Receipt.id)).where(Receipt.programme_id == programme.id) \
        .group_by(Receipt.household_id)
    return dict(session.exec(select(Receipt.household_id, Receipt.channel)
                             .where(Receipt.id.in_(first_receipts))).all())


def application_channels(session: Session, programme: Programme) -> dict[int, str | None]:
    """Application id → how its household answered (None: not yet)."""
    by_household = first_receipt_channels(session, programme)
    return {application_id: channel_of(programme, by_household.get(household_id), status)
            for application_id, household_id, status in session.exec(
                select(Application.id, Application.household_id, Application.status)
                .where(Application.programme_id == programme.id))}
