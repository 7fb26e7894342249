from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from secretariat.core.auth.models import LoginSession
from secretariat.core.clock import utcnow
from secretariat.core.web.security import SESSION_COOKIE
from tests.conftest import csrf_from, log_in
from tests.factories import PASSWORD


def set_cookie_header(answer, name):
    return next(value for value in answer.headers.get_list("set-cookie") if value.startswith(name + "="))


def test_logging_in_sets_an_httponly_samesite_session_cookie(factory, client):
    answer = log_in(client, factory.user("operator").username)
    assert answer.status_code == 303 and answer.headers["location"] == "/"
    cookie = set_cookie_header(answer, SESSION_COOKIE).lower()
    assert "httponly" in cookie and "samesite=lax" in cookie and "secure" not in cookie


def test_the_session_cookie_is_secure_when_served_over_tls(factory, app):
    with TestClient(app, base_url="https://testserver") as tls:
        answer = log_in(tls, factory.user("operator").username)
    assert "secure" in set_cookie_header(answer, SESSION_COOKIE).lower()


def test_a_wrong_password_shows_the_login_page_again_and_starts_no_session(factory, client, session):
    answer = log_in(client, factory.user("operator").username, "wrong-password!")
    assert answer.status_code == 403
    assert "ユーザー名またはパスワードが違います" in answer.text
    assert session.exec(select(LoginSession)).all() == []


def test_password_guessing_is_throttled(factory, client):
    user = factory.user("operator")
    for _ in range(5):
        assert log_in(client, user.username, "wrong-password!").status_code == 403
    answer = log_in(client, user.username)
    assert answer.status_code == 429 and "15分後にもう一度お試しください" in answer.text


def test_a_login_form_without_its_csrf_token_is_refused(factory, client):
    user = factory.user("operator")
    client.get("/login")
    answer = client.post("/login", data={"username": user.username, "password": "correct-horse-battery"},
                         follow_redirects=False)
    assert answer.status_code == 403 and "CSRF" in answer.text


def test_after_login_the_user_returns_to_the_page_they_asked_for(factory, client):
    answer = log_in(client, factory.user("supervisor").username, next="/municipalities")
    assert answer.headers["location"] == "/municipalities"


def test_the_login_form_will_not_redirect_to_another_site(factory, client):
    answer = log_in(client, factory.user("supervisor").username, next="//evil.example/")
    assert answer.headers["location"] == "/"


def test_pages_send_anonymous_visitors_to_the_login_page(client):
    answer = client.get("/programmes/1", follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"] == "/login?next=/programmes/1"


def test_the_api_answers_anonymous_callers_with_401(client):
    answer = client.get("/api/programmes")
    assert answer.status_code == 401 and answer.json() == {"error": "ログインしてください"}


def test_logging_out_ends_the_session(factory, client, login):
    token = login(factory.user("agent"))
    client.post("/logout", data={"csrf_token": token})
    assert client.get("/", follow_redirects=False).status_code == 303


def age_the_only_session(engine, how: str) -> None:
    """Leave the one stored session live, or end it, or let it expire (its cookie stays in the browser)."""
    if how == "live":
        return
    with Session(engine) as session:
        login = session.exec(select(LoginSession)).one()
        if how == "ended":
            login.ended_at = utcnow()
        else:
            login.expires_at = utcnow() - timedelta(minutes=1)
        session.add(login)
        session.commit()


@pytest.mark.parametrize("how", ["live", "ended", "expired"])
def test_a_browser_still_holding_a_session_cookie_can_log_in_again(factory, client, engine, how):
    user = factory.user("agent")
    assert log_in(client, user.username).status_code == 303
    age_the_only_session(engine, how)
    answer = log_in(client, user.username)
    assert answer.status_code == 303 and answer.headers["location"] == "/"


def test_after_a_wrong_password_the_login_form_shown_again_works_despite_an_old_session_cookie(factory, client):
    user = factory.user("agent")
    client.cookies.set(SESSION_COOKIE, "a-session-long-gone")
    refused = log_in(client, user.username, "wrong-password!")
    answer = client.post("/login", data={"username": user.username, "password": PASSWORD,
                                         "csrf_token": csrf_from(refused.text), "next": "/"}, follow_redirects=False)
    assert answer.status_code == 303


def test_a_token_from_the_login_form_passes_on_no_other_form(factory, client, login):
    login(factory.user("agent"))
    login_form_token = csrf_from(client.get("/login").text)
    answer = client.post("/logout", data={"csrf_token": login_form_token}, follow_redirects=False)
    assert answer.status_code == 403 and "CSRF" in answer.text
    assert client.get("/", follow_redirects=False).status_code == 200  # still logged in


@pytest.mark.parametrize("username, password, line", [
    ("", "x" * 12, "ユーザー名を入力してください"),
    ("someone", "", "パスワードを入力してください"),
    ("a" * 300, "x" * 12, "長すぎます"),
])
def test_a_bad_login_form_stays_on_the_login_page_in_japanese(client, username, password, line):
    page = client.get("/login")
    answer = client.post("/login", data={"username": username, "password": password,
                                         "csrf_token": csrf_from(page.text)}, follow_redirects=False)
    assert answer.status_code == 422 and line in answer.text
    assert 'name="password"' in answer.text and "Field required" not in answer.text
    assert "String should" not in answer.text
