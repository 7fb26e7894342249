"""Hold and transfer from the softphone (callcenter/agents/transfer.py): Twilio requests the agent
`<Dial>`'s action when we redirect the caller, and that must not end the call."""

from twilio.rest import Client

from callcenter.agents import transfer
from secretariat.core.auth.models import User
from secretariat.core.auth.service import actor_for
from tests.callcenter.agents.test_routing import record_of, state_of
from tests.callcenter.test_telephony import BASE, rest, settings, signed  # noqa: F401 (fixtures)


def twilio(app, rest):
    settings = app.state.settings
    return Client(settings.twilio_account_sid, settings.twilio_auth_token, http_client=rest)


def hold(factory, app, rest, *, user_id, call_sid, on):
    """The agent presses 保留 (on) or takes the caller back (off) on the softphone."""
    with factory.session() as session:
        actor = actor_for(session.get(User, user_id))
        transfer.hold(session, actor=actor, call_sid=call_sid, client=twilio(app, rest), on=on, base_url=BASE)
        session.commit()


def answered_call(client, caller, call_sid):
    """The caller rang, was dialled to the idle agent, and the agent answered."""
    caller(call_sid)
    signed(client, "/twilio/voice/agent-leg", {"CallSid": call_sid, "CallStatus": "in-progress"})


def leg_ends(client, call_sid, seconds="30"):
    return signed(client, "/twilio/voice/agent-result", {"CallSid": call_sid, "DialCallStatus": "completed",
                                                         "DialCallDuration": seconds})


def test_putting_a_caller_on_hold_does_not_end_the_call(factory, app, client, rest, caller, agent):
    speaker = agent("ja")
    answered_call(client, caller, "CA50")
    hold(factory, app, rest, user_id=speaker, call_sid="CA50", on=True)
    leg_ends(client, "CA50")  # Twilio reports the agent's leg ended by the redirect
    assert record_of(factory, "CA50").status == "held"
    assert state_of(factory, speaker).state == "on_call"


def test_a_caller_taken_back_from_hold_rings_the_same_agent_and_ends_as_any_call(
        factory, app, client, rest, caller, agent):
    speaker = agent("ja")
    answered_call(client, caller, "CA51")
    hold(factory, app, rest, user_id=speaker, call_sid="CA51", on=True)
    leg_ends(client, "CA51")
    hold(factory, app, rest, user_id=speaker, call_sid="CA51", on=False)
    assert f"<Identity>agent-{speaker}</Identity>" in rest.requests[-1][2]["Twiml"]
    leg_ends(client, "CA51", seconds="90")
    assert record_of(factory, "CA51").status == "completed"
    assert state_of(factory, speaker).state == "wrap_up"


def test_a_call_transferred_to_another_agent_is_theirs_until_it_ends(factory, app, client, rest, caller, agent):
    first = agent("ja", idle_min=10)
    colleague = agent("ja", idle_min=1)
    answered_call(client, caller, "CA52")
    with factory.session() as session:
        actor = actor_for(session.get(User, first))
        transfer.transfer(session, actor=actor, call_sid="CA52", to=str(colleague), client=twilio(app, rest),
                          escalation_number="", base_url=BASE)
        session.commit()
    assert f"<Identity>agent-{colleague}</Identity>" in rest.requests[-1][2]["Twiml"]
    leg_ends(client, "CA52")  # the first agent's leg, ended by the transfer
    assert (state_of(factory, first).state, state_of(factory, colleague).state) == ("wrap_up", "on_call")
    assert record_of(factory, "CA52").status == "answered"
    leg_ends(client, "CA52", seconds="120")  # the colleague's leg: the end of the call
    assert record_of(factory, "CA52").status == "completed"
    assert (state_of(factory, colleague).state, state_of(factory, colleague).call_sid) == ("wrap_up", "CA52")
