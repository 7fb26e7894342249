"""The mailroom operator's station, driven from the keyboard as a handheld scanner drives it."""

import pytest
from sqlmodel import select

from mailroom.checkin.ingest import ingest_folder
from mailroom.checkin.models import Receipt
from mailroom.scanning import verdict
from tests.browser.test_staff_journey import log_in
from tests.factories import SYSTEM
from tests.mailroom.checkin.conftest import ARRIVED_ON, mailed, plan, scanner  # noqa: F401 (fixtures)

pytestmark = pytest.mark.browser


def open_station(page, base, path="/mailroom"):
    """Open a page and wait until its autofocus has landed: the handheld scanner types at once."""
    page.wait_for_selector("h1")  # logged in
    page.goto(f"{base}{path}")
    # a function, not an expression: the page's CSP forbids the eval Playwright polls an expression with
    page.wait_for_function("() => document.activeElement?.matches('#code, button[value=filled]')")


def wait_for_focus(page):
    page.wait_for_function("() => document.activeElement && document.activeElement.id === 'code'")


def test_an_operator_checks_a_form_in_by_typing_its_code_and_enter(factory, live_server, page, mailed):
    m = mailed(1)
    log_in(page, live_server, factory.user("operator").username)
    open_station(page, live_server)
    page.keyboard.type(m.code(0))  # the code field has the focus, as the handheld scanner expects
    page.keyboard.press("Enter")
    page.wait_for_selector("#station-live[data-seq='1']")  # answered in place, without a page load
    assert "受け付けました" in page.inner_text("#result")
    assert page.inner_text("#status") == "受付済み"
    wait_for_focus(page)
    page.keyboard.type(m.code(0, page=2))  # the same envelope scanned twice
    page.keyboard.press("Enter")
    page.wait_for_selector("#station-live[data-seq='2']")
    assert "二重読取り" in page.inner_text("#result")


def test_an_operator_confirms_an_uncertain_signature_from_its_crop_with_the_keyboard(
        factory, live_server, page, mailed, scanner, plan, tmp_path, monkeypatch):
    m = mailed(1)
    # a band so wide that the signature cannot be decided by the machine
    monkeypatch.setitem(verdict.BANDS, "signature", verdict.Band(blank=0.01, filled=1000.0, stroke=1000.0))
    with factory.session() as session:
        ingest_folder(session=session, actor=SYSTEM, folder=scanner(m, 0, plan, attachments=1),
                      store_root=tmp_path / "store", arrived_on=ARRIVED_ON)
        session.commit()
    log_in(page, live_server, factory.user("operator").username)
    open_station(page, live_server, "/mailroom/review")
    page.wait_for_selector(".reading img")
    assert page.evaluate("document.querySelector('.reading img').naturalWidth") > 0
    assert "署名又は記名押印" in page.inner_text(".reading")
    page.keyboard.press("Enter")  # 記入あり has the focus
    page.wait_for_selector("#empty")
    with factory.session() as session:
        receipt = session.exec(select(Receipt).where(Receipt.form_id == m.form_id(0))).one()
    assert receipt.outcome == "complete"


def test_an_operator_uploads_a_scanner_s_files_and_a_corrupt_one_lands_in_the_exceptions_queue(
        factory, live_server, page, mailed, scanner, plan):
    m = mailed(1)
    folder = scanner(m, 0, plan, attachments=1)
    (folder / "zz-broken.jpg").write_bytes(b"\xff\xd8\xff" + b"\x00" * 300)
    log_in(page, live_server, factory.user("operator").username)
    open_station(page, live_server)
    page.set_input_files("#upload input[type=file]", sorted(str(p) for p in folder.iterdir()))
    page.click("#upload button")
    page.wait_for_selector("#ingested")
    assert "様式 1 件" in page.inner_text("#ingested") and "例外 1 件" in page.inner_text("#ingested")
    page.click("a[href='/mailroom/exceptions']")
    assert "途中で切れたファイル" in page.inner_text("#exceptions") and "zz-broken.jpg" in page.inner_text("#exceptions")
    with page.expect_download() as download:  # a truncated scan cannot be previewed: the file itself comes
        page.evaluate("document.querySelector('#exceptions a').removeAttribute('target')")
        page.click("#exceptions a")
    assert download.value.suggested_filename.endswith("zz-broken.jpg")


PLACEHOLDER_FITS = """() => {
  const input = document.querySelector('#code'), style = getComputedStyle(input);
  const pen = document.createElement('canvas').getContext('2d');
  pen.font = style.font;
  const room = input.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
  return {text: pen.measureText(input.placeholder).width, room};
}"""


def test_the_code_fields_placeholder_is_read_whole_on_a_phones_width(factory, live_server, page):
    page.set_viewport_size({"width": 390, "height": 844})
    log_in(page, live_server, factory.user("operator").username)
    open_station(page, live_server)
    measured = page.evaluate(PLACEHOLDER_FITS)
    assert 0 < measured["text"] <= measured["room"], measured
