"""The supervisor's wallboard (ウォールボード): the queue now, the agents now, and today against the plan;
and the agents page beside it, where the supervisor sets who takes which languages.

Every figure is counted from the call records (`CallRecord`) and the agents' state spells
(`AgentStateSpell`), the same rows the webhooks and the softphone write; the plan is the staffing
plan's (callcenter.forecast.programme) for the programmes whose plan covers today, summed.

Definitions, as the trade uses them:
- offered: calls that reached the queue today (Japan's day) and left it, answered or abandoned
  (a caller still waiting is in "waiting", not yet offered);
- service level: offered calls answered within TARGET_S seconds of joining the queue, over offered;
- abandonment rate: offered calls the caller hung up on while waiting, over offered.
The plan's abandonment is Erlang A's for the half hour's planned calls and agents, with callers'
mean patience PATIENCE_S (the plan itself is Erlang C, which has no abandonment).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
import time as monotonic_clock
from datetime import date, datetime, time, timedelta

from sqlmodel import Session, select

from callcenter.agents.models import STATES, AgentProfile, AgentStateSpell
from callcenter.agents.states import languages_of, profile_for
from callcenter.agents.routing import ANSWERED
from callcenter.forecast.programme import (AHT_S, SERVICE_LEVEL, TARGET_S, StaffingPlan, staffing_plan,
                                          today_reforecast)
from callcenter.forecast.samples import INTERVALS, OPEN_FROM
from callcenter.inquiries.models import LANGUAGES
from callcenter.inquiries.service import AGENTS
from callcenter.staffing.erlang import erlang_a_performance
from callcenter.telephony.models import CallRecord
from secretariat.core.auth.actor import Actor
from secretariat.core.auth.models import User
from secretariat.core.auth.roles import Role
from secretariat.core.clock import JST, as_utc, in_jst, utcnow
from secretariat.core.errors import InvalidInput, NotFound
from secretariat.core.programmes.models import Programme

PATIENCE_S = 180  # callers' mean patience in the queue, for the plan's abandonment (Erlang A)
PLAN_KEPT_S = 300  # a programme's staffing plan is computed at most every five minutes, not at every poll
_plans: dict[tuple[str, int, date], tuple[float, StaffingPlan]] = {}  # (store, programme, day)


@dataclass
class PlanNow:
    """The staffing plan's half hour now, summed over the programmes whose plan covers today."""

    slot: str                 # "10:30"
    calls: float              # planned calls in this half hour
    agents: int               # planned agents on the phones
    service_level: float      # the plan's target share answered within TARGET_S
    abandonment_rate: float   # Erlang A's for the planned calls and agents
    day_forecast: float       # today's planned calls
    day_reforecast: float     # today's calls re-forecast from the calls so far
    agents_needed_now: int    # the re-forecast's requirement for this half hour


@dataclass
class Wallboard:
    at: str
    waiting: int
    longest_wait_s: int
    agents: dict[str, int]
    offered: int
    answered: int
    answered_in_target: int
    abandoned: int
    service_level: float | None
    abandonment_rate: float | None
    target_s: int = TARGET_S
    plan: PlanNow | None = None
    programmes: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return asdict(self)


def wallboard(session: Session, *, now: datetime | None = None) -> Wallboard:
    now = as_utc(now or utcnow())
    waiting = session.exec(select(CallRecord.queued_at).where(CallRecord.status == "queued",
                                                              CallRecord.ended_at.is_(None),
                                                              CallRecord.queued_at.is_not(None))).all()
    longest = max((int((now - as_utc(queued)).total_seconds()) for queued in waiting), default=0)
    day_start = datetime.combine(in_jst(now).date(), time(0), tzinfo=JST)
    today = session.exec(select(CallRecord).where(CallRecord.queued_at >= day_start,
                                                  CallRecord.queued_at < day_start + timedelta(days=1))).all()
    answered = [call for call in today if call.answered_at is not None and call.status in ANSWERED]
    abandoned = [call for call in today if call.status == "abandoned"]
    offered = len(answered) + len(abandoned)
    in_target = sum(1 for call in answered if call.wait_s <= TARGET_S)
    plan, names = plan_now(session, now=now)
    return Wallboard(at=in_jst(now).strftime("%H:%M:%S"), waiting=len(waiting), longest_wait_s=max(longest, 0),
                     agents=agents_per_state(session), offered=offered, answered=len(answered),
                     answered_in_target=in_target, abandoned=len(abandoned),
                     service_level=in_target / offered if offered else None,
                     abandonment_rate=len(abandoned) / offered if offered else None, plan=plan, programmes=names)


def agents_per_state(session: Session) -> dict[str, int]:
    """How many active agents are in each state now (an agent never logged in to the phones is not counted)."""
    counts = dict.fromkeys(STATES, 0)
    for state in session.exec(select(AgentStateSpell.state).join(User, User.id == AgentStateSpell.user_id)
                              .where(AgentStateSpell.ended_at.is_(None), User.active.is_(True))).all():
        counts[state] = counts.get(state, 0) + 1
    return counts


