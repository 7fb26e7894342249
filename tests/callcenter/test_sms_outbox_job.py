"""The call center's SMS job sends the core outbox: every waiting text once, through Twilio (a
local stand-in here), honouring opt-outs, and leaves the texts waiting when telephony is not set up."""

from __future__ import annotations

import json

import pytest
from sqlmodel import select
from twilio.http.response import Response

from callcenter.telephony.models import SmsNotice, SmsOptOut
from secretariat.app import create_app
from secretariat.core.auth.actor import Actor
from secretariat.core.config import Settings
from secretariat.core.households.models import Household
from secretariat.core.jobs.models import Job
from secretariat.core.jobs.worker import Worker
from secretariat.core.sms.models import SmsRequest
from secretariat.core.sms.service import OUTBOX_KEY, SEND_SMS_JOB, request_sms
from tests.callcenter.test_telephony import BASE, OUR_NUMBER, TOKEN, LocalTwilio

MOBILE = "09012345678"


@pytest.fixture
def settings(tmp_path, database_url):
    return Settings(data_dir=tmp_path, database_url=database_url, secret_key="k", public_base_url=BASE,
                    twilio_account_sid="AC" + "0" * 32, twilio_auth_token=TOKEN, twilio_number=OUR_NUMBER)


@pytest.fixture
def app(settings, engine):
    made = create_app(settings, engine, embedded_worker=False)  # the test runs the worker itself
    made.state.twilio_http_client = LocalTwilio()
    return made


@pytest.fixture
def rest(app):
    return app.state.twilio_http_client


def run_worker(app) -> None:
    Worker(app.state.engine, app.state.job_registry).run(burst=True)


def ask(factory, *households: Household, body: str = "【給付金事務局】テストです。") -> list[int]:
    """Each household a mobile and a text in the outbox, committed as a requesting domain would."""
    with factory.session() as session:
        ids = []
        for household in households:
            household = session.get(Household, household.id)
            household.phone = MOBILE[:-1] + str(household.id % 10)
            session.add(household)
            ids.append(request_sms(session=session, actor=Actor.system("tests"), household=household,
                                   kind="online_receipt", body=body).id)
        session.commit()
        return ids


def rows(factory) -> list[SmsRequest]:
    with factory.session() as session:
        return list(session.exec(select(SmsRequest).order_by(SmsRequest.id)))


def texts_sent(rest) -> list[dict]:
    return [data for _, url, data in rest.requests if url.endswith("/Messages.json")]


def test_a_requested_text_queues_the_sms_job_for_the_outbox(factory):
    tenant = factory.tenant(households=2)
    ask(factory, *tenant.households)
    with factory.session() as session:
        [job] = session.exec(select(Job)).all()
    assert (job.kind, job.key, job.state) == (SEND_SMS_JOB, OUTBOX_KEY, "queued")


def test_the_job_sends_each_waiting_text_once_records_it_and_blanks_its_body(factory, app, rest):
    tenant = factory.tenant(households=2)
    ask(factory, *tenant.households, body="【給付金事務局】受付番号 W00000001")
    run_worker(app)
    sent = texts_sent(rest)
    assert [text["Body"] for text in sent] == ["【給付金事務局】受付番号 W00000001"] * 2
    assert all(text["From"] == OUR_NUMBER and text["To"].startswith("+8190") for text in sent)
    assert [(row.state, row.body, bool(row.message_sid), row.sent_at is not None) for row in rows(factory)] == [
        ("sent", "", True, True)] * 2
    with factory.session() as session:
        notices = session.exec(select(SmsNotice).order_by(SmsNotice.id)).all()
        job = session.exec(select(Job)).one()
    assert [(n.household_id, n.kind) for n in notices] == [(h.id, "online_receipt") for h in tenant.households]
    assert job.state == "done"
    run_worker(app)
    assert len(texts_sent(rest)) == 2


