"""Routing callers to agents (callcenter/agents/routing.py), driven through signed webhooks."""

import threading

from sqlmodel import select

from callcenter.agents import routing, states
from callcenter.agents.models import AgentStateSpell
from callcenter.telephony.models import CallRecord
from tests.callcenter.test_telephony import BASE, rest, settings, signed  # noqa: F401 (fixtures)


def record_of(factory, call_sid):
    with factory.session() as session:
        return session.exec(select(CallRecord).where(CallRecord.call_sid == call_sid)).one()


def state_of(factory, user_id):
    with factory.session() as session:
        return states.current_spell(session, user_id=user_id)


def dials(user_id):
    return f"<Identity>agent-{user_id}</Identity>"


def test_a_waiting_japanese_caller_is_routed_to_a_japanese_speaking_agent_who_turns_available(
        factory, caller, agent, rest, turn_available):
    assert "<Enqueue" in caller("CA10").text  # nobody on the phones yet
    speaker = agent("ja")
    assert turn_available(speaker) == "CA10"
    [(method, url, data)] = rest.requests
    assert method == "POST" and url.endswith("/Calls/CA10.json")
    assert dials(speaker) in data["Twiml"] and f"{BASE}/twilio/voice/agent-result" in data["Twiml"]
    record = record_of(factory, "CA10")
    with factory.session() as session:
        assert record.routed_at is not None and record.agent == states.username_of(session, user_id=speaker)
    spell = state_of(factory, speaker)
    assert (spell.state, spell.call_sid, spell.reason) == ("on_call", "CA10", "call")


def test_nobody_waits_while_a_matching_agent_is_free_and_the_longest_idle_one_takes_the_call(factory, caller, agent):
    recent, longest, portuguese_only = agent("ja", idle_min=2), agent("ja", idle_min=10), agent("pt", idle_min=30)
    answer = caller("CA11")
    assert "<Enqueue" not in answer.text and dials(longest) in answer.text
    assert record_of(factory, "CA11").routed_at is not None
    assert state_of(factory, longest).state == "on_call"
    assert state_of(factory, recent).state == state_of(factory, portuguese_only).state == "available"


def test_a_portuguese_caller_goes_to_a_portuguese_speaking_agent(caller, agent):
    agent("ja", idle_min=30)
    speaker = agent("ja,pt", idle_min=1)
    assert dials(speaker) in caller("CA12", digits="5").text


def test_a_portuguese_caller_goes_to_the_interpreter_conference_after_the_fallback_time(
        factory, client, caller, agent, rest):
    agent("ja", idle_min=30)  # free, but does not speak Portuguese
    assert ">pt</Enqueue>" in caller("CA13", digits="5").text
    early = signed(client, "/twilio/voice/wait", {"CallSid": "CA13", "QueuePosition": "1", "QueueTime": "59"})
    assert "<Leave" not in early.text and "<Pause" in early.text
    late = signed(client, "/twilio/voice/wait", {"CallSid": "CA13", "QueuePosition": "1", "QueueTime": "60"})
    assert "<Leave" in late.text
    answer = signed(client, "/twilio/voice/queue-result", {"CallSid": "CA13", "QueueResult": "leave",
                                                            "QueueTime": "60"})
    assert "<Conference" in answer.text and "call-CA13" in answer.text
    assert [data["To"] for _, _, data in rest.requests] == ["+81355550003"]  # the Portuguese interpreter


def test_a_caller_in_the_queue_is_taken_out_by_the_next_poll_when_an_agent_is_free(factory, client, caller, agent):
    caller("CA14")
    speaker = agent("ja")  # turned available without routing anyone (e.g. the screen's request failed)
    poll = signed(client, "/twilio/voice/wait", {"CallSid": "CA14", "QueuePosition": "1", "QueueTime": "20"})
    assert "<Leave" in poll.text
    answer = signed(client, "/twilio/voice/queue-result", {"CallSid": "CA14", "QueueResult": "leave",
                                                            "QueueTime": "20"})
    assert dials(speaker) in answer.text
    assert record_of(factory, "CA14").status == "queued"  # left the queue, but not abandoned


def test_the_agent_answering_ends_the_wait_and_hanging_up_puts_the_agent_in_wrap_up(factory, client, caller, agent):
    speaker = agent("ja")
    caller("CA15")
    signed(client, "/twilio/voice/agent-leg", {"CallSid": "CA9015", "ParentCallSid": "CA15",
                                               "CallStatus": "in-progress"})
    assert record_of(factory, "CA15").status == "answered"
    signed(client, "/twilio/voice/agent-result", {"CallSid": "CA15", "DialCallStatus": "completed",
                                                  "DialCallDuration": "240"})
    signed(client, "/twilio/voice/status", {"CallSid": "CA15", "CallStatus": "completed", "CallDuration": "245"})
    record = record_of(factory, "CA15")
    assert (record.status, record.talk_s) == ("completed", 240)
    spell = state_of(factory, speaker)
    assert (spell.state, spell.call_sid) == ("wrap_up", "CA15")


