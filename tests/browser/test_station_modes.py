"""The check-in station as an operator works it all day, from the keyboard and a handheld scanner:
three modes chosen by a key and shown big, a colour and a sound per result, today's counts, the
focus always back in the code field, Japanese throughout, and no sideways scrolling on a phone."""

from pathlib import Path

import pytest
from sqlmodel import select

from mailroom.checkin.models import Receipt, UndeliverableMail
from mailroom.checkin.service import check_in_code
from secretariat.core.applications.models import Application
from secretariat.core.applications.states import Status
from tests.browser.test_staff_journey import log_in
from tests.factories import SYSTEM
from tests.mailroom.checkin.conftest import mailed  # noqa: F401 (fixture)
from tests.mailroom.checkin.station_support import household_of, status_of

pytestmark = pytest.mark.browser
SHOTS = Path("/tmp/station-shots")

# Records every tone the page plays (pitch and length) and still plays it.
RECORD_TONES = """
window.tones = [];
const Real = window.AudioContext;
window.AudioContext = class extends Real {
  createOscillator() {
    const oscillator = super.createOscillator();
    const start = oscillator.start.bind(oscillator), stop = oscillator.stop.bind(oscillator);
    let began = 0;
    oscillator.start = at => { began = at; start(at); };
    oscillator.stop = at => { window.tones.push({hz: oscillator.frequency.value, ms: Math.round((at - began) * 1000)});
                              stop(at); };
    return oscillator;
  }
};
"""


def open_station(page, base, username, path="/mailroom"):
    page.add_init_script(RECORD_TONES)
    log_in(page, base, username)
    page.wait_for_selector("h1")
    page.goto(f"{base}{path}")
    page.wait_for_function("() => document.activeElement && document.activeElement.id === 'code'")


def scan(page, code: str) -> str:
    """Type a code and Enter as the handheld scanner does; wait for the answer; its text."""
    seen = page.get_attribute("#station-live", "data-seq") or "0"
    page.keyboard.type(code)
    page.keyboard.press("Enter")
    page.wait_for_selector(f"#station-live[data-seq='{int(seen) + 1}']")
    return page.inner_text("#result")


def in_focus(page) -> bool:
    return page.evaluate("document.activeElement && document.activeElement.id === 'code'")


def returned(factory, mailed, number: int) -> None:
    """The form came back once, was found deficient and sent back to the resident (返戻)."""
    with factory.session() as session:
        check_in_code(session=session, actor=SYSTEM, code=mailed.code(number))
        application = session.exec(select(Application).where(
            Application.household_id == household_of(mailed, number))).one()
        session.commit()
    factory.advance(application, Status.checking, Status.deficient, Status.returned)


def test_an_undelivered_envelope_scanned_in_the_undeliverable_mode_goes_on_the_list_not_received(
        factory, live_server, page, mailed):
    m = mailed(1)
    open_station(page, live_server, factory.user("operator").username)
    page.keyboard.press("F3")
    assert page.inner_text("#mode-name") == "宛所不明"
    answer = scan(page, m.code(0, page=0))  # the cover letter's code, seen through the envelope's window
    assert "宛所不明として記録しました" in answer
    assert page.inner_text("#status") == "宛所不明"
    assert status_of(factory, m, 0) == "undeliverable"
    with factory.session() as session:
        assert [mail.household_id for mail in session.exec(select(UndeliverableMail))] == [household_of(m, 0)]


def test_a_window_code_scanned_to_check_in_is_refused_and_names_the_mode_to_use(factory, live_server, page, mailed):
    m = mailed(1)
    open_station(page, live_server, factory.user("operator").username)
    answer = scan(page, m.code(0, page=0))
    assert "送付状のコード" in answer and "F3" in answer
    assert page.get_attribute("#result", "data-level") == "error"
    assert status_of(factory, m, 0) == "mailed"


def test_the_corrected_mode_refuses_a_form_that_was_not_returned_and_takes_one_that_was(
        factory, live_server, page, mailed):
    m = mailed(2)
    returned(factory, m, 1)
    open_station(page, live_server, factory.user("operator").username)
    page.keyboard.press("Alt+3")
    assert page.inner_text("#mode-name") == "補正後の再提出"
    refused = scan(page, m.code(0))
    assert "返戻した様式ではありません" in refused and page.get_attribute("#result", "data-level") == "error"
    assert status_of(factory, m, 0) == "mailed"
    taken = scan(page, m.code(1))
    assert "修正後の様式を受け付けました" in taken and page.get_attribute("#result", "data-level") == "accepted"
    assert status_of(factory, m, 1) == "received"