def test_a_number_that_opted_out_is_skipped_with_the_reason_and_twilio_is_not_called(factory, app, rest):
    tenant = factory.tenant(households=1)
    ask(factory, tenant.households[0])
    with factory.session() as session:
        household = session.get(Household, tenant.households[0].id)
        session.add(SmsOptOut(e164="+81" + household.phone[1:]))
        session.commit()
    run_worker(app)
    [row] = rows(factory)
    assert (row.state, row.body) == ("skipped", "")
    assert "配信停止" in row.error
    assert texts_sent(rest) == []


def test_a_text_taken_by_an_attempt_that_died_before_twilio_answered_is_not_sent_again(factory, app, rest):
    tenant = factory.tenant(households=2)
    first, second = ask(factory, *tenant.households)
    with factory.session() as session:
        taken = session.get(SmsRequest, first)
        taken.state, taken.body = "sending", ""
        session.add(taken)
        session.commit()
    run_worker(app)
    assert len(texts_sent(rest)) == 1
    assert [row.state for row in rows(factory)] == ["sending", "sent"]


def test_a_text_twilio_refuses_is_failed_with_twilios_code_only(factory, app):
    class Refusing(LocalTwilio):
        def request(self, method, url, **kwargs):
            self.requests.append((method, url, dict(kwargs.get("data") or {})))
            return Response(400, json.dumps({"code": 21211, "message": "The 'To' number +819012345671 is not valid",
                                             "status": 400}))

    app.state.twilio_http_client = Refusing()
    tenant = factory.tenant(households=1)
    ask(factory, tenant.households[0])
    run_worker(app)
    [row] = rows(factory)
    assert (row.state, row.error, row.body) == ("failed", "Twilioが受け付けませんでした（エラー 21211）", "")


def test_texts_requested_while_the_job_runs_are_sent_in_the_same_run(factory, app):
    tenant = factory.tenant(households=3)
    later = tenant.households[2]

    class RequestingMore(LocalTwilio):
        def request(self, method, url, **kwargs):
            if len(self.requests) == 0:
                ask(factory, later)  # committed while the job is between two texts
            return super().request(method, url, **kwargs)

    app.state.twilio_http_client = rest = RequestingMore()
    ask(factory, *tenant.households[:2])
    run_worker(app)
    assert len(texts_sent(rest)) == 3
    assert {row.state for row in rows(factory)} == {"sent"}


def test_without_telephony_the_texts_stay_waiting_and_the_job_says_why(factory, tmp_path, database_url, engine):
    bare = Settings(data_dir=tmp_path, database_url=database_url, secret_key="k")
    app = create_app(bare, engine, embedded_worker=False)
    tenant = factory.tenant(households=1)
    ask(factory, tenant.households[0])
    Worker(engine, app.state.job_registry).run_one()
    [row] = rows(factory)
    assert (row.state, row.body) == ("waiting", "【給付金事務局】テストです。")
    with factory.session() as session:
        job = session.exec(select(Job)).one()
    assert job.state == "queued" and "Twilio" in job.last_error and "1件" in job.last_error



@pytest.mark.parametrize("page", ["/callcenter/households/{id}", "/households/{id}"])
def test_the_callers_record_and_the_household_page_list_its_texts_with_their_state_in_japanese(
        factory, app, client, login, page):
    tenant = factory.tenant(households=2)
    ask(factory, *tenant.households)
    run_worker(app)
    with factory.session() as session:
        session.add(SmsOptOut(e164="+81" + session.get(Household, tenant.households[0].id).phone[1:]))
        session.commit()
    ask(factory, tenant.households[0])
    run_worker(app)
    login(factory.user("agent"))
    answer = client.get(page.format(id=tenant.households[0].id))
    assert answer.status_code == 200, answer.text[:3000]
    shown = answer.text
    texts = shown.split('data-testid="texts"', 1)[1].split("</ol>", 1)[0]
    assert texts.count("オンライン申請の受付") == 2
    assert texts.index("送信せず") < texts.index("送信済み")  # newest first
    assert "配信停止" in texts
