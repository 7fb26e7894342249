from datetime import datetime

from sqlalchemy import JSON, DateTime
from sqlmodel import Field, SQLModel

from secretariat.core.clock import utcnow


class DecisionList(SQLModel, table=True):
    """A list of reviewed applications proposed for the payment decision (支給決定).

    Proposed by the secretariat (a supervisor), decided by the municipality's liaison, never the
    same person: approval moves each listed application that is still complete to approved.
    """

    __tablename__ = "exchange_decision_list"

    id: int | None = Field(default=None, primary_key=True)
    municipality_id: int = Field(foreign_key="municipality.id", index=True)
    programme_id: int = Field(foreign_key="programme.id", index=True)
    status: str = Field(default="proposed", max_length=20, description="proposed, approved or rejected")
    line_count: int = 0
    total_yen: int = 0
    flagged_count: int = 0
    directory: str = Field(default="", max_length=500)
    proposed_by: str = Field(max_length=100)
    proposed_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))
    decided_by: str = Field(default="", max_length=100)
    decided_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    reason: str = Field(default="", max_length=500, description="why it was rejected")


class DecisionLine(SQLModel, table=True):
    """One application on a decision list: who, how much, which account, and what to look at."""

    __tablename__ = "exchange_decision_line"

    id: int | None = Field(default=None, primary_key=True)
    decision_list_id: int = Field(foreign_key="exchange_decision_list.id", index=True)
    municipality_id: int = Field(foreign_key="municipality.id", index=True)
    application_id: int = Field(foreign_key="application.id", index=True)
    household_id: int = Field(foreign_key="household.id")
    household_number: str = Field(max_length=20)
    head_name: str = Field(default="", max_length=100)
    amount_yen: int = 0
    account: str = Field(default="", max_length=120, description="the account on file, as one line")
    flags: list[str] = Field(default_factory=list, sa_type=JSON)
    outcome: str = Field(default="", max_length=20, description="'' until decided; approved or excluded")
    outcome_note: str = Field(default="", max_length=200)
