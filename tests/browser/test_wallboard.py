"""The supervisor's wallboard refreshes its figures without reloading the page, and the agents page
and the wallboard fit a phone's width."""

import pytest
from playwright.sync_api import expect

from callcenter.telephony.models import CallRecord
from secretariat.core.clock import utcnow
from tests.browser.test_staff_journey import log_in

pytestmark = pytest.mark.browser


@pytest.fixture
def supervisor_page(factory, live_server, page):
    factory.tenant(households=1)
    factory.user("agent")
    log_in(page, live_server, factory.user("supervisor").username)
    page.wait_for_selector("h1")
    return page


def test_a_caller_joining_the_queue_shows_on_the_wallboard_without_a_reload(factory, live_server, supervisor_page):
    page = supervisor_page
    page.goto(f"{live_server}/callcenter/wallboard")
    expect(page.get_by_test_id("wb-waiting")).to_have_text("0")
    page.evaluate("window.loadedOnce = true")
    with factory.session() as session:
        session.add(CallRecord(call_sid="CA-WALL", status="queued", queued_at=utcnow()))
        session.commit()
    expect(page.get_by_test_id("wb-waiting")).to_have_text("1", timeout=12_000)
    assert page.evaluate("window.loadedOnce === true")  # the same page, refreshed in place


@pytest.mark.parametrize("path", ["/callcenter/wallboard", "/callcenter/agents"])
def test_the_supervisors_pages_fit_a_phones_width(live_server, supervisor_page, path):
    page = supervisor_page
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(live_server + path)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
