"""A programme's own forecast and staffing plan: its mailing waves as the print room recorded
them (mail-out date and size), its deadline and its target count, through the fitted busy curve
and Erlang C per half hour."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
from sqlalchemy import func
from sqlmodel import Session, select

from callcenter.forecast.model import BusyCurve, Plan, reforecast_day, shipped_backtest, shipped_model
from callcenter.forecast.samples import OPEN_FROM
from callcenter.staffing.erlang import required_agents_per_interval
from callcenter.telephony.calls import calls_per_interval
from mailroom.printing.models import PrintRun, ReminderRun
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

    def interval_label(self, index: int) -> str:
        minutes = (OPEN_FROM + index) * 30
        return f"{minutes // 60:02d}:{minutes % 60:02d}"


def plan_for(session: Session, programme: Programme) -> Plan:
    """The programme's mailings as waves, counted from the first mail-out (or the opening day): the
    print runs' packs and the reminder letters (督促状), each of which sets residents calling."""
    runs = sorted([*session.exec(select(PrintRun.mailed_date, PrintRun.mailed_count).where(
        PrintRun.programme_id == programme.id, PrintRun.mailed_date.is_not(None))).all(),
        *session.exec(select(ReminderRun.mailed_date, ReminderRun.mailed_count).where(
            ReminderRun.programme_id == programme.id, ReminderRun.mailed_date.is_not(None))).all()])
    start = min([day for day, _ in runs] + [programme.opens_date])
    targets = session.exec(select(func.count()).select_from(Application)
                           .where(Application.programme_id == programme.id)).one()
    deadline_day = (programme.deadline_date - start).days
    return Plan(start=start, days=deadline_day + 10, targets=targets, deadline_day=deadline_day,
                waves=tuple(((day - start).days, count) for day, count in runs))


def staffing_plan(session: Session, programme: Programme, model: BusyCurve | None = None) -> StaffingPlan:
    model = model or shipped_model()
    plan = plan_for(session, programme)
    calls = model.intervals(plan)
    agents = required_agents_per_interval(calls=calls.ravel(), interval_s=1800, aht_s=AHT_S, target_s=TARGET_S,
                                          service_level=SERVICE_LEVEL, max_occupancy=MAX_OCCUPANCY)
    agents = agents.reshape(calls.shape)
    scheduled = np.ceil(agents / (1 - SHRINKAGE) - 1e-9).astype(int)
    return StaffingPlan(plan=plan, dates=plan.dates(), calls=calls, agents=agents, scheduled=scheduled,
                        backtest=shipped_backtest())


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
