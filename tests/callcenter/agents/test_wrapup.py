"""後処理 (wrap-up) and the softphone's state changes: a call that ends leaves its agent in wrap-up,
a code is required before 受付可, and answering pops the caller's record with the call in its form."""

import pytest
from sqlmodel import select

from callcenter.agents.models import AgentStateSpell
from callcenter.agents.states import current_state, set_state
from callcenter.agents.wrapup import call_ended, finish_wrap_up, set_own_state
from callcenter.inquiries.models import Inquiry
from callcenter.telephony.models import CallRecord
from secretariat.core.errors import Conflict, InvalidInput
from tests.conftest import csrf_from


@pytest.fixture
def actor(factory):
    return factory.actor("agent")


def a_call_in_wrap_up(session, actor, sid="CA-WRAP", household_id=None):
    session.add(CallRecord(call_sid=sid, status="completed", language="ja", household_id=household_id))
    set_state(session, user_id=actor.user_id, state="on_call", reason="test", call_sid=sid)
    call_ended(session, actor=actor, call_sid=sid)
    session.commit()


def test_finishing_wrap_up_keeps_the_code_on_the_call_and_makes_the_agent_available(session, actor):
    a_call_in_wrap_up(session, actor)
    finish_wrap_up(session, actor=actor, call_sid="CA-WRAP", code="resolved")
    session.commit()
    record = session.exec(select(CallRecord).where(CallRecord.call_sid == "CA-WRAP")).one()
    assert record.wrap_up_code == "resolved" and record.wrapped_at is not None
    assert current_state(session, user_id=actor.user_id) == "available"


def test_available_is_refused_while_a_wrap_up_is_open(session, actor):
    a_call_in_wrap_up(session, actor)
    with pytest.raises(Conflict, match="後処理が終わっていません"):
        set_own_state(session, actor=actor, state="available")
    assert current_state(session, user_id=actor.user_id) == "wrap_up"


def test_a_wrap_up_needs_a_code_from_the_list(session, actor):
    a_call_in_wrap_up(session, actor)
    with pytest.raises(InvalidInput, match="後処理コードを一覧から選んでください"):
        finish_wrap_up(session, actor=actor, call_sid="CA-WRAP", code="")
    assert current_state(session, user_id=actor.user_id) == "wrap_up"


def test_the_end_of_a_call_reported_twice_opens_one_wrap_up(session, actor):
    a_call_in_wrap_up(session, actor)
    call_ended(session, actor=actor, call_sid="CA-WRAP")
    session.commit()
    spells = session.exec(select(AgentStateSpell).where(AgentStateSpell.user_id == actor.user_id)).all()
    assert [spell.state for spell in spells] == ["on_call", "wrap_up"]


def test_the_state_buttons_cannot_put_an_agent_on_a_call(session, actor):
    with pytest.raises(InvalidInput):
        set_own_state(session, actor=actor, state="on_call")


def test_a_call_answered_on_the_softphone_pops_the_callers_record_and_its_form_carries_the_call(
        factory, client, login):
    tenant = factory.tenant(households=2)
    household = tenant.households[0]
    agent = factory.user("agent")
    csrf = login(agent)
    with factory.session() as session:
        session.add(CallRecord(call_sid="CA-POP", status="answered", language="pt", household_id=household.id,
                               municipality_id=household.municipality_id))
        session.commit()
    me = client.post("/api/callcenter/calls/answered", data={"call_sid": "CA-POP"},
                     headers={"x-csrf-token": csrf}).json()
    assert me["state"] == "on_call" and me["label"] == "通話中"
    assert me["call"]["screen_pop"] == f"/callcenter/households/{household.id}?call=CA-POP&lang=pt"
    page = client.get(me["call"]["screen_pop"])
    assert '<input type="hidden" name="call_sid" value="CA-POP">' in page.text
    assert '<option value="pt" selected>' in page.text and '<option value="phone" selected>' in page.text
    answer = client.post(f"/callcenter/households/{household.id}/inquiries", follow_redirects=False, data={
        "csrf_token": csrf_from(page.text), "category": "eligibility", "action": "answered", "channel": "phone",
        "language": "pt", "call_sid": "CA-POP"})
    assert answer.status_code == 303
    with factory.session() as session:
        assert session.exec(select(Inquiry.call_sid, Inquiry.language)).one() == ("CA-POP", "pt")


def test_the_softphone_goes_from_answer_to_wrap_up_to_available_through_its_endpoints(factory, client, login):
    agent = factory.user("agent")
    csrf = login(agent)
    headers = {"x-csrf-token": csrf}
    with factory.session() as session:
        session.add(CallRecord(call_sid="CA-FLOW", status="answered"))
        session.commit()
    assert client.post("/api/callcenter/state", data={"state": "available"}, headers=headers).json()["state"] == "available"
    client.post("/api/callcenter/calls/answered", data={"call_sid": "CA-FLOW"}, headers=headers)
    ended = client.post("/api/callcenter/calls/ended", data={"call_sid": "CA-FLOW"}, headers=headers).json()
    assert (ended["state"], ended["label"], ended["call"]["call_sid"]) == ("wrap_up", "後処理", "CA-FLOW")
    refused = client.post("/api/callcenter/state", data={"state": "available"}, headers=headers)
    assert refused.status_code == 409 and "後処理コード" in refused.json()["error"]
    done = client.post("/api/callcenter/wrap-up", data={"call_sid": "CA-FLOW", "code": "info"}, headers=headers)
    assert done.json()["state"] == "available"
    with factory.session() as session:
        assert session.exec(select(CallRecord.wrap_up_code)).one() == "info"
