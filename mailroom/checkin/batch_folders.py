"""The folder that holds a scan batch's copies of its files, and the clean-up of folders that a
killed ingest left behind.

An ingest copies each scan into its batch's folder before the batch's rows are committed (the
scanner's folder may be emptied once the batch is in). If the process is killed before the
commit, the rows vanish with the transaction but the copies stay: scans carry names, signatures
and bank accounts, and no filed page would ever point to them. So each ingest holds an exclusive
lock on its folder until its transaction ends, and every ingest first removes the folders that no
committed batch refers to and nobody holds: those of a run that died.
"""

from __future__ import annotations

import fcntl
import logging
import os
import shutil
from pathlib import Path

from sqlalchemy import event
from sqlmodel import Session, select

from mailroom.checkin.models import ScanBatch

log = logging.getLogger("secretariat.mailroom.checkin")

PREFIX = "scan-"


def batch_folder(session: Session, store_root: Path, batch_id: int) -> Path:
    """The batch's folder under `store_root`, created empty and held until the session's
    transaction commits or rolls back (the process's end lets go of it too)."""
    store_root.mkdir(parents=True, exist_ok=True)
    sweep_abandoned(session, store_root, being_made=batch_id)
    folder = store_root / f"{PREFIX}{batch_id:05d}"
    folder.mkdir(exist_ok=True)
    held = _hold(folder)
    if held is None:  # cannot happen: ids are unique among live transactions
        raise RuntimeError(f"{folder} is held by another ingest")
    _release_when_transaction_ends(session, held)
    return folder


def sweep_abandoned(session: Session, store_root: Path, being_made: int | None = None) -> list[Path]:
    """Remove the batch folders that no batch in the store refers to and no running ingest holds.

    Folders are matched to batches by the number in their name, never by the path stored with the
    batch (the data folder may have moved since). `being_made` is the batch the caller has just
    added: a folder with its number is a dead run's (SQLite hands a rolled-back number out again).
    """
    batches = set(session.exec(select(ScanBatch.id)).all()) - {being_made}
    removed = []
    for folder in sorted(store_root.glob(f"{PREFIX}*")):
        number = folder.name.removeprefix(PREFIX)
        if not folder.is_dir() or not number.isdigit() or int(number) in batches:
            continue
        held = _hold(folder)
        if held is None:  # a batch being ingested right now, not committed yet
            continue
        try:
            shutil.rmtree(folder, ignore_errors=True)
        finally:
            os.close(held)
        log.warning("removed %s: copies of scans left by an ingest that did not finish", folder.name)
        removed.append(folder)
    return removed


def _hold(folder: Path) -> int | None:
    """A descriptor of `folder` holding its exclusive lock, or None when another process holds it."""
    descriptor = os.open(folder, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(descriptor)
        return None
    return descriptor


def _release_when_transaction_ends(session: Session, descriptor: int) -> None:
    released = False

    def release(*_args) -> None:
        nonlocal released
        if not released:
            released = True
            os.close(descriptor)

    event.listen(session, "after_commit", release, once=True)
    event.listen(session, "after_rollback", release, once=True)
