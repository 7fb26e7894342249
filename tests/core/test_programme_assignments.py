"""An agent sees only the programmes they serve (担当事業); an admin assigns them, audited."""

import pytest
from sqlalchemy import event
from sqlmodel import select

from callcenter.inquiries.lookup import find_callers
from callcenter.inquiries.service import escalate, escalations, log_inquiry
from secretariat.core.applications.service import get_application
from secretariat.core.audit.models import AuditEvent
from secretariat.core.auth.assignments import UNASSIGNED_JA, assign_programmes, programmes_served
from secretariat.core.errors import InvalidInput, NotFound, PermissionDenied
from secretariat.core.households.models import Household
from secretariat.core.households.service import get_household
from secretariat.core.programmes.service import list_programmes
from tests.conftest import csrf_from
from tests.factories import SYSTEM

SAME_NUMBER = "00200001"


@pytest.fixture
def two(factory):
    """Two municipalities' programmes, each with a household of the same 世帯番号."""
    first, second = factory.tenant(households=1, name="第一市"), factory.tenant(households=1, name="第二市")
    with factory.session() as session:
        for tenant in (first, second):
            household = session.get(Household, tenant.households[0].id)
            household.household_number = SAME_NUMBER
            session.add(household)
        session.commit()
    return first, second


def programme_names(rows):
    return {row.programme_name for row in rows}


def test_an_agent_finds_the_household_of_a_programme_they_serve_and_not_of_another(factory, two):
    first, second = two
    agent = factory.actor("agent", serves=[first.programme])
    with factory.session() as session:
        found = find_callers(session=session, actor=agent, query=SAME_NUMBER)
    assert programme_names(found) == {first.programme.name}


def test_a_supervisor_finds_the_households_of_every_programme(factory, two):
    first, second = two
    with factory.session() as session:
        found = find_callers(session=session, actor=factory.actor("supervisor"), query=SAME_NUMBER)
    assert programme_names(found) == {first.programme.name, second.programme.name}


def test_an_assignment_applies_to_an_agent_already_at_work(factory, two):
    first, second = two
    agent = factory.actor("agent", serves=[first.programme])
    with factory.session() as session:
        assign_programmes(session, actor=SYSTEM, user_id=agent.user_id, programme_ids=[second.programme.id])
        session.commit()
        assert programme_names(find_callers(session=session, actor=agent, query=SAME_NUMBER)) == {
            second.programme.name}


def test_a_household_of_an_unserved_programme_does_not_exist_for_the_agent(factory, two):
    first, second = two
    agent = factory.actor("agent", serves=[first.programme])
    with factory.session() as session, pytest.raises(NotFound):
        get_household(session=session, actor=agent, household_id=second.households[0].id)


def test_an_application_of_an_unserved_programme_does_not_exist_for_the_agent(factory, two):
    first, second = two
    agent = factory.actor("agent", serves=[first.programme])
    with factory.session() as session, pytest.raises(NotFound):
        get_application(session=session, actor=agent, application_id=second.applications[0].id)


def test_an_agent_with_no_programme_is_told_to_ask_an_admin(factory, two):
    agent = factory.actor("agent", serves=[])
    with factory.session() as session, pytest.raises(PermissionDenied, match=UNASSIGNED_JA):
        find_callers(session=session, actor=agent, query=SAME_NUMBER)


def test_the_programme_list_of_an_agent_holds_the_programmes_they_serve(factory, two):
    first, second = two
    agent = factory.actor("agent", serves=[second.programme])
    with factory.session() as session:
        assert [p.id for p, _ in list_programmes(session=session, actor=agent)] == [second.programme.id]


def test_an_agent_sees_the_escalations_of_the_programmes_they_serve(factory, two):
    first, second = two
    with factory.session() as session:
        for tenant in two:
            inquiry = log_inquiry(session=session, actor=SYSTEM, programme=tenant.programme,
                                  household=tenant.households[0], category="eligibility", outcome="escalated")
            escalate(session=session, actor=SYSTEM, inquiry=inquiry, question="対象になりますか")
        session.commit()
        agent = factory.actor("agent", serves=[second.programme])
        assert [e.programme_id for e in escalations(session=session, actor=agent)] == [second.programme.id]


def test_assigning_is_audited_and_replaces_the_last_set(factory, two):
    first, second = two
    agent = factory.user("agent", serves=[first.programme])
    admin = factory.actor("admin")
    with factory.session() as session:
        assign_programmes(session, actor=admin, user_id=agent.id, programme_ids=[second.programme.id])
        session.commit()
        assert programmes_served(session, agent.id) == [second.programme.id]
        event = session.exec(select(AuditEvent).where(AuditEvent.action == "assign_programmes")
                             .order_by(AuditEvent.id.desc())).first()
    assert (event.username, event.entity_id) == (admin.username, agent.id)
    assert event.detail == f"programmes={first.programme.id} -> {second.programme.id}"


