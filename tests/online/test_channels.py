"""The back office's figures per channel: how households answered (paper, web, push), their share,
and the days from the notice to the payment (JST calendar days)."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest
from sqlmodel import Session

from exchange.results.status import STATUS_HEADINGS, status_rows
from mailroom.checkin.models import Receipt
from online.channels import programme_channels
from secretariat.core.applications.models import Application
from secretariat.core.applications.service import transition
from secretariat.core.applications.states import Status as S
from secretariat.core.errors import NotFound
from secretariat.core.programmes.models import Programme
from tests.factories import SYSTEM

NOTICE = datetime(2026, 11, 20, 1, 0, tzinfo=timezone.utc)  # 10:00 JST
BEFORE_THE_DECISION = (S.printed, S.mailed)
PAPER_TO_PAID = (S.received, S.checking, S.complete, S.approved, S.paid)


def walk(session: Session, application: Application, path, *, start: datetime, days_to_last: int = 0) -> None:
    """Move along `path`; the first step at `start`, the last `days_to_last` days after the notice."""
    for number, status in enumerate(path):
        at = NOTICE + timedelta(days=days_to_last) if number == len(path) - 1 and days_to_last else start
        transition(session=session, application=application, to=status, actor=SYSTEM, at=at)


def receipt(session: Session, application: Application, channel: str, form_id: str) -> None:
    session.add(Receipt(municipality_id=application.municipality_id, programme_id=application.programme_id,
                        household_id=application.household_id, form_id=form_id, arrived_on=date(2026, 11, 25),
                        received_by="operator", channel=channel))
    session.flush()


@pytest.fixture
def programme(factory):
    """Five households: two paid from paper (12 and 20 days), one paid from the web (7 days), one
    web application still being checked, one that has not answered."""
    tenant = factory.tenant(households=5)
    with factory.session() as session:
        applications = [session.get(Application, a.id) for a in tenant.applications]
        for application in applications:
            walk(session, application, BEFORE_THE_DECISION, start=NOTICE)
        for application, channel, days in ((applications[0], "paper", 12), (applications[1], "paper", 20),
                                           (applications[2], "web", 7)):
            receipt(session, application, channel, f"F{application.id}")
            walk(session, application, PAPER_TO_PAID, start=NOTICE + timedelta(days=2), days_to_last=days)
        receipt(session, applications[3], "web", f"F{applications[3].id}")
        receipt(session, applications[3], "paper", f"F{applications[3].id}-paper")  # a second submission
        walk(session, applications[3], (S.received, S.checking), start=NOTICE + timedelta(days=3))
        session.commit()
    return tenant.programme


def figures(factory, programme, actor=SYSTEM):
    with factory.session() as session:
        return programme_channels(session=session, actor=actor, programme=session.get(Programme, programme.id))


def test_a_household_counts_under_the_channel_of_its_first_receipt(factory, programme):
    lines = {line.channel: line.households for line in figures(factory, programme).lines}
    assert lines == {"paper": 2, "web": 2, "push": 0}


def test_a_household_that_has_not_answered_counts_as_waiting(factory, programme):
    assert figures(factory, programme).waiting == 1


def test_the_share_is_of_the_households_that_answered(factory, programme):
    result = figures(factory, programme)
    assert [result.share(line) for line in result.lines] == [0.5, 0.5, 0.0]


def test_days_from_notice_to_payment_are_counted_per_channel(factory, programme):
    paper, web, _push = figures(factory, programme).lines
    assert (paper.paid, paper.days_to_payment, paper.median_days) == (2, [12, 20], 16)
    assert (web.paid, web.days_to_payment, web.median_days) == (1, [7], 7)


def test_the_days_are_calendar_days_in_japan(factory):
    """Notice at 23:30 JST on the 20th, paid at 00:30 JST on the 22nd: two days, though 25 hours."""
    tenant = factory.tenant(households=1)
    notice = datetime(2026, 11, 20, 14, 30, tzinfo=timezone.utc)
    with factory.session() as session:
        application = session.get(Application, tenant.applications[0].id)
        walk(session, application, BEFORE_THE_DECISION, start=notice)
        receipt(session, application, "web", "F1")
        walk(session, application, PAPER_TO_PAID[:-1], start=notice)
        transition(session=session, application=application, to=S.paid, actor=SYSTEM,
                   at=notice + timedelta(hours=25))
        session.commit()
    assert figures(factory, tenant.programme).lines[1].days_to_payment == [2]


def test_a_push_household_that_let_the_notice_stand_counts_as_push(factory):
    tenant = factory.tenant(households=2)
    with factory.session() as session:
        programme = session.get(Programme, tenant.programme.id)
        programme.channels = ["paper", "push"]
        session.add(programme)
        applications = [session.get(Application, a.id) for a in tenant.applications]
        for application in applications:
            walk(session, application, BEFORE_THE_DECISION, start=NOTICE)
        walk(session, applications[0], (S.approved, S.paid), start=NOTICE + timedelta(days=10), days_to_last=12)
        session.commit()
    result = figures(factory, tenant.programme)
    push = result.lines[2]
    assert (push.households, push.paid, push.days_to_payment, result.waiting) == (1, 1, [12], 1)


def test_another_municipalitys_liaison_cannot_read_the_figures(factory, programme):
    other = factory.tenant(households=0, name="別の市")
    with pytest.raises(NotFound):
        figures(factory, programme, actor=factory.actor("liaison", other.municipality))


def test_the_programme_page_shows_the_channels(client, login, factory, programme):
    login(factory.user("supervisor"))
    page = client.get(f"/programmes/{programme.id}")
    assert "申請の経路" in page.text and "オンライン申請" in page.text and "16.0日" in page.text


def test_the_channels_have_a_json_twin(client, login, factory, programme):
    login(factory.user("supervisor"))
    channels = client.get(f"/api/programmes/{programme.id}/channels").json()["channels"]
    assert [(c["channel"], c["households"], c["median_days_notice_to_payment"]) for c in channels] == [
        ("paper", 2, 16), ("web", 2, 7), ("push", 0, None)]


def test_the_municipalitys_status_file_says_how_each_household_answered(factory, programme):
    with factory.session() as session:
        rows = status_rows(session, session.get(Programme, programme.id))
    column = STATUS_HEADINGS.index("申請経路")
    assert sorted(row[column] for row in rows) == ["", "オンライン申請", "オンライン申請", "紙の申請書", "紙の申請書"]


def test_a_channel_the_programme_does_not_offer_is_not_listed_while_nobody_used_it(client, login, factory, programme):
    login(factory.user("supervisor"))
    page = client.get(f"/programmes/{programme.id}").text
    assert "支給のお知らせ（プッシュ型）" not in page and "紙の申請書" in page
