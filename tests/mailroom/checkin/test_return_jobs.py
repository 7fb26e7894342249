"""Return letters (返戻通知) printed from the web: a page that says how many will print, a job keyed
by the programme that prints them batch by batch, exactly once however often it is interrupted, and
the page that follows it to the PDFs."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from mailroom.checkin import returns
from mailroom.checkin.by_hand import check_by_hand
from mailroom.checkin.models import ReturnBatch, ReturnLetter
from mailroom.checkin.return_jobs import PRINT_RETURNS, print_returns_job, start_return_letters
from mailroom.checkin.service import check_in_code
from secretariat.app import create_app, job_registry
from secretariat.core.applications.models import Application
from secretariat.core.audit.models import AuditEvent
from secretariat.core.auth.roles import Role
from secretariat.core.jobs.models import Job
from secretariat.core.jobs.registry import JobContext, Stopping
from secretariat.core.jobs.worker import Worker
from secretariat.core.programmes.models import Programme

from .conftest import ARRIVED_ON
from .test_check_by_hand import COMPLETE


def made_deficient(factory, forms, *numbers) -> list[int]:
    """Households `numbers`' forms checked in and judged by hand with no signature: deficient, each
    waiting for its return letter. Returns their receipts' ids."""
    receipts = []
    operator = factory.actor(Role.operator)
    for number in numbers:
        with factory.session() as session:
            receipt = check_in_code(session=session, actor=operator, code=forms.code(number),
                                    arrived_on=ARRIVED_ON).receipt
            check_by_hand(session=session, actor=operator, receipt=receipt, ticked=COMPLETE - {"signature"},
                          attachment_pages=1)
            session.commit()
            receipts.append(receipt.id)
    return receipts


def queued(factory, forms, tmp_path, batch_size=2) -> Job:
    """The programme's waiting letters queued for printing, as the confirmation page queues them."""
    with factory.session() as session:
        job = start_return_letters(session=session, actor=factory.actor(Role.operator),
                                   programme=session.get(Programme, forms.tenant.programme.id),
                                   out_root=tmp_path / "returns", batch_size=batch_size)
        session.commit()
        return job


class Run:
    """The job function run as a worker runs it, recording each progress report; `stop_after`
    reports, the worker is stopping (a restart, SIGTERM)."""

    def __init__(self, engine, stop_after: int | None = None):
        self.engine, self.stop_after, self.reports = engine, stop_after, []

    def __call__(self, job: Job) -> None:
        context = JobContext(self.engine, job.id, 1, _report=lambda done, total: self.reports.append((done, total)),
                             _stopping=lambda: self.stop_after is not None and len(self.reports) >= self.stop_after)
        print_returns_job(context, **job.args)


def letters_by_receipt(factory) -> dict[int, int]:
    with factory.session() as session:
        counted: dict[int, int] = {}
        for letter in session.exec(select(ReturnLetter)):
            counted[letter.receipt_id] = counted.get(letter.receipt_id, 0) + 1
        return counted


def batch_sizes(factory) -> list[int]:
    with factory.session() as session:
        return [batch.letter_count for batch in session.exec(select(ReturnBatch).order_by(ReturnBatch.id))]


def statuses(factory, forms) -> list[str]:
    with factory.session() as session:
        return [a.status for a in session.exec(select(Application).where(
            Application.programme_id == forms.tenant.programme.id).order_by(Application.id))]


# --- the job function ----------------------------------------------------------------------------

def test_the_job_prints_the_waiting_letters_in_batches_and_reports_each_committed_batch(factory, engine, mailed,
                                                                                       tmp_path):
    forms = mailed(3)
    receipts = made_deficient(factory, forms, 0, 1, 2)
    run = Run(engine)
    run(queued(factory, forms, tmp_path, batch_size=2))
    assert run.reports == [(0, 3), (2, 3), (3, 3)]
    assert batch_sizes(factory) == [2, 1]
    assert letters_by_receipt(factory) == {receipt: 1 for receipt in receipts}
    assert statuses(factory, forms) == ["returned"] * 3


