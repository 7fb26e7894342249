"""The SMS outbox: one row per text a domain asked to send to a household.

Any domain (the residents' side, the exchange, the mailroom) may ask for a text; only the call
center holds the telephony account and sends them, as a background job. The outbox keeps the two
apart (the core imports no domain) and makes sending resumable: a row is sent once, and a worker
killed mid-run leaves the rest waiting. A body may carry a resident's link, so it is kept only
until the text has gone (then blanked; `kind` stays for the record).
"""

from datetime import datetime
from enum import Enum

from sqlalchemy import DateTime, Index
from sqlmodel import Field, SQLModel

from secretariat.core.clock import utcnow


class SmsState(str, Enum):
    waiting = "waiting"  # asked for; the SMS job has not taken it yet
    sending = "sending"  # taken by the SMS job (committed before Twilio is called); never taken again
    sent = "sent"        # handed to the carrier (its delivery status is on the call center's record)
    skipped = "skipped"  # not sent, on purpose: no mobile number, or the number opted out (STOP)
    failed = "failed"    # the carrier refused it; `error` says why (never the body)


class SmsRequest(SQLModel, table=True):
    """A text to one household's mobile (SMS送信依頼), waiting in the outbox or sent."""

    __tablename__ = "sms_request"
    __table_args__ = (Index("ix_sms_request_waiting", "state", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    household_id: int = Field(foreign_key="household.id", index=True)
    municipality_id: int = Field(foreign_key="municipality.id", index=True)
    kind: str = Field(max_length=40, description="what the text is for: online_receipt, push_notice…")
    body: str = Field(default="", max_length=670, description="the text (10 SMS segments at most); blanked once sent")
    state: str = Field(default=SmsState.waiting.value, max_length=10)
    requested_by: str = Field(default="", max_length=100)
    requested_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))
    sent_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    message_sid: str = Field(default="", max_length=64)
    error: str = Field(default="", max_length=200, description="why it was skipped or failed; never personal data")