def test_only_an_admin_assigns_programmes(factory, two):
    agent = factory.user("agent", serves=[])
    with factory.session() as session, pytest.raises(PermissionDenied):
        assign_programmes(session, actor=factory.actor("supervisor"), user_id=agent.id,
                          programme_ids=[two[0].programme.id])


def test_an_unknown_programme_is_named_in_the_refusal(factory, two):
    agent = factory.user("agent", serves=[])
    with factory.session() as session, pytest.raises(InvalidInput, match="事業 999999 はありません"):
        assign_programmes(session, actor=SYSTEM, user_id=agent.id, programme_ids=[999999])


def test_programmes_are_assigned_to_agents_only(factory, two):
    supervisor = factory.user("supervisor")
    with factory.session() as session, pytest.raises(InvalidInput, match="コールセンター"):
        assign_programmes(session, actor=SYSTEM, user_id=supervisor.id, programme_ids=[two[0].programme.id])


def test_the_household_page_of_an_unserved_programme_answers_404(factory, two, client, login):
    first, second = two
    login(factory.user("agent", serves=[first.programme]))
    assert client.get(f"/callcenter/households/{first.households[0].id}").status_code == 200
    assert client.get(f"/callcenter/households/{second.households[0].id}").status_code == 404


def test_an_unassigned_agent_searching_reads_the_japanese_line(factory, two, client, login):
    login(factory.user("agent", serves=[]))
    answer = client.get("/callcenter", params={"q": SAME_NUMBER})
    assert answer.status_code == 200 and UNASSIGNED_JA in answer.text  # on the search page, not an error page
    assert 'name="q"' in answer.text


def tick_on_the_staff_page(factory, client, login, *ticked: str):
    """An admin ticks these boxes on a new agent's page and saves; returns the agent and the answer."""
    login(factory.user("admin"))
    agent = factory.user("agent", serves=[])
    page = client.get(f"/staff/{agent.id}")
    return agent, client.post(f"/staff/{agent.id}/programmes", data={"csrf_token": csrf_from(page.text),
                                                                      "programme": list(ticked)})


def test_the_staff_page_saves_an_agents_programmes(factory, two, client, login):
    agent, answer = tick_on_the_staff_page(factory, client, login, str(two[1].programme.id))
    assert answer.status_code == 200 and "担当事業を保存しました" in answer.text
    with factory.session() as session:
        assert programmes_served(session, agent.id) == [two[1].programme.id]


def test_a_refused_assignment_stays_on_the_page_with_the_boxes_as_ticked(factory, two, client, login):
    first = two[0].programme.id
    _, answer = tick_on_the_staff_page(factory, client, login, str(first), "x")
    assert answer.status_code == 422 and "事業の指定が正しくありません" in answer.text
    assert f'value="{first}" checked' in answer.text


def test_the_cli_assigns_programmes(factory, two, cli):
    agent = factory.user("agent", username="yamada", serves=[])
    result = cli("users", "assign", "yamada", "--programme", str(two[0].programme.id))
    assert result.exit_code == 0, result.output
    with factory.session() as session:
        assert programmes_served(session, agent.id) == [two[0].programme.id]


def test_an_agents_page_reads_their_programmes_once_per_transaction(factory, two):
    first, second = two
    agent = factory.actor("agent", serves=[first.programme])
    statements = []

    def count(_connection, _cursor, statement, *_):
        statements.append(statement)

    with factory.session() as session:
        event.listen(factory.engine, "before_cursor_execute", count)
        try:
            get_household(session=session, actor=agent, household_id=first.households[0].id)
            find_callers(session=session, actor=agent, query=SAME_NUMBER)
        finally:
            event.remove(factory.engine, "before_cursor_execute", count)
    assert sum("staff_programme" in statement for statement in statements) == 1


def test_a_change_made_by_another_session_applies_at_the_agents_next_transaction(factory, two):
    first, second = two
    agent = factory.actor("agent", serves=[first.programme])
    with factory.session() as agent_session:
        assert programmes_served(agent_session, agent.user_id) == [first.programme.id]
        with factory.session() as admin_session:
            assign_programmes(admin_session, actor=SYSTEM, user_id=agent.user_id, programme_ids=[second.programme.id])
            admin_session.commit()
        agent_session.commit()
        assert programmes_served(agent_session, agent.user_id) == [second.programme.id]
