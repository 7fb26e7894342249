"""Scanner ingests (スキャン取込) as background jobs: a scanner's folder or a web upload, taken in by
a worker, with its progress.

Starting an ingest adds its scan batch (empty, with its folder in the store) and queues a job
keyed by the folder, in the caller's transaction: a second start of the same folder while it is
queued or running joins that job. The job files the pages file by file, each file's pages
committed before progress is reported (and a stopping worker stops only there), then checks
the forms in with the batch's end in one last commit (`ingest.resume_batch`). A worker killed
mid-ingest leaves the pages it committed; the next attempt files them again on the same rows,
so each page has one row and each form one receipt, however often the job was interrupted.
"""

from __future__ import annotations

import shutil
from collections import Counter
from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from mailroom.checkin.ingest import new_batch, receipts_of_batch, resume_batch
from mailroom.checkin.models import DeficiencyRecord, Receipt, ScanBatch, ScannedPage
from mailroom.checkin.service import CHECKERS
from mailroom.scanning.images import DEFAULT_LIMITS, ScanLimits
from mailroom.scanning.parallel import default_workers
from secretariat.core.auth.actor import Actor
from secretariat.core.auth.service import actor_for, find_user
from secretariat.core.db import is_sqlite
from secretariat.core.errors import NotFound
from secretariat.core.jobs.models import ACTIVE_STATES, Job, JobState
from secretariat.core.jobs.registry import JobContext, JobKind
from secretariat.core.jobs.service import active_job, enqueue

INGEST = "mailroom.ingest"
SYSTEM_PREFIX = "system:"  # `Actor.system`'s usernames, which no login can have


@dataclass(frozen=True)
class IngestJob:
    """An ingest job and its batch, with what the batch holds once it is finished."""

    job: Job
    batch: ScanBatch | None
    receipts: list[Receipt]
    deficiencies: dict[int, list[DeficiencyRecord]]  # by receipt
    exceptions: list[ScannedPage]

    @property
    def active(self) -> bool:
        return self.job.state in ACTIVE_STATES

    @property
    def finished(self) -> bool:
        return self.batch is not None and self.batch.finished_at is not None

    @property
    def outcomes(self) -> dict[str, int]:
        return outcomes_of(self.receipts)


def outcomes_of(receipts: list[Receipt]) -> dict[str, int]:
    """Forms by the check's outcome (不備なし, 不備あり, 目視確認待ち)."""
    return dict(Counter(receipt.outcome for receipt in receipts))


def job_key(folder: Path) -> str:
    return f"folder:{folder.resolve()}"[:200]


def start_ingest(*, session: Session, actor: Actor, folder: Path, store_root: Path, arrived_on: date | None = None,
                 limits: ScanLimits = DEFAULT_LIMITS, workers: int | None = None, remove_folder: bool = False) -> Job:
    """Queue the ingest of `folder` (its batch added, empty, with its folder in the store); the job
    already queued or running for this folder if there is one. `limits`: the installation's (they
    go with the job, to whichever machine runs it). `workers`: page-checking processes (None: every
    core of the worker's machine). `remove_folder`: the folder is the upload's own copy, removed
    once the batch is in. The caller commits; the job starts once it has."""
    actor.require(*CHECKERS)
    key = job_key(folder)
    running = active_job(session, INGEST, key)
    if running is not None:
        return running
    batch = new_batch(session=session, actor=actor, folder=folder, store_root=store_root)
    job = enqueue(session, INGEST, key, created_by=actor.username, batch_id=batch.id, folder=str(folder.resolve()),
                  username=actor.username, arrived_on=arrived_on.isoformat() if arrived_on else None,
                  limits=asdict(limits), workers=workers, remove_folder=remove_folder)
    if job.args.get("batch_id") != batch.id:  # another start of this folder queued it first: join that one
        session.delete(batch)
        session.flush()
        shutil.rmtree(batch.stored_in, ignore_errors=True)
    return job


