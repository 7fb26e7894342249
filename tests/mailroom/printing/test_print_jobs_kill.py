"""`secretariat worker` killed with SIGKILL in the middle of a print run started from the web:
a fresh worker takes the killed worker's batch job once its lease has passed and finishes the run,
every household printed once, in whole batches."""

from __future__ import annotations

import csv
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

from sqlmodel import Session, select

from mailroom.printing.jobs import RunWork, job_of, start_print_run
from mailroom.printing.models import IssuedForm, PrintBatch, PrintRun
from secretariat.core.applications.models import Application
from tests.faults.harness import command_env, file_sha256, files_in

REPO = Path(__file__).resolve().parents[3]
HOUSEHOLDS, BATCH_SIZE = 18, 3  # six batch files: a kill after the second leaves most of the run to do
CLI = "from secretariat.cli import app; app()"


def worker(database_url: str, data_dir: Path, log: str) -> subprocess.Popen:
    with open(data_dir / log, "w") as output:
        return subprocess.Popen([sys.executable, "-c", CLI, "worker", "--lease-seconds", "1", "--poll-seconds", "0.1"],
                                cwd=data_dir, env=command_env(database_url, data_dir), start_new_session=True,
                                stdout=output, stderr=subprocess.STDOUT)


def wait_for(condition, what: str, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.01)


def test_a_print_run_whose_worker_is_killed_is_finished_by_a_fresh_worker_with_every_household_printed_once(
        factory, engine, database_url, tmp_path):
    tenant = factory.tenant(households=HOUSEHOLDS)
    actor = factory.actor("supervisor")
    with Session(engine, expire_on_commit=False) as session:
        started = start_print_run(session=session, actor=actor, programme=tenant.programme,
                                  out_root=tmp_path / "print-runs", batch_size=BATCH_SIZE)
        session.commit()
    run_id = started.run.id
    batch_files = files_in(tmp_path / "print-runs", "batch-*.pdf")

    def work() -> RunWork:
        with Session(engine) as session:
            return job_of(session=session, run=session.get(PrintRun, run_id))

    killed = worker(database_url, tmp_path, "killed.log")
    try:
        wait_for(lambda: batch_files() >= 2, "two batch files")
        os.killpg(killed.pid, signal.SIGKILL)
        killed.wait(timeout=10)
    finally:
        if killed.poll() is None:
            os.killpg(killed.pid, signal.SIGKILL)
    assert 2 <= batch_files() < HOUSEHOLDS // BATCH_SIZE, "the kill landed mid-run"
    assert work().state == "running"

    fresh = worker(database_url, tmp_path, "fresh.log")
    try:
        wait_for(lambda: work().over, "the fresh worker")
    finally:
        fresh.send_signal(signal.SIGTERM)
        fresh.wait(timeout=30)
    finished = work()
    assert (finished.state, finished.done, finished.total) == ("done", HOUSEHOLDS, HOUSEHOLDS)

    with Session(engine) as session:
        run = session.get(PrintRun, run_id)
        forms = session.exec(select(IssuedForm.household_id, IssuedForm.form_id, PrintBatch.number)
                             .join(PrintBatch, PrintBatch.id == IssuedForm.print_batch_id)).all()
        batches = session.exec(select(PrintBatch.number, PrintBatch.file_name, PrintBatch.sha256)
                               .order_by(PrintBatch.number)).all()
        statuses = Counter(session.exec(select(Application.status)))
    assert run.completed_at is not None and run.household_count == HOUSEHOLDS
    assert sorted(Counter(household for household, _, _ in forms).values()) == [1] * HOUSEHOLDS
    assert [number for number, _, _ in batches] == list(range(1, HOUSEHOLDS // BATCH_SIZE + 1))
    folder = Path(run.directory)
    assert all(file_sha256(folder / name) == recorded for _, name, recorded in batches)
    with open(folder / "manifest.csv", encoding="utf-8-sig") as handle:
        rows = list(csv.reader(handle))[1:]
    assert sorted(row[3] for row in rows) == sorted(form_id for _, form_id, _ in forms)
    assert statuses == {"printed": HOUSEHOLDS}
