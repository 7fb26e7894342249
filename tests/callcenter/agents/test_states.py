"""Agent states (callcenter/agents/states.py): every change timestamped, with no gaps or overlaps."""

from datetime import datetime, timedelta

from callcenter.agents import routing, states
from callcenter.telephony.models import CallRecord
from secretariat.core.clock import JST, replaying_at

NINE = datetime(2026, 12, 1, 9, 0, tzinfo=JST)


def at(minutes):
    return replaying_at(NINE + timedelta(minutes=minutes))


def test_agent_state_durations_add_up_to_logged_in_time(factory):
    user_id = factory.user("agent").id
    with factory.session() as session:
        states.profile_for(session, user_id=user_id)  # takes Japanese calls
        with at(0):
            states.set_state(session, user_id=user_id, state="available", reason="login")
        with at(5):
            record = CallRecord(call_sid="CA50", status="queued", queued_at=NINE + timedelta(minutes=5))
            assert routing.route_arriving(session, record=record, base_url="") is not None
        with at(6):
            routing.agent_answered(session, call_sid="CA50")
        with at(12):
            routing.agent_leg_ended(session, call_sid="CA50", dial_status="completed", duration="360", base_url="")
        for minute, state in ((14, "available"), (30, "break"), (45, "available"), (60, "offline")):
            with at(minute):
                states.set_state(session, user_id=user_id, state=state, reason="screen")
        session.commit()
        spent = states.seconds_in_states(session, user_id=user_id, start=NINE, end=NINE + timedelta(minutes=90))
    assert spent == {"available": 2160.0, "on_call": 420.0, "wrap_up": 120.0, "break": 900.0, "offline": 1800.0}
    assert sum(spent.values()) - spent["offline"] == 3600  # logged in from 9:00 to 10:00


def test_an_agent_taken_by_one_router_is_not_taken_by_another(factory):
    user_id = factory.user("agent").id
    with factory.session() as first, factory.session() as second:
        states.set_state(first, user_id=user_id, state="available", reason="login")
        first.commit()
        states.current_spell(second, user_id=user_id)  # the second router has seen the agent available
        assert states.take(first, user_id=user_id, expected="available", state="on_call", reason="call",
                           call_sid="CA51") is not None
        first.commit()
        assert states.take(second, user_id=user_id, expected="available", state="on_call", reason="call",
                           call_sid="CA52") is None