def test_a_job_stopped_between_batches_resumes_and_prints_each_letter_exactly_once(factory, engine, mailed,
                                                                                   tmp_path):
    forms = mailed(3)
    receipts = made_deficient(factory, forms, 0, 1, 2)
    job = queued(factory, forms, tmp_path, batch_size=2)
    with pytest.raises(Stopping):
        Run(engine, stop_after=2)(job)  # the worker stops once the first batch is committed
    assert batch_sizes(factory) == [2]
    resumed = Run(engine)
    resumed(job)
    assert resumed.reports == [(2, 3), (3, 3)]
    assert batch_sizes(factory) == [2, 1]
    assert letters_by_receipt(factory) == {receipt: 1 for receipt in receipts}


def test_a_worker_dying_mid_batch_leaves_nothing_of_it_and_the_next_attempt_prints_it_whole(factory, engine, mailed,
                                                                                           tmp_path, monkeypatch):
    forms = mailed(3)
    receipts = made_deficient(factory, forms, 0, 1, 2)
    job = queued(factory, forms, tmp_path, batch_size=2)
    rendered = returns.render_job
    calls = []

    def dies_on_the_second_batch(render):
        calls.append(render)
        if len(calls) == 3:  # the second batch's letters: its rows are added, not committed
            raise MemoryError("killed")
        return rendered(render)

    monkeypatch.setattr(returns, "render_job", dies_on_the_second_batch)
    with pytest.raises(MemoryError):
        Run(engine)(job)
    assert batch_sizes(factory) == [2] and statuses(factory, forms).count("returned") == 2
    monkeypatch.setattr(returns, "render_job", rendered)
    Run(engine)(job)
    assert batch_sizes(factory) == [2, 1]
    assert letters_by_receipt(factory) == {receipt: 1 for receipt in receipts}


def test_a_job_run_again_after_it_finished_prints_nothing_more(factory, engine, mailed, tmp_path):
    forms = mailed(2)
    made_deficient(factory, forms, 0, 1)
    job = queued(factory, forms, tmp_path)
    Run(engine)(job)
    again = Run(engine)
    again(job)
    assert again.reports == [(2, 2)] and batch_sizes(factory) == [2]


def test_the_job_prints_only_the_forms_confirmed_not_those_checked_in_since(factory, engine, mailed, tmp_path):
    forms = mailed(3)
    confirmed = made_deficient(factory, forms, 0, 1)
    job = queued(factory, forms, tmp_path)
    later = made_deficient(factory, forms, 2)
    Run(engine)(job)
    assert letters_by_receipt(factory) == {receipt: 1 for receipt in confirmed}
    with factory.session() as session:
        waiting = returns.awaiting_return(session, session.get(Programme, forms.tenant.programme.id))
    assert [receipt.id for receipt in waiting] == later


# --- the pages -----------------------------------------------------------------------------------

@pytest.fixture
def queue_only(settings, engine):
    """The web app with no worker of its own (as beside `secretariat worker` processes): jobs wait."""
    with TestClient(create_app(settings, engine, embedded_worker=False), base_url="http://testserver") as made:
        yield made


@pytest.fixture
def operator_in(factory, queue_only):
    from tests.conftest import csrf_from, log_in

    assert log_in(queue_only, factory.user("operator").username).status_code == 303
    return csrf_from(queue_only.get("/").text)


def jobs(engine) -> list[Job]:
    with Session(engine) as session:
        return list(session.exec(select(Job).order_by(Job.id)))


def confirm(client: TestClient, programme_id: int, token: str, **data):
    return client.post(f"/programmes/{programme_id}/returns/print", data={"csrf_token": token, **data},
                       follow_redirects=False)


def test_the_confirmation_page_says_how_many_letters_will_print_and_that_it_cannot_be_undone(
        factory, mailed, queue_only, operator_in):
    forms = mailed(3)
    made_deficient(factory, forms, 0, 2)
    page = queue_only.get(f"/programmes/{forms.tenant.programme.id}/returns/print").text
    assert "2 通" in page and "取り消せません" in page and "返戻通知を印刷（2 通）" in page
    assert forms.form_id(0) in queue_only.get(f"/programmes/{forms.tenant.programme.id}/returns").text


def test_confirming_queues_one_job_for_the_programme_and_a_second_click_joins_it(factory, engine, mailed,
                                                                                 queue_only, operator_in):
    forms = mailed(2)
    made_deficient(factory, forms, 0, 1)
    programme_id = forms.tenant.programme.id
    for _ in range(2):
        answer = confirm(queue_only, programme_id, operator_in)
        assert (answer.status_code, answer.headers["location"]) == (303, f"/programmes/{programme_id}/returns")
    [job] = jobs(engine)
    assert (job.kind, job.key, job.state) == (PRINT_RETURNS, f"programme-{programme_id}", "queued")
    page = queue_only.get(f"/programmes/{programme_id}/returns").text
    assert "印刷待機中" in page and 'http-equiv="refresh"' in page and batch_sizes(factory) == []


