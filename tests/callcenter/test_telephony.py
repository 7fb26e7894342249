"""Twilio's webhooks, signed with the twilio package's own validator; nothing reaches the network."""

import json
import logging
from urllib.parse import urlencode

import pytest
from sqlmodel import select
from twilio.http import HttpClient
from twilio.http.response import Response
from twilio.request_validator import RequestValidator
from twilio.rest import Client

from callcenter.telephony.models import CallRecord, SmsNotice
from callcenter.telephony.sms import send_notice
from secretariat.core.auth.actor import Actor
from secretariat.core.config import Settings
from secretariat.core.households.models import Household

TOKEN = "test-auth-token"
BASE = "https://callcenter.example.jp"
OUR_NUMBER = "+81355550001"
INTERPRETER = "+81355550002"


class LocalTwilio(HttpClient):
    """Stands in for Twilio's REST API: records each request and answers as Twilio would."""

    def __init__(self):
        super().__init__(logging.getLogger("tests.twilio"), is_async=False)
        self.requests = []

    def request(self, method, url, params=None, data=None, headers=None, auth=None, timeout=None,
                allow_redirects=False):
        self.requests.append((method, url, dict(data or {})))
        if url.endswith("/Messages.json"):
            return Response(201, json.dumps({"sid": f"SM{len(self.requests):032d}", "status": "queued"}))
        if "/Calls" in url:  # a call placed, fetched or redirected: every call here was made to our number
            sid = url.rsplit("/", 1)[-1].removesuffix(".json")
            return Response(201, json.dumps({"sid": sid if sid.startswith("CA") else f"CA{len(self.requests):032d}",
                                             "to": (data or {}).get("To", OUR_NUMBER), "status": "queued"}))
        return Response(201, json.dumps({"call_sid": "CA" + "1" * 32, "conference_sid": "CF" + "2" * 32,
                                         "label": (data or {}).get("Label")}))


@pytest.fixture
def settings(tmp_path, database_url):
    return Settings(data_dir=tmp_path, database_url=database_url, secret_key="k", public_base_url=BASE,
                    twilio_account_sid="AC" + "0" * 32, twilio_auth_token=TOKEN, twilio_number=OUR_NUMBER,
                    interpreter_numbers={"en": INTERPRETER, "pt": "+81355550003"})


@pytest.fixture
def rest(app):
    app.state.twilio_http_client = LocalTwilio()
    return app.state.twilio_http_client


def signed(client, path, params, token=TOKEN, tamper=None):
    signature = RequestValidator(token).compute_signature(BASE + path, params)
    sent = dict(params, **(tamper or {}))
    return client.post(path, content=urlencode(sent), headers={
        "X-Twilio-Signature": signature, "Content-Type": "application/x-www-form-urlencoded"})


def test_twilios_published_test_vector_validates():
    params = {"CallSid": "CA1234567890ABCDE", "Caller": "+14158675310", "Digits": "1234", "From": "+14158675310",
              "To": "+18005551212"}
    assert RequestValidator("12345").validate("https://mycompany.com/myapp.php?foo=1&bar=2", params,
                                              "GvWf1cFY/Q7PnoempGyD5oXAezc=")


def test_an_inbound_call_hears_the_greeting_and_the_language_menu_and_pops_the_record(factory, client):
    tenant = factory.tenant(households=4)
    household = next(h for h in tenant.households if h.phone)
    answer = signed(client, "/twilio/voice/inbound", {"CallSid": "CA01", "From": "+81" + household.phone[1:]})
    assert answer.status_code == 200
    assert "録音" in answer.text and "<Gather" in answer.text and "Tiếng Việt" in answer.text
    with factory.session() as session:
        record = session.exec(select(CallRecord)).one()
    assert record.household_id == household.id and record.status == "ringing"


@pytest.mark.parametrize("how", ["unsigned", "forged", "altered"])
def test_a_request_not_signed_by_twilio_gets_403_and_changes_nothing(factory, client, how):
    params = {"CallSid": "CA02", "From": "+819012345678"}
    if how == "unsigned":
        answer = client.post("/twilio/voice/inbound", data=params)
    elif how == "forged":
        answer = signed(client, "/twilio/voice/inbound", params, token="not-our-token")
    else:  # a real request replayed with one parameter changed
        answer = signed(client, "/twilio/voice/inbound", params, tamper={"From": "+819099999999"})
    assert answer.status_code == 403
    with factory.session() as session:
        assert session.exec(select(CallRecord)).all() == []


def test_japanese_callers_wait_in_the_japanese_queue(client):
    signed(client, "/twilio/voice/inbound", {"CallSid": "CA03", "From": "+819012345678"})
    answer = signed(client, "/twilio/voice/language", {"CallSid": "CA03", "Digits": "1"})
    assert "<Enqueue" in answer.text and ">ja</Enqueue>" in answer.text


