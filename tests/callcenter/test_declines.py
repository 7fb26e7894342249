"""Declines at the call center: the agent confirms before recording one, and only a supervisor may
undo one recorded in error, with a reason, until the programme's deadline."""

from datetime import timedelta

import pytest
from sqlmodel import select

from callcenter.flows import undo_decline
from callcenter.inquiries.models import Inquiry
from secretariat.core.applications.models import Application, ApplicationEvent
from secretariat.core.applications.states import Status
from secretariat.core.audit.models import AuditEvent
from secretariat.core.clock import today_jst
from secretariat.core.errors import Conflict
from secretariat.core.programmes.models import Programme


@pytest.fixture
def tenant(factory):
    made = factory.tenant(households=1)
    factory.advance(made.applications[0], Status.printed, Status.mailed)
    return made


def status_of(factory, tenant) -> str:
    with factory.session() as session:
        return session.get(Application, tenant.applications[0].id).status


def post_decline(client, tenant, token, **extra):
    return client.post(f"/callcenter/households/{tenant.households[0].id}/inquiries",
                       data={"csrf_token": token, "category": "decline", "action": "decline", "text": "辞退したい",
                             **extra}, follow_redirects=False)


def declined(factory, client, login, tenant):
    """The agent declines the household on the phone, confirming; returns the supervisor's actor."""
    token = login(factory.user("agent"))
    assert post_decline(client, tenant, token, confirm="1").status_code == 303
    client.cookies.clear()
    return factory.user("supervisor")


def test_an_agent_s_first_decline_post_only_asks_for_confirmation(factory, client, login, tenant):
    token = login(factory.user("agent"))
    page = post_decline(client, tenant, token)
    assert page.status_code == 200
    assert "辞退を記録してよいですか" in page.text and "発送済み" in page.text and "支給されません" in page.text
    assert 'name="confirm" value="1"' in page.text
    assert status_of(factory, tenant) == Status.mailed.value
    with factory.session() as session:
        assert session.exec(select(Inquiry)).all() == []


def test_an_agent_s_confirmed_decline_logs_the_call_and_declines(factory, client, login, tenant):
    token = login(factory.user("agent"))
    answer = post_decline(client, tenant, token, confirm="1")
    assert answer.status_code == 303
    assert status_of(factory, tenant) == Status.declined.value
    with factory.session() as session:
        assert [i.outcome for i in session.exec(select(Inquiry))] == ["declined"]


def test_a_supervisor_undoes_a_decline_back_to_where_it_came_from_with_the_reason(factory, client, login, tenant):
    supervisor = declined(factory, client, login, tenant)
    token = login(supervisor)
    page = client.get(f"/callcenter/households/{tenant.households[0].id}")
    assert 'data-testid="undo-decline"' in page.text
    answer = client.post(f"/callcenter/households/{tenant.households[0].id}/decline/undo",
                         data={"csrf_token": token, "reason": "別世帯の通話を誤って記録"}, follow_redirects=False)
    assert answer.status_code == 303
    assert status_of(factory, tenant) == Status.mailed.value
    with factory.session() as session:
        last = session.exec(select(ApplicationEvent).order_by(ApplicationEvent.id.desc())).first()
        audit = session.exec(select(AuditEvent).where(AuditEvent.action == "undo_decline")).one()
    assert (last.to_status, last.reason, last.actor) == ("mailed", "辞退の取消（別世帯の通話を誤って記録）",
                                                          supervisor.username)
    assert audit.username == supervisor.username


def test_an_undo_without_a_reason_is_refused(factory, client, login, tenant):
    token = login(declined(factory, client, login, tenant))
    answer = client.post(f"/callcenter/households/{tenant.households[0].id}/decline/undo",
                         data={"csrf_token": token, "reason": "  "})
    assert answer.status_code == 422 and "理由を入力してください" in answer.text
    assert status_of(factory, tenant) == Status.declined.value


def test_an_agent_cannot_undo_a_decline(factory, client, login, tenant):
    declined(factory, client, login, tenant)
    token = login(factory.user("agent"))
    assert 'data-testid="undo-decline"' not in client.get(f"/callcenter/households/{tenant.households[0].id}").text
    answer = client.post(f"/callcenter/households/{tenant.households[0].id}/decline/undo",
                         data={"csrf_token": token, "reason": "誤り"})
    assert answer.status_code == 403 and "スーパーバイザーだけ" in answer.text
    assert status_of(factory, tenant) == Status.declined.value


def test_a_decline_cannot_be_undone_after_the_programme_s_deadline(factory, client, login, tenant):
    supervisor = declined(factory, client, login, tenant)
    with factory.session() as session:
        programme = session.get(Programme, tenant.programme.id)
        programme.opens_date = today_jst() - timedelta(days=60)
        programme.deadline_date = today_jst() - timedelta(days=1)
        session.add(programme)
        session.commit()
    with factory.session() as session, pytest.raises(Conflict, match="申請期限"):
        undo_decline(session=session, actor=factory.actor("supervisor"),
                     application=session.get(Application, tenant.applications[0].id), reason="誤り")
    token = login(supervisor)
    answer = client.post(f"/callcenter/households/{tenant.households[0].id}/decline/undo",
                         data={"csrf_token": token, "reason": "誤り"})
    assert answer.status_code == 409
    assert status_of(factory, tenant) == Status.declined.value


def test_a_paper_decline_is_undone_back_to_checking(factory, tenant):
    factory.advance(tenant.applications[0], Status.received, Status.checking, Status.declined)
    with factory.session() as session:
        undo_decline(session=session, actor=factory.actor("supervisor"),
                     application=session.get(Application, tenant.applications[0].id), reason="読取り誤り")
        session.commit()
    assert status_of(factory, tenant) == Status.checking.value


def test_an_application_that_is_not_declined_has_nothing_to_undo(factory, tenant):
    with factory.session() as session, pytest.raises(Conflict):
        undo_decline(session=session, actor=factory.actor("supervisor"),
                     application=session.get(Application, tenant.applications[0].id), reason="誤り")



def test_the_generic_status_form_cannot_undo_a_decline(factory, client, login, tenant):
    factory.advance(tenant.applications[0], Status.declined)
    token = login(factory.user("supervisor"))
    answer = client.post(f"/applications/{tenant.applications[0].id}/transition",
                         data={"to": "mailed", "reason": "誤り", "csrf_token": token})
    assert answer.status_code == 409 and "スーパーバイザーが理由を付けて" in answer.text
    assert status_of(factory, tenant) == Status.declined.value
