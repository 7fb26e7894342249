"""A programme's own forecast and staffing plan: its mailing waves as the print room recorded
them (mail-out date and size), its deadline, its target count and its channel mix
(`callcenter.forecast.channels`), through the fitted busy curve and Erlang C per half hour; and,
from the same waves and mix, the paper forms the mailroom should expect back."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
from sqlalchemy import func
from sqlmodel import Session, select

from callcenter.forecast.channels import ChannelMix, channel_mix
from callcenter.forecast.model import BusyCurve, Plan, reforecast_day, shipped_backtest, shipped_model
from callcenter.forecast.samples import OPEN_FROM
from callcenter.staffing.erlang import required_agents_per_interval
from callcenter.telephony.calls import calls_per_interval
from mailroom.printing.models import LetterRun, PrintRun, ReminderRun
from secretariat.core.applications.models import Application
from secretariat.core.programmes.models import Programme

AHT_S = 300           # a benefit inquiry: five minutes with wrap-up
TARGET_S, SERVICE_LEVEL, MAX_OCCUPANCY, SHRINKAGE = 20, 0.8, 0.85, 0.3


@dataclass
class StaffingPlan:
    plan: Plan
    dates: list[date]
    calls: np.ndarray        # days × intervals
    agents: np.ndarray       # days × intervals, on the phones
    scheduled: np.ndarray    # days × intervals, after shrinkage
    backtest: dict
    mix: ChannelMix
    paper_returns: np.ndarray  # days: paper forms expected back (the mailroom's check-in)

    def interval_label(self, index: int) -> str:
        minutes = (OPEN_FROM + index) * 30
        return f"{minutes // 60:02d}:{minutes % 60:02d}"


def mailings(session: Session, programme: Programme) -> list[tuple[date, int]]:
    """Every mailing that sets residents calling, as (mail-out date, households mailed), sorted: the
    print runs' packs, the reminder letters (督促状) and the print room's other letters (push notices
    by letter, gift-code letters)."""
    return sorted(row for kind in (PrintRun, ReminderRun, LetterRun) for row in session.exec(
        select(kind.mailed_date, kind.mailed_count).where(kind.programme_id == programme.id,
                                                          kind.mailed_date.is_not(None))))


def plan_for(session: Session, programme: Programme, mix: ChannelMix | None = None) -> Plan:
    """The programme's mailings as waves, counted from the first mail-out (or the opening day), with
    its channel mix (measured, the supervisor's, or the default: `channel_mix`)."""
    runs = mailings(session, programme)
    mix = mix or channel_mix(session, programme)
    start = min([day for day, _ in runs] + [programme.opens_date])
    targets = session.exec(select(func.count()).select_from(Application)
                           .where(Application.programme_id == programme.id)).one()
    deadline_day = (programme.deadline_date - start).days
    return Plan(start=start, days=deadline_day + 10, targets=targets, deadline_day=deadline_day,
                waves=tuple(((day - start).days, count) for day, count in runs),
                paper_share=mix.paper_share, online_call_rate=mix.online_call_rate)


def staffing_plan(session: Session, programme: Programme, model: BusyCurve | None = None) -> StaffingPlan:
    model = model or shipped_model()
    mix = channel_mix(session, programme)
    plan = plan_for(session, programme, mix)
    calls = model.intervals(plan)
    agents = required_agents_per_interval(calls=calls.ravel(), interval_s=1800, aht_s=AHT_S, target_s=TARGET_S,
                                          service_level=SERVICE_LEVEL, max_occupancy=MAX_OCCUPANCY)
    agents = agents.reshape(calls.shape)
    scheduled = np.ceil(agents / (1 - SHRINKAGE) - 1e-9).astype(int)
    return StaffingPlan(plan=plan, dates=plan.dates(), calls=calls, agents=agents, scheduled=scheduled,
                        backtest=shipped_backtest(), mix=mix, paper_returns=model.paper_returns(plan))


def today_reforecast(session: Session, programme: Programme, staffing: StaffingPlan, today: date,
                     now_interval: int) -> dict | None:
    """Today's half hours re-forecast from the calls so far (intervals before `now_interval`), with
    the agents the rest of the day then needs. None when today is outside the plan."""
    if today not in staffing.dates:
        return None
    index = staffing.dates.index(today)
    so_far = calls_per_interval(session, programme, today)[:max(0, now_interval)]
    forecast = staffing.calls[index]
    revised = reforecast_day(forecast, so_far)
    agents = required_agents_per_interval(calls=revised, interval_s=1800, aht_s=AHT_S, target_s=TARGET_S,
                                          service_level=SERVICE_LEVEL, max_occupancy=MAX_OCCUPANCY)
    return dict(forecast=forecast.tolist(), actual=so_far, revised=revised.tolist(), agents=agents.tolist())
