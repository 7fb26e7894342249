"""Agents and callers for the agents' tests. Modules that drive Twilio's webhooks import the
`settings` and `rest` fixtures of tests/callcenter/test_telephony.py: signed webhooks and a
local stand-in for the REST API, so nothing reaches the network."""

from datetime import timedelta

import pytest
from twilio.rest import Client

from callcenter.agents import routing, states
from secretariat.core.clock import utcnow
from tests.callcenter.test_telephony import signed


@pytest.fixture
def agent(factory):
    """An agent who takes calls in `languages`, available for the last `idle_min` minutes;
    returns the agent's user id."""
    def make(languages: str = "ja", idle_min: float = 5) -> int:
        user = factory.user("agent")
        with factory.session() as session:
            profile = states.profile_for(session, user_id=user.id)
            profile.languages = languages
            session.add(profile)
            states.set_state(session, user_id=user.id, state="available", reason="login",
                             at=utcnow() - timedelta(minutes=idle_min))
            session.commit()
        return user.id
    return make


@pytest.fixture
def caller(client):
    """A caller rings in from `phone` and picks the menu key `digits`; returns the TwiML answer."""
    def call(call_sid: str, digits: str = "1", phone: str = "+819012345678"):
        signed(client, "/twilio/voice/inbound", {"CallSid": call_sid, "From": phone})
        return signed(client, "/twilio/voice/language", {"CallSid": call_sid, "Digits": digits})
    return call



@pytest.fixture
def turn_available(factory, app, rest):
    """The agent, already available, is offered the next waiting caller or callback, as the
    softphone's 受付可 does; returns the SID of the call now ringing them, or None."""
    def press(user_id: int) -> str | None:
        settings = app.state.settings
        client = Client(settings.twilio_account_sid, settings.twilio_auth_token, http_client=rest)
        with factory.session() as session:
            sid = routing.agent_became_available(session, user_id=user_id, client=client,
                                                 base_url=settings.public_base_url)
            session.commit()
        return sid
    return press
