"""Agents as the phone system sees them: their languages and skills, and every change of state.

States are kept as a history (one row per spell, closed when the next begins) rather than a
current-state column, so occupancy and shrinkage in the staffing plan can be measured from
what agents actually did, and a spell's durations add up to the agent's logged-in time.
"""

from datetime import datetime

from sqlalchemy import DateTime, Index
from sqlmodel import Field, SQLModel

from secretariat.core.clock import utcnow

STATES = ("available", "on_call", "wrap_up", "break", "offline")


class AgentProfile(SQLModel, table=True):
    """One agent's telephony profile: the languages they take calls in and their skills."""

    __tablename__ = "callcenter_agent"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="staff_user.id", unique=True)
    languages: str = Field(default="ja", max_length=60, description="comma-separated menu languages, e.g. 'ja,pt'")
    skills: str = Field(default="", max_length=200, description="comma-separated skills, e.g. 'escalation'")
    client_identity: str = Field(max_length=100, unique=True, description="the Voice SDK identity in tokens")


class AgentStateSpell(SQLModel, table=True):
    """A spell of one state of one agent: from `started_at` until `ended_at` (open while current)."""

    __tablename__ = "callcenter_agent_state"
    __table_args__ = (Index("ix_callcenter_agent_state_user_started", "user_id", "started_at"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="staff_user.id")
    state: str = Field(max_length=20, description="available | on_call | wrap_up | break | offline")
    started_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))
    ended_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    call_sid: str | None = Field(default=None, max_length=64, description="the call an on_call/wrap_up spell is for")
    reason: str = Field(default="", max_length=40, description="what set it: screen, call event, login, logout")


class QueueCallback(SQLModel, table=True):
    """A caller who chose to be called back instead of waiting in the queue (virtual hold)."""

    __tablename__ = "callcenter_queue_callback"

    id: int | None = Field(default=None, primary_key=True)
    call_sid: str = Field(max_length=64, unique=True, description="the call the caller hung up to be called back")
    to_e164: str = Field(max_length=20)
    language: str = Field(default="ja", max_length=5)
    household_id: int | None = Field(default=None, foreign_key="household.id")
    municipality_id: int | None = Field(default=None, foreign_key="municipality.id", index=True)
    requested_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))
    status: str = Field(default="waiting", max_length=20, description="waiting | dialling | connected | failed")
    dialled_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    dialled_call_sid: str | None = Field(default=None, max_length=64)
    agent: str | None = Field(default=None, max_length=100)
