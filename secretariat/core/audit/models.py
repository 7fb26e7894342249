from datetime import datetime

from sqlalchemy import DateTime, Index
from sqlmodel import Field, SQLModel

from secretariat.core.clock import utcnow


class AuditEvent(SQLModel, table=True):
    """One audited action. Append-only: the ORM refuses updates and deletes, and so do
    database triggers (see the initial migration), so not even a bulk statement can edit it.

    `detail` holds identifiers and counts, never personal data.
    """

    __tablename__ = "audit_event"
    __table_args__ = (Index("ix_audit_event_entity", "entity", "entity_id"),
                      Index("ix_audit_event_username_at", "username", "at"))  # a station's count of the day

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True), index=True)
    user_id: int | None = Field(default=None)
    username: str = Field(max_length=64)
    role: str = Field(max_length=20)
    address: str = Field(default="", max_length=64)
    action: str = Field(max_length=40, description="read, list, create, update, transition, import, login, ...")
    entity: str = Field(max_length=40)
    entity_id: int | None = Field(default=None)
    municipality_id: int | None = Field(default=None, index=True)
    detail: str = Field(default="", max_length=1000)
