"""Agent states: one open spell per agent, closed when the next begins.

Everything that changes an agent's state (the agent's own screen, a call being answered or
ending, logging in and out) goes through `set_state`, so the history has no gaps and no
overlaps: the durations of an agent's spells add up to the time they were logged in.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import update
from sqlmodel import Session, select

from callcenter.agents.models import STATES, AgentProfile, AgentStateSpell
from secretariat.core.auth.models import User
from secretariat.core.clock import as_utc, utcnow
from secretariat.core.errors import InvalidInput


@dataclass(frozen=True)
class IdleAgent:
    """An available agent, and since when they have been waiting for a call."""

    profile: AgentProfile
    username: str
    since: datetime


def profile_for(session: Session, *, user_id: int) -> AgentProfile:
    """The agent's telephony profile, made on first use (Japanese only, identity `agent-<id>`)."""
    profile = session.exec(select(AgentProfile).where(AgentProfile.user_id == user_id)).first()
    if profile is None:
        profile = AgentProfile(user_id=user_id, languages="ja", client_identity=f"agent-{user_id}")
        session.add(profile)
        session.flush()
    return profile


def languages_of(profile: AgentProfile) -> list[str]:
    return [code for code in profile.languages.split(",") if code]


def current_spell(session: Session, *, user_id: int) -> AgentStateSpell | None:
    """The agent's open spell; None for an agent who has never logged in to the phones."""
    return session.exec(select(AgentStateSpell)
                        .where(AgentStateSpell.user_id == user_id, AgentStateSpell.ended_at.is_(None))
                        .order_by(AgentStateSpell.started_at.desc())).first()


def current_state(session: Session, *, user_id: int) -> str:
    spell = current_spell(session, user_id=user_id)
    return spell.state if spell is not None else "offline"


def set_state(session: Session, *, user_id: int, state: str, reason: str, call_sid: str | None = None,
              at: datetime | None = None) -> AgentStateSpell:
    """Close the agent's open spell and open one in `state`. Setting the state the agent is
    already in (for the same call) changes nothing, so repeated webhooks are harmless."""
    if state not in STATES:
        raise InvalidInput(f"不明な状態です: {state}")
    moment = as_utc(at) if at is not None else utcnow()
    spell = current_spell(session, user_id=user_id)
    if spell is not None:
        if spell.state == state and spell.call_sid == call_sid:
            return spell
        spell.ended_at = _end_of(spell, moment)
        session.add(spell)
    return _open(session, user_id=user_id, state=state, reason=reason, call_sid=call_sid, moment=moment)


def take(session: Session, *, user_id: int, expected: str, state: str, reason: str, call_sid: str | None = None,
         at: datetime | None = None) -> AgentStateSpell | None:
    """`set_state`, but only while the agent is still in `expected`: the open spell is closed by a
    conditional UPDATE, so of two routers that saw the same idle agent only one takes them
    (the other gets None). On PostgreSQL the loser waits for the winner's row lock, then finds the
    spell closed; SQLite has one writer at a time."""
    spell = current_spell(session, user_id=user_id)
    if spell is None or spell.state != expected:
        return None
    moment = as_utc(at) if at is not None else utcnow()
    closed = session.execute(update(AgentStateSpell)
                             .where(AgentStateSpell.id == spell.id, AgentStateSpell.ended_at.is_(None),
                                    AgentStateSpell.state == expected)
                             .values(ended_at=_end_of(spell, moment))
                             .execution_options(synchronize_session=False)).rowcount
    session.expire(spell)
    if closed != 1:
        return None
    return _open(session, user_id=user_id, state=state, reason=reason, call_sid=call_sid, moment=moment)


def _end_of(spell: AgentStateSpell, moment: datetime) -> datetime:
    """When a spell closed at `moment` ends: never before it began (a clock stepping back)."""
    return max(moment, as_utc(spell.started_at))


def _open(session: Session, *, user_id: int, state: str, reason: str, call_sid: str | None,
          moment: datetime) -> AgentStateSpell:
    opened = AgentStateSpell(user_id=user_id, state=state, started_at=moment, call_sid=call_sid, reason=reason)
    session.add(opened)
    session.flush()
    return opened


def spell_for_call(session: Session, *, call_sid: str, state: str) -> AgentStateSpell | None:
    """The open spell in `state` of the agent who has this call (on it, or wrapping it up)."""
    return session.exec(select(AgentStateSpell).where(AgentStateSpell.call_sid == call_sid,
                                                      AgentStateSpell.state == state,
                                                      AgentStateSpell.ended_at.is_(None))).first()


def username_of(session: Session, *, user_id: int) -> str:
    return session.get(User, user_id).username


def staffed_agents(session: Session, *, language: str) -> int:
    """Agents logged in to the phones (available, on a call or wrapping up) who take `language`:
    the servers the expected wait is shared among."""
    rows = session.exec(select(AgentStateSpell.state, AgentProfile)
                        .join(AgentProfile, AgentProfile.user_id == AgentStateSpell.user_id)
                        .where(AgentStateSpell.ended_at.is_(None),
                               AgentStateSpell.state.in_(["available", "on_call", "wrap_up"]))).all()
    return sum(1 for _, profile in rows if language in languages_of(profile))


def idle_agents(session: Session, *, language: str) -> list[IdleAgent]:
    """Available agents who take calls in `language`, the longest idle first: whom to route to."""
    rows = session.exec(select(AgentStateSpell, AgentProfile, User)
                        .join(AgentProfile, AgentProfile.user_id == AgentStateSpell.user_id)
                        .join(User, User.id == AgentStateSpell.user_id)
                        .where(AgentStateSpell.ended_at.is_(None), AgentStateSpell.state == "available",
                               User.active.is_(True))).all()
    idle = [IdleAgent(profile, user.username, as_utc(spell.started_at))
            for spell, profile, user in rows if language in languages_of(profile)]
    return sorted(idle, key=lambda agent: (agent.since, agent.profile.user_id))


def seconds_in_states(session: Session, *, user_id: int, start: datetime, end: datetime) -> dict[str, float]:
    """How long the agent spent in each state between `start` and `end` (an open spell counts up
    to `end`): the measured occupancy and shrinkage of the staffing plan."""
    start, end = as_utc(start), as_utc(end)
    spells = session.exec(select(AgentStateSpell).where(AgentStateSpell.user_id == user_id,
                                                        AgentStateSpell.started_at < end)).all()
    totals: dict[str, float] = defaultdict(float)
    for spell in spells:
        began = max(as_utc(spell.started_at), start)
        ended = min(as_utc(spell.ended_at) if spell.ended_at is not None else end, end)
        if ended > began:
            totals[spell.state] += (ended - began).total_seconds()
    return dict(totals)
