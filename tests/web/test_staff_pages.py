"""The admin's staff pages: a bad form stays on its page with a Japanese line and what was typed."""

from tests.conftest import csrf_from


def test_a_clashing_username_keeps_the_form_and_says_why(factory, client, login):
    token = login(factory.user("admin"))
    factory.user("agent", username="tanaka")
    answer = client.post("/staff", data={"csrf_token": token, "username": "tanaka", "display_name": "田中 花子",
                                         "role": "agent", "password": "correct-horse-battery"})
    assert answer.status_code == 409
    assert "ユーザー tanaka はすでにあります" in answer.text and 'value="田中 花子"' in answer.text


def test_a_liaison_without_a_municipality_is_refused_on_the_page(factory, client, login):
    token = login(factory.user("admin"))
    answer = client.post("/staff", data={"csrf_token": token, "username": "suzuki", "role": "liaison",
                                         "password": "correct-horse-battery"})
    assert answer.status_code == 422 and "担当する自治体を一つ指定してください" in answer.text
    assert 'value="suzuki"' in answer.text


def test_disabling_asks_first_and_an_admin_cannot_disable_themself(factory, client, login):
    admin = factory.user("admin")
    login(admin)
    page = client.get(f"/staff/{admin.id}/disable")
    assert "自分自身は無効化できません" in page.text and "confirm-disable" not in page.text
    answer = client.post(f"/staff/{admin.id}/disable", data={"csrf_token": csrf_from(page.text)})
    assert answer.status_code == 409


def test_password_reset_needs_the_same_password_twice(factory, client, login):
    token = login(factory.user("admin"))
    agent = factory.user("agent")
    answer = client.post(f"/staff/{agent.id}/password", data={"csrf_token": token, "password": "correct-horse-1",
                                                               "again": "correct-horse-2"})
    assert answer.status_code == 422 and "一致しません" in answer.text


def test_staff_pages_are_for_admins_only(factory, client, login):
    login(factory.user("supervisor"))
    assert client.get("/staff").status_code == 403