def test_a_programme_with_nothing_to_print_says_so_and_queues_nothing(factory, engine, mailed, queue_only,
                                                                      operator_in):
    forms = mailed(1)
    programme_id = forms.tenant.programme.id
    assert "印刷する様式はありません" in queue_only.get(f"/programmes/{programme_id}/returns/print").text
    answer = confirm(queue_only, programme_id, operator_in)
    assert answer.status_code == 409 and "返戻通知を印刷する様式はありません" in answer.text
    assert jobs(engine) == []


def test_the_page_follows_the_job_to_its_end_and_offers_the_printed_pdfs(factory, engine, mailed, queue_only,
                                                                          operator_in):
    forms = mailed(2)
    made_deficient(factory, forms, 0, 1)
    programme_id = forms.tenant.programme.id
    confirm(queue_only, programme_id, operator_in)
    assert Worker(engine, job_registry()).run_one() is True
    page = queue_only.get(f"/programmes/{programme_id}/returns").text
    assert "印刷完了" in page and "2 / 2 通" in page and 'http-equiv="refresh"' not in page
    assert "返戻通知を待っている様式はありません" in page
    batch = page.split("returns/letters.pdf?batch=")[1].split('"')[0]
    letters = queue_only.get(f"/programmes/{programme_id}/returns/letters.pdf?batch={batch}")
    assert letters.status_code == 200 and letters.content.startswith(b"%PDF")
    with Session(engine) as session:
        assert session.exec(select(AuditEvent).where(AuditEvent.action == "download",
                                                     AuditEvent.entity == "return_batch")).one()


def test_a_failed_job_shows_its_error_in_japanese_and_a_way_to_carry_on(factory, engine, mailed, queue_only,
                                                                        operator_in):
    forms = mailed(1)
    made_deficient(factory, forms, 0)
    confirm(queue_only, forms.tenant.programme.id, operator_in)
    with Session(engine) as session:
        job = session.exec(select(Job)).one()
        job.state, job.attempts, job.last_error = "failed", 4, "OSError (render.py:10 draw)"
        session.add(job)
        session.commit()
    page = queue_only.get(f"/programmes/{forms.tenant.programme.id}/returns").text
    assert "印刷失敗" in page and "OSError (render.py:10 draw)" in page and "続きから印刷し直す" in page
    assert 'http-equiv="refresh"' not in page


def test_the_returns_list_shows_each_programmes_waiting_forms(factory, mailed, queue_only, operator_in):
    forms = mailed(2)
    made_deficient(factory, forms, 1)
    page = queue_only.get("/mailroom/returns").text
    assert forms.tenant.programme.name in page and "1 件" in page


def test_a_batch_of_another_programme_is_not_found_under_this_one(factory, engine, mailed, queue_only,
                                                                  operator_in):
    forms, other = mailed(1), factory.tenant(households=1)
    made_deficient(factory, forms, 0)
    Run(engine)(queued(factory, forms, queue_only.app.state.settings.data_dir))
    with Session(engine) as session:
        batch = session.exec(select(ReturnBatch)).one()
    answer = queue_only.get(f"/programmes/{other.programme.id}/returns/letters.pdf?batch={batch.id}")
    assert answer.status_code == 404
    assert queue_only.get(f"/programmes/{forms.tenant.programme.id}/returns/letters.pdf?batch={batch.id}"
                          ).status_code == 200



def test_a_long_waiting_list_shows_the_oldest_forms_and_says_how_many_more_will_print(factory, mailed, queue_only,
                                                                                     operator_in, monkeypatch):
    monkeypatch.setattr("mailroom.checkin.returns_router.SHOWN", 1)
    forms = mailed(2)
    made_deficient(factory, forms, 0, 1)
    page = queue_only.get(f"/programmes/{forms.tenant.programme.id}/returns").text
    assert "返戻通知待ちの様式 2 件" in page and "ほか 1 件" in page
    assert forms.form_id(0) in page and forms.form_id(1) not in page
