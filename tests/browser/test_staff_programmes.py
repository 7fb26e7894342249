"""An admin ticks the programmes an agent serves on the agent's staff page; the agent's search follows."""

import pytest

from secretariat.core.households.models import Household
from tests.browser.test_staff_journey import log_in

pytestmark = pytest.mark.browser


def test_an_admin_assigns_an_agent_a_programme_and_the_agent_finds_only_its_household(factory, live_server, page,
                                                                                    browser):
    first, second = factory.tenant(households=1, name="甲市"), factory.tenant(households=1, name="乙市")
    with factory.session() as session:
        for tenant in (first, second):
            household = session.get(Household, tenant.households[0].id)
            household.household_number = "00300001"
            session.add(household)
        session.commit()
    agent = factory.user("agent", username="kato", serves=[])
    log_in(page, live_server, factory.user("admin").username)
    page.goto(f"{live_server}/staff/{agent.id}")
    assert "担当する事業がありません" in page.inner_text("[data-testid=no-programmes]")
    page.get_by_label(f"{second.programme.name}（乙市）").check()
    page.click("[data-testid=assign-programmes] button")
    assert "担当事業を保存しました" in page.inner_text("[data-testid=done]")
    assert page.get_by_label(f"{second.programme.name}（乙市）").is_checked()
    assert not page.get_by_label(f"{first.programme.name}（甲市）").is_checked()

    context = browser.new_context(viewport={"width": 1280, "height": 720})
    try:
        agents_page = context.new_page()
        log_in(agents_page, live_server, "kato")
        agents_page.goto(f"{live_server}/callcenter?q=00300001")
        assert agents_page.locator("[data-testid=municipality]").all_inner_texts() == ["乙市"]
    finally:
        context.close()


def test_an_agent_with_no_programme_reads_whom_to_ask(factory, live_server, page):
    factory.tenant(households=1)
    log_in(page, live_server, factory.user("agent", username="ito", serves=[]).username)
    page.goto(f"{live_server}/callcenter?q=00000001")
    assert "担当する事業が割り当てられていません。管理者に連絡してください" in page.inner_text("main")