def test_the_mode_stays_for_every_scan_and_after_a_reload_and_is_shown_big(factory, live_server, page, mailed):
    m = mailed(2)
    open_station(page, live_server, factory.user("operator").username)
    page.keyboard.press("F3")
    scan(page, m.code(0, page=0))
    scan(page, m.code(1, page=0))
    assert status_of(factory, m, 1) == "undeliverable"  # the second scan was still 宛所不明
    page.reload()
    page.wait_for_function("() => document.activeElement && document.activeElement.id === 'code'")
    assert page.input_value("#mode") == "undeliverable" and page.inner_text("#mode-name") == "宛所不明"
    assert page.eval_on_selector("#mode-name", "el => parseFloat(getComputedStyle(el).fontSize)") >= 28
    page.keyboard.press("F2")
    assert page.inner_text("#mode-name") == "受付" and page.input_value("#mode") == "check_in"


def test_each_result_has_its_own_colour_and_sound(factory, live_server, page, mailed):
    m = mailed(1)
    open_station(page, live_server, factory.user("operator").username)
    heard, colours = {}, {}
    for expected, code in (("accepted", m.code(0)), ("warning", m.code(0)), ("error", "SCT1|nonsense")):
        page.evaluate("window.tones = []")
        scan(page, code)
        assert page.get_attribute("#result", "data-level") == expected
        colours[expected] = page.eval_on_selector("#result", "el => getComputedStyle(el).backgroundColor")
        page.wait_for_function("() => window.tones.length > 0")
        heard[expected] = page.evaluate("window.tones")
    assert len(set(colours.values())) == 3
    assert [tone["hz"] for tone in heard["accepted"]] == [1047] and heard["accepted"][0]["ms"] <= 150
    assert len(heard["warning"]) == 2
    assert heard["error"][0]["hz"] < 300 and heard["error"][0]["ms"] >= 500


def test_today_s_count_per_mode_is_shown_and_kept_over_a_reload(factory, live_server, page, mailed):
    m = mailed(3)
    open_station(page, live_server, factory.user("operator").username)
    scan(page, m.code(0))
    scan(page, m.code(0))  # a double scan counts once
    page.keyboard.press("F3")
    scan(page, m.code(1, page=0))
    page.reload()
    page.wait_for_selector("#counts")
    assert page.inner_text("#count-check_in") == "1"
    assert page.inner_text("#count-undeliverable") == "1"
    assert page.inner_text("#count-corrected") == "0"


def test_the_focus_comes_back_to_the_code_after_a_scan_a_mode_change_and_a_click(factory, live_server, page, mailed):
    m = mailed(1)
    open_station(page, live_server, factory.user("operator").username)
    scan(page, "SCT1|nonsense")
    assert in_focus(page)
    page.keyboard.press("F4")
    assert in_focus(page)
    page.select_option("#mode", "check_in")
    assert in_focus(page)
    page.mouse.click(5, 400)  # somewhere on the page that is no control
    assert in_focus(page)
    scan(page, m.code(0))
    assert in_focus(page)


def test_codes_scanned_one_after_another_without_waiting_are_all_taken(factory, live_server, page, mailed):
    m = mailed(3)
    open_station(page, live_server, factory.user("operator").username)
    for number in range(3):
        page.keyboard.type(m.code(number))
        page.keyboard.press("Enter")
        page.keyboard.press("Enter")  # the scanner's stray second Enter
    page.wait_for_selector("#station-live[data-seq='3']")
    with factory.session() as session:
        assert len(session.exec(select(Receipt)).all()) == 3
    assert page.inner_text("#count-check_in") == "3"


def test_the_station_speaks_japanese_statuses_and_outcomes(factory, live_server, page, mailed):
    m = mailed(1)
    open_station(page, live_server, factory.user("operator").username)
    scan(page, m.code(0))
    assert page.inner_text("#status") == "受付済み"
    assert "点検待ち" in page.inner_text("#recent")
    assert "pending" not in page.inner_text("main") and "received" not in page.inner_text("main")


@pytest.mark.parametrize("width", [1280, 390])
def test_the_station_does_not_scroll_sideways(factory, live_server, page, mailed, width):
    m = mailed(1)
    page.set_viewport_size({"width": width, "height": 844 if width == 390 else 720})
    open_station(page, live_server, factory.user("operator").username)
    scan(page, m.code(0))
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"station-accepted-{width}.png"), full_page=True)
    scan(page, "X" * 300)  # a long line in the result must wrap, not widen the page
    page.keyboard.press("F3")
    page.screenshot(path=str(SHOTS / f"station-error-{width}.png"), full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= width
