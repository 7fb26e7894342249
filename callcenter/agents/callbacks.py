"""Virtual hold (折り返し): a caller facing a long wait may hang up and be called back when their
turn comes, keeping their place in the queue.

The expected wait is the caller's position in the queue times the recent average handle time,
shared among the agents logged in for the language. When it passes the limit, the hold message
becomes a `<Gather>`: pressing 1 stores a `QueueCallback` and ends the call (not an abandonment).
When an agent turns available and the oldest waiting item is a callback, we call the resident
from the number they called and, when they answer, ring the agent's softphone (`<Dial><Client>`).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, update
from sqlmodel import Session, select
from twilio.base.exceptions import TwilioRestException
from twilio.rest import Client
from twilio.twiml.voice_response import Gather, VoiceResponse

from callcenter.agents import states
from callcenter.agents.models import QueueCallback
from callcenter.telephony.models import CallRecord, find_call
from secretariat.core.clock import as_utc, utcnow

DEFAULT_HANDLE_S = 300  # before any call today has been completed: a benefit enquiry's usual length
RECENT = timedelta(hours=2)  # the calls whose average handle time predicts the wait
OFFER = {"ja": "順番が来ましたら折り返しお電話します。ご希望の方は1を押してください。",
         "en": "If you would like us to call you back when it is your turn, press 1."}
ACCEPTED = {"ja": "承知しました。順番が来ましたら、おかけいただいた番号へ折り返しお電話します。お電話ありがとうございました。",
            "en": "Thank you. We will call you back at this number when it is your turn. Goodbye."}
MISSED = {"ja": "申し訳ありません。担当者におつなぎできませんでした。あらためてお電話いたします。",
          "en": "We are sorry, we could not connect you to an agent. We will call you again."}
VOICE = {"ja": "ja-JP", "en": "en-US"}


def _tongue(language: str) -> str:
    """Prompts are in Japanese for Japanese callers, in English for everyone else."""
    return "ja" if language == "ja" else "en"


def expected_wait_s(session: Session, *, language: str, position: int) -> float:
    """How long the caller at `position` (1 = next) can expect to wait: position × the recent
    average handle time ÷ the agents logged in for the language (at least one)."""
    since = utcnow() - RECENT
    average = session.exec(select(func.avg(CallRecord.talk_s)).where(
        CallRecord.status == "completed", CallRecord.talk_s > 0, CallRecord.ended_at >= since)).one()
    handle_s = float(average) if average else DEFAULT_HANDLE_S
    return max(position, 1) * handle_s / max(states.staffed_agents(session, language=language), 1)


def offer(response: VoiceResponse, *, language: str, hold: str, pause_s: int) -> None:
    """The hold message with the callback offer; a key pressed goes to `/twilio/voice/callback`."""
    voice = VOICE[_tongue(language)]
    gather = Gather(num_digits=1, action="/twilio/voice/callback", method="POST", timeout=1)
    gather.say(hold, language=voice)
    gather.say(OFFER[_tongue(language)], language=voice)
    gather.pause(length=pause_s)
    response.append(gather)


def accept(session: Session, *, call_sid: str, digits: str) -> str:
    """The caller answered the offer: 1 stores the callback and ends the call; any other key
    goes back to waiting (the empty answer ends the waitUrl's document, and Twilio polls again)."""
    record = find_call(session, call_sid)
    response = VoiceResponse()
    if digits.strip()[:1] != "1" or record is None or not record.from_e164 or record.routed_at is not None:
        return str(response)
    if session.exec(select(QueueCallback).where(QueueCallback.call_sid == call_sid)).first() is None:
        session.add(QueueCallback(call_sid=call_sid, to_e164=record.from_e164, language=record.language,
                                  household_id=record.household_id, municipality_id=record.municipality_id))
    record.status = "callback"
    session.add(record)
    response.say(ACCEPTED[_tongue(record.language)], language=VOICE[_tongue(record.language)])
    response.hangup()
    return str(response)


def waiting(session: Session, *, languages: list[str]) -> list[tuple[datetime, QueueCallback]]:
    """Callbacks not yet dialled in these languages, each with the moment its caller joined the
    queue (their place in line)."""
    rows = session.exec(select(QueueCallback, CallRecord.queued_at)
                        .join(CallRecord, CallRecord.call_sid == QueueCallback.call_sid, isouter=True)
                        .where(QueueCallback.status == "waiting", QueueCallback.language.in_(languages))
                        .order_by(QueueCallback.requested_at).limit(20)).all()
    return [(as_utc(queued_at or callback.requested_at), callback) for callback, queued_at in rows]


def dial(session: Session, *, callback: QueueCallback, agent: states.IdleAgent, client: Client, twiml: str,
         base_url: str) -> str | None:
    """Call the resident back for this agent: the callback is taken (only while still waiting) and
    the agent set on a call (only while still available), then Twilio calls the resident from the
    number they had called, and `twiml` rings the agent when they answer. Returns the new call's SID."""
    moment = utcnow()
    session.flush()
    taken = session.execute(update(QueueCallback)
                            .where(QueueCallback.id == callback.id, QueueCallback.status == "waiting")
                            .values(status="dialling", agent=agent.username, dialled_at=moment)
                            .execution_options(synchronize_session=False)).rowcount
    session.expire(callback)
    if taken != 1:
        return None
    if states.take(session, user_id=agent.profile.user_id, expected="available", state="on_call", reason="callback",
                   call_sid=callback.call_sid, at=moment) is None:
        session.execute(update(QueueCallback).where(QueueCallback.id == callback.id)
                        .values(status="waiting", agent=None, dialled_at=None)
                        .execution_options(synchronize_session=False))
        session.expire(callback)
        return None
    try:
        our_number = client.calls(callback.call_sid).fetch().to  # the number the resident called
        call = client.calls.create(to=callback.to_e164, from_=our_number, twiml=twiml,
                                   status_callback=f"{base_url}/twilio/voice/status", status_callback_method="POST")
    except TwilioRestException:
        callback.status = "failed"
        session.add(callback)
        states.set_state(session, user_id=agent.profile.user_id, state="available", reason="callback_failed")
        return None
    callback.dialled_call_sid = call.sid
    session.add(callback)
    return call.sid


def agent_leg_ended(session: Session, *, dialled_call_sid: str, answered: bool) -> str:
    """The resident we called back was put through to the agent's softphone, and that leg ended.
    Answered: the callback is done and the agent goes to wrap-up. Not answered: the agent is set
    offline, and the resident is told we will call again (the callback waits for the next agent)."""
    callback = session.exec(select(QueueCallback).where(QueueCallback.dialled_call_sid == dialled_call_sid)).first()
    response = VoiceResponse()
    if callback is None:
        response.hangup()
        return str(response)
    spell = states.spell_for_call(session, call_sid=callback.call_sid, state="on_call")
    if answered:
        callback.status = "connected"
        if spell is not None:
            states.set_state(session, user_id=spell.user_id, state="wrap_up", reason="call_ended",
                             call_sid=callback.call_sid)
    else:
        callback.status, callback.agent, callback.dialled_at = "waiting", None, None
        if spell is not None:
            states.set_state(session, user_id=spell.user_id, state="offline", reason="no_answer")
        response.say(MISSED[_tongue(callback.language)], language=VOICE[_tongue(callback.language)])
    session.add(callback)
    response.hangup()
    return str(response)


def call_ended(session: Session, *, call_sid: str, status: str) -> bool:
    """The status callback of a call we placed to call a resident back; False when `call_sid` is
    not one (it is then an inbound call). A resident who does not answer leaves the callback
    failed and the agent available again."""
    callback = session.exec(select(QueueCallback).where(QueueCallback.dialled_call_sid == call_sid)).first()
    if callback is None:
        return False
    if callback.status == "dialling" and status in ("busy", "no-answer", "failed", "canceled"):
        callback.status = "failed"
        session.add(callback)
        spell = states.spell_for_call(session, call_sid=callback.call_sid, state="on_call")
        if spell is not None:
            states.set_state(session, user_id=spell.user_id, state="available", reason="callback_unanswered")
    return True