def test_an_agent_who_does_not_answer_goes_offline_and_the_caller_rings_the_next_idle_agent(
        factory, client, caller, agent):
    longest, next_one = agent("ja", idle_min=10), agent("ja", idle_min=2)
    assert dials(longest) in caller("CA16").text
    answer = signed(client, "/twilio/voice/agent-result", {"CallSid": "CA16", "DialCallStatus": "no-answer"})
    assert dials(next_one) in answer.text
    spell = state_of(factory, longest)
    assert (spell.state, spell.reason) == ("offline", "no_answer")
    assert state_of(factory, next_one).call_sid == "CA16"


def test_a_caller_whose_agent_does_not_answer_waits_in_the_queue_again_when_nobody_else_is_free(
        factory, client, caller, agent):
    agent("ja")
    caller("CA17")
    answer = signed(client, "/twilio/voice/agent-result", {"CallSid": "CA17", "DialCallStatus": "busy"})
    assert ">ja</Enqueue>" in answer.text
    assert record_of(factory, "CA17").routed_at is None


def test_two_agents_turning_available_at_once_take_two_different_callers(
        factory, caller, agent, turn_available, monkeypatch):
    caller("CA21")
    caller("CA22")
    first, second = agent("ja"), agent("ja")
    both_looked = threading.Barrier(2, timeout=20)
    looked_up = routing._waiting_items

    def after_both_have_seen_the_queue(session, *, languages):
        waiting = looked_up(session, languages=languages)
        both_looked.wait()  # each has seen both callers, CA21 first, before either takes one
        return waiting

    monkeypatch.setattr(routing, "_waiting_items", after_both_have_seen_the_queue)
    taken = {}

    def press(user_id):
        taken[user_id] = turn_available(user_id)

    threads = [threading.Thread(target=press, args=(user_id,)) for user_id in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(taken.values()) == ["CA21", "CA22"]
    with factory.session() as session:
        on_call = session.exec(select(AgentStateSpell.call_sid).where(AgentStateSpell.state == "on_call",
                                                                      AgentStateSpell.ended_at.is_(None))).all()
    assert sorted(on_call) == ["CA21", "CA22"]


def test_two_callers_arriving_at_once_do_not_take_the_same_agent(factory, agent, monkeypatch):
    only = agent("ja")
    with factory.session() as session:
        for sid in ("CA23", "CA24"):
            session.add(CallRecord(call_sid=sid, status="queued"))
        session.commit()
    both_looked = threading.Barrier(2, timeout=20)
    looked_up = states.idle_agents

    def after_both_have_seen_the_agent(session, *, language):
        idle = looked_up(session, language=language)
        both_looked.wait()
        return idle

    monkeypatch.setattr(states, "idle_agents", after_both_have_seen_the_agent)
    answers = {}

    def arrive(sid):
        with factory.session() as session:
            record = session.exec(select(CallRecord).where(CallRecord.call_sid == sid)).one()
            answers[sid] = routing.route_arriving(session, record=record, base_url=BASE)
            session.commit()

    threads = [threading.Thread(target=arrive, args=(sid,)) for sid in ("CA23", "CA24")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(answer is None for answer in answers.values()) == [False, True]
    routed = [record_of(factory, sid) for sid in ("CA23", "CA24")]
    assert sorted(record.routed_at is None for record in routed) == [False, True]
    assert state_of(factory, only).state == "on_call"



def test_a_caller_who_hangs_up_while_the_agents_phone_rings_is_abandoned_and_the_agent_free_again(
        factory, client, caller, agent):
    speaker = agent("ja")
    caller("CA25")
    signed(client, "/twilio/voice/status", {"CallSid": "CA25", "CallStatus": "completed", "CallDuration": "8"})
    assert record_of(factory, "CA25").status == "abandoned"
    spell = state_of(factory, speaker)
    assert (spell.state, spell.reason) == ("available", "caller_hung_up")


def test_the_agents_softphone_is_told_which_call_it_is_taking(caller, agent):
    """The agent's leg has a call SID of its own; the caller's goes along as a parameter, so the
    screen opens that caller's record and the wrap-up lands on that call."""
    agent("ja")
    assert '<Parameter name="call_sid" value="CA77" />' in caller("CA77").text
