"""Virtual hold (callcenter/agents/callbacks.py): a callback instead of a long wait, dialled when
an agent frees up."""

from sqlmodel import select

from callcenter.agents import states
from callcenter.agents.models import QueueCallback
from callcenter.telephony.models import CallRecord
from secretariat.core.clock import utcnow
from tests.callcenter.test_telephony import OUR_NUMBER, rest, settings, signed  # noqa: F401 (fixtures)

RESIDENT = "+819012345678"


def busy_agent(factory, agent, handled_s=120):
    """One Japanese-speaking agent, on a call; the calls completed lately took `handled_s` each."""
    user_id = agent("ja")
    with factory.session() as session:
        states.set_state(session, user_id=user_id, state="on_call", reason="call", call_sid="CA-EARLIER")
        session.add(CallRecord(call_sid="CA-DONE", status="completed", talk_s=handled_s, ended_at=utcnow()))
        session.commit()
    return user_id


def poll(client, call_sid, position):
    return signed(client, "/twilio/voice/wait", {"CallSid": call_sid, "QueuePosition": str(position),
                                                 "QueueTime": "30"}).text


def take_callback(client, caller, call_sid):
    caller(call_sid, phone=RESIDENT)
    return signed(client, "/twilio/voice/callback", {"CallSid": call_sid, "Digits": "1"})


def callback_of(factory, call_sid):
    with factory.session() as session:
        return session.exec(select(QueueCallback).where(QueueCallback.call_sid == call_sid)).one()


def test_a_callback_is_offered_once_the_expected_wait_passes_the_limit(factory, client, caller, agent):
    busy_agent(factory, agent, handled_s=120)
    caller("CA40")
    assert "<Gather" not in poll(client, "CA40", position=1)  # 120 s expected: under the 180 s limit
    offered = poll(client, "CA40", position=2)  # 240 s expected
    assert "<Gather" in offered and 'action="/twilio/voice/callback"' in offered
    assert "順番が来ましたら折り返しお電話します。ご希望の方は1を押してください" in offered


def test_a_caller_who_presses_1_is_called_back_and_is_not_counted_as_abandoned(factory, client, caller, agent):
    busy_agent(factory, agent)
    answer = take_callback(client, caller, "CA41")
    assert "折り返しお電話します" in answer.text and "<Hangup" in answer.text
    signed(client, "/twilio/voice/queue-result", {"CallSid": "CA41", "QueueResult": "hangup", "QueueTime": "200"})
    signed(client, "/twilio/voice/status", {"CallSid": "CA41", "CallStatus": "completed", "CallDuration": "230"})
    callback = callback_of(factory, "CA41")
    assert (callback.status, callback.to_e164, callback.language) == ("waiting", RESIDENT, "ja")
    with factory.session() as session:
        assert session.exec(select(CallRecord.status).where(CallRecord.call_sid == "CA41")).one() == "callback"


def test_a_waiting_callback_is_dialled_from_our_number_when_an_agent_frees_up(
        factory, client, caller, agent, rest, turn_available):
    busy_agent(factory, agent)
    take_callback(client, caller, "CA42")
    freed = agent("ja")
    dialled = turn_available(freed)
    (method, url, data) = rest.requests[-1]
    assert method == "POST" and url.endswith("/Calls.json")
    assert (data["To"], data["From"]) == (RESIDENT, OUR_NUMBER)
    assert f"<Identity>agent-{freed}</Identity>" in data["Twiml"]
    callback = callback_of(factory, "CA42")
    assert (callback.status, callback.dialled_call_sid) == ("dialling", dialled) and callback.agent
    with factory.session() as session:
        spell = states.current_spell(session, user_id=freed)
    assert (spell.state, spell.call_sid) == ("on_call", "CA42")


def test_a_callback_keeps_its_place_ahead_of_a_caller_who_came_later(factory, client, caller, agent, turn_available):
    busy_agent(factory, agent)
    take_callback(client, caller, "CA43")
    caller("CA44")
    turn_available(agent("ja"))
    assert callback_of(factory, "CA43").status == "dialling"
    with factory.session() as session:
        assert session.exec(select(CallRecord.routed_at).where(CallRecord.call_sid == "CA44")).one() is None


def test_a_resident_who_does_not_answer_the_callback_leaves_the_agent_available(
        factory, client, caller, agent, turn_available):
    busy_agent(factory, agent)
    take_callback(client, caller, "CA45")
    freed = agent("ja")
    dialled = turn_available(freed)
    signed(client, "/twilio/voice/status", {"CallSid": dialled, "CallStatus": "no-answer", "CallDuration": "0"})
    assert callback_of(factory, "CA45").status == "failed"
    with factory.session() as session:
        assert states.current_state(session, user_id=freed) == "available"
        assert session.exec(select(CallRecord).where(CallRecord.call_sid == dialled)).first() is None
