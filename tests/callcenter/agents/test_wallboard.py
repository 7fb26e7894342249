"""The supervisor's wallboard: each figure equals what the call records and the agents' state spells
say, and the plan is the staffing plan's half hour; and the agents page where languages are set."""

from datetime import datetime, timedelta, timezone

import pytest
from sqlmodel import select

from callcenter.agents.models import AgentProfile
from callcenter.agents.states import set_state
from callcenter.agents.wallboard import TARGET_S, wallboard
from callcenter.forecast.programme import staffing_plan
from callcenter.telephony.models import CallRecord
from tests.conftest import csrf_from

NOW = datetime(2026, 12, 7, 1, 15, tzinfo=timezone.utc)  # Monday 10:15 in Japan, inside the test programme's plan


def ago(seconds: int) -> datetime:
    return NOW - timedelta(seconds=seconds)


@pytest.fixture
def known_calls(session):
    """Four calls offered today (three answered, two of them within 20 s; one abandoned), two waiting,
    one from yesterday and one interpreter call still ringing, which are not today's offered calls."""
    session.add_all([
        CallRecord(call_sid="CA-A", status="completed", queued_at=ago(3600), answered_at=ago(3590), wait_s=10),
        CallRecord(call_sid="CA-B", status="answered", queued_at=ago(600), answered_at=ago(580), wait_s=TARGET_S),
        CallRecord(call_sid="CA-C", status="completed", queued_at=ago(1800), answered_at=ago(1755), wait_s=45),
        CallRecord(call_sid="CA-D", status="abandoned", queued_at=ago(900), ended_at=ago(870), wait_s=30),
        CallRecord(call_sid="CA-E", status="queued", queued_at=ago(90)),
        CallRecord(call_sid="CA-F", status="queued", queued_at=ago(30)),
        CallRecord(call_sid="CA-G", status="abandoned", queued_at=ago(86400), ended_at=ago(86300), wait_s=100),
        CallRecord(call_sid="CA-H", status="ringing", language="pt", conference="call-CA-H"),
    ])
    session.commit()


@pytest.fixture
def agents_on_shift(factory, session):
    states = ["available", "on_call", "break", "available"]
    users = [factory.user("agent") for _ in states]
    for user, state in zip(users, states):
        set_state(session, user_id=user.id, state=state, reason="test", at=ago(300))
    session.commit()
    return users


def test_the_queue_figures_are_the_callers_waiting_now(session, known_calls):
    board = wallboard(session, now=NOW)
    assert (board.waiting, board.longest_wait_s) == (2, 90)


def test_service_level_is_the_offered_calls_answered_within_20_seconds(session, known_calls):
    board = wallboard(session, now=NOW)
    assert (board.offered, board.answered, board.answered_in_target) == (4, 3, 2)
    assert board.service_level == 2 / 4


def test_abandonment_is_the_offered_calls_hung_up_in_the_queue(session, known_calls):
    board = wallboard(session, now=NOW)
    assert (board.abandoned, board.abandonment_rate) == (1, 1 / 4)


def test_agents_are_counted_by_their_state_now(session, agents_on_shift):
    assert wallboard(session, now=NOW).agents == {"available": 2, "on_call": 1, "wrap_up": 0, "break": 1,
                                                  "offline": 0}


def test_the_plan_is_the_staffing_plans_half_hour_now(factory, session):
    programme = factory.tenant(households=3).programme
    board = wallboard(session, now=NOW)
    plan = staffing_plan(session, programme)
    day = plan.dates.index(NOW.date())
    assert board.plan.slot == "10:00" and board.programmes == [programme.name]
    assert board.plan.calls == round(float(plan.calls[day][2]), 1)
    assert board.plan.agents == int(plan.agents[day][2])
    assert board.plan.day_forecast == round(float(plan.calls[day].sum()), 1)


def test_outside_opening_hours_there_is_no_plan_to_compare(factory, session):
    factory.tenant(households=1)
    assert wallboard(session, now=NOW.replace(hour=12)).plan is None  # 21:15 in Japan


def test_the_wallboards_figures_are_served_to_supervisors_only(factory, client, login, known_calls):
    login(factory.user("supervisor"))
    answer = client.get("/api/callcenter/wallboard")
    assert answer.status_code == 200 and answer.json()["waiting"] == 2
    assert client.get("/callcenter/wallboard").status_code == 200
    login(factory.user("agent"))
    assert client.get("/api/callcenter/wallboard").status_code == 403


def test_a_supervisor_sets_an_agents_languages_and_skills(factory, client, login):
    agent = factory.user("agent")
    login(factory.user("supervisor"))
    page = client.get("/callcenter/agents")
    answer = client.post(f"/callcenter/agents/{agent.id}", follow_redirects=False, data={
        "csrf_token": csrf_from(page.text), "languages": ["pt", "ja"], "skills": "escalation、 callback"})
    assert answer.status_code == 303
    with factory.session() as session:
        profile = session.exec(select(AgentProfile).where(AgentProfile.user_id == agent.id)).one()
    assert (profile.languages, profile.skills) == ("ja,pt", "escalation,callback")


def test_an_agent_with_no_language_is_refused_in_japanese_keeping_what_was_typed(factory, client, login):
    agent = factory.user("agent")
    login(factory.user("supervisor"))
    page = client.get("/callcenter/agents")
    answer = client.post(f"/callcenter/agents/{agent.id}", data={"csrf_token": csrf_from(page.text),
                                                                 "skills": "escalation"})
    assert answer.status_code == 422
    assert "対応言語を一つ以上選んでください" in answer.text and 'value="escalation"' in answer.text
