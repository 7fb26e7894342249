from sqlmodel import select

from secretariat.core.applications.models import Application
from secretariat.core.applications.states import Status
from secretariat.core.audit.models import AuditEvent
from secretariat.core.auth.service import issue_api_token
from tests.factories import SYSTEM


def test_the_dashboard_counts_a_programmes_households_by_status(factory, client, login):
    tenant = factory.tenant(households=3)
    factory.advance(tenant.applications[0], Status.printed, Status.mailed)
    login(factory.user("supervisor"))
    page = client.get("/").text
    assert tenant.programme.name in page
    assert 'data-status="imported">2<' in page and 'data-status="mailed">1<' in page


def test_each_role_gets_its_own_dashboard(factory, client, login):
    factory.tenant(households=1)
    login(factory.user("operator"))
    assert "審査待ち" in client.get("/").text


def test_the_programme_page_shows_replies_per_day_and_the_deficiency_rate(factory, client, login):
    tenant = factory.tenant(households=2)
    for application, last in zip(tenant.applications, (Status.deficient, Status.complete)):
        factory.advance(application, Status.printed, Status.mailed, Status.received, Status.checking, last)
    login(factory.user("supervisor"))
    page = client.get(f"/programmes/{tenant.programme.id}").text
    assert 'data-testid="deficiency-rate">50.0%' in page
    assert "日別受付件数" in page and '<td class="num">2</td>' in page


def test_the_household_page_shows_the_timeline_and_is_audited(factory, client, login):
    tenant = factory.tenant(households=1)
    factory.advance(tenant.applications[0], Status.printed)
    agent = factory.user("agent")
    login(agent)
    page = client.get(f"/households/{tenant.households[0].id}").text
    assert "取込済み" in page and "印刷済み" in page and "system:tests" in page
    with factory.session() as session:
        audit = session.exec(select(AuditEvent).where(AuditEvent.action == "read")).one()
    assert (audit.username, audit.entity_id) == (agent.username, tenant.households[0].id)


def test_an_operator_takes_a_manual_step_with_the_form_and_a_reason(factory, client, login):
    tenant = factory.tenant(households=1)
    token = login(factory.user("operator"))
    answer = client.post(f"/applications/{tenant.applications[0].id}/transition",
                         data={"to": "withdrawn", "reason": "本人から書面で取下げ", "csrf_token": token},
                         follow_redirects=False)
    assert answer.status_code == 303
    with factory.session() as session:
        assert session.get(Application, tenant.applications[0].id).status == "withdrawn"


def test_a_manual_step_without_a_reason_is_refused(factory, client, login):
    tenant = factory.tenant(households=1)
    token = login(factory.user("operator"))
    answer = client.post(f"/applications/{tenant.applications[0].id}/transition",
                         data={"to": "withdrawn", "reason": " ", "csrf_token": token})
    assert answer.status_code in (400, 422) and "理由を入力してください" in answer.text
    with factory.session() as session:
        assert session.get(Application, tenant.applications[0].id).status == "imported"


def test_a_step_that_belongs_to_a_flow_is_refused_on_the_generic_form(factory, client, login):
    tenant = factory.tenant(households=1)
    token = login(factory.user("operator"))
    answer = client.post(f"/applications/{tenant.applications[0].id}/transition",
                         data={"to": "printed", "reason": "手で印刷済みに", "csrf_token": token})
    assert answer.status_code == 409 and "その手続きの画面で行います" in answer.text
    with factory.session() as session:
        assert session.get(Application, tenant.applications[0].id).status == "imported"


def test_a_transition_without_the_csrf_token_changes_nothing(factory, client, login):
    tenant = factory.tenant(households=1)
    login(factory.user("operator"))
    answer = client.post(f"/applications/{tenant.applications[0].id}/transition", data={"to": "printed"})
    assert answer.status_code == 403
    with factory.session() as session:
        assert session.get(Application, tenant.applications[0].id).status == "imported"


def test_an_illegal_transition_from_the_web_is_explained(factory, client, login):
    tenant = factory.tenant(households=1)
    token = login(factory.user("operator"))
    answer = client.post(f"/applications/{tenant.applications[0].id}/transition",
                         data={"to": "paid", "csrf_token": token})
    assert answer.status_code == 409 and "「取込済み（imported）」から「支給済み（paid）」" in answer.text


def test_a_call_center_agent_may_not_change_a_status(factory, client, login):
    tenant = factory.tenant(households=1)
    token = login(factory.user("agent"))
    assert 'action="/applications/' not in client.get(f"/households/{tenant.households[0].id}").text
    answer = client.post(f"/applications/{tenant.applications[0].id}/transition",
                         data={"to": "printed", "csrf_token": token})
    assert answer.status_code == 403


def test_the_audit_log_is_for_admins_and_supervisors_only(factory, client, login):
    login(factory.user("operator"))
    assert client.get("/audit").status_code == 403


def test_an_api_token_works_without_a_browser_session_or_csrf_token(factory, client):
    tenant = factory.tenant(households=1)
    with factory.session() as session:
        token = issue_api_token(session=session, actor=SYSTEM, user=factory.user("supervisor"), name="script")
        session.commit()
    headers = {"authorization": f"Bearer {token}"}
    assert [p["id"] for p in client.get("/api/programmes", headers=headers).json()] == [tenant.programme.id]
    answer = client.post(f"/api/applications/{tenant.applications[0].id}/transitions", headers=headers,
                         json={"to": "withdrawn", "reason": "本人から書面で取下げ"})
    assert answer.status_code == 201 and answer.json()["to_status"] == "withdrawn"


def test_a_forged_api_token_is_refused(client):
    answer = client.get("/api/programmes", headers={"authorization": "Bearer sct_forged"})
    assert answer.status_code == 401


def test_a_malformed_api_request_is_explained(factory, client):
    tenant = factory.tenant(households=1)
    with factory.session() as session:
        token = issue_api_token(session=session, actor=SYSTEM, user=factory.user("supervisor"), name="script")
        session.commit()
    answer = client.post(f"/api/applications/{tenant.applications[0].id}/transitions",
                         headers={"authorization": f"Bearer {token}"}, json={"reason": "no target"})
    assert answer.status_code == 422 and "次の状態が入力されていません" in answer.json()["problems"]


def test_phone_numbers_are_shown_grouped_for_reading_aloud():
    from secretariat.core.web.templating import templates

    phone = templates.env.filters["phone"]
    assert (phone("09012345678"), phone("0312345678"), phone("0432451111")) == (
        "090-1234-5678", "03-1234-5678", "043-245-1111")
