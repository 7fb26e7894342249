"""Two `secretariat worker` processes sharing a print run (its batches are jobs), killed with SIGKILL
mid-run; then a fresh worker that takes the killed workers' batch jobs once their heartbeats are
stale and finishes the run.

A batch whose file was written and recorded is not drawn again; one whose worker died mid-batch is
drawn again from the start into a temporary file, renamed once complete. Afterwards the store and
the run folder must equal those of a run that was never killed (`test_kill_print_run.printed`):
the same batches and pages, each form once, no stray file.
"""

from __future__ import annotations

import time
from collections import Counter

import pytest
from sqlmodel import Session, select

from mailroom.printing.jobs import PRINT_BATCH, PRINT_RUN
from secretariat.core.db import make_engine
from secretariat.core.jobs.models import Job
from tests.faults.harness import files_in, session_on
from tests.faults.test_kill_print_run import BATCH_SIZE, HOUSEHOLDS, left_by, printed, set_up

LEASE_S = 2  # the fresh worker takes the killed workers' jobs once their heartbeats are this old
WORKER = ["worker", "--lease-seconds", LEASE_S, "--poll-seconds", 0.1]
BATCHES = HOUSEHOLDS // BATCH_SIZE
FILES_BEFORE_THE_KILL = 2


@pytest.fixture(scope="module")
def print_runs(warm_cli, module_stores, tmp_path_factory):
    """(reference, left, jobs, killed): the run printed by the command never killed; what the killed
    workers left; the jobs afterwards; and the run after a fresh worker, on a store set up identically."""
    folder = tmp_path_factory.mktemp("kill-worker-print")

    reference_url, reference_dir = module_stores(), folder / "reference"
    reference_dir.mkdir()
    programme = set_up(reference_url)
    ended = warm_cli.starter(["print", "run", "--programme", programme, "--batch-size", BATCH_SIZE, "--workers", 1],
                             reference_url, reference_dir)("reference.log").wait()
    assert ended.returncode == 0, ended.log

    url, data_dir = module_stores(), folder / "killed"
    data_dir.mkdir()
    programme = set_up(url)
    start = lambda argv, log: warm_cli.starter(argv, url, data_dir)(log)  # noqa: E731
    queued = start(["print", "run", "--programme", programme, "--batch-size", BATCH_SIZE, "--no-wait"],
                   "queue.log").wait()
    assert queued.returncode == 0, queued.log
    workers = start([*WORKER, "--processes", 2], "workers.log")
    batch_files = files_in(data_dir, "batch-*.pdf")
    engine = make_engine(url)
    try:  # kill with a batch in a worker's hands: a kill between two jobs would leave none to take again
        while (batch_files() < FILES_BEFORE_THE_KILL or not a_batch_running(engine)) and workers.poll() is None:
            time.sleep(0.005)
        assert workers.kill(), workers.wait().log
    finally:
        engine.dispose()
    workers.wait()
    left = left_by(url, data_dir)
    time.sleep(LEASE_S + 1)  # the killed workers' heartbeats go stale
    fresh = start([*WORKER, "--burst"], "fresh-worker.log").wait()
    assert fresh.returncode == 0, fresh.log
    with session_on(url) as session:
        # a worker also queues the daily schedule's jobs when their hour comes (06:00 JST): not this run's
        jobs = [(job.kind, job.key, job.state, job.attempts) for job in session.exec(
            select(Job).where(Job.kind.in_((PRINT_RUN, PRINT_BATCH))).order_by(Job.id))]
    return printed(reference_url, reference_dir), left, jobs, printed(url, data_dir)


def a_batch_running(engine) -> bool:
    with Session(engine) as session:
        return session.exec(select(Job.id).where(Job.kind == PRINT_BATCH, Job.state == "running")).first() is not None


def test_the_workers_were_killed_after_some_batches_were_written_and_before_the_run_was_finished(print_runs):
    _, left, _, _ = print_runs
    assert left["completed"] == 0
    assert FILES_BEFORE_THE_KILL <= left["batch files"] < BATCHES


def test_the_run_was_one_job_and_one_job_per_batch_and_the_fresh_worker_finished_every_one(print_runs):
    _, _, jobs, _ = print_runs
    assert Counter(kind for kind, *_ in jobs) == {PRINT_RUN: 1, PRINT_BATCH: BATCHES}
    assert {state for _, _, state, _ in jobs} == {"done"}
    assert any(attempts == 2 for kind, _, _, attempts in jobs if kind == PRINT_BATCH)  # a batch taken again


def test_after_the_kill_the_run_has_the_pages_of_a_run_never_killed_each_form_once(print_runs):
    reference, _, _, after = print_runs
    form_ids = [form[0] for form in after["issued forms"]]
    assert len(form_ids) == len(set(form_ids)) == HOUSEHOLDS
    assert all(after["batch hash recorded = file's hash"])
    assert after == reference
