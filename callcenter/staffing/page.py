"""What the supervisor's staffing page (要員計画) shows: the forecast against the calls so far, the
agents required against those rostered, the roster proposal, and today's re-forecast."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlmodel import Session

from callcenter.charts import DateChart, Series, date_line_svg, month_day
from callcenter.forecast.model import PAPER_RETURN_RATE
from callcenter.forecast.programme import StaffingPlan, staffing_plan, today_reforecast
from callcenter.forecast.samples import INTERVALS, OPEN_FROM
from callcenter.inquiries.clock import is_business_day
from callcenter.staffing.roster import Roster, propose_roster
from callcenter.telephony.calls import calls_per_day
from secretariat.core.programmes.models import Programme

WEEKDAYS_JA = "月火水木金土日"


def day_label(day: date) -> str:
    """11/30(月): how a date reads in the page's tables."""
    return f"{month_day(day)}({WEEKDAYS_JA[day.weekday()]})"


@dataclass
class ChartView:
    key: str
    title: str
    summary: str
    wide_svg: str
    narrow_svg: str
    headings: list[str]          # the chart's figures as a table, for screen readers and for checking
    rows: list[list[str]]


@dataclass
class RosterRow:
    day: str
    open: bool
    cells: list[int]


@dataclass
class StaffingView:
    staffing: StaffingPlan
    roster: Roster
    charts: list[ChartView]
    roster_headings: list[str]
    roster_rows: list[RosterRow]
    today: dict | None
    slots: list[str]
    channels: list[str]           # the channel mix, each figure marked measured or assumed
    returns_summary: str          # the mailroom's figure: paper forms expected back


def staffing_and_roster(session: Session, programme: Programme) -> tuple[StaffingPlan, Roster]:
    staffing = staffing_plan(session, programme)
    roster = propose_roster(required=staffing.scheduled, dates=staffing.dates,
                            open_days=[is_business_day(day) for day in staffing.dates])
    return staffing, roster


