from fastapi.testclient import TestClient
from sqlmodel import select

from secretariat.core.auth.models import LoginSession
from secretariat.core.web.security import SESSION_COOKIE
from tests.conftest import log_in


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
    assert "wrong username or password" in answer.text
    assert session.exec(select(LoginSession)).all() == []


def test_password_guessing_is_throttled(factory, client):
    user = factory.user("operator")
    for _ in range(5):
        assert log_in(client, user.username, "wrong-password!").status_code == 403
    answer = log_in(client, user.username)
    assert answer.status_code == 429 and "too many failed logins" in answer.text


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
    assert answer.status_code == 401 and answer.json() == {"error": "please log in"}


def test_logging_out_ends_the_session(factory, client, login):
    token = login(factory.user("agent"))
    client.post("/logout", data={"csrf_token": token})
    assert client.get("/", follow_redirects=False).status_code == 303
