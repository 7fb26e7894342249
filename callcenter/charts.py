"""Small server-drawn SVG line charts for the supervisor's page (no script, prints as it shows)."""

from __future__ import annotations

from html import escape

COLOURS = ("#1f6feb", "#d1242f", "#1a7f37", "#9a6700")


def line_chart(series: dict[str, list[float]], labels: list[str], *, width: int = 760, height: int = 220,
               title: str = "") -> str:
    top = max((max(values, default=0) for values in series.values()), default=0) or 1
    count = max((len(values) for values in series.values()), default=0)
    step = (width - 60) / max(count - 1, 1)

    def point(index: int, value: float) -> str:
        return f"{40 + index * step:.1f},{height - 30 - (height - 50) * value / top:.1f}"

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img" '
             f'aria-label="{escape(title)}" class="chart">',
             f'<text x="40" y="14" font-size="12">{escape(title)}</text>',
             f'<line x1="40" y1="{height - 30}" x2="{width - 20}" y2="{height - 30}" stroke="#999"/>',
             f'<text x="4" y="24" font-size="10">{top:.0f}</text>']
    for number, (name, values) in enumerate(series.items()):
        colour = COLOURS[number % len(COLOURS)]
        path = " ".join(point(i, v) for i, v in enumerate(values))
        parts.append(f'<polyline fill="none" stroke="{colour}" stroke-width="1.5" points="{path}"/>')
        parts.append(f'<text x="{width - 200}" y="{16 + 12 * number}" font-size="11" fill="{colour}">'
                     f'{escape(name)}</text>')
    for index in range(0, count, max(1, count // 8)):
        parts.append(f'<text x="{40 + index * step:.1f}" y="{height - 12}" font-size="9">{escape(labels[index])}</text>')
    parts.append("</svg>")
    return "".join(parts)
