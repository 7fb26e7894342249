"""Return letters (返戻通知) printed from the web as a background job, with its progress.

The job is keyed by the programme, so a second click on 返戻通知を印刷 joins the job already queued
or printing. It prints the forms the person confirmed (those checked in up to the receipt the
confirmation page named) in batches of `batch_size`: each batch's letters, its applications' step
deficient → returned and its files are committed together before progress is reported (and a
stopping worker interrupts only there). A worker killed mid-batch leaves nothing of that batch,
so the next attempt prints it whole; a committed batch is never printed again, since a receipt
with a letter no longer waits for one.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func
from sqlmodel import Session, select

from mailroom.checkin.models import ReturnBatch
from mailroom.checkin.returns import awaiting_return, print_return_letters, require_return_printer
from secretariat.core.auth.actor import Actor
from secretariat.core.auth.service import actor_for, find_user
from secretariat.core.jobs.models import Job
from secretariat.core.jobs.registry import JobContext, JobKind
from secretariat.core.jobs.service import active_job, enqueue, latest_job
from secretariat.core.programmes.models import Programme
from secretariat.core.programmes.service import get_programme

PRINT_RETURNS = "mailroom.print_returns"
BATCH_SIZE = 200  # letters per batch (one PDF of letters, one of envelope faces): a unit of resumable work


@dataclass(frozen=True)
class ReturnsJob:
    """The programme's newest return-letter job and the batches it has printed so far."""

    job: Job
    batches: list[ReturnBatch]

    @property
    def letters(self) -> int:
        return sum(batch.letter_count for batch in self.batches)


def job_key(programme: Programme) -> str:
    return f"programme-{programme.id}"


def start_return_letters(*, session: Session, actor: Actor, programme: Programme, out_root: Path,
                         through: int | None = None, batch_size: int = BATCH_SIZE) -> Job | None:
    """Queue the printing of the programme's waiting return letters, those checked in up to receipt
    `through` (all waiting now when None); the job already queued or printing if there is one; None
    when nothing waits. The caller commits; the job starts once it has."""
    require_return_printer(actor, programme)
    running = active_job(session, PRINT_RETURNS, job_key(programme))
    if running is not None:
        return running
    waiting = awaiting_return(session, programme, through=through)
    if not waiting:
        return None
    return enqueue(session, PRINT_RETURNS, job_key(programme), municipality_id=programme.municipality_id,
                   created_by=actor.username, programme_id=programme.id, username=actor.username,
                   out_root=str(out_root), through=waiting[-1].id, after_batch=_last_batch_id(session, programme),
                   batch_size=batch_size)


def returns_job_of(*, session: Session, actor: Actor, programme: Programme) -> ReturnsJob | None:
    """The newest job printing the programme's return letters (None before the first click)."""
    require_return_printer(actor, programme)
    job = latest_job(session, PRINT_RETURNS, job_key(programme))
    if job is None:
        return None
    batches = session.exec(select(ReturnBatch).where(ReturnBatch.programme_id == programme.id,
                                                     ReturnBatch.id > job.args["after_batch"])
                           .order_by(ReturnBatch.id))
    return ReturnsJob(job, list(batches))


def print_returns_job(context: JobContext, *, programme_id: int, username: str, out_root: str, through: int,
                      after_batch: int, batch_size: int = BATCH_SIZE) -> None:
    """Print the confirmed letters batch by batch, resuming after whatever an earlier attempt
    committed; progress is letters printed (since the click) of letters to print."""
    with Session(context.engine, expire_on_commit=False) as session:
        # the person who started it, as they are now: a role taken away stops their job
        actor = actor_for(find_user(session=session, username=username))
        programme = get_programme(session=session, actor=actor, programme_id=programme_id)
        while True:
            done = session.exec(select(func.coalesce(func.sum(ReturnBatch.letter_count), 0))
                                .where(ReturnBatch.programme_id == programme.id, ReturnBatch.id > after_batch)).one()
            left = len(awaiting_return(session, programme, through=through))
            context.progress(done, done + left)  # between committed batches: a stopping worker stops here
            if not left:
                return
            print_return_letters(session=session, actor=actor, programme=programme, out_root=Path(out_root),
                                 through=through, limit=batch_size)
            session.commit()


def _last_batch_id(session: Session, programme: Programme) -> int:
    """The newest batch printed before the job: those after it are the job's."""
    return session.exec(select(func.coalesce(func.max(ReturnBatch.id), 0))
                        .where(ReturnBatch.programme_id == programme.id)).one()


JOBS = (JobKind(PRINT_RETURNS, print_returns_job, "返戻通知の印刷"),)
