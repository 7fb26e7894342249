"""Scanner ingests as jobs: keyed by the folder (a second start joins), committed file by file
with their progress, resumable with one row per page and one receipt per form however often
they are stopped, started from the web upload without checking a page in the request, and from
`secretariat mailroom ingest`, which runs the job itself when no worker does."""

from __future__ import annotations

import socket
import subprocess

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from mailroom.checkin.ingest_jobs import INGEST, ingest_job, start_ingest
from mailroom.checkin.models import Receipt, ScanBatch, ScannedPage
from secretariat.app import create_app, job_registry
from secretariat.core.clock import utcnow
from secretariat.core.jobs.models import Job
from secretariat.core.jobs.registry import JobContext, Stopping
from secretariat.core.jobs.worker import Worker
from tests.conftest import log_in
from tests.factories import SYSTEM

from .conftest import ARRIVED_ON
from .upload_support import job_of, upload, when_ingested


def started(factory, folder, tmp_path) -> Job:
    """The folder's ingest queued as the command queues it, checked in this process."""
    with factory.session() as session:
        job = start_ingest(session=session, actor=SYSTEM, folder=folder, store_root=tmp_path / "scans",
                           arrived_on=ARRIVED_ON, workers=1)
        session.commit()
        return job


class Run:
    """The job function run as a worker runs it, recording each progress report; after
    `stop_after` reports, the worker is stopping (a restart, SIGTERM)."""

    def __init__(self, engine, stop_after: int | None = None):
        self.engine, self.stop_after, self.reports = engine, stop_after, []

    def __call__(self, job: Job, attempt: int = 1) -> None:
        context = JobContext(self.engine, job.id, attempt,
                             _report=lambda done, total: self.reports.append((done, total)),
                             _stopping=lambda: self.stop_after is not None and len(self.reports) >= self.stop_after)
        ingest_job(context, **job.args)


def two_forms(mailed, scanner, plan):
    """Two households' forms scanned, each two pages and an ID copy: six files, six pages."""
    m = mailed(2)
    scanner(m, 0, plan, attachments=1)
    return m, scanner(m, 1, plan, attachments=1, seed=1)


def both_complete(m) -> list[tuple[str, str]]:
    return sorted((m.form_id(number), "complete") for number in (0, 1))


def filed(factory) -> dict:
    """What the store holds of the ingest: each page's name with its role, receipts by form, batches."""
    with factory.session() as session:
        pages = session.exec(select(ScannedPage).order_by(ScannedPage.source_name)).all()
        receipts = session.exec(select(Receipt)).all()
        batches = session.exec(select(ScanBatch)).all()
        return {"pages": [(page.source_name, page.role, page.receipt_id is not None) for page in pages],
                "receipts by form": sorted((r.form_id, r.outcome) for r in receipts),
                "batches": [(b.page_count, b.form_count, b.exception_count, b.finished_at is not None)
                            for b in batches]}


def test_a_second_start_of_a_folder_being_ingested_joins_its_job(factory, mailed, scanner, plan, tmp_path):
    _, folder = two_forms(mailed, scanner, plan)
    first = started(factory, folder, tmp_path)
    second = started(factory, folder, tmp_path)
    assert second.id == first.id
    with factory.session() as session:
        assert len(session.exec(select(ScanBatch)).all()) == 1
        assert len(session.exec(select(Job).where(Job.kind == INGEST)).all()) == 1


def test_the_job_files_the_folder_and_reports_pages_as_each_file_is_committed(factory, engine, mailed, scanner,
                                                                              plan, tmp_path):
    m, folder = two_forms(mailed, scanner, plan)
    run = Run(engine)
    run(started(factory, folder, tmp_path))
    assert run.reports == [(done, 6) for done in range(1, 7)]
    assert filed(factory)["receipts by form"] == both_complete(m)
    assert filed(factory)["batches"] == [(6, 2, 0, True)]


def test_a_job_stopped_mid_ingest_resumes_with_one_row_per_page_and_one_receipt_per_form(
        factory, engine, mailed, scanner, plan, tmp_path):
    m, folder = two_forms(mailed, scanner, plan)
    job = started(factory, folder, tmp_path)
    with pytest.raises(Stopping):
        Run(engine, stop_after=4)(job)  # four files committed, the worker stopping
    left = filed(factory)
    assert len(left["pages"]) == 4 and left["receipts by form"] == [] and left["batches"] == [(4, 0, 0, False)]
    resumed = Run(engine)
    resumed(job, attempt=2)
    assert resumed.reports[-1] == (6, 6)
    after = filed(factory)
    assert [name for name, _, _ in after["pages"]] == sorted(path.name for path in folder.iterdir())
    assert all(has_receipt for _, _, has_receipt in after["pages"])
    assert after["receipts by form"] == both_complete(m)
    assert after["batches"] == [(6, 2, 0, True)]


def test_an_attempt_after_the_batch_was_finished_files_nothing_again(factory, engine, mailed, scanner, plan,
                                                                     tmp_path):
    """A worker killed after the batch's last commit, before the job was marked done."""
    _, folder = two_forms(mailed, scanner, plan)
    job = started(factory, folder, tmp_path)
    Run(engine)(job)
    once = filed(factory)
    Run(engine)(job, attempt=2)
    assert filed(factory) == once


# --- the web upload ------------------------------------------------------------------------------

@pytest.fixture
def client_without_worker(settings, engine):
    """The app with no worker of its own: jobs wait until the test runs one."""
    with TestClient(create_app(settings, engine, embedded_worker=False), base_url="http://testserver") as made:
        yield made


