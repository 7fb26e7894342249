"""Periodic jobs (定期ジョブ): entries of a schedule that workers queue as their time comes.

The composition root builds the `Schedule` beside the job registry (which kinds, when, with which
arguments); every worker, the one embedded in `secretariat serve` included, looks at it between
jobs. Each entry's time falls in a period (a JST day for `Daily`, a slot of N minutes for
`Every`); the first worker to see a due period claims it in `job_schedule_run`, whose key refuses
a second claim, and queues the job in the same transaction. So the job is queued once per period
however many workers on however many machines look, and a worker that was down at the time
catches up within the period.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, time, timezone
from typing import Any

from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from secretariat.core.clock import as_utc, in_jst
from secretariat.core.jobs.models import Job, ScheduleRun
from secretariat.core.jobs.service import enqueue

log = logging.getLogger(__name__)
SCHEDULER = "system:schedule"


@dataclass(frozen=True)
class Daily:
    """Every day at `at` on Japan's clock; a worker that starts later that day still queues it."""

    at: time

    def period(self, now: datetime) -> str | None:
        """The JST day of `now` once `at` has passed in it; None before."""
        local = in_jst(now)
        return local.date().isoformat() if local.time() >= self.at else None

    @property
    def label(self) -> str:
        return f"毎日 {self.at:%H:%M}"


@dataclass(frozen=True)
class Every:
    """Every `minutes` minutes, in slots counted from midnight UTC of 1970-01-01."""

    minutes: int

    def __post_init__(self):
        if self.minutes < 1:
            raise ValueError("a periodic job runs at most once a minute")

    def period(self, now: datetime) -> str:
        seconds = int(as_utc(now).timestamp())
        start = seconds - seconds % (self.minutes * 60)
        return datetime.fromtimestamp(start, timezone.utc).strftime("%Y-%m-%dT%H:%MZ")

    @property
    def label(self) -> str:
        return f"{self.minutes}分ごと"


@dataclass(frozen=True)
class ScheduleEntry:
    name: str   # one per entry: the claims are kept under it
    kind: str   # the job kind it queues (registered in the same registry)
    when: Daily | Every
    args: dict[str, Any] = field(default_factory=dict)  # identifiers and settings, never personal data


class Schedule:
    def __init__(self, entries: Iterable[ScheduleEntry] = ()):
        self.entries: list[ScheduleEntry] = []
        for entry in entries:
            if any(known.name == entry.name for known in self.entries):
                raise ValueError(f"schedule entry {entry.name!r} is added twice")
            self.entries.append(entry)

    def __bool__(self) -> bool:
        return bool(self.entries)

    def queue_due(self, engine: Engine, now: datetime, *, worker: str = "") -> list[Job]:
        """Queue each entry due in its current period that no worker has claimed yet; the jobs queued
        by this call (none when another worker got there first)."""
        queued = []
        for entry in self.entries:
            period = entry.when.period(now)
            if period is None or _claimed(engine, entry.name, period):
                continue
            job = _claim_and_queue(engine, entry, period, worker)
            if job is not None:
                queued.append(job)
        return queued


def _claimed(engine: Engine, name: str, period: str) -> bool:
    """A read first, so workers looking at an already claimed period never take the write lock."""
    with Session(engine) as session:
        return session.get(ScheduleRun, (name, period)) is not None


def _claim_and_queue(engine: Engine, entry: ScheduleEntry, period: str, worker: str) -> Job | None:
    with Session(engine, expire_on_commit=False) as session:
        claim = ScheduleRun(name=entry.name, period=period, claimed_by=worker)
        session.add(claim)
        try:
            session.flush()  # on PostgreSQL a racing claim waits here for ours, then fails on the key
        except IntegrityError:
            session.rollback()
            return None
        job = enqueue(session, entry.kind, f"{entry.name}:{period}", created_by=SCHEDULER, **entry.args)
        session.flush()
        claim.job_id = job.id
        try:
            session.commit()
        except IntegrityError:  # SQLite: the racing claim committed between our flush and our commit
            session.rollback()
            return None
    log.info("scheduled job %s (%s) queued for %s", job.id, entry.kind, period)
    return job


def claims(engine: Engine, name: str) -> list[ScheduleRun]:
    """The periods an entry has been queued for, oldest first."""
    with Session(engine) as session:
        return list(session.exec(select(ScheduleRun).where(ScheduleRun.name == name).order_by(ScheduleRun.period)))
