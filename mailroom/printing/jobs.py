"""Print runs as background jobs: the web starts a run, a worker prints it.

The job for a run is keyed by the run, so a second click on 印刷開始 joins the job already
queued or printing. Its unit of resumable work is the run's batch: each batch's households are
reserved in one commit before its file is written (see `runs`), so a worker killed mid-run, or
a web server restarted, leaves a run that the job's next attempt finishes without printing a
household twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlmodel import Session

from mailroom.printing.models import PrintRun
from mailroom.printing.runs import open_run, print_programme, run_progress
from secretariat.core.auth.actor import Actor
from secretariat.core.auth.service import actor_for, find_user
from secretariat.core.jobs.models import Job
from secretariat.core.jobs.registry import JobContext, JobKind
from secretariat.core.jobs.service import enqueue, latest_job
from secretariat.core.programmes.models import Programme
from secretariat.core.programmes.service import get_programme

PRINT_RUN = "mailroom.print_run"


@dataclass(frozen=True)
class StartedRun:
    run: PrintRun
    job: Job


def start_print_run(*, session: Session, actor: Actor, programme: Programme, out_root: Path, wave: int = 1,
                    batch_size: int = 1000) -> StartedRun | None:
    """Open the programme's run (or its unfinished one) and queue its printing; None if nothing is
    left to print. The caller commits; the job starts once it has."""
    run = open_run(session=session, actor=actor, programme=programme, out_root=out_root, wave=wave)
    if run is None:
        return None
    job = enqueue(session, PRINT_RUN, job_key(run), municipality_id=run.municipality_id, created_by=actor.username,
                  run_id=run.id, username=actor.username, batch_size=batch_size)
    return StartedRun(run, job)


def job_key(run: PrintRun) -> str:
    return f"run-{run.id}"


def job_of(*, session: Session, run: PrintRun) -> Job | None:
    """The newest job printing this run (None for a run printed from the command line)."""
    return latest_job(session, PRINT_RUN, job_key(run))


def print_run_job(context: JobContext, *, run_id: int, username: str, batch_size: int = 1000) -> None:
    """Print the run to its end, resuming after whatever an earlier attempt committed; progress is
    households printed of the households the run will hold."""
    with Session(context.engine, expire_on_commit=False) as session:
        run = session.get(PrintRun, run_id)
        if run is None or run.completed_at is not None:
            return  # finished by an attempt that died before it could say so, or by `secretariat print run`
        actor = _acting_for(session, username)
        programme = get_programme(session=session, actor=actor, programme_id=run.programme_id)
        start = run_progress(session=session, run=run)
        total = start.reserved + start.waiting
        done = start.printed
        context.progress(done, total)

        def printed(households: int) -> None:
            nonlocal done
            done += households
            context.progress(done, total)

        print_programme(session=session, actor=actor, programme=programme, out_root=Path(run.directory).parent,
                        wave=run.wave, batch_size=batch_size, progress=printed, workers=1)


def _acting_for(session: Session, username: str) -> Actor:
    """The person who started the run, as they are now (a role taken away stops their run)."""
    return actor_for(find_user(session=session, username=username))


JOBS = (JobKind(PRINT_RUN, print_run_job, "印刷ロットの印刷"),)
