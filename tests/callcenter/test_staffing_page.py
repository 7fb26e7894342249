"""The supervisor's staffing page (要員計画): charts drawn by matplotlib as inline SVG, actual calls
only for days that are over, Japanese legends and axes, the legend outside the plot area, and a
table of the same figures for screen readers."""

import re
import xml.etree.ElementTree as ET
from datetime import datetime, time, timedelta

import pytest

from callcenter.inquiries.clock import is_business_day
from callcenter.telephony.models import CallRecord
from secretariat.core.clock import JST, as_utc, today_jst

SVG = "{http://www.w3.org/2000/svg}"
MAILED_DAYS_AGO = 10


def a_programme_with_calls(factory, tmp_path):
    """A programme mailed ten days ago, with three calls on each business day since, today's at 9:00."""
    from mailroom.printing.runs import print_programme, record_mailing
    from tests.factories import SYSTEM

    tenant = factory.tenant(households=5)
    today = today_jst()
    with factory.session() as session:
        run = print_programme(session=session, actor=SYSTEM, programme=session.merge(tenant.programme),
                              out_root=tmp_path)
        record_mailing(session=session, actor=SYSTEM, run=run, mailed_on=today - timedelta(days=MAILED_DAYS_AGO))
        for back in range(MAILED_DAYS_AGO):
            day = today - timedelta(days=back)
            for minute in (0, 10, 20) if is_business_day(day) else ():
                started = datetime.combine(day, time(9, minute), JST)
                session.add(CallRecord(call_sid=f"CA{back}-{minute}", household_id=tenant.households[0].id,
                                       started_at=as_utc(started)))
        session.commit()
    return tenant


def view_at(factory, tenant, hour: int):
    from callcenter.staffing.page import staffing_view

    with factory.session() as session:
        return staffing_view(session, session.merge(tenant.programme),
                             datetime.combine(today_jst(), time(hour, 0), JST))


@pytest.fixture
def tenant(factory, tmp_path):
    return a_programme_with_calls(factory, tmp_path)


@pytest.fixture
def at_noon(factory, tenant):
    """The page's charts at noon today: the day is under way."""
    return {chart.key: chart for chart in view_at(factory, tenant, 12).charts}


@pytest.fixture
def staffing_page(factory, tenant, client, login):
    login(factory.user("supervisor"))
    answer = client.get(f"/programmes/{tenant.programme.id}/staffing")
    assert answer.status_code == 200
    return answer.text


def group(svg: ET.Element, gid: str) -> ET.Element:
    found = [element for element in svg.iter(f"{SVG}g") if element.get("id") == gid]
    assert found, f"no group {gid}"
    return found[0]


def vertices(path: ET.Element) -> list[tuple[float, float]]:
    """A path's vertices (matplotlib writes M x y L x y … z)."""
    numbers = [float(n) for n in re.findall(r"-?\d+(?:\.\d+)?", path.get("d"))]
    return list(zip(numbers[::2], numbers[1::2]))


def points(element: ET.Element) -> list[tuple[float, float]]:
    """The vertices of the first path in `element`."""
    return vertices(next(element.iter(f"{SVG}path")))


def drawn_paths(element: ET.Element):
    """The paths drawn in `element`, not the glyph outlines defined (<defs>) for its text."""
    for child in element:
        if child.tag == f"{SVG}path":
            yield child
        elif child.tag != f"{SVG}defs":
            yield from drawn_paths(child)


def texts(svg: str, gid: str) -> list[str]:
    """The texts matplotlib drew inside a group: it writes each as a comment before its glyphs."""
    position = svg.rindex("<g", 0, svg.index(f'id="{gid}"'))
    depth = 0
    for tag in re.finditer(r"<g[\s>]|</g>", svg[position:]):
        depth += 1 if tag.group(0) != "</g>" else -1
        if depth == 0:
            return re.findall(r"<!-- (.*?) -->", svg[position:position + tag.end()])
    raise AssertionError(f"group {gid} is not closed")


def business_days_back(first: int, last: int) -> int:
    today = today_jst()
    return sum(1 for back in range(first, last + 1) if is_business_day(today - timedelta(days=back)))


