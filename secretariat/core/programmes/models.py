from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import JSON, DateTime, UniqueConstraint
from sqlmodel import Field, SQLModel

from secretariat.core.clock import utcnow


class Channel(StrEnum):
    """How a household may answer: a paper form, the web form, or push-type (pay unless declined)."""

    paper = "paper"
    web = "web"
    push = "push"


class ProgrammeBase(SQLModel):
    name: str = Field(max_length=200, description="e.g. 令和8年度 住民税非課税世帯等臨時特別給付金")
    amount_per_household_yen: int = Field(default=0, ge=0)
    amount_per_child_yen: int = Field(default=0, ge=0)
    child_max_age: int = Field(default=18, ge=0, description="a child is aged this or younger on the reference date")
    reference_date: date = Field(description="基準日: the date eligibility and ages are judged at")
    opens_date: date = Field(description="first day applications are accepted")
    deadline_date: date = Field(description="申請期限: last day a reply counts")
    channels: list[str] = Field(default_factory=lambda: [Channel.paper.value], sa_type=JSON)
    form_templates: list[str] = Field(default_factory=list, sa_type=JSON,
                                      description="template names the print room mails for this programme")
    inquiry_categories: list[str] = Field(default_factory=list, sa_type=JSON,
                                          description="the call center's inquiry taxonomy; empty: the default one")


class Programme(ProgrammeBase, table=True):
    """A benefit programme (給付事業) run for one municipality."""

    __tablename__ = "programme"
    __table_args__ = (UniqueConstraint("municipality_id", "name"),)

    id: int | None = Field(default=None, primary_key=True)
    municipality_id: int = Field(foreign_key="municipality.id", index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))
