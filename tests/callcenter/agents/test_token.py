"""The softphone's access token: made with the twilio package's AccessToken and VoiceGrant, bound
to the logged-in agent, short-lived; checked by decoding the JWT itself."""

import jwt
import pytest

from callcenter.agents.models import AgentProfile
from secretariat.core.config import Settings
from sqlmodel import select

ACCOUNT, KEY, SECRET, APP = "AC" + "1" * 32, "SK" + "2" * 32, "api-key-secret-of-32-bytes-at-least", "AP" + "3" * 32


@pytest.fixture
def settings(tmp_path, database_url):
    return Settings(data_dir=tmp_path, database_url=database_url, secret_key="k", twilio_account_sid=ACCOUNT,
                    twilio_auth_token="auth", twilio_api_key_sid=KEY, twilio_api_key_secret=SECRET,
                    twilio_twiml_app_sid=APP)


def token_for(client, csrf):
    return client.post("/api/callcenter/token", headers={"x-csrf-token": csrf})


def test_the_token_names_the_agents_softphone_identity_and_grants_voice_in_and_out(factory, client, login):
    agent = factory.user("agent")
    answer = token_for(client, login(agent))
    assert answer.status_code == 200
    claims = jwt.decode(answer.json()["token"], SECRET, algorithms=["HS256"])
    with factory.session() as session:
        identity = session.exec(select(AgentProfile).where(AgentProfile.user_id == agent.id)).one().client_identity
    assert identity == f"agent-{agent.id}" == answer.json()["identity"]
    assert claims["grants"]["identity"] == identity
    assert claims["grants"]["voice"] == {"incoming": {"allow": True}, "outgoing": {"application_sid": APP}}
    assert (claims["iss"], claims["sub"]) == (KEY, ACCOUNT)


def test_the_token_expires_within_an_hour(factory, client, login):
    answer = token_for(client, login(factory.user("agent")))
    claims = jwt.decode(answer.json()["token"], SECRET, algorithms=["HS256"])
    assert claims["exp"] - claims["nbf"] <= 3600 and answer.json()["expires_in"] == 3600


def test_a_token_signed_with_another_secret_does_not_verify(factory, client, login):
    answer = token_for(client, login(factory.user("agent")))
    with pytest.raises(jwt.InvalidSignatureError):
        jwt.decode(answer.json()["token"], "not-the-secret-though-just-as-long", algorithms=["HS256"])


@pytest.mark.parametrize("role", ["operator", "liaison"])
def test_staff_who_take_no_calls_get_no_token(factory, client, login, role):
    tenant = factory.tenant(households=0)
    user = factory.user(role, tenant.municipality if role == "liaison" else None)
    assert token_for(client, login(user)).status_code == 403


def test_nobody_logged_out_gets_a_token(client):
    assert client.post("/api/callcenter/token").status_code in (401, 403)


def test_without_an_api_key_the_agent_is_told_in_japanese_whom_to_ask(factory, client, login, app):
    app.state.settings = Settings(data_dir=app.state.settings.data_dir, database_url=app.state.settings.database_url,
                                  secret_key="k")
    answer = token_for(client, login(factory.user("agent")))
    assert answer.status_code == 422 and "ソフトフォンの設定がありません" in answer.json()["error"]
