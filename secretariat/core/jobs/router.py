"""The supervisor's page of background work: every job, its state, duration, attempts and error."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Request

from secretariat.core.auth.actor import Actor
from secretariat.core.auth.roles import Role
from secretariat.core.clock import utcnow
from secretariat.core.jobs.models import Job
from secretariat.core.jobs.registry import Registry
from secretariat.core.jobs.service import duration, list_jobs
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


@router.get("/jobs")
def jobs_page(request: Request, session: DbSession, actor: Supervisor):
    registry: Registry = request.app.state.job_registry
    now = utcnow()
    lines = [JobLine(job, registry.title(job.kind), spoken(duration(job, now)),
                     registry[job.kind].max_attempts if job.kind in registry else None)
             for job in list_jobs(session=session, actor=actor)]
    return render(request, "jobs.html", actor=actor, lines=lines)


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
