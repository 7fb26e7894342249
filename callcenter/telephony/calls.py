"""The inbound call flow as TwiML, and the call records Twilio's callbacks keep up to date.

greeting and recording notice (Japanese) → language menu (1 日本語, 2 English, 3 中文, 4 한국어,
5 Português, 6 Tiếng Việt) → the longest-idle agent who speaks the language is dialled, or the
caller waits in that language's queue (callcenter/agents/routing.py). A caller whose language no
agent is free for after the fallback time is put in a conference of their own, the interpreter
line for that language is dialled into it, and an agent joins from the screen: a three-way call.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta

from sqlmodel import Session, select
from twilio.rest import Client
from twilio.twiml.voice_response import Dial, Gather, VoiceResponse

from callcenter.agents import callbacks, routing
from callcenter.forecast.samples import INTERVALS, OPEN_FROM
from callcenter.inquiries.lookup import find_callers, national_digits, to_e164
from callcenter.telephony.models import CallRecord, find_call
from secretariat.core.auth.actor import Actor
from secretariat.core.clock import as_utc, in_jst, utcnow
from secretariat.core.errors import InvalidInput
from secretariat.core.households.models import Household

MENU = {"1": "ja", "2": "en", "3": "zh", "4": "ko", "5": "pt", "6": "vi"}
PROMPTS = [("ja-JP", "日本語は1を、"), ("en-US", "For English, press 2."), ("cmn-CN", "中文请按3。"),
           ("ko-KR", "한국어는 4번을 누르세요."), ("pt-BR", "Para português, tecle 5."),
           ("vi-VN", "Tiếng Việt, xin bấm phím 6.")]
GREETING = ("お電話ありがとうございます。給付金コールセンターです。"
            "この通話は、応対品質の向上のため録音させていただきます。")
SYSTEM = Actor.system("telephony")


def inbound(session: Session, *, call_sid: str, from_number: str) -> str:
    """The greeting, the recording notice and the language menu; the call is recorded as ringing."""
    record = _record(session, call_sid)
    try:
        record.from_e164 = to_e164(from_number)
    except InvalidInput:
        record.from_e164 = ""  # a withheld or foreign number: no screen pop
    _match_caller(session, record)
    session.add(record)
    response = VoiceResponse()
    response.say(GREETING, language="ja-JP")
    gather = Gather(num_digits=1, action="/twilio/voice/language", method="POST", timeout=6)
    for language, prompt in PROMPTS:
        gather.say(prompt, language=language)
    response.append(gather)
    response.redirect("/twilio/voice/language?Digits=1", method="POST")  # no key pressed: Japanese
    return str(response)


def choose_language(session: Session, *, call_sid: str, digits: str, base_url: str) -> str:
    """The caller's language: the longest-idle agent who speaks it is dialled at once, or the
    caller waits in that language's queue (routing: callcenter/agents/routing.py)."""
    record = _record(session, call_sid)
    language = MENU.get(digits.strip()[:1], "ja")
    record.language, record.status, record.queued_at = language, "queued", utcnow()
    session.add(record)
    routed = routing.route_arriving(session, record=record, base_url=base_url)
    if routed is not None:
        return routed
    response = VoiceResponse()
    if language != "ja":
        response.say("Please hold for the next available agent.", language="en-US")
    return routing.enqueue_twiml(record, response)


def _interpreter_conference(record: CallRecord, *, client: Client | None, interpreter_numbers: dict[str, str],
                            our_number: str, base_url: str) -> VoiceResponse:
    """The caller goes into a conference of their own and the interpreter line for their language
    is dialled into it; an agent joins from the screen (`agent_joins`): a three-way call."""
    record.conference = record.conference or f"call-{record.call_sid}"
    response = VoiceResponse()
    response.say("Please hold while we connect an interpreter.", language="en-US")
    dial = Dial()
    dial.conference(record.conference, start_conference_on_enter=True, end_conference_on_exit=True,
                    status_callback=f"{base_url}/twilio/voice/conference", status_callback_event="join leave")
    response.append(dial)
    if client is not None:
        client.conferences(record.conference).participants.create(
            from_=our_number, to=interpreter_numbers[record.language], early_media=True, label="interpreter")
    return response


def agent_joins(session: Session, *, call_sid: str, agent: str, agent_number: str, client: Client,
                our_number: str) -> CallRecord:
    """The agent's phone is dialled into the caller's interpreter conference: caller, interpreter, agent."""
    record = _record(session, call_sid)
    if not record.conference:
        raise InvalidInput(f"通話 {call_sid} は通訳付きの通話ではありません（通訳の会議通話がありません）")
    client.conferences(record.conference).participants.create(from_=our_number, to=agent_number, label="agent")
    record.agent, record.status, record.answered_at = agent, "answered", utcnow()
    record.wait_s = int((record.answered_at - as_utc(record.queued_at)).total_seconds()) if record.queued_at else 0
    session.add(record)
    return record