def test_an_english_caller_with_no_english_speaking_agent_waits_in_the_english_queue(client):
    signed(client, "/twilio/voice/inbound", {"CallSid": "CA04", "From": "+819012345678"})
    answer = signed(client, "/twilio/voice/language", {"CallSid": "CA04", "Digits": "2"})
    assert ">en</Enqueue>" in answer.text and 'waitUrl="/twilio/voice/wait"' in answer.text


def wait_for_interpreter(client, call_sid, digits):
    """A caller chooses a language no agent is free for and waits past the fallback time; Twilio
    then reports that the caller left the queue. Returns the TwiML that answered the leaving."""
    signed(client, "/twilio/voice/inbound", {"CallSid": call_sid, "From": "+819012345678"})
    signed(client, "/twilio/voice/language", {"CallSid": call_sid, "Digits": digits})
    assert "<Leave" in signed(client, "/twilio/voice/wait", {"CallSid": call_sid, "QueuePosition": "1",
                                                              "QueueTime": "61"}).text
    return signed(client, "/twilio/voice/queue-result", {"CallSid": call_sid, "QueueResult": "leave",
                                                          "QueueTime": "61"})


def test_an_english_caller_gets_an_interpreter_in_a_three_way_conference_after_the_fallback_time(
        factory, client, rest):
    answer = wait_for_interpreter(client, "CA04", "2")
    assert "<Conference" in answer.text and "call-CA04" in answer.text
    [(method, url, data)] = rest.requests
    assert method == "POST" and url.endswith("/Conferences/call-CA04/Participants.json")
    assert data["To"] == INTERPRETER
    with factory.session() as session:
        record = session.exec(select(CallRecord)).one()
    assert (record.language, record.conference) == ("en", "call-CA04")


def test_status_callbacks_record_wait_and_talk_time_and_abandonment(factory, client):
    for sid in ("CA05", "CA06"):
        signed(client, "/twilio/voice/inbound", {"CallSid": sid, "From": "+819012345678"})
        signed(client, "/twilio/voice/language", {"CallSid": sid, "Digits": "1"})
    signed(client, "/twilio/voice/queue-result", {"CallSid": "CA05", "QueueResult": "bridged", "QueueTime": "42"})
    signed(client, "/twilio/voice/status", {"CallSid": "CA05", "CallStatus": "completed", "CallDuration": "300"})
    signed(client, "/twilio/voice/queue-result", {"CallSid": "CA06", "QueueResult": "hangup", "QueueTime": "95"})
    with factory.session() as session:
        done, gone = (session.exec(select(CallRecord).where(CallRecord.call_sid == sid)).one() for sid in ("CA05", "CA06"))
    assert (done.status, done.wait_s, done.talk_s) == ("completed", 42, 258)
    assert (gone.status, gone.wait_s) == ("abandoned", 95)


def test_sms_notices_stop_after_the_resident_opts_out(factory, client, settings):
    tenant = factory.tenant(households=6)
    local = LocalTwilio()
    rest_client = Client(settings.twilio_account_sid, TOKEN, http_client=local)
    with factory.session() as session:
        household = next(h for h in session.exec(select(Household).where(
            Household.programme_id == tenant.programme.id)) if h.phone.startswith(("070", "080", "090")))
        sent = send_notice(session=session, actor=Actor.system("t"), client=rest_client, household=household,
                           kind="received", from_number=settings.twilio_number)
        session.commit()
    assert sent is not None and local.requests[0][2]["To"] == "+81" + household.phone[1:]
    assert signed(client, "/twilio/sms/inbound", {"From": "+81" + household.phone[1:], "Body": "STOP"}).status_code == 200
    with factory.session() as session:
        again = send_notice(session=session, actor=Actor.system("t"), client=rest_client,
                            household=session.get(Household, household.id), kind="payment_scheduled",
                            from_number=settings.twilio_number)
        assert again is None and len(local.requests) == 1
        assert len(session.exec(select(SmsNotice)).all()) == 1


def test_the_agents_screen_shows_the_ringing_callers_record(factory, client, login):
    tenant = factory.tenant(households=4)
    household = next(h for h in tenant.households if h.phone)
    signed(client, "/twilio/voice/inbound", {"CallSid": "CA07", "From": "+81" + household.phone[1:]})
    login(factory.user("agent"))
    calls = client.get("/api/callcenter/calls/active").json()
    assert calls[0]["household_id"] == household.id
    assert f"/callcenter/households/{household.id}" in client.get("/callcenter").text


def test_an_agent_joins_the_interpreter_conference_from_the_screen(factory, client, rest, login):
    wait_for_interpreter(client, "CA08", "5")  # Português
    token = login(factory.user("agent"))
    answer = client.post("/callcenter/calls/join", data={"csrf_token": token, "call_sid": "CA08",
                                                         "agent_number": "03-5555-0009"}, follow_redirects=False)
    assert answer.status_code == 303
    assert [data["To"] for _, _, data in rest.requests] == ["+81355550003", "+81355550009"]  # interpreter, agent
    with factory.session() as session:
        record = session.exec(select(CallRecord).where(CallRecord.call_sid == "CA08")).one()
    assert record.status == "answered" and record.agent
