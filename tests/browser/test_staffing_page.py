"""The supervisor's staffing page in Chromium, on a desk screen (1280 px) and a phone (390 px):
legends beside the plot, never on it; the re-forecast's row labels on one line; wide tables
scroll inside their own box while the page itself never scrolls sideways."""

import pytest

from tests.browser.test_staff_journey import log_in
from tests.callcenter.test_staffing_page import a_programme_with_calls

pytestmark = pytest.mark.browser

WIDTHS = {1280: "wide", 390: "narrow"}


@pytest.fixture
def staffing_url(factory, live_server, page, tmp_path):
    tenant = a_programme_with_calls(factory, tmp_path)
    log_in(page, live_server, factory.user("supervisor").username)
    page.wait_for_selector("h1")
    return f"{live_server}/programmes/{tenant.programme.id}/staffing"


def rect(page, selector: str) -> dict:
    return page.eval_on_selector(selector, "e => { const r = e.getBoundingClientRect(); "
                                           "return {left: r.left, right: r.right, top: r.top, bottom: r.bottom}; }")


def overlaps(a: dict, b: dict) -> bool:
    return a["left"] < b["right"] and b["left"] < a["right"] and a["top"] < b["bottom"] and b["top"] < a["bottom"]


def test_the_legends_never_cover_the_plot_area_on_a_desk_or_a_phone(staffing_url, page, tmp_path):
    for width, size in WIDTHS.items():
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(staffing_url)
        for key in ("calls", "agents"):
            chart = f"#{key}-{size}-title"
            assert page.is_visible(f"svg:has({chart})"), f"the {size} {key} chart shows at {width} px"
            legend, plot = rect(page, f"#{key}-{size}-legend"), rect(page, f"#{key}-{size}-plot-area")
            assert legend["bottom"] > legend["top"] and not overlaps(legend, plot), (width, key, legend, plot)
            svg = rect(page, f"svg:has({chart})")
            assert svg["left"] <= legend["left"] and legend["right"] <= svg["right"], "the legend is not cut off"
            # drawn as matplotlib drew it, under the pages' content security policy (no inline styles)
            assert page.eval_on_selector(f"#{key}-{size}-plot-area path", "p => getComputedStyle(p).fill") == (
                "rgb(255, 255, 255)")
        page.screenshot(path=str(tmp_path / f"staffing-{width}.png"), full_page=True)


def test_the_reforecast_row_labels_stay_on_one_line(staffing_url, page):
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(staffing_url)
        lines = page.eval_on_selector_all("#today tbody th", """cells => cells.map(cell => {
            const range = document.createRange(); range.selectNodeContents(cell);
            return new Set([...range.getClientRects()].map(r => Math.round(r.top))).size; })""")
        assert lines == [1, 1, 1, 1], (width, lines)


def test_at_390_px_wide_tables_scroll_in_their_own_box_and_the_page_never_sideways(staffing_url, page):
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(staffing_url)
    assert page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")
    for table in ("#today", "#roster"):
        scrolls = page.eval_on_selector(table, """t => [t, t.closest('.table-scroll')].some(
            box => box && box.scrollWidth > box.clientWidth && getComputedStyle(box).overflowX == 'auto')""")
        assert scrolls, f"{table} is wider than the phone and scrolls inside its own box"


def test_axe_finds_no_serious_or_critical_violation_on_a_desk_or_a_phone(staffing_url, page):
    axe = pytest.importorskip("axe_playwright_python.base")
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(staffing_url)
        page.evaluate(axe.AXE_SCRIPT)
        results = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
        serious = [(v["id"], [node["target"] for node in v["nodes"][:3]]) for v in results["violations"]
                   if v["impact"] in ("serious", "critical")]
        assert serious == [], (width, serious)