def queue_result(session: Session, *, call_sid: str, result: str, queue_time: str, client: Client | None,
                 interpreter_numbers: dict[str, str], our_number: str, base_url: str) -> str:
    """Twilio's verdict on a queued caller. Left the queue (`<Leave>` from the wait poll): dialled
    to the agent routing took for them, or into the interpreter conference. Hung up while waiting:
    abandoned, unless they had asked to be called back. Redirected: routing moved them to an agent."""
    record = _record(session, call_sid)
    waited = int(queue_time or 0)
    record.wait_s = waited
    body = str(VoiceResponse())
    if result == "bridged":
        record.status = "answered"
        record.answered_at = (as_utc(record.queued_at) if record.queued_at else utcnow()) + timedelta(seconds=waited)
    elif result == "leave" and record.status == "queued":
        body = _after_leaving(session, record, client=client, interpreter_numbers=interpreter_numbers,
                              our_number=our_number, base_url=base_url)
    elif result == "hangup" and record.status != "callback":
        record.status = "abandoned"
    elif result in ("queue-full", "error", "system-error", "redirected-from-bridged"):
        record.status = result.replace("-", "_")[:20]
    session.add(record)
    return body


def _after_leaving(session: Session, record: CallRecord, *, client: Client | None, interpreter_numbers: dict[str, str],
                   our_number: str, base_url: str) -> str:
    """Where a caller who left the queue goes: the agent routing took for them, the interpreter
    conference after the fallback time, or (neither, a stray `<Leave>`) back into the queue."""
    dialled = routing.left_queue(session, record=record, base_url=base_url)
    if dialled is not None:
        return str(dialled)
    if record.conference and record.language in interpreter_numbers:
        return str(_interpreter_conference(record, client=client, interpreter_numbers=interpreter_numbers,
                                           our_number=our_number, base_url=base_url))
    return routing.enqueue_twiml(record)


def call_status(session: Session, *, call_sid: str, status: str, duration: str) -> None:
    """The call's final status callback: it ended, and how long it lasted. The agent who had the
    call goes to wrap-up; a callback we placed is settled on its own (callbacks.call_ended)."""
    if callbacks.call_ended(session, call_sid=call_sid, status=status):
        return
    record = _record(session, call_sid)
    if status in ("completed", "busy", "no-answer", "canceled", "failed"):
        record.ended_at = record.ended_at or utcnow()
        total = int(duration or 0)
        if record.status == "answered":
            record.talk_s = max(0, total - record.wait_s)
            record.status = "completed"
        elif record.status in ("ringing", "queued"):
            record.status = "abandoned"
        routing.call_ended(session, record=record)
    session.add(record)


def _record(session: Session, call_sid: str) -> CallRecord:
    if not call_sid or len(call_sid) > 64:
        raise InvalidInput("the request has no CallSid")
    return find_call(session, call_sid) or CallRecord(call_sid=call_sid)


def _match_caller(session: Session, record: CallRecord) -> None:
    """The household whose phone on file is the caller's: what pops on the agent's screen."""
    if not record.from_e164:
        return
    found = find_callers(session=session, actor=SYSTEM, phone=national_digits(record.from_e164))
    if len(found) == 1:
        record.household_id = found[0].household_id
        record.municipality_id = session.get(Household, found[0].household_id).municipality_id


def active_calls(session: Session, actor: Actor) -> list[CallRecord]:
    """Calls ringing, queued or in progress, newest first: the agents' screen pop."""
    return list(session.exec(select(CallRecord).where(CallRecord.status.in_(["ringing", "queued", "answered"]),
                                                      CallRecord.ended_at.is_(None))
                             .order_by(CallRecord.started_at.desc()).limit(20)))


def _call_times(session: Session, programme) -> list[datetime]:
    """When each call from one of the programme's households began, on Japan's clock."""
    return [in_jst(started) for started in session.exec(
        select(CallRecord.started_at).join(Household, Household.id == CallRecord.household_id)
        .where(Household.programme_id == programme.id))]


def calls_per_day(session: Session, programme, dates) -> list[int]:
    """Inbound calls per day from callers whose number matched one of the programme's households:
    the forecast's actuals."""
    counts = Counter(moment.date() for moment in _call_times(session, programme))
    return [counts[day] for day in dates]


def calls_per_interval(session: Session, programme, day) -> list[int]:
    """One day's calls per half hour from opening (9:00), for the intraday re-forecast."""
    counts = [0] * INTERVALS
    for moment in _call_times(session, programme):
        slot = moment.hour * 2 + moment.minute // 30 - OPEN_FROM
        if moment.date() == day and 0 <= slot < INTERVALS:
            counts[slot] += 1
    return counts