def test_actual_calls_are_drawn_for_past_days_only_while_today_is_under_way(at_noon):
    svg = ET.fromstring(at_noon["calls"].wide_svg)
    actual = points(group(svg, "calls-wide-line-actual"))
    today_x = points(group(svg, "calls-wide-today"))[0][0]
    assert max(x for x, _ in actual) < today_x
    assert len(actual) == business_days_back(1, MAILED_DAYS_AGO)


def test_once_the_lines_close_todays_calls_are_drawn_too(factory, tenant):
    calls = view_at(factory, tenant, 19).charts[0]
    svg = ET.fromstring(calls.wide_svg)
    actual = points(group(svg, "calls-wide-line-actual"))
    assert len(actual) == business_days_back(0, MAILED_DAYS_AGO)
    assert max(x for x, _ in actual) <= points(group(svg, "calls-wide-today"))[0][0] + 0.01


def test_the_charts_legends_and_axes_are_japanese(at_noon):
    today = today_jst()
    calls, agents = at_noon["calls"].wide_svg, at_noon["agents"].wide_svg
    assert texts(calls, "calls-wide-legend") == ["予測", "実績", f"本日（{today.month}/{today.day}）"]
    assert texts(agents, "agents-wide-legend")[:3] == ["契約人数", "配置人数（ピーク時）", "必要人数（ピーク時・離席率込み）"]
    axes = texts(calls, "calls-wide-axes_1")
    assert "入電数（件）" in axes and "日付" in axes and "人数（人）" in texts(agents, "agents-wide-axes_1")
    ticks = [text for text in axes if "/" in text]
    assert ticks and all(re.fullmatch(r"\d{1,2}/\d{1,2}", tick) for tick in ticks)


def test_every_legend_sits_above_its_plot_area(at_noon):
    for chart in at_noon.values():
        for size, drawn in (("wide", chart.wide_svg), ("narrow", chart.narrow_svg)):
            key = f"{chart.key}-{size}"
            svg = ET.fromstring(drawn)
            plot_top = min(y for _, y in points(group(svg, f"{key}-plot-area")))
            legend_ys = [y for path in drawn_paths(group(svg, f"{key}-legend")) for _, y in vertices(path)]
            assert legend_ys and max(legend_ys) < plot_top, key


def test_each_chart_has_an_accessible_name_and_a_table_of_its_figures(staffing_page):
    svg = re.search(r'<svg [^>]*aria-labelledby="calls-wide-title".*?</svg>', staffing_page, flags=re.S).group(0)
    root = ET.fromstring(svg)
    assert root.get("role") == "img"
    assert root.find(f"{SVG}title").text == "日別の入電数：予測と実績（営業日）"
    assert 'aria-describedby="chart-calls-summary"' in staffing_page
    assert "までの実績は" in re.search(r'<p id="chart-calls-summary">(.*?)</p>', staffing_page, flags=re.S).group(1)
    table = re.search(r'<figure class="chart" id="chart-calls".*?<table class="chart-data">(.*?)</table>',
                      staffing_page, flags=re.S).group(1)
    assert '<th scope="col">予測（件）</th>' in table and '<th scope="col">実績（件）</th>' in table


def test_the_page_shows_no_english_words(staffing_page):
    main = staffing_page[staffing_page.index("<main>"):staffing_page.index("</main>")]
    visible = re.sub(r"<svg.*?</svg>|<[^>]+>", " ", main, flags=re.S)
    words = set(re.findall(r"[A-Za-z]{3,}", visible)) - {"CSV", "Excel", "XLSX", "WAPE"}
    assert words == set()


def test_the_charts_carry_no_inline_style_the_content_security_policy_would_refuse(staffing_page):
    charts = re.findall(r"<svg .*?</svg>", staffing_page, flags=re.S)
    assert len(charts) == 4  # two charts, each drawn for a desk screen and for a phone
    for svg in charts:
        assert not re.search(r"<style|\sstyle=", svg)
        assert 'fill="#ffffff"' in svg  # what matplotlib wrote as style="fill: #ffffff"
