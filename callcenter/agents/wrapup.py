"""後処理 (wrap-up): after a call the agent notes how it ended before taking the next one.

A call that ends puts its agent in `wrap_up` (the timer on the screen is that spell's age); the
agent chooses a wrap-up code, which is kept on the call record, and only then is available again.
The agent's own state buttons go through `set_own_state`, which refuses 受付可 while a wrap-up is
open, so no call is left without its code.
"""

from __future__ import annotations

from sqlmodel import Session

from callcenter.agents.models import AgentStateSpell
from callcenter.agents.states import current_spell, set_state
from callcenter.inquiries.service import AGENTS
from callcenter.telephony.models import CallRecord, find_call
from secretariat.core.auth.actor import Actor
from secretariat.core.clock import utcnow
from secretariat.core.errors import Conflict, InvalidInput
from secretariat.core.messages import label

WRAP_UP_CODES = ("resolved", "info", "escalated", "callback", "transferred", "dropped", "wrong_number")
# what the agent sets from the screen; on_call and wrap_up come from the calls themselves
SCREEN_STATES = ("available", "break", "offline")


def open_wrap_up(session: Session, *, user_id: int) -> AgentStateSpell | None:
    """The agent's wrap-up spell, when they are in one."""
    spell = current_spell(session, user_id=user_id)
    return spell if spell is not None and spell.state == "wrap_up" else None


def set_own_state(session: Session, *, actor: Actor, state: str) -> AgentStateSpell:
    """The agent's state button: 受付可, 休憩 or 離席. Refused during a call, and during a wrap-up until
    its code is chosen (finishing the wrap-up is what makes the agent available)."""
    actor.require(*AGENTS)
    if state not in SCREEN_STATES:
        raise InvalidInput(f"画面から選べる状態は {'・'.join(label('agent_state', s) for s in SCREEN_STATES)} です。")
    spell = current_spell(session, user_id=actor.user_id)
    if spell is not None and spell.state == "on_call":
        raise Conflict("通話中は状態を変えられません。通話を切断してから選んでください。")
    if spell is not None and spell.state == "wrap_up":
        raise Conflict("後処理が終わっていません。後処理コードを選んで「後処理を完了」を押すと受付可になります。")
    return set_state(session, user_id=actor.user_id, state=state, reason="screen")


def call_answered(session: Session, *, actor: Actor, call_sid: str) -> CallRecord:
    """The softphone answered a call: the agent is on it. A call routing dialled to the softphone
    reaches the browser with the SID of the agent's own leg, which we keep no record of: that
    call is the one routing gave the agent (their on_call spell names it)."""
    actor.require(*AGENTS)
    record = find_call(session, call_sid)
    spell = current_spell(session, user_id=actor.user_id)
    if record is None and spell is not None and spell.state == "on_call" and spell.call_sid:
        record = find_call(session, spell.call_sid)
    if record is None:
        raise InvalidInput("通話が見つかりません（通話IDを確認してください）。")
    set_state(session, user_id=actor.user_id, state="on_call", reason="call_answered", call_sid=record.call_sid)
    return record


def call_ended(session: Session, *, actor: Actor, call_sid: str) -> AgentStateSpell:
    """The softphone's call ended: wrap-up begins (once, however many times the end is reported)."""
    actor.require(*AGENTS)
    record = call_record(session, call_sid)
    spell = current_spell(session, user_id=actor.user_id)
    if record.wrapped_at is not None or (spell is not None and spell.state == "wrap_up" and spell.call_sid == call_sid):
        return spell
    return set_state(session, user_id=actor.user_id, state="wrap_up", reason="call_ended", call_sid=call_sid)


def finish_wrap_up(session: Session, *, actor: Actor, call_sid: str, code: str) -> CallRecord:
    """Keep the wrap-up code on the call and make the agent available again."""
    actor.require(*AGENTS)
    if code not in WRAP_UP_CODES:
        raise InvalidInput("後処理コードを一覧から選んでください。")
    spell = open_wrap_up(session, user_id=actor.user_id)
    if spell is None or spell.call_sid != call_sid:
        raise Conflict("この通話の後処理は始まっていません（通話が終わると後処理になります）。")
    record = call_record(session, call_sid)
    record.wrap_up_code, record.wrapped_at = code, utcnow()
    session.add(record)
    set_state(session, user_id=actor.user_id, state="available", reason="wrap-up done")
    return record


def call_record(session: Session, call_sid: str) -> CallRecord:
    record = find_call(session, call_sid)
    if record is None:
        raise InvalidInput("通話が見つかりません（通話IDを確認してください）。")
    return record
