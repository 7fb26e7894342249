"""Putting work on the queue, and reading it back: what pages and commands call."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta

from sqlalchemy import event, func
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, select

from secretariat.core.auth.actor import Actor
from secretariat.core.auth.roles import Role
from secretariat.core.clock import as_utc, utcnow
from secretariat.core.jobs.models import ACTIVE_STATES, ACTIVE_WHERE, Job, JobState

# Workers of this process wait on these between looks at the queue; a commit that enqueued a job
# sets them, so the embedded worker starts it at once instead of at its next look.
_local_wakers: set[threading.Event] = set()


def enqueue(session: Session, kind: str, key: str, *, municipality_id: int | None = None, created_by: str = "",
            **args) -> Job:
    """Queue `kind` for `key` with `args` (identifiers only: they are stored and shown), in the
    caller's transaction; the job starts once it commits. While a job of the same kind and key is
    queued or running, that job is returned instead: a second start joins the first.

    One statement in the common case: the insert stands aside (`ON CONFLICT DO NOTHING` on the
    partial unique index of active jobs) when the work is already queued, waiting for a racing
    transaction that queued it to end, and only then is the active job read back."""
    now = utcnow()
    values = dict(kind=kind, key=key, args=args, municipality_id=municipality_id, created_by=created_by,
                  state=JobState.queued.value, created_at=now, run_after=now, attempts=0, worker="", done=0,
                  last_error="")  # the model's defaults, without building (and validating) a model first
    insert = _insert_for(session)(Job).values(values).on_conflict_do_nothing(
        index_elements=[Job.kind, Job.key], index_where=ACTIVE_WHERE)
    queued = session.scalars(insert.returning(Job)).first()
    if queued is None:
        return active_job(session, kind, key)
    event.listen(session, "after_commit", _wake_local_workers, once=True)
    return queued


def _insert_for(session: Session):
    """The dialect's own INSERT, which knows ON CONFLICT (both stores speak it)."""
    return sqlite_insert if session.get_bind().dialect.name == "sqlite" else postgresql_insert


def active_job(session: Session, kind: str, key: str) -> Job | None:
    return session.exec(select(Job).where(Job.kind == kind, Job.key == key, Job.state.in_(ACTIVE_STATES))).first()


def latest_job(session: Session, kind: str, key: str) -> Job | None:
    """The newest job for this piece of work, whatever its state."""
    return session.exec(select(Job).where(Job.kind == kind, Job.key == key).order_by(Job.id.desc())).first()


def list_jobs(*, session: Session, actor: Actor, state: str | None = None, limit: int = 200) -> list[Job]:
    """The newest jobs first (only those in `state` if given): the supervisor's view of everything
    running in the background."""
    actor.require(Role.admin, Role.supervisor)
    query = select(Job).where(actor.scope(Job.municipality_id))
    if state is not None:
        query = query.where(Job.state == state)
    return list(session.exec(query.order_by(Job.id.desc()).limit(limit)))


def count_jobs_by_state(*, session: Session, actor: Actor) -> dict[str, int]:
    """How many jobs this actor may see are in each state (a state with none is absent)."""
    actor.require(Role.admin, Role.supervisor)
    return dict(session.exec(select(Job.state, func.count()).where(actor.scope(Job.municipality_id))
                             .group_by(Job.state)).all())


def duration(job: Job, now: datetime | None = None) -> timedelta | None:
    """From its first start to its end, or to now while it is unfinished; None before it starts."""
    if job.started_at is None:
        return None
    end = job.finished_at or now or utcnow()
    return as_utc(end) - as_utc(job.started_at)


def add_local_waker(wake: threading.Event) -> None:
    _local_wakers.add(wake)


def remove_local_waker(wake: threading.Event) -> None:
    _local_wakers.discard(wake)


def _wake_local_workers(_session=None) -> None:
    for wake in list(_local_wakers):
        wake.set()
