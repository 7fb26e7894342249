"""Line charts for the supervisor's pages, drawn on the server by matplotlib as inline SVG: no
script and no CDN, they work offline and print as they show.

Text is drawn as glyph outlines of IPAexGothic (the Japanese font matplotlib-fontja ships), so
a chart looks the same in every browser whatever fonts it has. The legend sits outside the plot
area, so it never covers a line. Each SVG is an image with an accessible name (role="img" and
its <title>); the page puts the same figures beside it as a summary and a table.

matplotlib is imported inside the functions: it costs seconds, and the CLI must start fast.
"""

from __future__ import annotations

import io
import re
import threading
from dataclasses import dataclass, field
from functools import cache
from datetime import date, timedelta
from html import escape

FONT = "IPAexGothic"                    # the file matplotlib-fontja ships (ipaexg.ttf)
COLOURS = ("#1f5fa8", "#c2410c", "#15803d", "#6b21a8")
TODAY_COLOUR = "#5b6877"
WIDE, NARROW = (9.6, 3.4), (4.6, 3.9)   # inches: a desk screen, a phone (the page shows one of them)
_LOCK = threading.Lock()                # matplotlib's text and font caches are not thread-safe


@dataclass(frozen=True)
class Series:
    label: str                           # Japanese: shown in the legend
    values: list[float | None]           # None: not drawn (an actual not yet known)
    key: str                             # ASCII, for the line's id
    step: bool = False                   # a head count holds from one day to the next
    markers: bool = False
    dashed: bool = False                 # drawn over a solid line it may coincide with
    width: float = 1.8
    colour: str | None = None            # by default the next of COLOURS


@dataclass(frozen=True)
class DateChart:
    key: str                             # ASCII: prefixes every id inside the SVG
    title: str
    y_label: str                         # the unit in brackets: 入電数（件）, 人数（人）
    dates: list[date]
    series: list[Series]
    today: date | None = None
    notes: list[str] = field(default_factory=list)


def month_day(day: date) -> str:
    return f"{day.month}/{day.day}"


