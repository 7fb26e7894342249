from datetime import date, timedelta

import numpy as np
import pytest

from callcenter.forecast.model import Plan, backtest, fit, reforecast_day, wape
from callcenter.forecast.samples import INTERVALS, load_history


@pytest.fixture(scope="module")
def model():
    return fit(load_history())


def plan(waves=((0, 10_000),), targets=10_000, start=date(2027, 1, 11), deadline=60):
    return Plan(start=start, days=deadline + 10, targets=targets, deadline_day=deadline, waves=waves)


def test_the_backtest_on_held_out_programmes_is_within_bounds():
    result = backtest()
    assert len(result["programmes"]) == 6
    assert result["wape_day"] < 0.2 and result["wape_interval"] < 0.4


def test_calls_peak_a_few_days_after_each_mailing(model):
    daily = model.daily(plan(waves=((0, 10_000), (28, 10_000))))
    first_peak = int(np.argmax(daily[:20]))
    second_peak = 28 + int(np.argmax(daily[28:48]))
    assert 1 <= first_peak <= 8 and 29 <= second_peak <= 36


def test_a_bigger_mailing_brings_proportionally_more_calls(model):
    small, large = model.daily(plan(waves=((0, 5_000),))), model.daily(plan(waves=((0, 10_000),)))
    assert large[:20].sum() > 1.8 * small[:20].sum()


def test_weekends_and_national_holidays_get_no_calls(model):
    daily = model.daily(plan(start=date(2027, 1, 4)))
    days = [date(2027, 1, 4) + timedelta(days=d) for d in range(len(daily))]
    closed = [d for d, day in enumerate(days) if day.weekday() >= 5 or day == date(2027, 1, 11)]  # 成人の日
    assert all(daily[d] == 0 for d in closed)


def test_half_hours_add_up_to_the_day(model):
    p = plan()
    assert model.intervals(p).shape == (p.days, INTERVALS)
    assert np.allclose(model.intervals(p).sum(axis=1), model.daily(p))


def test_a_busier_morning_raises_the_rest_of_the_day(model):
    day = model.intervals(plan())[3]
    so_far = [round(value * 1.5) for value in day[:6]]
    revised = reforecast_day(day, so_far)
    assert revised[:6].tolist() == so_far
    assert revised[6:].sum() == pytest.approx(day[6:].sum() * sum(so_far) / day[:6].sum(), rel=1e-6)


def test_wape_is_absolute_error_over_actual_volume():
    assert wape(np.array([10, 0, 10]), np.array([5, 5, 10])) == pytest.approx(0.5)


def test_the_programme_plan_comes_from_its_recorded_mailings(factory, tmp_path):
    from callcenter.forecast.programme import staffing_plan
    from mailroom.printing.runs import print_programme, record_mailing
    from tests.factories import SYSTEM

    tenant = factory.tenant(households=30)
    with factory.session() as session:
        run = print_programme(session=session, actor=SYSTEM, programme=session.merge(tenant.programme),
                              out_root=tmp_path)
        mailed = date.today() - timedelta(days=3)
        record_mailing(session=session, actor=SYSTEM, run=run, mailed_on=mailed)
        session.commit()
        staffing = staffing_plan(session, session.merge(tenant.programme))
    assert staffing.plan.targets == 30 and (mailed - staffing.plan.start).days in dict(staffing.plan.waves)
    assert dict(staffing.plan.waves)[(mailed - staffing.plan.start).days] == 30
    assert staffing.agents.max() >= 1 and (staffing.scheduled >= staffing.agents).all()


