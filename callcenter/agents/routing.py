"""Routing callers to agents with Twilio's queue verbs: the longest-idle agent who speaks the
caller's language takes the call, and callers wait in their language's `<Enqueue>` otherwise.

How a call moves (docs/telephony.md has the whole picture):
- the caller picks a language: an idle agent who speaks it is dialled at once (`<Dial><Client>`);
  nobody free, the caller waits in the queue of that language, and Twilio polls our `waitUrl`;
- each poll (`waiting`) routes the caller if an agent has come free, sends a caller whose language
  no agent is free for to the interpreter conference after the fallback time, and offers a
  callback when the expected wait is too long;
- an agent who turns available (`agent_became_available`) takes the oldest waiting caller or
  callback in one of their languages; a waiting caller is moved out of the queue with the REST API;
- the `<Dial>`'s callbacks say whether the agent answered, and when the call ended.

Both sides of a match are taken with conditional UPDATEs (the call only while `routed_at` is
null, the agent only while their `available` spell is still open), so two agents turning
available at once never take the same caller, and two callers never take the same agent.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import update
from sqlmodel import Session, select
from twilio.base.exceptions import TwilioRestException
from twilio.rest import Client
from twilio.twiml.voice_response import Dial, VoiceResponse

from callcenter.agents import callbacks, states
from callcenter.agents.models import AgentProfile, QueueCallback
from callcenter.telephony.models import CallRecord, find_call
from secretariat.core.clock import as_utc, utcnow

RING_S = 20  # how long an agent's softphone rings before the caller goes to the next agent
HOLD_PAUSE_S = 10  # between two polls of the waitUrl: how quickly a freed agent is noticed
HOLD = {"ja": "ただいま電話が大変混み合っております。順番におつなぎしますので、このままお待ちください。",
        "en": "All our agents are busy. Please stay on the line; we will answer in turn."}
ANSWERED = ("completed", "answered")  # a call or <Dial> leg that was picked up (Twilio's statuses)
# a call the softphone redirected (hold, transfer): the end of its agent leg is not the end of the call
REDIRECTED_BY_US = ("held", "transferring")


def agent_became_available(session: Session, *, user_id: int, client: Client | None, base_url: str) -> str | None:
    """The agent has just turned available (受付可): give them the oldest caller waiting in one
    of their languages, or the oldest callback (virtual hold) if that waited longer.

    Returns the call SID now ringing the agent (the caller's, or the callback's new call), or
    None when nobody is waiting, the agent is no longer available, or telephony is not set up."""
    if client is None or states.current_state(session, user_id=user_id) != "available":
        return None
    profile = states.profile_for(session, user_id=user_id)
    agent = states.IdleAgent(profile, states.username_of(session, user_id=user_id),
                             as_utc(states.current_spell(session, user_id=user_id).started_at))
    for item in _waiting_items(session, languages=states.languages_of(profile)):
        if isinstance(item, QueueCallback):
            sid = callbacks.dial(session, callback=item, agent=agent, client=client,
                                 twiml=dial_agent_twiml(agent.profile, base_url, item.call_sid), base_url=base_url)
        else:
            sid = _redirect_to(session, record=item, agent=agent, client=client, base_url=base_url)
        if sid is not None or states.current_state(session, user_id=user_id) != "available":
            return sid
    return None


def route_arriving(session: Session, *, record: CallRecord, base_url: str) -> str | None:
    """A caller who has just chosen a language: the TwiML that dials the longest-idle agent who
    speaks it, or None when nobody who does is free (the caller then waits in the queue)."""
    agent = _take_idle_agent(session, record=record)
    return dial_agent_twiml(agent.profile, base_url, record.call_sid) if agent is not None else None


def enqueue_twiml(record: CallRecord, response: VoiceResponse | None = None) -> str:
    """The caller waits in the queue of their language; Twilio polls `/twilio/voice/wait` meanwhile
    and tells `/twilio/voice/queue-result` how the wait ended."""
    response = response or VoiceResponse()
    response.enqueue(record.language, action="/twilio/voice/queue-result", method="POST",
                     wait_url="/twilio/voice/wait", wait_url_method="POST")
    return str(response)


def dial_agent_twiml(profile: AgentProfile, base_url: str, call_sid: str) -> str:
    response = VoiceResponse()
    response.append(_dial_agent(profile, base_url, call_sid))
    return str(response)


def _dial_agent(profile: AgentProfile, base_url: str, call_sid: str) -> Dial:
    """Ring the agent's softphone; Twilio reports the answer to `/agent-leg` and the end of the
    leg to `/agent-result`. URLs are absolute: TwiML sent through the REST API has no base. The
    caller's call SID goes along as a parameter, so the softphone names the call the agent's
    record and wrap-up belong to (its own leg has another SID)."""
    dial = Dial(action=f"{base_url}/twilio/voice/agent-result", method="POST", timeout=RING_S)
    client = dial.client(status_callback=f"{base_url}/twilio/voice/agent-leg",
                         status_callback_event="answered", status_callback_method="POST")
    client.identity(profile.client_identity)
    client.parameter(name="call_sid", value=call_sid)
    return dial


def waiting(session: Session, *, call_sid: str, position: int, queue_time: int, fallback_s: int,
            offer_wait_s: int, interpreter_languages: set[str]) -> str:
    """What a queued caller hears on each poll of the waitUrl, and what happens to them:
    - an agent who speaks their language is free: the caller leaves the queue to be dialled to them;
    - a language other than Japanese, an interpreter line for it and nobody free after
      `fallback_s`: the caller leaves the queue for the interpreter conference;
    - an expected wait above `offer_wait_s`: a callback is offered (press 1);
    - otherwise the hold message, and the next poll after a pause.
    `<Leave>` makes Twilio call the queue-result webhook, which returns where the caller goes."""
    record = find_call(session, call_sid)
    response = VoiceResponse()
    if record is None or record.status == "callback":
        response.hangup()
        return str(response)
    if record.routed_at is None and record.conference is None:
        if _take_idle_agent(session, record=record) is not None:
            response.leave()
            return str(response)
        if record.language != "ja" and record.language in interpreter_languages and queue_time >= fallback_s:
            record.conference = f"call-{record.call_sid}"
            session.add(record)
            response.leave()
            return str(response)
    hold = HOLD["ja" if record.language == "ja" else "en"]
    if record.routed_at is None and record.from_e164 and \
            callbacks.expected_wait_s(session, language=record.language, position=position) > offer_wait_s:
        callbacks.offer(response, language=record.language, hold=hold, pause_s=HOLD_PAUSE_S)
    else:
        response.say(hold, language="ja-JP" if record.language == "ja" else "en-US")
        response.pause(length=HOLD_PAUSE_S)
    return str(response)


def left_queue(session: Session, *, record: CallRecord, base_url: str) -> VoiceResponse | None:
    """The caller left the queue by `<Leave>`: dialled to the agent routing took for them, or None
    when routing did not (the interpreter conference or a callback, which calls.py handles)."""
    spell = states.spell_for_call(session, call_sid=record.call_sid, state="on_call")
    if record.routed_at is None or spell is None:
        return None
    response = VoiceResponse()
    response.append(_dial_agent(states.profile_for(session, user_id=spell.user_id), base_url, record.call_sid))
    return response


def agent_answered(session: Session, *, call_sid: str, at: datetime | None = None) -> None:
    """The agent picked up: the caller's wait ends here (the wallboard's service level)."""
    record = find_call(session, call_sid)
    if record is None or record.answered_at is not None:
        return
    record.status, record.answered_at = "answered", at or utcnow()
    if record.queued_at is not None:
        record.wait_s = max(0, int((record.answered_at - as_utc(record.queued_at)).total_seconds()))
    session.add(record)


def agent_leg_ended(session: Session, *, call_sid: str, dial_status: str, duration: str, base_url: str) -> str:
    """The `<Dial>` to an agent ended. Answered: the call is over, the agent goes to wrap-up.
    Not answered (no-answer, busy, failed): the agent is set offline (they have left their desk)
    and the caller rings the next idle agent, or waits in the queue again."""
    record = find_call(session, call_sid)
    if record is None:
        return callbacks.agent_leg_ended(session, dialled_call_sid=call_sid, answered=dial_status in ANSWERED)
    response = VoiceResponse()
    if record.status in REDIRECTED_BY_US:
        # the agent put the caller on hold or transferred them: the call goes on elsewhere
        # (Twilio ignores what this answers); a transferred call's next leg ends as any other
        record.status = "held" if record.status == "held" else "answered"
        session.add(record)
        return str(response)
    if dial_status in ANSWERED:
        talk_s = int(duration or 0)
        agent_answered(session, call_sid=call_sid, at=utcnow() - timedelta(seconds=talk_s))  # if not reported
        record.talk_s, record.status, record.ended_at = talk_s, "completed", utcnow()
        session.add(record)
        call_ended(session, record=record)
        response.hangup()
        return str(response)
    spell = states.spell_for_call(session, call_sid=call_sid, state="on_call")
    _release(session, record=record)
    if dial_status == "canceled":  # the caller hung up while the agent's phone rang
        if spell is not None:
            states.set_state(session, user_id=spell.user_id, state="available", reason="caller_hung_up")
        response.hangup()
        return str(response)
    if spell is not None:
        states.set_state(session, user_id=spell.user_id, state="offline", reason="no_answer")
    return route_arriving(session, record=record, base_url=base_url) or enqueue_twiml(record, response)


def call_ended(session: Session, *, record: CallRecord) -> None:
    """The caller's call is over: the agent who had it goes to wrap-up (後処理) if they talked,
    back to available if it never reached them. The wrap-up screen makes them available again."""
    spell = states.spell_for_call(session, call_sid=record.call_sid, state="on_call")
    if spell is None:
        return
    if record.answered_at is not None:
        states.set_state(session, user_id=spell.user_id, state="wrap_up", reason="call_ended", call_sid=record.call_sid)
    else:
        states.set_state(session, user_id=spell.user_id, state="available", reason="caller_hung_up")


def _waiting_items(session: Session, *, languages: list[str]) -> list[CallRecord | QueueCallback]:
    """Callers still in a queue and callbacks not yet dialled, in these languages, oldest first
    (a callback keeps the place its caller had in the queue)."""
    callers = session.exec(select(CallRecord).where(
        CallRecord.status == "queued", CallRecord.routed_at.is_(None), CallRecord.ended_at.is_(None),
        CallRecord.conference.is_(None), CallRecord.language.in_(languages))
        .order_by(CallRecord.queued_at, CallRecord.id).limit(20)).all()
    waiting = [(as_utc(record.queued_at or record.started_at), record) for record in callers]
    waiting += [(since, callback) for since, callback in callbacks.waiting(session, languages=languages)]
    return [item for _, item in sorted(waiting, key=lambda pair: pair[0])]


def _take_idle_agent(session: Session, *, record: CallRecord) -> states.IdleAgent | None:
    """The longest-idle free agent who speaks the caller's language, now taken for this caller."""
    for agent in states.idle_agents(session, language=record.language):
        if _claim(session, record=record, agent=agent):
            return agent
    return None


