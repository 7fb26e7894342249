"""The call forecast knows the channel mix: households answering online or by push send no paper
form back and call less (callcenter/forecast/channels.py), and the supervisor sets the expected
online share until the programme's own answers and calls measure it."""

from datetime import date, datetime, timedelta

import numpy as np
import pytest
from sqlmodel import select

from callcenter.forecast.channels import MIN_ANSWERS, MIN_CALLS, channel_mix, set_expected_online_share
from callcenter.forecast.model import ONLINE_CALL_RATE, PAPER_RETURN_RATE, Plan, shipped_model
from callcenter.forecast.models import ForecastSetting
from callcenter.forecast.programme import staffing_plan
from callcenter.telephony.models import CallRecord
from mailroom.checkin.models import Receipt
from secretariat.core.audit.models import AuditEvent
from secretariat.core.programmes.models import Programme
from tests.factories import SYSTEM


def mailed_programme(factory, tmp_path, households=40, channels=("paper",)):
    """A programme of `households` targets whose packs went out three days ago."""
    from mailroom.printing.runs import print_programme, record_mailing

    tenant = factory.tenant(households=households)
    with factory.session() as session:
        programme = session.merge(tenant.programme)
        programme.channels = list(channels)
        session.add(programme)
        run = print_programme(session=session, actor=SYSTEM, programme=programme, out_root=tmp_path)
        record_mailing(session=session, actor=SYSTEM, run=run, mailed_on=date.today() - timedelta(days=3))
        session.commit()
    return tenant


def forecast(factory, tenant):
    with factory.session() as session:
        return staffing_plan(session, session.get(Programme, tenant.programme.id))


def set_channels(factory, tenant, channels, online_share=None):
    with factory.session() as session:
        programme = session.get(Programme, tenant.programme.id)
        programme.channels = list(channels)
        session.add(programme)
        if online_share is not None:
            set_expected_online_share(session=session, actor=SYSTEM, programme=programme, share=online_share)
        session.commit()


def answer(factory, tenant, households, channel):
    """Each household's form checked in, on paper or from the web form."""
    with factory.session() as session:
        for household in households:
            session.add(Receipt(municipality_id=tenant.municipality.id, programme_id=tenant.programme.id,
                                household_id=household.id, form_id=f"F{household.id}", arrived_on=date.today(),
                                received_by="tests", channel=channel))
        session.commit()


def call(factory, households, times):
    """`times` calls from each household, matched to it by its number."""
    with factory.session() as session:
        for household in households:
            for n in range(times):
                session.add(CallRecord(call_sid=f"CA{household.id}-{n}", household_id=household.id,
                                       started_at=datetime.now()))
        session.commit()


def test_a_paper_only_programme_forecasts_as_the_all_paper_library(factory, tmp_path):
    staffing = forecast(factory, mailed_programme(factory, tmp_path))
    plan = staffing.plan
    bare = Plan(start=plan.start, days=plan.days, targets=plan.targets, deadline_day=plan.deadline_day,
                waves=plan.waves)
    assert staffing.mix.online_share == 0 and staffing.mix.share_source == "default"
    assert np.array_equal(staffing.calls, shipped_model().intervals(bare))


def test_a_paper_only_programme_expects_its_households_forms_back_at_the_assumed_rate(factory, tmp_path):
    staffing = forecast(factory, mailed_programme(factory, tmp_path, households=40))
    assert staffing.paper_returns.sum() == pytest.approx(40 * PAPER_RETURN_RATE)
    closed = [i for i, day in enumerate(staffing.dates[:-1]) if day.weekday() >= 5]
    assert closed and not staffing.paper_returns[closed].any()


def test_forty_percent_online_lowers_calls_and_paper_returns_by_the_documented_amount(factory, tmp_path):
    tenant = mailed_programme(factory, tmp_path)
    paper_only = forecast(factory, tenant)
    set_channels(factory, tenant, ["paper", "web"], online_share=0.4)
    mixed = forecast(factory, tenant)
    assert mixed.mix.share_source == "supervisor"
    # a household counts for paper share + online share × the online households' relative call rate
    assert np.allclose(mixed.calls, paper_only.calls * (0.6 + 0.4 * ONLINE_CALL_RATE))
    assert mixed.calls.sum() < paper_only.calls.sum()
    assert np.allclose(mixed.paper_returns, paper_only.paper_returns * 0.6)


def test_a_web_programme_without_a_setting_uses_the_default_share_for_its_channels(factory, tmp_path):
    from callcenter.forecast.channels import DEFAULT_WEB_SHARE

    tenant = mailed_programme(factory, tmp_path, channels=("paper", "web"))
    assert forecast(factory, tenant).mix.online_share == DEFAULT_WEB_SHARE


