"""A target list uploaded from the liaison's page (Web取込), imported by a background job.

The page keeps the uploaded file in the municipality's drop archive, as the drop keeps an SFTP
upload, and queues its import keyed by the municipality, the programme and the file's SHA-256:
a second submit of the same file while the first is queued or running joins that job (its own
copy is removed). The job imports as the liaison who uploaded (as they are now: a login taken
away stops it) and writes the validation report to the municipality's outbox.

The import and the job's link to the file's record (`target_file_id` in its arguments) commit
together, so an attempt after a crash finds the file already imported and only writes its
report again: one record, one import, however often the job is retried.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path

from sqlalchemy import update
from sqlmodel import Session

from exchange.drop.processing import report_csv
from exchange.drop.login import sha256_of
from exchange.results.files import write_atomically
from exchange.targets.encoding import Limits
from exchange.targets.models import TargetFile
from exchange.targets.service import import_target_file
from exchange.targets.validate import Problem
from secretariat.core.auth.actor import Actor
from secretariat.core.auth.roles import Role
from secretariat.core.auth.service import actor_for, find_user
from secretariat.core.db import is_sqlite
from secretariat.core.errors import NotFound
from secretariat.core.jobs.models import ACTIVE_STATES, Job, JobState
from secretariat.core.jobs.registry import JobContext, JobKind
from secretariat.core.jobs.service import enqueue
from secretariat.core.programmes.models import Programme

TARGET_UPLOAD = "exchange.target_upload"
UPLOADERS = (Role.admin, Role.supervisor, Role.liaison)


@dataclass(frozen=True)
class TargetUpload:
    """An upload's job and, once it has imported, the file's record (its validation result)."""

    job: Job
    record: TargetFile | None

    @property
    def active(self) -> bool:
        return self.job.state in ACTIVE_STATES

    @property
    def failed(self) -> bool:
        return self.job.state == JobState.failed.value


def start_target_upload(*, session: Session, actor: Actor, programme: Programme, path: Path, name: str,
                        outbox: Path, limits: Limits = Limits()) -> Job:
    """Queue the import of the uploaded file kept at `path` (sent as `name`) for the programme; the
    job already queued or running for the same file if there is one, whose copy this one's is
    removed for. The caller commits; the job starts once it has."""
    actor.require(*UPLOADERS)
    if not actor.can_see(programme.municipality_id):
        raise NotFound.of("事業", programme.id)
    key = f"{programme.municipality_id}/{programme.id}/{sha256_of(path)}"
    job = enqueue(session, TARGET_UPLOAD, key, municipality_id=programme.municipality_id, created_by=actor.username,
                  programme_id=programme.id, path=str(path), name=name, outbox=str(outbox),
                  username=actor.username, limits=asdict(limits))
    if job.args.get("path") != str(path):  # the same file is already on its way: this copy is not needed
        path.unlink(missing_ok=True)
    return job


def target_upload_job(context: JobContext, *, programme_id: int, path: str, name: str, outbox: str, username: str,
                      limits: dict | None = None) -> None:
    """Import the uploaded file, unless an earlier attempt did; then write its report to the outbox."""
    context.progress(0, 1)
    with Session(context.engine, expire_on_commit=False) as session:
        if is_sqlite(context.engine):  # the import reads, then writes: hold the write lock from the start
            session.connection().exec_driver_sql("BEGIN IMMEDIATE")
        job = session.get(Job, context.job_id)
        record = session.get(TargetFile, job.args["target_file_id"]) if "target_file_id" in job.args else None
        if record is None:
            programme = session.get(Programme, programme_id)
            if programme is None:
                raise NotFound.of("事業", programme_id)
            record, listing = import_target_file(
                session=session, actor=actor_for(find_user(session=session, username=username)),
                programme=programme, path=Path(path), name=name, source="web", limits=Limits(**(limits or {})))
            session.execute(update(Job).where(Job.id == job.id)
                            .values(args={**job.args, "target_file_id": record.id}))
            errors, warnings = listing.errors, listing.warnings
        else:
            errors, warnings = reported_problems(record)
        session.commit()
    folder = Path(outbox)
    folder.mkdir(parents=True, exist_ok=True)
    write_atomically(folder / f"{Path(name).stem}.report.csv", report_csv(record.status, errors, warnings))
    context.progress(1, 1)


def reported_problems(record: TargetFile) -> tuple[list[Problem], list[Problem]]:
    """The errors and warnings the record keeps (capped: the first thousand of each)."""
    return tuple([Problem(**problem) for problem in record.report.get(kind, [])] for kind in ("errors", "warnings"))


def target_upload_of(*, session: Session, actor: Actor, programme: Programme, job_id: int) -> TargetUpload:
    """The programme's upload job `job_id`, with its file's record once imported; not found for a
    job of another kind, another programme, or a municipality the actor may not see."""
    actor.require(*UPLOADERS)
    job = session.get(Job, job_id)
    if (job is None or job.kind != TARGET_UPLOAD or job.args.get("programme_id") != programme.id
            or not actor.can_see(job.municipality_id)):
        raise NotFound.of("対象者一覧の取込", job_id)
    target_file_id = job.args.get("target_file_id")
    return TargetUpload(job, session.get(TargetFile, target_file_id) if target_file_id else None)


JOBS = (JobKind(TARGET_UPLOAD, target_upload_job, "Webでアップロードされた対象者一覧の取込"),)
