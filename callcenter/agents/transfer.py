"""What the softphone asks of the caller's leg of a call: hold, take back, transfer.

The caller's call is redirected with new TwiML through Twilio's REST API (the browser cannot
move the other party). Holding puts the caller in a queue of their own with Twilio's hold music;
taking them back dials the agent's softphone again, which answers it by itself.

Redirecting a call that is in a `<Dial>` makes Twilio request that `<Dial>`'s action as the agent's
leg ends. The call is marked (`held`, `transferring`) before the redirect, so routing knows that
end is ours and not the end of the call (see `routing.agent_leg_ended`).
"""

from __future__ import annotations

from sqlmodel import Session, select
from twilio.rest import Client
from twilio.twiml.voice_response import VoiceResponse

from callcenter.agents.models import AgentProfile
from callcenter.agents.routing import dial_agent_twiml
from callcenter.agents.states import profile_for, set_state
from callcenter.agents.wrapup import call_ended, call_record
from callcenter.inquiries.service import AGENTS
from callcenter.telephony.models import CallRecord
from secretariat.core.auth.actor import Actor
from secretariat.core.auth.models import User
from secretariat.core.errors import InvalidInput

ESCALATION = "escalation"


def hold(session: Session, *, actor: Actor, call_sid: str, client: Client, on: bool, base_url: str) -> CallRecord:
    """Put the caller on hold (保留), or bring them back to this agent's softphone."""
    actor.require(*AGENTS)
    record = call_record(session, call_sid)
    profile = profile_for(session, user_id=actor.user_id)
    if on:
        response = VoiceResponse()
        response.enqueue(f"hold-{profile.client_identity}")
        twiml, record.status = str(response), "held"
    else:
        twiml, record.status = dial_agent_twiml(profile, base_url, call_sid), "answered"
    session.add(record)
    session.flush()
    client.calls(call_sid).update(twiml=twiml)
    return record


def transfer(session: Session, *, actor: Actor, call_sid: str, to: str, client: Client,
             escalation_number: str, base_url: str) -> CallRecord:
    """Send the caller to the escalation line or to another agent (`to` is "escalation" or a user id);
    the transferring agent's part of the call ends, and their wrap-up begins."""
    actor.require(*AGENTS)
    record = call_record(session, call_sid)
    if to == ESCALATION:
        if not escalation_number:
            raise InvalidInput("エスカレーション窓口の番号が設定されていません。管理者に連絡してください。")
        response = VoiceResponse()
        response.dial(escalation_number)
        twiml, record.agent = str(response), "escalation"
    else:
        target = session.exec(select(AgentProfile, User).join(User, User.id == AgentProfile.user_id)
                              .where(AgentProfile.user_id == (int(to) if to.isdigit() else -1),
                                     User.active.is_(True))).first()
        if target is None or target[0].user_id == actor.user_id:
            raise InvalidInput("転送先のオペレーターを一覧から選んでください。")
        twiml, record.agent = dial_agent_twiml(target[0], base_url, call_sid), target[1].username
        set_state(session, user_id=target[0].user_id, state="on_call", reason="transfer", call_sid=call_sid)
    record.status = "transferring"
    session.add(record)
    session.flush()
    client.calls(call_sid).update(twiml=twiml)
    call_ended(session, actor=actor, call_sid=call_sid)
    return record
