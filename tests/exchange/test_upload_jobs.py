"""A target list uploaded from the liaison's page is imported by a job: the request only saves and
queues it, a double submit joins one job, a retried job imports once, and only the municipality's
own people see the job's page."""

from __future__ import annotations

import pytest
from sqlmodel import func, select

from exchange.targets.models import TargetFile
from exchange.targets.upload_jobs import start_target_upload, target_upload_job
from secretariat.app import job_registry
from secretariat.core.auth.service import actor_for
from secretariat.core.households.models import Household
from secretariat.core.jobs.models import Job, JobState
from secretariat.core.jobs.registry import JobContext
from secretariat.core.jobs.worker import Worker
from tests.conftest import csrf_from, log_in
from tests.exchange.upload_support import post_targets, uploaded


@pytest.fixture
def liaison_without_worker(factory, queue_only):
    """A liaison of a new municipality logged in to the app with no worker: (client, tenant, token)."""
    tenant = factory.tenant(households=0)
    assert log_in(queue_only, factory.user("liaison", tenant.municipality).username).status_code == 303
    return queue_only, tenant, csrf_from(queue_only.get("/").text)


def count(factory, model) -> int:
    with factory.session() as session:
        return session.exec(select(func.count()).select_from(model)).one()


def test_an_upload_answers_before_the_import_and_its_job_waits_for_a_worker(factory, liaison_without_worker, rows,
                                                                          write):
    client, tenant, token = liaison_without_worker
    answer = post_targets(client, tenant.programme, token, write(rows))
    assert answer.status_code == 303
    page = client.get(answer.headers["location"])
    assert 'data-state="queued"' in page.text and "取込み待機中" in page.text and 'http-equiv="refresh"' in page.text
    assert count(factory, TargetFile) == 0 and count(factory, Household) == 0


def test_a_worker_imports_the_queued_upload_and_its_page_shows_the_result(factory, engine, liaison_without_worker,
                                                                         rows, write, settings):
    client, tenant, token = liaison_without_worker
    answer = post_targets(client, tenant.programme, token, write(rows, "taisho.csv"))
    Worker(engine, job_registry()).run(burst=True)
    page = client.get(answer.headers["location"])
    assert 'data-state="done"' in page.text and "取込完了" in page.text and 'http-equiv="refresh"' not in page.text
    assert count(factory, Household) == len({row[1] for row in rows[1:]})
    assert (settings.data_dir / "drop" / tenant.municipality.code / "outbox" / "taisho.report.csv").is_file()


def test_a_double_submit_of_the_same_file_joins_one_job_and_keeps_one_copy(factory, liaison_without_worker, rows,
                                                                          write, settings):
    client, tenant, token = liaison_without_worker
    first = post_targets(client, tenant.programme, token, write(rows))
    second = post_targets(client, tenant.programme, token, write(rows))
    assert first.headers["location"] == second.headers["location"]
    assert count(factory, Job) == 1
    assert len(list((settings.data_dir / "drop" / tenant.municipality.code / "archive").iterdir())) == 1


def test_a_job_retried_after_its_import_committed_imports_the_file_once(factory, engine, rows, write, tmp_path):
    tenant = factory.tenant(households=0)
    liaison = actor_for(factory.user("liaison", tenant.municipality))
    with factory.session() as session:
        job = start_target_upload(session=session, actor=liaison, programme=session.merge(tenant.programme),
                                  path=write(rows), name="taisho.csv", outbox=tmp_path / "outbox")
        session.commit()
    for attempt in (1, 2):  # the worker died after the first attempt's commit: the job runs again
        target_upload_job(JobContext(engine, job.id, attempt, _report=lambda done, total: None), **job.args)
    with factory.session() as session:
        records = session.exec(select(TargetFile)).all()
        assert [record.status for record in records] == ["imported"]
        assert session.get(Job, job.id).args["target_file_id"] == records[0].id
    assert count(factory, Household) == len({row[1] for row in rows[1:]})
    assert (tmp_path / "outbox" / "taisho.report.csv").is_file()


def test_a_failed_upload_job_shows_its_error(factory, liaison_without_worker, rows, write):
    client, tenant, token = liaison_without_worker
    answer = post_targets(client, tenant.programme, token, write(rows))
    with factory.session() as session:
        job = session.exec(select(Job)).one()
        job.state, job.attempts, job.last_error = JobState.failed.value, 4, "OSError at upload_jobs.py:80"
        session.add(job)
        session.commit()
    page = client.get(answer.headers["location"])
    assert "取込みに失敗しました" in page.text and "OSError at upload_jobs.py:80" in page.text


def test_another_municipalitys_liaison_cannot_see_the_upload_s_job_page(factory, client, login, rows, write):
    ours, theirs = factory.tenant(households=0), factory.tenant(households=0)
    page = uploaded(client, ours.programme, login(factory.user("liaison", ours.municipality)), write(rows))
    job_page = str(page.url).removeprefix("http://testserver")
    assert "取込完了" in page.text
    client.post("/logout", data={"csrf_token": csrf_from(page.text)})
    login(factory.user("liaison", theirs.municipality))
    assert client.get(job_page).status_code == 404
    their_path = job_page.replace(f"/programmes/{ours.programme.id}/", f"/programmes/{theirs.programme.id}/")
    assert client.get(their_path).status_code == 404
