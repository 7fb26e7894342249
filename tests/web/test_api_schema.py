"""The API's schema is for the people who build integrations: admins and supervisors, logged in."""

import pytest

from secretariat.core.auth.service import issue_api_token
from tests.factories import SYSTEM


def test_the_api_schema_answers_anonymous_callers_with_401(client):
    answer = client.get("/api/openapi.json")
    assert answer.status_code == 401 and "paths" not in answer.text


@pytest.mark.parametrize("role", ["operator", "agent", "liaison"])
def test_the_api_schema_is_refused_to_other_staff(factory, client, login, role):
    municipality = factory.tenant(households=1).municipality if role == "liaison" else None
    login(factory.user(role, municipality))
    assert client.get("/api/openapi.json").status_code == 403


@pytest.mark.parametrize("role", ["admin", "supervisor"])
def test_admins_and_supervisors_read_the_api_schema(factory, client, login, role):
    login(factory.user(role))
    answer = client.get("/api/openapi.json")
    assert answer.status_code == 200 and "/api/programmes" in answer.json()["paths"]


def test_an_admins_api_token_reads_the_api_schema(factory, client, session):
    token = issue_api_token(session=session, actor=SYSTEM, user=factory.user("admin"), name="integration")
    session.commit()
    answer = client.get("/api/openapi.json", headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 200


@pytest.mark.parametrize("path", ["/api/docs", "/docs", "/redoc"])
def test_no_swagger_or_redoc_page_is_served(factory, client, login, path):
    login(factory.user("admin"))
    assert client.get(path).status_code == 404