def ingest_job(context: JobContext, *, batch_id: int, folder: str, username: str, arrived_on: str | None = None,
               limits: dict | None = None, workers: int | None = None, remove_folder: bool = False) -> None:
    """Take in the folder's scans into the batch, resuming after whatever an earlier attempt
    committed; progress is pages filed of the folder's pages."""
    with Session(context.engine, expire_on_commit=False) as session:
        if is_sqlite(context.engine):
            event.listen(session, "after_begin", _take_the_write_lock)
        actor = _starter(session, username)
        batch = session.get(ScanBatch, batch_id)
        if batch is None:
            raise NotFound.of("スキャンバッチ", batch_id)
        resume_batch(session=session, actor=actor, batch=batch, folder=Path(folder),
                     arrived_on=date.fromisoformat(arrived_on) if arrived_on else None,
                     limits=ScanLimits(**limits) if limits else DEFAULT_LIMITS,
                     workers=workers or default_workers(), filed=context.progress)
    if remove_folder:
        shutil.rmtree(folder, ignore_errors=True)


def _take_the_write_lock(_session, _transaction, connection) -> None:
    """SQLite: each of the job's transactions takes the write lock as it begins. One that read first
    could not write once another connection (its worker's heartbeat) has committed since its read
    (WAL refuses it at once, with no wait): the forms' check-in reads before it writes."""
    if not connection.connection.dbapi_connection.in_transaction:  # not for a savepoint within one
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def _starter(session: Session, username: str) -> Actor:
    """Who started the ingest: the person as they are now (a role taken away stops their job), or
    the system actor of a command (`secretariat mailroom ingest`), which has no login."""
    if username.startswith(SYSTEM_PREFIX):
        return Actor.system(username.removeprefix(SYSTEM_PREFIX))
    return actor_for(find_user(session=session, username=username))


def ingest_job_of(*, session: Session, actor: Actor, job_id: int) -> IngestJob:
    """An ingest job with its batch; the receipts the actor may see, and (for secretariat staff, who
    alone see pages no household claims) its exceptions, once the batch is finished."""
    actor.require(*CHECKERS)
    job = session.get(Job, job_id)
    if job is None or job.kind != INGEST:
        raise NotFound.of("スキャン取込", job_id)
    batch = session.get(ScanBatch, job.args["batch_id"])
    receipts, deficiencies, pages = [], {}, []
    if batch is not None and batch.finished_at is not None:
        receipts = [receipt for receipt in receipts_of_batch(session, batch) if actor.can_see(receipt.municipality_id)]
        for record in session.exec(select(DeficiencyRecord).where(
                DeficiencyRecord.receipt_id.in_([receipt.id for receipt in receipts])).order_by(DeficiencyRecord.id)):
            deficiencies.setdefault(record.receipt_id, []).append(record)
        if actor.municipality_id is None:
            pages = list(session.exec(select(ScannedPage).where(ScannedPage.scan_batch_id == batch.id,
                                                                ScannedPage.role == "exception")
                                      .order_by(ScannedPage.id)))
    return IngestJob(job, batch, receipts, deficiencies, pages)


JOBS = (JobKind(INGEST, ingest_job, "スキャン取込"),)


@dataclass(frozen=True)
class FollowedIngest:
    """An ingest job's row as its command follows it, with its batch once that is finished."""

    job: Job
    batch: ScanBatch | None
    outcomes: dict[str, int]

    @property
    def over(self) -> bool:
        """Done or failed; or, once the command's own runner has returned, waiting for a retry
        (after a failed attempt) that a worker will make later: only a job another worker runs
        is still followed."""
        return self.job.state != JobState.running.value


def followed_ingest(engine: Engine, job_id: int) -> FollowedIngest:
    with Session(engine, expire_on_commit=False) as session:
        job = session.get(Job, job_id)
        batch = session.get(ScanBatch, job.args["batch_id"])
        if job.state != JobState.done.value or batch is None or batch.finished_at is None:
            return FollowedIngest(job, None, {})
        return FollowedIngest(job, batch, outcomes_of(receipts_of_batch(session, batch)))
