"""The job table: one row per piece of background work, the queue and its record at once."""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import Any

from sqlalchemy import JSON, DateTime, Index, text
from sqlmodel import Field, SQLModel

from secretariat.core.clock import utcnow


class JobState(str, Enum):
    queued = "queued"    # waiting for a worker (a first start, or a retry once its backoff has passed)
    running = "running"  # a worker holds it and beats its heartbeat; a silent heartbeat frees it again
    done = "done"
    failed = "failed"    # every attempt failed: a supervisor sees it on /jobs with its error


STATE_LABELS = {"queued": "待機中", "running": "実行中", "done": "完了", "failed": "失敗"}
ACTIVE_STATES = (JobState.queued.value, JobState.running.value)
ACTIVE_WHERE = text("state IN ('queued', 'running')")


class Job(SQLModel, table=True):
    """A piece of background work (ジョブ), e.g. one print run, named by its kind and key.

    One job per (kind, key) can be active at a time (a partial unique index): a second start of
    the same work joins the one queued or running.
    """

    __tablename__ = "job"
    __table_args__ = (
        Index("ux_job_active_key", "kind", "key", unique=True, sqlite_where=ACTIVE_WHERE, postgresql_where=ACTIVE_WHERE),
        Index("ix_job_due", "state", "run_after"),
        Index("ix_job_kind_key", "kind", "key"),
    )

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=100)
    key: str = Field(max_length=200, description="which piece of work: a second start with the same key joins")
    args: dict[str, Any] = Field(default_factory=dict, sa_type=JSON, description="identifiers, never personal data")
    state: str = Field(default=JobState.queued.value, max_length=10)
    municipality_id: int | None = Field(default=None, foreign_key="municipality.id", index=True)
    created_by: str = Field(default="", max_length=100)
    created_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))
    run_after: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))
    attempts: int = Field(default=0, description="attempts started, the one running included")
    started_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    heartbeat_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    finished_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    worker: str = Field(default="", max_length=100, description="host:pid of the worker holding it")
    done: int = 0
    total: int | None = None
    last_error: str = Field(default="", max_length=500, description="kind of error and where; never personal data")

    @property
    def state_label(self) -> str:
        if self.state == JobState.queued.value and self.attempts:
            return "再試行待ち"
        return STATE_LABELS.get(self.state, self.state)


class ScheduleRun(SQLModel, table=True):
    """A period of a periodic job claimed by the worker that queued it (e.g. the reminders of
    2026-12-01): the key makes a second claim of the same period fail, so the job is queued once
    however many workers on however many machines look at the schedule."""

    __tablename__ = "job_schedule_run"

    name: str = Field(primary_key=True, max_length=100, description="the schedule entry's name")
    period: str = Field(primary_key=True, max_length=40, description="which period: a JST day, or a start time")
    job_id: int | None = Field(default=None, foreign_key="job.id")
    claimed_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))
    claimed_by: str = Field(default="", max_length=100, description="host:pid of the worker that queued it")