def date_line_svg(chart: DateChart, *, narrow: bool = False) -> str:
    """The chart as an inline <svg> element (no XML prologue), ids prefixed by its key and size."""
    from matplotlib.dates import date2num
    from matplotlib.figure import Figure
    from matplotlib.ticker import FixedLocator, FuncFormatter, MaxNLocator

    _setup()
    prefix = f"{chart.key}-{'narrow' if narrow else 'wide'}"
    width, height = NARROW if narrow else WIDE
    today = chart.today if chart.dates and chart.today and chart.dates[0] <= chart.today <= chart.dates[-1] else None
    entries = len(chart.series) + (today is not None)
    columns = 1 if narrow else entries
    legend_rows = -(-entries // columns)
    with _LOCK:
        figure = Figure(figsize=(width, height))
        # fixed margins (in inches) rather than a layout engine, which draws the figure twice over:
        # the legend gets its own band above the plot area, so it can never cover a line
        top = 1 - (0.12 + 0.24 * legend_rows) / height
        figure.subplots_adjust(left=0.75 / width, right=1 - 0.2 / width, bottom=0.62 / height, top=top)
        axes = figure.add_subplot()
        axes.patch.set_gid("plot-area")
        x = date2num(chart.dates)
        for number, series in enumerate(chart.series):
            known = [(day, value) for day, value in zip(x, series.values) if value is not None]
            line, = axes.plot([day for day, _ in known], [value for _, value in known], label=series.label,
                              color=series.colour or COLOURS[number % len(COLOURS)], linewidth=series.width,
                              linestyle=(0, (4, 2)) if series.dashed else "-",
                              drawstyle="steps-mid" if series.step else "default",
                              marker="o" if series.markers else None, markersize=3.5)
            line.set_gid(f"line-{series.key}")
        if today is not None:
            marker = axes.axvline(date2num(today), color=TODAY_COLOUR, linestyle="--", linewidth=1,
                                  label=f"本日（{month_day(today)}）")
            marker.set_gid("today")
        axes.set_ylabel(chart.y_label)
        axes.set_xlabel("日付")
        axes.set_ylim(bottom=0)
        axes.yaxis.set_major_locator(MaxNLocator(integer=True, nbins=5 if narrow else 6))
        axes.xaxis.set_major_locator(FixedLocator(date2num(date_ticks(chart.dates, most=4 if narrow else 10))))
        axes.xaxis.set_major_formatter(FuncFormatter(lambda value, _: month_day(_from_num(value))))
        if chart.dates:
            axes.set_xlim(x[0] - 0.5, x[-1] + 0.5)
        axes.grid(axis="y", color="#d5dbe3", linewidth=0.6)
        axes.spines[["top", "right"]].set_visible(False)
        legend = figure.legend(loc="upper center", bbox_to_anchor=(0.5, 1 - 0.06 / height), ncols=columns,
                               frameon=False, handlelength=1.8, borderaxespad=0, borderpad=0)
        legend.set_gid("legend")
        buffer = io.StringIO()
        figure.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    return _inline(buffer.getvalue(), prefix=prefix, title=chart.title)


def date_ticks(dates: list[date], *, most: int) -> list[date]:
    """Mondays (or every day of a short span), spaced so that at most `most` labels show."""
    if not dates:
        return []
    first, last = dates[0], dates[-1]
    span = (last - first).days + 1
    if span <= most:
        return [first + timedelta(days=d) for d in range(span)]
    weeks = max(1, -(-span // (7 * most)))
    monday = first + timedelta(days=-first.weekday() % 7)
    return [monday + timedelta(days=7 * weeks * n) for n in range((last - monday).days // (7 * weeks) + 1)]


def _from_num(value: float) -> date:
    from matplotlib.dates import num2date

    return num2date(value).date()


@cache
def _setup() -> None:
    """Once per process: the Agg backend, and IPAexGothic as the font of every chart."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import font_manager
    from matplotlib_fontja import get_font_ttf_path

    font_manager.fontManager.addfont(get_font_ttf_path())
    matplotlib.rcParams.update({"font.family": FONT, "svg.fonttype": "path", "svg.hashsalt": "secretariat",
                                "font.size": 10, "legend.fontsize": 10})


def _inline(svg: str, *, prefix: str, title: str) -> str:
    """matplotlib's SVG file as an element of a page: no prologue, no fixed size (CSS sizes it,
    the viewBox keeps its shape), unique ids, an accessible name, and no inline styles (the
    pages' content security policy refuses them): presentation attributes say the same."""
    svg = svg[svg.index("<svg"):]
    svg = re.sub(r"<metadata>.*?</metadata>\s*|<style[^>]*>.*?</style>\s*", "", svg, flags=re.S)
    svg = re.sub(r'\sstyle="([^"]*)"', _presentation_attributes, svg)
    svg = re.sub(r'\bid="([^"]+)"', lambda m: f'id="{prefix}-{m.group(1)}"', svg)
    svg = re.sub(r'(xlink:href="|url\()#([^")]+)', lambda m: f"{m.group(1)}#{prefix}-{m.group(2)}", svg)
    opening = re.match(r"<svg[^>]*>", svg).group(0)
    view_box = re.search(r'viewBox="([^"]+)"', opening).group(1)
    root = (f'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" '
            f'viewBox="{view_box}" role="img" aria-labelledby="{prefix}-title" class="chart" '
            f'stroke-linejoin="round" stroke-linecap="butt">'
            f'<title id="{prefix}-title">{escape(title)}</title>')
    return root + svg[len(opening):].strip()


def _presentation_attributes(style: re.Match) -> str:
    """style="fill: #fff; stroke-width: 0.8" → fill="#fff" stroke-width="0.8"."""
    pairs = (item.split(":", 1) for item in style.group(1).split(";") if ":" in item)
    return "".join(f' {name.strip()}="{value.strip()}"' for name, value in pairs)