def _claim(session: Session, *, record: CallRecord, agent: states.IdleAgent, at: datetime | None = None) -> bool:
    """Take the caller (only if nobody has) and the agent (only if still available), or neither."""
    moment = at or utcnow()
    session.add(record)
    session.flush()
    taken = session.execute(update(CallRecord).where(CallRecord.id == record.id, CallRecord.routed_at.is_(None),
                                                     CallRecord.ended_at.is_(None))
                            .values(routed_at=moment, agent=agent.username)
                            .execution_options(synchronize_session=False)).rowcount
    if taken != 1:
        session.expire(record)
        return False
    if states.take(session, user_id=agent.profile.user_id, expected="available", state="on_call", reason="call",
                   call_sid=record.call_sid, at=moment) is None:
        _release(session, record=record)
        return False
    session.expire(record, ["routed_at", "agent"])
    return True


def _release(session: Session, *, record: CallRecord) -> None:
    """The caller is nobody's again: back in line for the next agent."""
    session.flush()
    session.execute(update(CallRecord).where(CallRecord.id == record.id).values(routed_at=None, agent=None)
                    .execution_options(synchronize_session=False))
    session.expire(record, ["routed_at", "agent"])


def _redirect_to(session: Session, *, record: CallRecord, agent: states.IdleAgent, client: Client,
                 base_url: str) -> str | None:
    """Move a waiting caller out of the queue to the agent: the REST API replaces the call's TwiML."""
    if not _claim(session, record=record, agent=agent):
        return None
    try:
        client.calls(record.call_sid).update(twiml=dial_agent_twiml(agent.profile, base_url, record.call_sid))
    except TwilioRestException:
        # the caller hung up a moment ago (the call is no longer in progress): give the agent back
        states.set_state(session, user_id=agent.profile.user_id, state="available", reason="caller_hung_up")
        record.ended_at, record.status = utcnow(), "abandoned"
        session.add(record)
        return None
    return record.call_sid
