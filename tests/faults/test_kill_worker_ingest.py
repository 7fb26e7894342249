"""A `secretariat worker` killed with SIGKILL in the middle of a scanner ingest (`mailroom.ingest`),
then a fresh worker that takes the job once its heartbeat is stale and finishes it.

The ingest commits each file's pages as it files them; the fresh worker files them again on the
rows already committed and checks the forms in. Afterwards the store and the filed files must
equal those of an ingest that was never killed (`test_kill_ingest.filed`): one row per page, one
receipt per form, no copy of a scan that no row refers to.
"""

from __future__ import annotations

import time

import pytest
from sqlmodel import select

from mailroom.checkin.ingest_jobs import INGEST
from secretariat.core.jobs.models import Job
from tests.faults.harness import session_on, store_probe
from tests.faults.test_kill_ingest import ARRIVED_ON, filed, finished_batches, left_by, scanner_output, set_up

LEASE_S = 2  # the fresh worker takes the killed worker's job once its heartbeat is this old
WORKER = ["worker", "--lease-seconds", LEASE_S, "--poll-seconds", 0.1]
PAGES_BEFORE_THE_KILL = 4


@pytest.fixture(scope="module")
def ingests(warm_cli, module_stores, tmp_path_factory):
    """(reference, killed): the folder ingested by the command never killed, and by a worker killed
    once some pages were committed, then a fresh worker; each on a fresh store set up identically."""
    folder = tmp_path_factory.mktemp("kill-worker-ingest")
    scanner = scanner_output(folder / "scanner", set_up(module_stores(), folder / "printed"))

    reference_url, reference_dir = module_stores(), folder / "reference"
    set_up(reference_url, reference_dir)
    ended = warm_cli.starter(["mailroom", "ingest", scanner, "--arrived", ARRIVED_ON], reference_url,
                             reference_dir)("reference.log").wait()
    assert ended.returncode == 0, ended.log

    url, data_dir = module_stores(), folder / "killed"
    set_up(url, data_dir)
    start = lambda argv, log: warm_cli.starter(argv, url, data_dir)(log)  # noqa: E731
    queued = start(["mailroom", "ingest", scanner, "--arrived", ARRIVED_ON, "--no-wait"], "queue.log").wait()
    assert queued.returncode == 0, queued.log
    worker = start(WORKER, "worker.log")
    with store_probe(url) as store:
        while store.rows("mailroom_scanned_page") < PAGES_BEFORE_THE_KILL and worker.poll() is None:
            time.sleep(0.01)
        killed_mid_ingest = not finished_batches(store)
        assert worker.kill(), worker.wait().log
    worker.wait()
    left = left_by(url, data_dir)
    time.sleep(LEASE_S + 1)  # the killed worker's heartbeat goes stale
    fresh = start([*WORKER, "--burst"], "fresh-worker.log").wait()
    assert fresh.returncode == 0, fresh.log
    with session_on(url) as session:
        job = session.exec(select(Job).where(Job.kind == INGEST)).one()
    return filed(reference_url, reference_dir), killed_mid_ingest, left, job, filed(url, data_dir)


def test_the_worker_was_killed_after_some_pages_were_committed_and_before_any_form_was_checked_in(ingests):
    _, killed_mid_ingest, left, _, _ = ingests
    assert killed_mid_ingest
    assert left["finished batches"] == 0 and left["receipts"] == 0 and left["pages copied"] >= PAGES_BEFORE_THE_KILL


def test_the_fresh_worker_took_the_job_again_and_finished_it(ingests):
    _, _, _, job, _ = ingests
    assert (job.state, job.attempts) == ("done", 2)


def test_after_the_kill_each_page_has_one_row_and_each_form_one_receipt_as_in_an_ingest_never_killed(ingests):
    reference, _, _, _, after = ingests
    names = [page[0] for page in after.store["scanned pages"]]
    assert len(names) == len(set(names))
    assert after.store == reference.store
    assert after.strays == []