def staffing_view(session: Session, programme: Programme, now: datetime) -> StaffingView:
    """The page at `now` (Japan's clock). The charts show a day's actual calls once the day is
    over: up to yesterday while the lines are open, today's too after closing (18:00)."""
    staffing, roster = staffing_and_roster(session, programme)
    today = now.date()
    actual = calls_per_day(session, programme, staffing.dates)
    closed = now.hour * 2 + now.minute // 30 >= OPEN_FROM + INTERVALS
    last_complete = today if closed else today - timedelta(days=1)
    charts = [_calls_chart(staffing, actual, today, last_complete), _agents_chart(staffing, roster, today)]
    headings = roster.headings()
    rows = [RosterRow(day=day_label(day), open=is_business_day(day), cells=row[1:])
            for day, row in zip(roster.dates, roster.rows())]
    return StaffingView(staffing=staffing, roster=roster, charts=charts, roster_headings=headings[1:],
                        roster_rows=rows, slots=[staffing.interval_label(i) for i in range(staffing.calls.shape[1])],
                        channels=staffing.mix.describe(), returns_summary=returns_summary(staffing),
                        today=today_reforecast(session, programme, staffing, today,
                                               now.hour * 2 + now.minute // 30 - OPEN_FROM))


def returns_summary(staffing: StaffingPlan) -> str:
    """The paper forms the mailroom should expect back, in one sentence that says what it rests on."""
    returns = staffing.paper_returns
    if not returns.sum():
        return ("紙の申請書の返送見込み: 発送の記録がまだないか、紙で回答する世帯の見込みがないため、"
                "見込みはありません。")
    peak = int(returns.argmax())
    return (f"紙の申請書の返送見込み（受付の要員計画用）: 合計 {returns.sum():,.0f} 通、"
            f"最も多いのは {day_label(staffing.dates[peak])} の {returns[peak]:,.0f} 通です。"
            f"対象 {staffing.plan.targets:,} 世帯 × 紙の割合 {staffing.mix.paper_share:.0%} × "
            f"返送率 {PAPER_RETURN_RATE:.0%}（仮定）で、届く日は各発送の入電と同じ形（仮定、土日祝の分は翌営業日）"
            "として計算しています。")


def _open_days(dates: list[date]) -> list[int]:
    return [index for index, day in enumerate(dates) if is_business_day(day)]


def _calls_chart(staffing: StaffingPlan, actual: list[int], today: date, last_complete: date) -> ChartView:
    """Calls per open day: the forecast for every day, what came in for each day up to the last
    complete one (today's so far is in the re-forecast table: half a day is not a day's count)."""
    days = _open_days(staffing.dates)
    dates = [staffing.dates[i] for i in days]
    forecast = [float(staffing.calls[i].sum()) for i in days]
    known = [actual[i] if staffing.dates[i] <= last_complete else None for i in days]
    chart = DateChart(key="calls", title="日別の入電数：予測と実績（営業日）", y_label="入電数（件）", dates=dates,
                      today=today, series=[Series("予測", forecast, key="forecast"),
                                           Series("実績", known, key="actual", markers=True)])
    summary = "予測の対象期間に営業日がありません。"
    if forecast:
        peak = max(range(len(forecast)), key=forecast.__getitem__)
        so_far = [i for i, value in enumerate(known) if value is not None]
        summary = (f"予測は営業日 {len(dates)} 日で合計 {sum(forecast):,.0f} 件、"
                   f"最も多いのは {day_label(dates[peak])} の {forecast[peak]:,.0f} 件です。")
        if so_far:
            summary += (f"{day_label(dates[so_far[-1]])}までの実績は {sum(known[i] for i in so_far):,} 件"
                        f"（同じ期間の予測 {sum(forecast[i] for i in so_far):,.0f} 件）。")
        else:
            summary += "実績はまだありません。"
        if last_complete < today and today in staffing.dates:
            summary += "本日のここまでの入電は「本日の再予測」の表にあります。"
    returns = [float(staffing.paper_returns[i]) for i in days]
    rows = [[day_label(day), f"{value:,.0f}", "" if count is None else f"{count:,}", f"{back:,.0f}"]
            for day, value, count, back in zip(dates, forecast, known, returns)]
    return _view(chart, summary, ["日付", "予測（件）", "実績（件）", "紙の申請書の返送見込み（通）"], rows)


def _agents_chart(staffing: StaffingPlan, roster: Roster, today: date) -> ChartView:
    """Agents per open day: the peak half hour's requirement, the roster's peak, and contracts."""
    days = _open_days(staffing.dates)
    dates = [staffing.dates[i] for i in days]
    required = [int(staffing.scheduled[i].max()) for i in days]
    rostered = [int(roster.rostered[i].max()) for i in days]
    contracted = [roster.contracted[i] for i in days]
    chart = DateChart(key="agents", title="日別の要員：必要人数・配置人数・契約人数（営業日）", y_label="人数（人）",
                      dates=dates, today=today,
                      series=[Series("契約人数", contracted, key="contracted", step=True, width=4.5, colour="#9ccfa8"),
                              Series("配置人数（ピーク時）", rostered, key="rostered", step=True, colour="#c2410c"),
                              Series("必要人数（ピーク時・離席率込み）", required, key="required", step=True,
                                     dashed=True, colour="#1f5fa8")])
    summary = "予測の対象期間に営業日がありません。"
    if required:
        peak = max(range(len(required)), key=required.__getitem__)
        short = sum(1 for need, have in zip(required, rostered) if have < need)
        summary = (f"必要人数が最も多いのは {day_label(dates[peak])} の {required[peak]} 人、"
                   f"契約人数は最大 {max(contracted)} 人です。"
                   + ("シフト案はすべての営業日の必要人数を満たしています。" if not short
                      else f"シフト案が必要人数に届かない営業日が {short} 日あります。"))
    rows = [[day_label(day), str(need), str(have), str(count)]
            for day, need, have, count in zip(dates, required, rostered, contracted)]
    return _view(chart, summary, ["日付", "必要人数（人）", "配置人数（人）", "契約人数（人）"], rows)


def _view(chart: DateChart, summary: str, headings: list[str], rows: list[list[str]]) -> ChartView:
    return ChartView(key=chart.key, title=chart.title, summary=summary, wide_svg=date_line_svg(chart),
                     narrow_svg=date_line_svg(chart, narrow=True), headings=headings, rows=rows)
