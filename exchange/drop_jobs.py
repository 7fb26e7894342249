"""Drop imports (SFTP取込) as background jobs: the drop takes a whole file into `archive/` and queues
its import; a worker, on any machine that mounts the shared files root, imports it and writes the
validation report to the municipality's `outbox/`.

The drop's own thread only queues, so a large target list never holds the drop up, and the
import is retried with backoff like any job. The job is keyed by the archived copy, which no
upload can change: a second queueing of the same copy joins the job, and a retry of a file whose
import committed finds it already imported (its report then says so).
"""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from exchange.drop.models import DropAccount
from exchange.drop.processing import process_dropped_file
from exchange.drop.login import Login, login_of
from exchange.targets.encoding import Limits
from secretariat.core.errors import NotFound
from secretariat.core.jobs.models import Job
from secretariat.core.jobs.registry import JobContext, JobKind
from secretariat.core.jobs.service import enqueue
from secretariat.core.tenancy.models import Municipality

DROP_IMPORT = "exchange.drop_import"


def queue_drop_import(engine: Engine, login: Login, archived: Path, name: str, limits: Limits = Limits()) -> Job:
    """Queue the import of the archived copy of a file the municipality sent as `name` (the drop's
    processor); the job starts once this commits."""
    with Session(engine, expire_on_commit=False) as session:
        job = enqueue(session, DROP_IMPORT, f"{login.municipality_code}/{archived.name}",
                      municipality_id=login.municipality_id, created_by=login.actor().username,
                      account_id=login.account_id, archived=str(archived), name=name, address=login.address,
                      limits=asdict(limits))
        session.commit()
    return job


def drop_import_job(context: JobContext, *, account_id: int, archived: str, name: str, address: str = "",
                    limits: dict | None = None) -> None:
    """Import the archived file as the drop account that sent it, and write its report to the outbox."""
    archived_path = Path(archived)
    with Session(context.engine) as session:
        found = session.exec(select(DropAccount, Municipality.code)
                             .join(Municipality, Municipality.id == DropAccount.municipality_id)
                             .where(DropAccount.id == account_id)).first()
    if found is None:
        raise NotFound.of("SFTPアカウント", account_id)
    account, code = found
    login = login_of(account, code, archived_path.parent.parent, address)  # <root>/archive/<file>
    context.progress(0, 1)
    process_dropped_file(context.engine, login, archived_path, name, limits=Limits(**(limits or {})))
    context.progress(1, 1)


JOBS = (JobKind(DROP_IMPORT, drop_import_job, "SFTPで届いたファイルの取込"),)
