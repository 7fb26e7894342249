"""The decision pages: a supervisor proposes from the queue, the liaison approves in the web."""

from sqlmodel import select

from secretariat.core.applications.models import Application
from secretariat.core.applications.states import Status

def statuses(factory, tenant):
    with factory.session() as session:
        return {a.status for a in session.exec(select(Application).where(
            Application.programme_id == tenant.programme.id))}


def proposed_from_the_page(client, login, factory, tenant) -> str:
    token = login(factory.user("supervisor"))
    assert "3 件" in client.get(f"/programmes/{tenant.programme.id}/decisions").text
    answer = client.post(f"/programmes/{tenant.programme.id}/decisions", data={"csrf_token": token},
                         follow_redirects=False)
    assert answer.status_code == 303
    client.cookies.clear()
    return answer.headers["location"]


def test_the_liaison_approves_a_proposed_list_in_the_web(factory, client, login, reviewed):
    page = proposed_from_the_page(client, login, factory, reviewed)
    token = login(factory.user("liaison", reviewed.municipality))
    shown = client.get(page).text
    assert "3 件の支給を決定する" in shown
    assert client.get(f"{page}/list.pdf").headers["content-type"] == "application/pdf"
    answer = client.post(f"{page}/approve", data={"csrf_token": token}, follow_redirects=False)
    assert answer.status_code == 303
    assert statuses(factory, reviewed) == {Status.approved.value}
    assert "承認済み" in client.get(page).text


def test_a_supervisor_sees_no_approve_button_and_cannot_approve(factory, client, login, reviewed):
    page = proposed_from_the_page(client, login, factory, reviewed)
    token = login(factory.user("supervisor"))
    assert "支給を決定する" not in client.get(page).text
    assert client.post(f"{page}/approve", data={"csrf_token": token}).status_code == 403
    assert statuses(factory, reviewed) == {Status.complete.value}


def test_the_liaison_sends_a_list_back_with_a_reason(factory, client, login, reviewed):
    page = proposed_from_the_page(client, login, factory, reviewed)
    token = login(factory.user("liaison", reviewed.municipality))
    answer = client.post(f"{page}/reject", data={"csrf_token": token, "reason": "金額を確認したい"},
                         follow_redirects=False)
    assert answer.status_code == 303
    shown = client.get(page).text
    assert "差戻し" in shown and "金額を確認したい" in shown
    assert statuses(factory, reviewed) == {Status.complete.value}
