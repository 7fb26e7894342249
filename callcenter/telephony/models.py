from datetime import datetime

from sqlalchemy import DateTime
from sqlmodel import Field, Session, SQLModel, select

from secretariat.core.clock import utcnow


class CallRecord(SQLModel, table=True):
    """One inbound call as Twilio reported it: the forecast's actuals and the agent's screen pop."""

    __tablename__ = "callcenter_call"

    id: int | None = Field(default=None, primary_key=True)
    call_sid: str = Field(max_length=64, unique=True)
    from_e164: str = Field(default="", max_length=20)
    language: str = Field(default="ja", max_length=5)
    status: str = Field(default="ringing", max_length=20,
                        description="ringing | queued | answered | abandoned | completed")
    household_id: int | None = Field(default=None, foreign_key="household.id")
    municipality_id: int | None = Field(default=None, foreign_key="municipality.id", index=True)
    agent: str | None = Field(default=None, max_length=100)
    started_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))
    queued_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    answered_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    ended_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    wait_s: int = 0
    talk_s: int = 0
    conference: str | None = Field(default=None, max_length=80, description="interpreter conference name")
    routed_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True),
                                       description="when the router sent the caller to an agent")
    wrap_up_code: str | None = Field(default=None, max_length=30, description="the agent's 後処理 code for the call")
    wrapped_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))


def find_call(session: Session, call_sid: str | None) -> CallRecord | None:
    """The call with this SID, if we have it (None for an empty SID): what every webhook and the
    softphone's endpoints start from."""
    return session.exec(select(CallRecord).where(CallRecord.call_sid == call_sid)).first() if call_sid else None


class SmsNotice(SQLModel, table=True):
    """A text message sent to a resident (SMS通知) and what Twilio said of it."""

    __tablename__ = "callcenter_sms"

    id: int | None = Field(default=None, primary_key=True)
    household_id: int = Field(foreign_key="household.id", index=True)
    municipality_id: int = Field(foreign_key="municipality.id", index=True)
    kind: str = Field(max_length=30, description="received | returned | payment_scheduled")
    to_e164: str = Field(max_length=20)
    message_sid: str = Field(default="", max_length=64)
    status: str = Field(default="queued", max_length=20)
    sent_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))


class SmsOptOut(SQLModel, table=True):
    """A number that answered STOP (配信停止): no notice goes to it again."""

    __tablename__ = "callcenter_sms_opt_out"

    id: int | None = Field(default=None, primary_key=True)
    e164: str = Field(max_length=20, unique=True)
    at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))
