"""Worker processes: one killed with SIGKILL mid-job leaves work a fresh worker finishes; two
workers share a queue without running any job twice."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from sqlmodel import Session, select

from secretariat.core.jobs.models import Job
from secretariat.core.jobs.registry import JobKind, Registry
from secretariat.core.jobs.service import enqueue

REPO = Path(__file__).resolve().parents[2]
LEASE_S = 1.0
WORKER = ("import sys, pathlib; from secretariat.core.jobs.worker import work; "
          "from tests.core.test_jobs_workers import registry; pathlib.Path(sys.argv[3]).touch(); "
          "work(sys.argv[1], registry, lease_s=float(sys.argv[2]), poll_s=0.05)")


def steps(context, *, folder: str, steps: int, pause_s: float) -> None:
    """Resumable: a step whose file exists is done. Each file says which attempt wrote it."""
    for number in range(1, steps + 1):
        target = Path(folder) / f"step-{number:02d}"
        if not target.exists():
            partial = target.with_suffix(".partial")
            partial.write_text(str(context.attempt))
            os.replace(partial, target)
            time.sleep(pause_s)
        context.progress(number, steps)


def once(context, *, log: str, name: str) -> None:
    with open(log, "a", encoding="utf-8") as handle:
        handle.write(f"{name} {os.getpid()}\n")
    time.sleep(0.05)


def registry() -> Registry:
    return Registry([JobKind("tests.steps", steps, "段階"), JobKind("tests.once", once, "一度")])


def start_worker(database_url: str, ready: Path) -> subprocess.Popen:
    """A worker process (its own process group, so a kill reaches nothing else); `ready` appears once
    it has imported what it runs."""
    return subprocess.Popen([sys.executable, "-c", WORKER, database_url, str(LEASE_S), str(ready)], cwd=REPO,
                            start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def stop(worker: subprocess.Popen) -> None:
    if worker.poll() is None:
        worker.send_signal(signal.SIGTERM)
    worker.wait(timeout=30)


def wait_for(condition, timeout: float = 60, what: str = "") -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def job_row(engine, job_id: int) -> Job:
    with Session(engine) as session:
        return session.get(Job, job_id)


@pytest.fixture
def queued(engine):
    def put(kind: str, key: str, **args) -> int:
        with Session(engine) as session:
            job = enqueue(session, kind, key, **args)
            session.commit()
            return job.id
    return put


def test_a_worker_killed_mid_job_leaves_it_to_a_fresh_worker_which_finishes_it_without_redoing_steps(
        engine, database_url, queued, tmp_path):
    job_id = queued("tests.steps", "folder", folder=str(tmp_path), steps=8, pause_s=0.2)
    killed = start_worker(database_url, tmp_path / "ready-1")
    try:
        wait_for(lambda: (tmp_path / "step-03").exists(), what="the third step")
        os.killpg(killed.pid, signal.SIGKILL)
        killed.wait(timeout=10)
    finally:
        if killed.poll() is None:
            os.killpg(killed.pid, signal.SIGKILL)
    left = job_row(engine, job_id)
    assert (left.state, left.attempts) == ("running", 1) and left.done < 8
    fresh = start_worker(database_url, tmp_path / "ready-2")
    try:
        wait_for(lambda: job_row(engine, job_id).state == "done", what="the fresh worker to finish the job")
    finally:
        stop(fresh)
    finished = job_row(engine, job_id)
    assert (finished.attempts, finished.done, finished.total) == (2, 8, 8)
    writers = [(tmp_path / f"step-{number:02d}").read_text() for number in range(1, 9)]
    assert writers[:3] == ["1", "1", "1"] and writers[-1] == "2"
    assert writers == sorted(writers), "the second attempt went on from where the first stopped"


def test_two_workers_share_the_queue_and_run_every_job_once(engine, database_url, queued, tmp_path):
    log = tmp_path / "ran.log"
    workers = [start_worker(database_url, tmp_path / f"ready-{number}") for number in (1, 2)]
    try:
        wait_for(lambda: all((tmp_path / f"ready-{number}").exists() for number in (1, 2)), what="both workers")
        ids = [queued("tests.once", f"job-{number:02d}", log=str(log), name=f"job-{number:02d}")
               for number in range(40)]
        wait_for(lambda: all(job_row(engine, job_id).state == "done" for job_id in ids), what="every job")
    finally:
        for worker in workers:
            stop(worker)
    lines = [line.split() for line in log.read_text().splitlines()]
    assert Counter(name for name, _ in lines) == {f"job-{number:02d}": 1 for number in range(40)}
    assert {int(pid) for _, pid in lines} == {worker.pid for worker in workers}, "both workers took jobs"
    with Session(engine) as session:
        assert set(session.exec(select(Job.attempts))) == {1}


def test_a_worker_told_to_stop_hands_its_running_job_back_and_a_later_worker_finishes_it(
        engine, database_url, queued, tmp_path):
    job_id = queued("tests.steps", "folder", folder=str(tmp_path), steps=6, pause_s=0.2)
    first = start_worker(database_url, tmp_path / "ready-1")
    wait_for(lambda: (tmp_path / "step-02").exists(), what="the second step")
    stop(first)  # SIGTERM: a restart, a deployment
    handed_back = job_row(engine, job_id)
    assert (handed_back.state, handed_back.attempts) == ("queued", 0)
    later = start_worker(database_url, tmp_path / "ready-2")
    try:
        wait_for(lambda: job_row(engine, job_id).state == "done", what="the later worker")
    finally:
        stop(later)
    assert job_row(engine, job_id).attempts == 1