def test_the_roster_covers_every_half_hour_and_keeps_contracts_at_least_31_days():
    from callcenter.inquiries.clock import is_business_day
    from callcenter.staffing.roster import propose_roster

    dates = [date(2027, 1, 4) + timedelta(days=d) for d in range(70)]
    open_days = [is_business_day(day) for day in dates]
    shape = np.array([1, 2, 3, 3, 3, 2, 1, 1, 2, 3, 3, 3, 2, 2, 2, 1, 1, 1])
    required = np.array([shape * (6 if d < 20 else 2) if open_day else 0 * shape
                         for d, open_day in enumerate(open_days)])
    roster = propose_roster(required=required, dates=dates, open_days=open_days, min_contract_days=31)
    assert roster.status == "optimal"
    assert (roster.rostered >= required).all()
    hired_on = [d for d, count in enumerate(roster.hired) for _ in range(count)]
    # nobody's contract ends before 31 days: the head count never drops below those hired in the last 31 days
    for d in range(len(dates)):
        assert roster.contracted[d] >= sum(1 for h in hired_on if d - 31 < h <= d)
    assert roster.cost_yen == sum(c for c, o in zip(roster.contracted, open_days) if o) * roster.day_rate_yen
    assert roster.csv().decode("utf-8-sig").startswith("日付,契約人数,新規契約,契約終了,9:00-18:00,")


def test_the_supervisor_page_charts_forecast_and_roster_and_exports_it(factory, client, login, tmp_path):
    from mailroom.printing.runs import print_programme, record_mailing
    from tests.factories import SYSTEM

    tenant = factory.tenant(households=40)
    with factory.session() as session:
        run = print_programme(session=session, actor=SYSTEM, programme=session.merge(tenant.programme),
                              out_root=tmp_path)
        record_mailing(session=session, actor=SYSTEM, run=run, mailed_on=date.today() - timedelta(days=2))
        session.commit()
    login(factory.user("supervisor"))
    page = client.get(f"/programmes/{tenant.programme.id}/staffing")
    assert page.status_code == 200 and 'id="chart-calls"' in page.text and 'id="chart-agents"' in page.text
    assert "roster-summary" in page.text
    assert client.get(f"/programmes/{tenant.programme.id}/staffing.xlsx").content[:2] == b"PK"
    assert client.get(f"/programmes/{tenant.programme.id}/staffing.csv").status_code == 200


def test_todays_calls_so_far_reshape_the_rest_of_the_day(factory, tmp_path):
    from datetime import datetime

    from callcenter.forecast.programme import staffing_plan, today_reforecast
    from callcenter.telephony.models import CallRecord
    from mailroom.printing.runs import print_programme, record_mailing
    from secretariat.core.clock import JST, as_utc
    from tests.factories import SYSTEM

    tenant = factory.tenant(households=20)
    today = date.today()
    with factory.session() as session:
        run = print_programme(session=session, actor=SYSTEM, programme=session.merge(tenant.programme),
                              out_root=tmp_path)
        record_mailing(session=session, actor=SYSTEM, run=run, mailed_on=today - timedelta(days=2))
        for minute in (0, 10, 40):  # two calls in the 9:00 half hour, one in the 9:30
            started = datetime.combine(today, datetime.min.time(), JST).replace(hour=9, minute=minute)
            session.add(CallRecord(call_sid=f"CA{minute}", household_id=tenant.households[0].id,
                                   started_at=as_utc(started)))  # stored in UTC, as utcnow() stores them
        session.commit()
        programme = session.merge(tenant.programme)
        staffing = staffing_plan(session, programme)
        result = today_reforecast(session, programme, staffing, today, now_interval=2)
    assert result["actual"] == [2, 1]
    assert result["revised"][:2] == [2.0, 1.0] and len(result["agents"]) == 18


def test_a_mailed_run_of_letters_is_a_wave_of_the_programmes_plan(factory, tmp_path):
    from callcenter.forecast.programme import staffing_plan
    from mailroom.printing.letters import GIFTCODE, open_letter_run, record_letter_mailing
    from tests.factories import SYSTEM

    tenant = factory.tenant(households=12)
    printed = date.today() - timedelta(days=5)
    with factory.session() as session:
        programme = session.merge(tenant.programme)
        run = open_letter_run(session=session, actor=SYSTEM, programme=programme, kind=GIFTCODE, out_root=tmp_path,
                              household_ids=[household.id for household in tenant.households[:7]], on=printed)
        record_letter_mailing(session=session, actor=SYSTEM, run=run, mailed_on=printed + timedelta(days=1))
        session.commit()
        staffing = staffing_plan(session, programme)
    assert dict(staffing.plan.waves)[(printed + timedelta(days=1) - staffing.plan.start).days] == 7
