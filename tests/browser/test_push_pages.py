"""支給のお知らせ on a phone (390 px): a household declines from the SMS link, another changes its
account; after the period the supervisor approves the undecided from the programme's push page."""

import time

import pytest

from tests.browser.crawl_support import axe_violations
from tests.browser.test_online_application import PHONE, sign_in, status_of
from tests.browser.test_staff_journey import log_in
from tests.online.conftest import photo
from tests.online.test_push import MOBILE, make_push_programme, move_decline_by, send_notices, texted_link

pytestmark = pytest.mark.browser


@pytest.fixture
def texted(factory, tmp_path):
    made = make_push_programme(factory, tmp_path, 3, (MOBILE,))
    send_notices(factory, made)
    return made, [texted_link(factory, household) for household in made.tenant.households]


def test_a_push_recipient_declines_from_the_sms_link(page, live_server, factory, texted):
    made, links = texted
    sign_in(page, live_server, links[0], made.births[0])
    assert page.locator("#amount").inner_text() and "567" in page.locator("#account").inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert axe_violations(page) == []
    page.click("#decline")
    assert axe_violations(page) == []
    page.click("#confirm-decline")
    assert "辞退を受け付けました" in page.locator("#outcome").inner_text()
    assert status_of(factory, made.household(0)) == "declined"


def test_a_push_recipient_changes_the_account_and_it_goes_to_keying(page, live_server, factory, texted, tmp_path):
    made, links = texted
    picture = tmp_path / "photo.jpg"
    picture.write_bytes(photo())
    sign_in(page, live_server, links[1], made.births[1])
    page.click("#change-account")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert axe_violations(page) == []
    for confirmation in page.locator("input[name=confirmations]").all():
        confirmation.check()
    page.fill("input[name=bank]", "みずほ銀行")
    page.fill("input[name=branch]", "001")
    page.fill("input[name=account_number]", "7654321")
    page.fill("input[name=account_holder_kana]", "ヤマダ ハナコ")
    page.set_input_files("input[name=photo_id_copy]", str(picture))
    page.set_input_files("input[name=photo_bank_book_copy]", str(picture))
    page.click("#submit-account")
    assert "口座変更を受け付けました" in page.locator("#outcome").inner_text()
    assert page.locator("#receipt strong").inner_text().startswith("W")
    assert status_of(factory, made.household(1)) == "complete"


def test_the_undecided_are_approved_after_the_period_from_the_supervisors_page(page, live_server, factory, texted):
    made, _links = texted
    move_decline_by(factory, made, -1)
    log_in(page, live_server, factory.user("supervisor").username)
    page.wait_for_selector("h1")
    page.goto(f"{live_server}/programmes/{made.tenant.programme.id}/push")
    assert axe_violations(page) == []
    page.click("[data-testid=approve-undecided]")
    deadline = time.monotonic() + 30
    while page.inner_text("[data-testid=approved]") != "3" and time.monotonic() < deadline:
        time.sleep(0.5)
        page.reload()
    assert page.inner_text("[data-testid=approved]") == "3"
    assert [status_of(factory, household) for household in made.tenant.households] == ["approved"] * 3
