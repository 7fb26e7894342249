"""A liaison's delta (異動分) that removes a household whose form has not gone out imports, and ends
that household's application; the liaison still cannot move statuses by hand."""

import pytest
from sqlmodel import select

from exchange.drop.processing import process_dropped_file
from exchange.drop.login import Login
from exchange.targets.models import TargetFile
from exchange.targets.service import import_target_file
from secretariat.core.applications.models import Application, ApplicationEvent
from secretariat.core.applications.states import Status
from secretariat.core.auth.actor import Actor
from secretariat.core.households.models import Household
from tests.exchange.test_import import delta
from tests.exchange.test_pages import upload


@pytest.fixture
def tenant(factory):
    return factory.tenant(households=0)


@pytest.fixture
def imported(factory, tenant, rows, write):
    """The full list imported (nothing printed yet) and the row of a one-person household."""
    with factory.session() as session:
        record, listing = import_target_file(session=session, actor=Actor.system("t"), programme=tenant.programme,
                                             path=write(rows))
        session.commit()
    assert record.status == "imported", listing.errors
    return next(i for i in range(1, len(rows)) if sum(r[1] == rows[i][1] for r in rows[1:]) == 1)


def application_of(factory, household_number):
    with factory.session() as session:
        household = session.exec(select(Household).where(Household.household_number == household_number)).one()
        return session.exec(select(Application).where(Application.household_id == household.id)).one()


def test_a_liaisons_delta_removing_an_unmailed_household_imports_and_ends_it(factory, tenant, imported, rows, write):
    liaison = factory.actor("liaison", tenant.municipality)
    with factory.session() as session:
        record, listing = import_target_file(session=session, actor=liaison, programme=tenant.programme,
                                             path=write(delta(rows, [(imported, "削除", "転出")]), "delta.csv"))
        session.commit()
    assert record.status == "imported", listing.errors
    application = application_of(factory, rows[imported][1])
    assert application.status == Status.ineligible.value
    with factory.session() as session:
        event = session.exec(select(ApplicationEvent).where(ApplicationEvent.application_id == application.id,
                                                            ApplicationEvent.to_status == Status.ineligible)).one()
    assert (event.actor, event.reason) == (liaison.username, "異動 (転出)")


def test_a_liaisons_delta_uploaded_on_the_web_imports_and_ends_the_household(
        factory, tenant, imported, rows, write, client, login):
    token = login(factory.user("liaison", tenant.municipality))
    page = upload(client, tenant.programme, token, write(delta(rows, [(imported, "削除", "転出")]), "delta.csv"))
    assert page.status_code == 200 and "取込完了" in page.text
    assert application_of(factory, rows[imported][1]).status == Status.ineligible.value


def test_a_liaisons_delta_sent_through_the_drop_imports_and_ends_the_household(
        factory, tenant, imported, rows, write, engine, tmp_path):
    login = Login(username="chiba", account_id=0, municipality_id=tenant.municipality.id,
                  municipality_code=tenant.municipality.code, default_programme_id=tenant.programme.id,
                  root=tmp_path / "drop", address="127.0.0.1")
    (login.root / "outbox").mkdir(parents=True)
    report = process_dropped_file(engine, login, write(delta(rows, [(imported, "削除", "転出")]), "delta.csv"),
                                  "delta.csv")
    assert "取込完了" in report.read_bytes().decode("cp932")
    assert application_of(factory, rows[imported][1]).status == Status.ineligible.value
    with factory.session() as session:
        assert session.exec(select(TargetFile.status).order_by(TargetFile.id.desc())).first() == "imported"


def test_a_liaison_still_may_not_use_the_generic_status_route(factory, tenant, imported, rows, client, login):
    token = login(factory.user("liaison", tenant.municipality))
    application = application_of(factory, rows[imported][1])
    answer = client.post(f"/applications/{application.id}/transition",
                         data={"to": "ineligible", "reason": "転出", "csrf_token": token})
    assert answer.status_code == 403
    assert application_of(factory, rows[imported][1]).status == Status.imported.value
