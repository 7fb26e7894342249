"""The exceptions queue worked in the browser: a copy scanned on its own attached to its form by
typing the form's code (the form's check runs again), a foreign page dismissed with a reason, a
mistyped code answered in Japanese on the same page with what was typed kept."""

from pathlib import Path

import pytest
from sqlmodel import select

from mailroom.checkin.ingest import ingest_folder
from mailroom.checkin.models import Receipt
from secretariat.core.applications.models import Application
from tests.browser.test_staff_journey import log_in
from tests.factories import SYSTEM
from tests.mailroom.checkin.conftest import ARRIVED_ON, mailed, plan, scanner  # noqa: F401 (fixtures)
from tests.mailroom.checkin.station_support import id_copy

pytestmark = pytest.mark.browser
SHOTS = Path("/tmp/station-shots")


def ingest(factory, folder, store):
    with factory.session() as session:
        ingest_folder(session=session, actor=SYSTEM, folder=folder, store_root=store, arrived_on=ARRIVED_ON)
        session.commit()


@pytest.fixture
def queue(factory, mailed, scanner, plan, tmp_path):
    """A form checked deficient for its missing ID copy, the copy alone in the queue, and a stray page."""
    m = mailed(1)
    ingest(factory, scanner(m, 0, plan, attachments=0), tmp_path / "store")
    later = id_copy(tmp_path / "later", "a-copy.jpg")
    (later / "b-stray.jpg").write_bytes(b"\xff\xd8\xff" + b"\x00" * 300)  # a truncated scan
    ingest(factory, later, tmp_path / "store")
    return m


def status_of(factory, form_id: str) -> str:
    with factory.session() as session:
        receipt = session.exec(select(Receipt).where(Receipt.form_id == form_id)).one()
        return session.exec(select(Application).where(Application.household_id == receipt.household_id)).one().status


def open_queue(page, base, username):
    log_in(page, base, username)
    page.wait_for_selector("h1")
    page.goto(f"{base}/mailroom/exceptions")
    page.wait_for_selector("#exceptions")


def test_a_copy_attached_by_typing_its_form_s_code_completes_the_form(factory, live_server, page, queue):
    m = queue
    open_queue(page, live_server, factory.user("operator").username)
    copy = page.locator(".exception", has_text="a-copy.jpg")
    assert "様式のコードがない頁" in copy.inner_text()
    copy.locator("input[name=code]").fill(m.code(0))
    copy.locator("input[name=code]").press("Enter")
    page.wait_for_selector("#done")
    assert "添付書類にしました" in page.inner_text("#done")
    assert page.inner_text("#verdict") == "不備なし"
    assert status_of(factory, m.form_id(0)) == "complete"
    assert "a-copy.jpg" not in page.inner_text("#exceptions")


def test_a_mistyped_code_is_answered_on_the_same_page_keeping_what_was_typed(factory, live_server, page, queue):
    open_queue(page, live_server, factory.user("operator").username)
    copy = page.locator(".exception", has_text="a-copy.jpg")
    copy.locator("input[name=code]").fill("P9-H9-9")
    copy.locator("button", has_text="様式に添付").click()
    page.wait_for_selector("#problem")
    assert "この事務局が発行したものではありません" in page.inner_text("#problem")
    failed = page.locator(".exception.failed")
    assert "a-copy.jpg" in failed.inner_text()
    assert failed.locator("input[name=code]").input_value() == "P9-H9-9"


def test_a_stray_page_is_dismissed_with_a_reason(factory, live_server, page, queue):
    open_queue(page, live_server, factory.user("operator").username)
    stray = page.locator(".exception", has_text="b-stray.jpg")
    assert "途中で切れたファイル" in stray.inner_text()
    stray.locator("select[name=reason]").select_option("rescanned")
    stray.locator("button", has_text="対応不要として閉じる").click()
    page.wait_for_selector("#done")
    assert "対応不要として閉じました" in page.inner_text("#done")
    assert "b-stray.jpg" not in page.inner_text("#exceptions")


@pytest.mark.parametrize("width", [1280, 390])
def test_the_exceptions_page_does_not_scroll_sideways(factory, live_server, page, queue, width):
    page.set_viewport_size({"width": width, "height": 844 if width == 390 else 720})
    open_queue(page, live_server, factory.user("operator").username)
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"exceptions-{width}.png"), full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= width
