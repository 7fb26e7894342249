from datetime import datetime

from sqlalchemy import DateTime, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from secretariat.core.applications.states import INITIAL
from secretariat.core.clock import utcnow


class Application(SQLModel, table=True):
    """A household's application (申請) under one programme.

    `status` is changed only by `applications.service.transition`; a flush that changes it any
    other way is refused (see `guard.py`).
    """

    __tablename__ = "application"
    __table_args__ = (
        UniqueConstraint("programme_id", "household_id"),
        Index("ix_application_programme_status", "programme_id", "status"),
    )

    id: int | None = Field(default=None, primary_key=True)
    municipality_id: int = Field(foreign_key="municipality.id", index=True)
    programme_id: int = Field(foreign_key="programme.id")
    household_id: int = Field(foreign_key="household.id", index=True)
    status: str = Field(default=INITIAL.value, max_length=20)
    amount_yen: int = Field(default=0, ge=0, description="支給額 under the programme's rules")
    created_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))
    status_changed_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))


class ApplicationEvent(SQLModel, table=True):
    """One step in an application's timeline: from which status to which, by whom, when and why."""

    __tablename__ = "application_event"
    __table_args__ = (Index("ix_application_event_programme_to_at", "programme_id", "to_status", "at"),)

    id: int | None = Field(default=None, primary_key=True)
    application_id: int = Field(foreign_key="application.id", index=True)
    municipality_id: int = Field(foreign_key="municipality.id", index=True)
    programme_id: int = Field(foreign_key="programme.id")
    from_status: str | None = Field(default=None, max_length=20, description="None for the import that created it")
    to_status: str = Field(max_length=20)
    actor: str = Field(max_length=100, description="username, or system:<job> for automated steps")
    at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))
    reason: str = Field(default="", max_length=500)
