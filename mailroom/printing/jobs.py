"""Print runs as background jobs: the web (or `secretariat print run`) starts a run, workers print it.

A run is two kinds of job. The run's job (`mailroom.print_run`, keyed `run-N`: a second click on
印刷開始 joins it) reserves the run's batches in postal-code order, each in one commit with the
queueing of its batch job, then marks the run's batches all queued. Each batch job
(`mailroom.print_batch`, keyed `run-N/batch-0001`) draws its batch's PDF, issuing the forms'
notice links as they are drawn, into a temporary file that is renamed once complete, and records
it; so any number of workers, on any number of machines, share one run. A batch already written
and recorded is not drawn again; one whose worker was killed is drawn again from the start.
Whichever job ends last (the run's job or a batch) finishes the run: totals and manifest.csv, in
batch order, once (a conditional update lets only one finish it).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from sqlalchemy import or_
from sqlmodel import Session, select

from mailroom.printing import notice_links
from mailroom.printing.models import PrintBatch, PrintRun
from mailroom.printing.notice_links import NoticeLinks
from mailroom.printing.runs import finish_run, open_run, render_batch, reserve_next_batch, run_progress
from secretariat.core.auth.actor import Actor
from secretariat.core.auth.roles import Role
from secretariat.core.auth.service import actor_for, find_user
from secretariat.core.clock import utcnow
from secretariat.core.errors import NotFound
from secretariat.core.jobs.models import STATE_LABELS, Job, JobState
from secretariat.core.jobs.registry import JobContext, JobKind, Registry
from secretariat.core.jobs.service import enqueue
from secretariat.core.programmes.models import Programme
from secretariat.core.programmes.service import get_programme

PRINT_RUN = "mailroom.print_run"
PRINT_BATCH = "mailroom.print_batch"
PRINTERS = (Role.admin, Role.supervisor, Role.operator)
SYSTEM_PREFIX = "system:"  # `Actor.system`'s usernames (a command's), which no login can have


@dataclass(frozen=True)
class StartedRun:
    run: PrintRun
    job: Job


def start_print_run(*, session: Session, actor: Actor, programme: Programme, out_root: Path, wave: int = 1,
                    batch_size: int = 1000, limit: int | None = None) -> StartedRun | None:
    """Open the programme's run (or its unfinished one) and queue its printing; None if nothing is
    left to print. The caller commits; the job starts once it has."""
    run = open_run(session=session, actor=actor, programme=programme, out_root=out_root, wave=wave)
    if run is None:
        return None
    job = enqueue(session, PRINT_RUN, job_key(run), municipality_id=run.municipality_id, created_by=actor.username,
                  run_id=run.id, username=actor.username, batch_size=batch_size, limit=limit)
    return StartedRun(run, job)


def job_key(run: PrintRun) -> str:
    """The run's job's key; its batches' jobs are keyed under it (`run-N/batch-0001`)."""
    return f"run-{run.id}"


def batch_key(run: PrintRun, batch: PrintBatch) -> str:
    return f"{job_key(run)}/batch-{batch.number:04d}"


def print_run_job(context: JobContext, *, run_id: int, username: str, batch_size: int = 1000,
                  limit: int | None = None) -> None:
    """Reserve the run's batches and queue a job for each (and again for a batch whose job failed),
    resuming after whatever an earlier attempt committed; progress is households reserved of the
    households the run will hold."""
    with Session(context.engine, expire_on_commit=False) as session:
        run = session.get(PrintRun, run_id)
        if run is None or run.completed_at is not None:
            return  # finished by its last batch, or by an attempt that died before it could say so
        actor = _printer(session, username)
        programme = get_programme(session=session, actor=actor, programme_id=run.programme_id)
        start = run_progress(session=session, run=run)
        total = start.reserved + start.waiting
        if limit is not None:
            total = min(total, max(limit, start.reserved))
        reserved = start.reserved
        context.progress(reserved, total)
        for batch in session.exec(select(PrintBatch).where(PrintBatch.print_run_id == run.id,
                                                           PrintBatch.written_at.is_(None))):
            _queue_batch(session, run, batch, username)
        session.commit()
        while (batch := reserve_next_batch(session=session, actor=actor, run=run, programme=programme,
                                           batch_size=batch_size, limit=limit)) is not None:
            _queue_batch(session, run, batch, username)
            session.commit()
            reserved += batch.household_count
            context.progress(reserved, total)
        if run.batches_queued_at is None:
            run.batches_queued_at = utcnow()
            session.add(run)
            session.commit()
        finish_run(session=session, run=run)


def _queue_batch(session: Session, run: PrintRun, batch: PrintBatch, username: str) -> Job:
    return enqueue(session, PRINT_BATCH, batch_key(run, batch), municipality_id=run.municipality_id,
                   created_by=username, batch_id=batch.id, username=username)


