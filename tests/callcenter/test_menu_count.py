"""The liaison sees, on every page's menu, how many 照会 wait for the municipality's answer."""

from tests.conftest import log_in

from .test_call_form import opened_escalation


def test_the_liaison_s_menu_counts_the_open_escalations_of_their_municipality(factory, client):
    tenant, other = factory.tenant(households=2), factory.tenant(households=1, name="別の市")
    opened_escalation(factory, tenant)
    opened_escalation(factory, tenant)
    opened_escalation(factory, other)
    log_in(client, factory.user("liaison", tenant.municipality).username)
    page = client.get("/").text
    assert 'aria-label="未回答 2 件"' in page


def test_an_agent_s_menu_shows_no_count(factory, client):
    tenant = factory.tenant(households=1)
    opened_escalation(factory, tenant)
    log_in(client, factory.user("agent").username)
    assert "未回答" not in client.get("/").text
