"""Print runs go through the job queue: the run's job reserves and queues its batches, one job per
batch prints them (on any worker), the last finishes the run; a second click joins the run's job,
the run page and /jobs show the jobs' progress and failures."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from mailroom.printing.jobs import PRINT_BATCH, PRINT_RUN, StartedRun, start_print_run
from mailroom.printing.models import PrintBatch, PrintRun
from secretariat.app import create_app, job_registry
from secretariat.core.jobs.models import Job
from secretariat.core.jobs.worker import Worker


@pytest.fixture
def queue_only(settings, engine):
    """The web app with no worker of its own (as beside `secretariat worker` processes): jobs wait."""
    with TestClient(create_app(settings, engine, embedded_worker=False), base_url="http://testserver") as made:
        yield made


@pytest.fixture
def login_queue_only(queue_only):
    from tests.conftest import csrf_from, log_in

    def do(user) -> str:
        assert log_in(queue_only, user.username).status_code == 303
        return csrf_from(queue_only.get("/").text)
    return do


def jobs(engine) -> list[Job]:
    with Session(engine) as session:
        return list(session.exec(select(Job).order_by(Job.id)))


def set_job(engine, job_id: int, **values) -> None:
    with Session(engine) as session:
        job = session.get(Job, job_id)
        for name, value in values.items():
            setattr(job, name, value)
        session.add(job)
        session.commit()


def start(client: TestClient, programme_id: int, token: str) -> str:
    answer = client.post(f"/programmes/{programme_id}/print-runs", data={"wave": 1, "csrf_token": token},
                         follow_redirects=False)
    assert answer.status_code == 303, answer.text
    return answer.headers["location"]


def test_starting_a_print_run_queues_a_job_for_it_and_prints_nothing_in_the_request(factory, engine, queue_only,
                                                                                    login_queue_only):
    tenant = factory.tenant(households=3)
    run_page = start(queue_only, tenant.programme.id, login_queue_only(factory.user("operator")))
    [job] = jobs(engine)
    assert (job.kind, job.key, job.state) == (PRINT_RUN, f"run-{run_page.rsplit('/', 1)[1]}", "queued")
    assert job.municipality_id == tenant.municipality.id
    page = queue_only.get(run_page).text
    assert "印刷待機中" in page and "batch-0001.pdf" not in page


def test_a_second_click_joins_the_job_already_queued_for_the_run(factory, engine, queue_only, login_queue_only):
    tenant = factory.tenant(households=3)
    token = login_queue_only(factory.user("supervisor"))
    assert start(queue_only, tenant.programme.id, token) == start(queue_only, tenant.programme.id, token)
    assert len(jobs(engine)) == 1


def test_a_worker_prints_the_queued_run_through_its_job_and_one_job_per_batch(factory, engine, queue_only,
                                                                             login_queue_only):
    tenant = factory.tenant(households=3)
    run_page = start(queue_only, tenant.programme.id, login_queue_only(factory.user("supervisor")))
    Worker(engine, job_registry()).run(burst=True)
    run_id = run_page.rsplit("/", 1)[1]
    assert [(job.kind, job.key, job.state, job.done, job.total) for job in jobs(engine)] == [
        (PRINT_RUN, f"run-{run_id}", "done", 3, 3), (PRINT_BATCH, f"run-{run_id}/batch-0001", "done", 3, 3)]
    page = queue_only.get(run_page).text
    assert "印刷完了" in page and "3 / 3 世帯" in page and "manifest.csv" in page


def start_in_batches(factory, engine, tmp_path, households: int, batch_size: int) -> StartedRun:
    """A run started with `batch_size` households a batch, and its batches reserved and queued."""
    tenant = factory.tenant(households=households)
    with Session(engine, expire_on_commit=False) as session:
        started = start_print_run(session=session, actor=factory.actor("supervisor"), programme=tenant.programme,
                                  out_root=tmp_path / "print-runs", batch_size=batch_size)
        session.commit()
    assert Worker(engine, job_registry(), only_job=started.job.id).run_one() is True
    return started


def test_the_run_page_counts_the_households_of_the_batches_printed_so_far(factory, engine, queue_only,
                                                                          login_queue_only, tmp_path):
    started = start_in_batches(factory, engine, tmp_path, households=3, batch_size=1)
    assert Worker(engine, job_registry()).run_one() is True  # the first batch
    login_queue_only(factory.user("supervisor"))
    page = queue_only.get(f"/print/runs/{started.run.id}").text
    assert "印刷中…" in page and "1 / 3 世帯" in page and 'value="1"' in page


def test_each_batch_is_printed_once_and_the_last_one_finishes_the_run(factory, engine, tmp_path):
    started = start_in_batches(factory, engine, tmp_path, households=5, batch_size=2)
    Worker(engine, job_registry()).run(burst=True)
    with Session(engine) as session:
        run = session.get(PrintRun, started.run.id)
        batches = session.exec(select(PrintBatch.number, PrintBatch.household_count)
                               .order_by(PrintBatch.number)).all()
    assert batches == [(1, 2), (2, 2), (3, 1)]
    assert run.completed_at is not None and run.household_count == 5
    manifest = (Path(run.directory) / "manifest.csv").read_text(encoding="utf-8-sig").splitlines()
    assert [line.split(",")[0] for line in manifest[1:]] == ["batch-0001.pdf"] * 2 + ["batch-0002.pdf"] * 2 + [
        "batch-0003.pdf"]


def test_a_batch_already_written_is_not_drawn_again_by_a_second_attempt(factory, engine, tmp_path):
    started = start_in_batches(factory, engine, tmp_path, households=2, batch_size=2)
    Worker(engine, job_registry()).run(burst=True)
    with Session(engine) as session:
        batch = session.exec(select(PrintBatch)).one()
        [batch_job] = [job for job in session.exec(select(Job)) if job.kind == PRINT_BATCH]
    pdf = Path(started.run.directory) / batch.file_name
    written = pdf.stat().st_mtime_ns
    # as if its worker had died after recording the batch and before saying the job was done
    set_job(engine, batch_job.id, state="running", heartbeat_at=datetime(2026, 1, 1, tzinfo=timezone.utc))
    Worker(engine, job_registry()).run(burst=True)
    assert pdf.stat().st_mtime_ns == written
    with Session(engine) as session:
        assert session.get(Job, batch_job.id).state == "done"


def test_a_failed_batch_shows_its_number_and_error_and_starting_again_queues_that_batch_again(
        factory, engine, queue_only, login_queue_only, tmp_path):
    started = start_in_batches(factory, engine, tmp_path, households=2, batch_size=1)
    [first, second] = [job for job in jobs(engine) if job.kind == PRINT_BATCH]
    set_job(engine, second.id, state="failed", attempts=4, last_error="OSError (render.py:10 draw)")
    token = login_queue_only(factory.user("supervisor"))
    run_page = f"/print/runs/{started.run.id}"
    page = queue_only.get(run_page).text
    assert "印刷失敗" in page and "バッチ 2: OSError (render.py:10 draw)" in page and "続きから印刷し直す" in page
    assert start(queue_only, started.run.programme_id, token) == run_page
    Worker(engine, job_registry()).run(burst=True)
    assert [(job.key.rsplit("/", 1)[-1], job.state) for job in jobs(engine)] == [
        (f"run-{started.run.id}", "done"), ("batch-0001", "done"), ("batch-0002", "failed"),
        (f"run-{started.run.id}", "done"), ("batch-0002", "done")]
    assert "印刷完了" in queue_only.get(run_page).text


def test_a_failed_print_job_shows_its_error_and_starting_again_makes_a_new_job(factory, engine, queue_only,
                                                                               login_queue_only):
    tenant = factory.tenant(households=3)
    token = login_queue_only(factory.user("supervisor"))
    run_page = start(queue_only, tenant.programme.id, token)
    failed = jobs(engine)[0]
    set_job(engine, failed.id, state="failed", attempts=4, last_error="OSError (render.py:10 draw)")
    page = queue_only.get(run_page).text
    assert "印刷失敗" in page and "OSError (render.py:10 draw)" in page and "続きから印刷し直す" in page
    assert 'http-equiv="refresh"' not in page
    assert start(queue_only, tenant.programme.id, token) == run_page
    assert [(job.id == failed.id, job.state) for job in jobs(engine)] == [(True, "failed"), (False, "queued")]


def test_the_web_apps_own_worker_prints_a_run_started_from_the_web(factory, engine, client, login):
    """`secretariat serve` on the embedded store: the job is taken by the worker inside the web process."""
    from tests.mailroom.printing.test_print_pages import wait_until_printed

    tenant = factory.tenant(households=2)
    run_page = start(client, tenant.programme.id, login(factory.user("operator")))
    assert "2 / 2 世帯" in wait_until_printed(client, run_page)
    assert [(job.state, job.done) for job in jobs(engine)] == [("done", 2), ("done", 2)]


def test_the_supervisor_sees_every_job_with_its_state_attempts_and_error_in_japanese(factory, engine, queue_only,
                                                                                     login_queue_only):
    tenant = factory.tenant(households=1)
    start(queue_only, tenant.programme.id, login_queue_only(factory.user("supervisor")))
    set_job(engine, jobs(engine)[0].id, state="queued", attempts=1, last_error="Conflict: print run 1 is busy")
    page = queue_only.get("/jobs").text
    assert "印刷ロットの印刷" in page and "再試行待ち" in page and "1 / 4" in page
    assert "Conflict: print run 1 is busy" in page


def test_operators_may_not_see_the_jobs_page(factory, queue_only, login_queue_only):
    login_queue_only(factory.user("operator"))
    assert queue_only.get("/jobs").status_code == 403


def test_a_run_printed_from_the_command_line_goes_through_the_same_jobs_and_its_page_shows_it(
        factory, engine, queue_only, login_queue_only, cli):
    tenant = factory.tenant(households=2)
    assert cli("print", "run", "--programme", tenant.programme.id, "--workers", 1).exit_code == 0
    login_queue_only(factory.user("supervisor"))
    with Session(engine) as session:
        run = session.exec(select(PrintRun)).one()
    assert "印刷完了" in queue_only.get(f"/print/runs/{run.id}").text
    assert [(job.kind, job.state, job.created_by) for job in jobs(engine)] == [
        (PRINT_RUN, "done", "system:cli"), (PRINT_BATCH, "done", "system:cli")]
