from datetime import date, datetime

from sqlalchemy import DateTime, Index
from sqlmodel import Field, SQLModel

from secretariat.core.clock import utcnow

CHANNELS = ("phone", "web", "counter")
LANGUAGES = ("ja", "en", "zh", "ko", "pt", "vi")
DEFAULT_CATEGORIES = ("eligibility", "how_to_fill_in", "deficiency", "payment_date", "address_change", "decline",
                      "suspected_scam", "other")
CATEGORY_LABELS_JA = {"eligibility": "対象かどうか", "how_to_fill_in": "書き方", "deficiency": "不備",
                      "payment_date": "振込日", "address_change": "住所変更", "decline": "辞退",
                      "suspected_scam": "詐欺の疑い", "other": "その他"}


class Inquiry(SQLModel, table=True):
    """One contact with a resident (問い合わせ): who, how, about what, and what came of it."""

    __tablename__ = "callcenter_inquiry"
    __table_args__ = (Index("ix_callcenter_inquiry_programme_at", "programme_id", "created_at"),)

    id: int | None = Field(default=None, primary_key=True)
    municipality_id: int = Field(foreign_key="municipality.id", index=True)
    programme_id: int = Field(foreign_key="programme.id")
    household_id: int | None = Field(default=None, foreign_key="household.id", index=True)
    channel: str = Field(default="phone", max_length=10)
    language: str = Field(default="ja", max_length=5)
    category: str = Field(max_length=40)
    text: str = Field(default="", max_length=4000, description="what was asked and answered, in the agent's words")
    outcome: str = Field(default="answered", max_length=20,
                         description="answered | escalated | callback | reissued | declined | address_change")
    agent: str = Field(max_length=100)
    call_sid: str | None = Field(default=None, max_length=64)
    created_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))


class Escalation(SQLModel, table=True):
    """A question only the municipality can answer (自治体への照会), with its response clock.

    The clock counts business days (weekends and national holidays excluded) from `opened_at`,
    less the business days it spent paused (waiting on the resident, say).
    """

    __tablename__ = "callcenter_escalation"

    id: int | None = Field(default=None, primary_key=True)
    inquiry_id: int = Field(foreign_key="callcenter_inquiry.id", index=True)
    municipality_id: int = Field(foreign_key="municipality.id", index=True)
    programme_id: int = Field(foreign_key="programme.id")
    household_id: int | None = Field(default=None, foreign_key="household.id")
    question: str = Field(max_length=4000)
    status: str = Field(default="open", max_length=10, description="open | paused | answered")
    opened_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))
    opened_by: str = Field(max_length=100)
    paused_on: date | None = None
    paused_business_days: int = 0
    answer: str = Field(default="", max_length=4000)
    answered_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    answered_by: str | None = Field(default=None, max_length=100)


class Callback(SQLModel, table=True):
    """A call the secretariat owes a resident (折り返し)."""

    __tablename__ = "callcenter_callback"

    id: int | None = Field(default=None, primary_key=True)
    inquiry_id: int = Field(foreign_key="callcenter_inquiry.id", index=True)
    municipality_id: int = Field(foreign_key="municipality.id", index=True)
    household_id: int | None = Field(default=None, foreign_key="household.id")
    phone: str = Field(max_length=20)
    due_at: datetime = Field(sa_type=DateTime(timezone=True))
    done_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    done_by: str = Field(default="", max_length=100)
    outcome: str = Field(default="", max_length=300, description="what came of the call, in the agent's words")


class AddressChange(SQLModel, table=True):
    """A new address a resident gave by phone, noted for the municipality to confirm (住所変更の連絡)."""

    __tablename__ = "callcenter_address_change"

    id: int | None = Field(default=None, primary_key=True)
    inquiry_id: int = Field(foreign_key="callcenter_inquiry.id", index=True)
    municipality_id: int = Field(foreign_key="municipality.id", index=True)
    household_id: int = Field(foreign_key="household.id")
    postal_code: str = Field(max_length=7)
    address: str = Field(max_length=200)
    noted_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))
    resolved_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    resolved_by: str = Field(default="", max_length=100)
    resolution: str = Field(default="", max_length=20, description="'' while open; confirmed or rejected")
    resolution_note: str = Field(default="", max_length=300)
