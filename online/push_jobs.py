"""After the decline-by date E, approving a push programme's undecided households as a background job.

The job is keyed by the programme, so a second start joins the one queued or running. It approves
in batches (`online.push.approve_undecided`), each committed before progress is reported: a worker
stopped or killed mid-way leaves only whole batches done, and the next attempt goes on with the
applications still mailed, so none is approved twice and none is missed.
"""

from __future__ import annotations

from sqlmodel import Session

from online.push import APPROVE_BATCH, approve_undecided, require_after_decline_by, undecided
from secretariat.core.audit.service import record_audit
from secretariat.core.auth.actor import Actor
from secretariat.core.jobs.models import Job
from secretariat.core.jobs.registry import JobContext, JobKind
from secretariat.core.jobs.service import enqueue, latest_job
from secretariat.core.programmes.models import Programme
from secretariat.core.programmes.service import get_programme

PUSH_APPROVE = "online.push_approve"
SYSTEM = Actor.system("push_approve")


def job_key(programme: Programme) -> str:
    return f"programme-{programme.id}"


def start_push_approval(*, session: Session, actor: Actor, programme: Programme) -> Job:
    """Queue the approval (refused before E); the caller commits, and the job starts once it has."""
    require_after_decline_by(session, actor, programme)
    record_audit(session=session, actor=actor, action="push_approve", entity="programme", entity_id=programme.id,
                 municipality_id=programme.municipality_id, detail="queued")
    return enqueue(session, PUSH_APPROVE, job_key(programme), municipality_id=programme.municipality_id,
                   created_by=actor.username, programme_id=programme.id)


def push_approval_of(session: Session, programme: Programme) -> Job | None:
    return latest_job(session, PUSH_APPROVE, job_key(programme))


def approve_all(session: Session, programme: Programme, *, actor: Actor = SYSTEM, batch_size: int = APPROVE_BATCH,
                report=lambda done, total: None) -> int:
    """Approve every undecided application batch by batch, committing each; how many moved."""
    done = 0
    while True:
        report(done, done + len(undecided(session, programme)))
        moved = approve_undecided(session=session, actor=actor, programme=programme, limit=batch_size)
        session.commit()
        if not moved:
            return done
        done += moved


def push_approve_job(context: JobContext, *, programme_id: int, batch_size: int = APPROVE_BATCH) -> None:
    """As the system actor (the step follows from the date, not from a person's judgement)."""
    with Session(context.engine, expire_on_commit=False) as session:
        programme = get_programme(session=session, actor=SYSTEM, programme_id=programme_id)
        approve_all(session, programme, batch_size=batch_size, report=context.progress)


JOBS = (JobKind(PUSH_APPROVE, push_approve_job, "支給のお知らせ: 期限後の支給決定"),)