def scans_of(folder) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in sorted(folder.iterdir())}


def test_an_upload_answers_before_any_page_is_checked_and_a_worker_then_files_them(
        factory, engine, client_without_worker, mailed, scanner, plan):
    client = client_without_worker
    m, folder = two_forms(mailed, scanner, plan)
    log_in(client, factory.user("operator").username)
    answer = upload(client, scans_of(folder), arrived_on=ARRIVED_ON.isoformat())
    assert answer.status_code == 200 and "取込み待機中" in answer.text and "0 / — 頁" in answer.text
    assert filed(factory)["pages"] == [] and filed(factory)["receipts by form"] == []
    Worker(engine, job_registry()).run(burst=True)
    page = client.get(f"/mailroom/ingest?job={job_of(answer)}").text
    assert "取込み完了" in page and "様式 2 件" in page and "（不備なし 2 件）、例外 0 件" in page
    assert m.form_id(0) in page and m.form_id(1) in page
    assert filed(factory)["receipts by form"] == both_complete(m)


def test_the_progress_of_an_upload_s_ingest_is_read_as_json(factory, engine, client_without_worker, mailed, scanner,
                                                            plan):
    client = client_without_worker
    _, folder = two_forms(mailed, scanner, plan)
    log_in(client, factory.user("operator").username)
    job = job_of(upload(client, scans_of(folder)))
    assert client.get(f"/mailroom/ingest/progress?job={job}").json() == {
        "state": "queued", "state_label": "待機中", "done": 0, "total": None, "finished": False, "error": ""}
    Worker(engine, job_registry()).run(burst=True)
    assert client.get(f"/mailroom/ingest/progress?job={job}").json() == {
        "state": "done", "state_label": "完了", "done": 6, "total": 6, "finished": True, "error": ""}


def test_the_finished_upload_links_each_exception_to_its_image(factory, client, mailed, scanner, plan):
    m, folder = two_forms(mailed, scanner, plan)
    log_in(client, factory.user("operator").username)
    page = when_ingested(client, upload(client, {**scans_of(folder), "zz-broken.jpg": b"\xff\xd8\xff" + b"\0" * 300}))
    with factory.session() as session:
        broken = session.exec(select(ScannedPage).where(ScannedPage.role == "exception")).one()
    assert f'href="/mailroom/pages/{broken.id}/image"' in page.text and "例外 1 件" in page.text
    assert 'href="/mailroom/exceptions"' in page.text


def test_an_upload_with_no_file_is_refused_in_japanese_on_the_station(factory, client_without_worker):
    client = client_without_worker
    log_in(client, factory.user("operator").username)
    answer = upload(client, {"": b""}, arrived_on="2026-11-21")
    assert answer.status_code == 200 and "スキャン画像のファイルを 1 個から 500 個まで選んでください" in answer.text
    assert '<input name="arrived_on" type="date" value="2026-11-21">' in answer.text  # what was typed stays


def test_an_upload_with_an_unreadable_arrival_date_is_refused_and_queues_nothing(factory, client_without_worker):
    client = client_without_worker
    log_in(client, factory.user("operator").username)
    answer = upload(client, {"scan.jpg": b"x"}, arrived_on="21/11/2026")
    assert "到着日「21/11/2026」は日付として読めません" in answer.text
    with factory.session() as session:
        assert session.exec(select(Job)).all() == []


# --- the command ---------------------------------------------------------------------------------

def test_mailroom_ingest_no_wait_only_queues_the_job_and_prints_its_number(factory, engine, cli, mailed, scanner,
                                                                           plan):
    _, folder = two_forms(mailed, scanner, plan)
    result = cli("mailroom", "ingest", folder, "--no-wait", "--workers", 1)
    assert result.exit_code == 0, result.output
    with factory.session() as session:
        job = session.exec(select(Job).where(Job.kind == INGEST)).one()
    assert f"ジョブ {job.id} を登録しました" in result.output
    assert job.state == "queued" and filed(factory)["pages"] == []


def test_mailroom_ingest_runs_its_job_itself_and_prints_the_batch(factory, cli, mailed, scanner, plan):
    _, folder = two_forms(mailed, scanner, plan)
    result = cli("mailroom", "ingest", folder, "--arrived", ARRIVED_ON, "--workers", 1)
    assert result.exit_code == 0, result.output
    assert "6 頁、様式 2 件（完了 2）、例外 0 件" in result.output
    with factory.session() as session:
        assert session.exec(select(Job.state).where(Job.kind == INGEST)).one() == "done"


def test_mailroom_ingest_again_after_a_killed_run_takes_its_job_at_once_and_files_each_page_once(
        factory, engine, cli, mailed, scanner, plan, tmp_path):
    m, folder = two_forms(mailed, scanner, plan)
    job = started(factory, folder, tmp_path)
    with pytest.raises(Stopping):
        Run(engine, stop_after=3)(job)
    gone = subprocess.Popen(["true"])
    gone.wait()
    with factory.session() as session:  # as a command killed mid-ingest leaves its job: running, heartbeat fresh
        row = session.get(Job, job.id)
        row.state, row.worker, row.heartbeat_at = "running", f"{socket.gethostname()}:{gone.pid}:1", utcnow()
        session.add(row)
        session.commit()
    result = cli("mailroom", "ingest", folder, "--arrived", ARRIVED_ON, "--workers", 1)
    assert result.exit_code == 0, result.output
    assert len(filed(factory)["pages"]) == 6
    assert filed(factory)["receipts by form"] == both_complete(m)
