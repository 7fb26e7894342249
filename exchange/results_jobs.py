"""The status file and result lists (状態一覧・返戻一覧…) as a background job: the exchange page queues
it, a worker writes the files into the municipality's outbox.

A programme of a hundred thousand households takes a while to list as CSV and XLSX, too long for
a request. The job is keyed by programme and day: a second click the same day joins it. It is
idempotent: each file is written whole and renamed into place, so a retry writes the same files
again.

A payment batch's export (Zengin and CSV) stays in its request: a batch is written in well under
a second, and the batch is frozen in the same commit, which a person then sees at once.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from sqlmodel import Session

from exchange.results.status import write_result_files
from secretariat.core.auth.actor import Actor
from secretariat.core.auth.service import actor_for, find_user
from secretariat.core.jobs.models import Job
from secretariat.core.jobs.registry import JobContext, JobKind
from secretariat.core.jobs.service import enqueue, latest_job
from secretariat.core.programmes.models import Programme
from secretariat.core.programmes.service import get_programme

RESULT_FILES = "exchange.result_files"


def job_key(programme: Programme, on: date) -> str:
    return f"P{programme.id}-{on:%Y%m%d}"


def start_result_files(*, session: Session, actor: Actor, programme: Programme, out_dir: Path, on: date) -> Job:
    """Queue the day's files for the programme (or join the job already making them); the caller commits."""
    return enqueue(session, RESULT_FILES, job_key(programme, on), municipality_id=programme.municipality_id,
                   created_by=actor.username, programme_id=programme.id, username=actor.username,
                   out_dir=str(out_dir), on=on.isoformat())


def result_files_job_of(*, session: Session, programme: Programme, on: date) -> Job | None:
    """The newest job making the programme's files of `on` (None when none was started that day)."""
    return latest_job(session, RESULT_FILES, job_key(programme, on))


def result_files_job(context: JobContext, *, programme_id: int, username: str, out_dir: str, on: str) -> None:
    """Write the files as the person who asked for them, as they are now (a role taken away stops it)."""
    context.progress(0, 1)
    with Session(context.engine) as session:
        actor = actor_for(find_user(session=session, username=username))
        programme = get_programme(session=session, actor=actor, programme_id=programme_id)
        write_result_files(session=session, actor=actor, programme=programme, out_dir=Path(out_dir),
                           on=date.fromisoformat(on))
        session.commit()
    context.progress(1, 1)


JOBS = (JobKind(RESULT_FILES, result_files_job, "状況ファイル・結果一覧の作成"),)
