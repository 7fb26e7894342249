"""The supervisor's page of background work: every job, its state, duration, attempts and error."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Query, Request

from secretariat.core.auth.actor import Actor
from secretariat.core.auth.roles import Role
from secretariat.core.clock import utcnow
from secretariat.core.jobs.models import STATE_LABELS, Job, JobState
from secretariat.core.jobs.registry import Registry
from secretariat.core.jobs.service import count_jobs_by_state, duration, list_jobs
from secretariat.core.web.deps import DbSession, require_roles
from secretariat.core.web.templating import render

router = APIRouter()
Supervisor = Annotated[Actor, require_roles(Role.admin, Role.supervisor)]


@dataclass(frozen=True)
class JobLine:
    job: Job
    title: str                # the kind's Japanese name
    duration: str             # from its first start to its end (or to now)
    max_attempts: int | None  # None for a kind this web process does not know


# the filter's order on the page: what needs a supervisor first
FILTER_STATES = (JobState.failed.value, JobState.running.value, JobState.queued.value, JobState.done.value)


@router.get("/jobs")
def jobs_page(request: Request, session: DbSession, actor: Supervisor,
              state: Annotated[str, Query(max_length=20)] = ""):
    """Every job, or those in one state (`?state=failed`); an unknown state is said so, and all are shown."""
    registry: Registry = request.app.state.job_registry
    error = ""
    if state and state not in FILTER_STATES:
        error = f"状態「{state}」はありません。{'・'.join(STATE_LABELS[known] for known in FILTER_STATES)}から選んでください"
        state = ""
    now = utcnow()
    lines = [JobLine(job, registry.title(job.kind), spoken(duration(job, now)),
                     registry[job.kind].max_attempts if job.kind in registry else None)
             for job in list_jobs(session=session, actor=actor, state=state or None)]
    counts = count_jobs_by_state(session=session, actor=actor)
    filters = [("", "すべて", sum(counts.values()))] + [(known, STATE_LABELS[known], counts.get(known, 0))
                                                       for known in FILTER_STATES]
    return render(request, "jobs.html", actor=actor, lines=lines, filters=filters, state=state, error=error)


def spoken(length: timedelta | None) -> str:
    """1時間02分, 3分05秒, 42秒; empty before a job starts."""
    if length is None:
        return ""
    seconds = max(0, int(length.total_seconds()))
    if seconds < 60:
        return f"{seconds}秒"
    if seconds < 3600:
        return f"{seconds // 60}分{seconds % 60:02d}秒"
    return f"{seconds // 3600}時間{seconds % 3600 // 60:02d}分"
