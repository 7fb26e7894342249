"""When the roster proposal (シフト案) starts and ends dispatch contracts: on working days, and never
an end followed by a new contract a few days later (churn) where keeping the agent would do."""

from datetime import date, timedelta

import numpy as np
import pytest

from callcenter.inquiries.clock import is_business_day
from callcenter.staffing.roster import REHIRE_GAP_DAYS, propose_roster

START = date(2026, 11, 30)  # a Monday; the plan runs over the year-end closure (12/29-1/3)


def steady_requirement(days: int, agents: int = 2):
    dates = [START + timedelta(days=d) for d in range(days)]
    open_days = [is_business_day(day) for day in dates]
    required = np.array([[agents if open_day else 0] * 18 for open_day in open_days])
    return dates, open_days, required


@pytest.fixture(scope="module")
def steady_roster():
    dates, open_days, required = steady_requirement(100)
    return propose_roster(required=required, dates=dates, open_days=open_days, seconds=10)


def contract_ends(roster):
    return [(day, count) for day, count in zip(roster.dates, roster.ended) if count]


def contract_starts(roster):
    return [(day, count) for day, count in zip(roster.dates, roster.hired) if count]


def test_a_steady_requirement_keeps_the_same_agents_through_the_year_end_closure(steady_roster):
    assert contract_starts(steady_roster) == [(START, 2)]
    assert contract_ends(steady_roster) == []
    assert set(steady_roster.contracted) == {2}


def test_contracts_start_and_end_on_working_days_only():
    # a busy first five weeks, then a quiet tail: the extra agents leave, on a working day
    dates, open_days, required = steady_requirement(70)
    required[:35] *= 3
    roster = propose_roster(required=required, dates=dates, open_days=open_days, seconds=10)
    assert contract_ends(roster), "the extra agents of the busy weeks are let go"
    assert all(is_business_day(day) for day, _ in contract_ends(roster))
    assert all(is_business_day(day) for day, _ in contract_starts(roster))


def test_no_new_contract_starts_soon_after_one_ended():
    # a busy month, a ten-day lull and a second busy month: ending contracts in the lull and
    # booking new ones right after would be churn, so the agents are kept through it
    dates, open_days, required = steady_requirement(90)
    required[:33] *= 3
    required[43:] *= 3
    roster = propose_roster(required=required, dates=dates, open_days=open_days, seconds=10)
    for end, _ in contract_ends(roster):
        soon_after = [day for day, _ in contract_starts(roster) if end < day <= end + timedelta(days=REHIRE_GAP_DAYS)]
        assert soon_after == [], f"a contract ended on {end} and new ones start on {soon_after}"
    assert (roster.rostered >= required).all()


def test_a_contracts_last_day_is_the_day_before_the_head_count_drops():
    dates, open_days, required = steady_requirement(70)
    required[:35] *= 3
    roster = propose_roster(required=required, dates=dates, open_days=open_days, seconds=10)
    for d in range(1, len(dates)):
        assert roster.contracted[d] == roster.contracted[d - 1] + roster.hired[d] - roster.ended[d - 1]
