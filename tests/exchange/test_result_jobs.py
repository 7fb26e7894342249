"""The status file and result lists as a job: the exchange page queues it, a worker writes the files
into the outbox as the person who asked, and the page shows how it went."""

from __future__ import annotations

import pytest
from sqlmodel import Session, select

from exchange.results_jobs import RESULT_FILES
from secretariat.app import job_registry
from secretariat.core.audit.models import AuditEvent
from secretariat.core.jobs.models import Job
from secretariat.core.jobs.worker import Worker
from tests.conftest import csrf_from, log_in


@pytest.fixture
def liaison_page(factory, queue_only):
    """(client, tenant, csrf token) of a liaison logged in."""
    tenant = factory.tenant(households=3)
    assert log_in(queue_only, factory.user("liaison", tenant.municipality).username).status_code == 303
    return queue_only, tenant, csrf_from(queue_only.get("/").text)


def make_results(client, tenant, token):
    return client.post(f"/programmes/{tenant.programme.id}/exchange/results", data={"csrf_token": token},
                       follow_redirects=True)


def jobs(engine) -> list[Job]:
    with Session(engine) as session:
        return list(session.exec(select(Job).order_by(Job.id)))


def outbox(settings, tenant) -> list[str]:
    folder = settings.data_dir / "drop" / tenant.municipality.code / "outbox"
    return sorted(path.name for path in folder.glob("*")) if folder.exists() else []


def test_asking_for_the_status_file_queues_a_job_and_writes_nothing_in_the_request(engine, settings, liaison_page):
    client, tenant, token = liaison_page
    page = make_results(client, tenant, token)
    [job] = jobs(engine)
    assert (job.kind, job.state, job.municipality_id) == (RESULT_FILES, "queued", tenant.municipality.id)
    assert outbox(settings, tenant) == []
    assert "待機中…" in page.text and 'http-equiv="refresh"' in page.text


def test_a_second_click_the_same_day_joins_the_queued_job(engine, liaison_page):
    client, tenant, token = liaison_page
    make_results(client, tenant, token)
    make_results(client, tenant, token)
    assert len(jobs(engine)) == 1


def test_a_worker_writes_the_files_into_the_outbox_as_the_liaison_who_asked(engine, settings, factory, liaison_page):
    client, tenant, token = liaison_page
    make_results(client, tenant, token)
    assert Worker(engine, job_registry()).run_one() is True
    written = outbox(settings, tenant)
    assert len(written) == 10 and any(name.startswith("status-") and name.endswith(".csv") for name in written)
    with factory.session() as session:
        exported = session.exec(select(AuditEvent).where(AuditEvent.action == "export")).one()
    assert exported.role == "liaison" and exported.username.startswith("liaison")
    assert "作成済み" in client.get(f"/programmes/{tenant.programme.id}/exchange").text


def test_a_failed_job_shows_its_error_on_the_exchange_page(engine, liaison_page):
    client, tenant, token = liaison_page
    make_results(client, tenant, token)
    with Session(engine) as session:
        job = session.exec(select(Job)).one()
        job.state, job.attempts, job.last_error = "failed", 4, "OSError (files.py:62 write_atomically)"
        session.add(job)
        session.commit()
    page = client.get(f"/programmes/{tenant.programme.id}/exchange").text
    assert "作成失敗" in page and "OSError (files.py:62 write_atomically)" in page
