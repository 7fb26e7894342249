"""The softphone's access token: what lets the Voice JavaScript SDK in the agent's browser take
and place calls as that agent, for a short while.

The token is signed with an API key (never the account's auth token) and names the agent's
`client_identity`, which is what the router dials (`<Client>agent-7</Client>`); it lasts an hour,
and the screen asks for a new one before it runs out.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session
from twilio.jwt.access_token import AccessToken
from twilio.jwt.access_token.grants import VoiceGrant

from callcenter.agents.states import profile_for
from callcenter.inquiries.service import AGENTS
from secretariat.core.auth.actor import Actor
from secretariat.core.config import Settings
from secretariat.core.errors import InvalidInput
from secretariat.core.web.security import policy_with

TOKEN_TTL_S = 3600

# The softphone's page must reach Twilio: signalling over secure WebSockets, the SDK's event and
# insights gateways over HTTPS, and its ring and hang-up sounds. Only that page gets this policy;
# every other page stays same-origin only.
SOFTPHONE_PAGE_POLICIES = {
    "/callcenter": policy_with(connect_src="'self' wss://*.twilio.com https://*.twilio.com",
                               media_src="'self' https://*.twilio.com https://media.twiliocdn.com"),
}


@dataclass(frozen=True)
class SoftphoneToken:
    token: str
    identity: str
    expires_in: int


def softphone_token(session: Session, *, actor: Actor, settings: Settings, ttl_s: int = TOKEN_TTL_S) -> SoftphoneToken:
    """A Voice token for the logged-in agent: incoming calls to their identity, outgoing through our TwiML app."""
    actor.require(*AGENTS)
    if not (settings.twilio_account_sid and settings.twilio_api_key_sid and settings.twilio_api_key_secret
            and settings.twilio_twiml_app_sid):
        raise InvalidInput("ソフトフォンの設定がありません（電話のAPIキーなど）。管理者に連絡してください。")
    identity = profile_for(session, user_id=actor.user_id).client_identity
    token = AccessToken(settings.twilio_account_sid, settings.twilio_api_key_sid, settings.twilio_api_key_secret,
                        identity=identity, ttl=ttl_s)
    token.add_grant(VoiceGrant(outgoing_application_sid=settings.twilio_twiml_app_sid, incoming_allow=True))
    return SoftphoneToken(token=token.to_jwt(), identity=identity, expires_in=ttl_s)