def test_measured_shares_take_over_from_the_supervisor_once_enough_households_answered(factory, tmp_path):
    tenant = mailed_programme(factory, tmp_path, households=MIN_ANSWERS, channels=("paper", "web"))
    set_channels(factory, tenant, ["paper", "web"], online_share=0.4)
    web, paper = tenant.households[:MIN_ANSWERS // 5], tenant.households[MIN_ANSWERS // 5:]
    answer(factory, tenant, web, "web")
    answer(factory, tenant, paper[:-1], "paper")
    assert forecast(factory, tenant).mix.online_share == 0.4  # one answer short: still the supervisor's
    answer(factory, tenant, paper[-1:], "paper")
    mix = forecast(factory, tenant).mix
    assert mix.share_source == "measured" and mix.online_share == pytest.approx(0.2)
    assert any("使っていません" in line for line in mix.describe())


def test_the_relative_call_rate_is_measured_once_both_groups_made_enough_calls(factory, tmp_path):
    tenant = mailed_programme(factory, tmp_path, households=20, channels=("paper", "web"))
    web, paper = tenant.households[:10], tenant.households[10:]
    answer(factory, tenant, web, "web")
    answer(factory, tenant, paper, "paper")
    call(factory, paper, times=MIN_CALLS // 10 * 4)
    call(factory, web[:-1], times=MIN_CALLS // 10)
    with factory.session() as session:
        assert channel_mix(session, session.get(Programme, tenant.programme.id)).rate_source == "assumed"
    call(factory, web[-1:], times=MIN_CALLS // 10)
    with factory.session() as session:
        mix = channel_mix(session, session.get(Programme, tenant.programme.id))
    assert mix.rate_source == "measured" and mix.online_call_rate == pytest.approx(0.25)


def test_the_supervisor_sets_the_expected_online_share_on_the_staffing_page(factory, tmp_path, client, login):
    tenant = mailed_programme(factory, tmp_path, channels=("paper", "web"))
    token = login(factory.user("supervisor"))
    answer_ = client.post(f"/programmes/{tenant.programme.id}/staffing/online-share",
                          data={"csrf_token": token, "online_percent": "40"}, follow_redirects=False)
    assert answer_.status_code == 303
    page = client.get(answer_.headers["location"]).text
    assert "見込み割合を保存しました" in page and 'value="40"' in page and "オンライン・プッシュ型の割合 40%" in page
    with factory.session() as session:
        assert session.exec(select(ForecastSetting)).one().expected_online_share == pytest.approx(0.4)
        audit = session.exec(select(AuditEvent).where(AuditEvent.action == "forecast_online_share")).one()
    assert audit.entity == "programme" and audit.entity_id == tenant.programme.id


@pytest.mark.parametrize("typed, message", [("150", "0〜100％ の範囲で入力してください"),
                                            ("abc", "「abc」は数字ではありません")])
def test_the_setting_form_refuses_what_is_not_a_percentage_in_japanese(factory, tmp_path, client, login, typed,
                                                                       message):
    tenant = mailed_programme(factory, tmp_path)
    token = login(factory.user("supervisor"))
    answer_ = client.post(f"/programmes/{tenant.programme.id}/staffing/online-share",
                          data={"csrf_token": token, "online_percent": typed})
    assert answer_.status_code == 422
    assert message in answer_.text and f'value="{typed}"' in answer_.text and 'aria-invalid="true"' in answer_.text
    with factory.session() as session:
        assert session.exec(select(ForecastSetting)).first() is None


def test_a_liaison_cannot_set_the_expected_online_share(factory, tmp_path, client, login):
    tenant = mailed_programme(factory, tmp_path)
    token = login(factory.user("liaison", tenant.municipality))
    answer_ = client.post(f"/programmes/{tenant.programme.id}/staffing/online-share",
                          data={"csrf_token": token, "online_percent": "40"}, follow_redirects=False)
    assert answer_.status_code == 403
    with factory.session() as session:
        assert session.exec(select(ForecastSetting)).first() is None


def test_the_staffing_page_shows_the_paper_forms_expected_back_beside_the_calls(factory, tmp_path, client, login):
    tenant = mailed_programme(factory, tmp_path)
    login(factory.user("supervisor"))
    page = client.get(f"/programmes/{tenant.programme.id}/staffing").text
    assert "紙の申請書の返送見込み（受付の要員計画用）: 合計 36 通" in page and "返送率 90%（仮定）" in page
    assert '<th scope="col">紙の申請書の返送見込み（通）</th>' in page


def test_the_cli_saves_the_online_share_and_prints_the_paper_forms_back(factory, tmp_path, cli):
    import json

    tenant = mailed_programme(factory, tmp_path, channels=("paper", "web"))
    result = cli("callcenter", "forecast", "--programme", tenant.programme.id, "--online-share", "40", "--json")
    assert result.exit_code == 0, result.output
    channels = json.loads(result.output)["channels"]
    assert channels["online_share"] == pytest.approx(0.4) and channels["online_share_source"] == "supervisor"
    assert channels["paper_forms_back"] == pytest.approx(40 * 0.6 * PAPER_RETURN_RATE)
    table = cli("callcenter", "forecast", "--programme", tenant.programme.id)
    assert "紙の申請書の返送見込み（合計）: 22 通" in table.output and "オンライン・プッシュ型の割合 40%" in table.output
    refused = cli("callcenter", "forecast", "--programme", tenant.programme.id, "--online-share", "150")
    assert refused.exit_code == 1 and "0〜100％" in refused.output