def plan_now(session: Session, *, now: datetime) -> tuple[PlanNow | None, list[str]]:
    """This half hour of every programme's plan that covers today; None outside opening hours or plans."""
    local = in_jst(now)
    slot = local.hour * 2 + local.minute // 30 - OPEN_FROM
    if not 0 <= slot < INTERVALS:
        return None, []
    calls = agents = day_forecast = day_reforecast = needed = 0.0
    names = []
    for programme in session.exec(select(Programme).where(Programme.deadline_date >= local.date() - timedelta(days=10))
                                  .order_by(Programme.id)).all():
        staffing = _staffing_plan(session, programme, local.date())
        if local.date() not in staffing.dates:
            continue
        index = staffing.dates.index(local.date())
        revised = today_reforecast(session, programme, staffing, local.date(), slot)
        calls += float(staffing.calls[index][slot])
        agents += int(staffing.agents[index][slot])
        day_forecast += float(staffing.calls[index].sum())
        day_reforecast += sum(revised["revised"])
        needed += int(revised["agents"][slot])
        names.append(programme.name)
    if not names:
        return None, []
    abandonment = (erlang_a_performance(int(agents), calls, 1800, AHT_S, TARGET_S, PATIENCE_S).abandonment_rate
                   if calls > 0 and agents > 0 else 0.0)
    minutes = (OPEN_FROM + slot) * 30
    return PlanNow(slot=f"{minutes // 60:02d}:{minutes % 60:02d}", calls=round(calls, 1), agents=int(agents),
                   service_level=SERVICE_LEVEL, abandonment_rate=round(abandonment, 4),
                   day_forecast=round(day_forecast, 1), day_reforecast=round(day_reforecast, 1),
                   agents_needed_now=int(needed)), names


def _staffing_plan(session: Session, programme: Programme, today: date) -> StaffingPlan:
    """The programme's plan, computed again once `PLAN_KEPT_S` has passed: the wallboard polls every
    few seconds, and the plan (Erlang C for every half hour of the programme) changes only when a
    mailing is recorded, which the board then shows within five minutes."""
    key, now = (str(session.get_bind().url), programme.id, today), monotonic_clock.monotonic()
    kept = _plans.get(key)
    if kept is None or now - kept[0] > PLAN_KEPT_S:
        kept = _plans[key] = (now, staffing_plan(session, programme))
    return kept[1]


@dataclass(frozen=True)
class AgentRow:
    """One agent on the supervisor's agents page."""

    user_id: int
    username: str
    display_name: str
    languages: list[str]
    skills: str
    state: str
    since: datetime | None


def agent_rows(session: Session) -> list[AgentRow]:
    """Every active agent (and supervisor, who takes calls too) with languages, skills and state now."""
    users = session.exec(select(User).where(User.role.in_(list(AGENTS)), User.active.is_(True))
                         .order_by(User.username)).all()
    ids = [user.id for user in users]
    profiles = {profile.user_id: profile
                for profile in session.exec(select(AgentProfile).where(AgentProfile.user_id.in_(ids))).all()}
    spells = {spell.user_id: spell  # the open spell (one per agent; the newest, should there be two)
              for spell in session.exec(select(AgentStateSpell).where(AgentStateSpell.user_id.in_(ids),
                                                                     AgentStateSpell.ended_at.is_(None))
                                        .order_by(AgentStateSpell.started_at)).all()}
    rows = []
    for user in users:
        profile, spell = profiles.get(user.id), spells.get(user.id)
        rows.append(AgentRow(user_id=user.id, username=user.username, display_name=user.display_name,
                             languages=languages_of(profile) if profile else ["ja"],
                             skills=profile.skills if profile else "", state=spell.state if spell else "offline",
                             since=spell.started_at if spell else None))
    return rows


def get_staff_user(session: Session, *, actor: Actor, user_id: int) -> User:
    """A login, as the agents page names it; to anyone who may not see its municipality it does not exist."""
    user = session.get(User, user_id)
    if user is None or not actor.can_see(user.municipality_id):
        raise NotFound(f"ユーザー {user_id} はいません。")
    return user


def update_agent(session: Session, *, actor: Actor, user: User, languages: list[str], skills: str) -> AgentProfile:
    """A supervisor sets the languages an agent takes calls in (the menu's codes) and their skills
    (comma-separated): what routing matches callers against."""
    actor.require(Role.supervisor, Role.admin)
    if user.role not in AGENTS:
        raise InvalidInput(f"{user.username} は電話を受ける役割ではありません。")
    unknown = [code for code in languages if code not in LANGUAGES]
    if unknown:
        raise InvalidInput(f"選べない言語です: {'、'.join(unknown)}")
    if not languages:
        raise InvalidInput("対応言語を一つ以上選んでください。")
    skill_list = [skill.strip() for skill in skills.replace("、", ",").split(",") if skill.strip()]
    if len(",".join(skill_list)) > 200:
        raise InvalidInput("スキルが長すぎます（カンマ区切りで合わせて200文字まで）。")
    profile = profile_for(session, user_id=user.id)
    profile.languages = ",".join(code for code in LANGUAGES if code in languages)
    profile.skills = ",".join(dict.fromkeys(skill_list))
    session.add(profile)
    session.flush()
    return profile