def print_batch_job(context: JobContext, *, batch_id: int, username: str) -> None:
    """Draw one reserved batch and record it, unless an earlier attempt did; then finish the run
    if this was its last batch. Progress is the batch's households, all at once when it is written."""
    with Session(context.engine, expire_on_commit=False) as session:
        batch = session.get(PrintBatch, batch_id)
        if batch is None:
            raise NotFound.of("印刷バッチ", batch_id)
        run = session.get(PrintRun, batch.print_run_id)
        context.progress(0, batch.household_count)
        if batch.written_at is None:
            actor = _printer(session, username)
            programme = get_programme(session=session, actor=actor, programme_id=run.programme_id)
            render_batch(session=session, run=run, batch=batch, programme=programme)
            session.commit()
        context.progress(batch.household_count, batch.household_count)
        session.refresh(run)
        if run.batches_queued_at is not None:
            finish_run(session=session, run=run)


def _printer(session: Session, username: str) -> Actor:
    """Who started the run: the person as they are now (a role taken away stops their run), or the
    system actor of a command (`secretariat print run`), which has no login."""
    if username.startswith(SYSTEM_PREFIX):
        return Actor.system(username.removeprefix(SYSTEM_PREFIX))
    actor = actor_for(find_user(session=session, username=username))
    actor.require(*PRINTERS)
    return actor


# --- the run's progress, from its jobs -------------------------------------------------------

@dataclass(frozen=True)
class RunWork:
    """A run's printing as its jobs tell it: the run's job and its batches' jobs, seen as one."""

    state: str        # failed if a job failed; queued if one waits for a retry; else running, queued or done
    attempts: int     # of the job that failed or waits for a retry, else the most any job has taken
    last_error: str   # that job's error
    done: int         # households in batches whose job has written them
    total: int | None  # households the run will hold (counted by the run's job), None before it ran
    failed_batch: int | None = None  # the batch whose job failed, if one did

    @property
    def state_label(self) -> str:
        if self.state == JobState.queued.value and self.attempts:
            return "再試行待ち"
        return STATE_LABELS.get(self.state, self.state)

    @property
    def over(self) -> bool:
        """Nothing of it runs now: done, failed, or waiting for a retry that a worker makes later."""
        return self.state in (JobState.done.value, JobState.failed.value) or (
            self.state == JobState.queued.value and self.attempts > 0)


def job_of(*, session: Session, run: PrintRun) -> RunWork | None:
    """The run's printing as its jobs tell it (None for a run no job has printed)."""
    key = job_key(run)
    latest: dict[str, Job] = {}
    for job in session.exec(select(Job).where(Job.kind.in_((PRINT_RUN, PRINT_BATCH)),
                                              or_(Job.key == key, Job.key.startswith(key + "/", autoescape=True)))
                            .order_by(Job.id)):
        latest[job.key] = job
    run_job = latest.pop(key, None)
    if run_job is None:
        return None
    jobs = [run_job, *latest.values()]
    states = {job.state for job in jobs}
    erring = next((job for job in jobs if job.state == JobState.failed.value), None) or next(
        (job for job in jobs if job.state == JobState.queued.value and job.attempts), None)
    if erring is not None:
        state = erring.state
    elif JobState.running.value in states or (JobState.queued.value in states and JobState.done.value in states):
        state = JobState.running.value  # some of its batches printed, the others waiting for a worker
    else:
        state = JobState.queued.value if JobState.queued.value in states else JobState.done.value
    attempts = erring.attempts if erring else max(job.attempts for job in jobs)
    failed_batch = None
    if erring is not None and erring.kind == PRINT_BATCH:
        failed_batch = int(erring.key.rsplit("-", 1)[1])
    return RunWork(state=state, attempts=attempts, last_error=erring.last_error if erring else "",
                   done=sum(job.done for job in latest.values() if job.state == JobState.done.value),
                   total=run_job.total, failed_batch=failed_batch)


def print_registry(links: Callable[[], NoticeLinks] | None = None) -> Registry:
    """The print room's job kinds alone, for a command's own workers (`secretariat print run`). With
    `links` (given by the composition root: the print room cannot make links), each job draws the
    households' links from the hook `links()` makes."""
    if links is None:
        return Registry(JOBS)

    def drawing_links(function):
        def run(context: JobContext, **args):
            with notice_links.using(links()):
                return function(context, **args)
        return run
    return Registry(replace(kind, function=drawing_links(kind.function)) for kind in JOBS)


JOBS = (JobKind(PRINT_RUN, print_run_job, "印刷ロットの印刷"),
        JobKind(PRINT_BATCH, print_batch_job, "印刷バッチの印刷"))
