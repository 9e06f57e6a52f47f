"""The cumulative-removals chart of a sink estimate as inline SVG, drawn on the server (no script, no CDN)."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from markupsafe import Markup, escape

WIDTH = 360  # a phone's width in CSS pixels, so the text reads at its own size there
HEIGHT = 220
LEFT, RIGHT, TOP, BOTTOM = 8, 8, 24, 186
FONT = 'font-family="system-ui, -apple-system, \'PingFang SC\', \'Noto Sans CJK SC\', sans-serif"'


def _short(value: Decimal) -> str:
    """12 345 -> "12.3k", 1 234 567 -> "1.23M": labels that fit above a narrow bar."""
    for size, suffix in ((Decimal(1_000_000), "M"), (Decimal(1000), "k")):
        if abs(value) >= size:
            return f"{(value / size).quantize(Decimal('0.1')).normalize():f}{suffix}"
    return f"{value.quantize(Decimal('1')):f}"


def cumulative_chart(cumulative: Sequence[Decimal], *, title: str, unit: str, year_label: str) -> Markup:
    """One bar per crediting year, as tall as the removals so far; the last bar's value written above it."""
    years = len(cumulative)
    largest = max((v for v in cumulative), default=Decimal(0))
    span = WIDTH - LEFT - RIGHT
    width = span / max(years, 1)
    parts = [f'<line x1="{LEFT}" y1="{BOTTOM}" x2="{WIDTH - RIGHT}" y2="{BOTTOM}" stroke="#b8c4bd"/>']
    for index, value in enumerate(cumulative):
        height = 0 if largest <= 0 or value <= 0 else max(1, int(value / largest * (BOTTOM - TOP)))
        x = LEFT + index * width
        parts.append(f'<rect x="{x + 1:.1f}" y="{BOTTOM - height}" width="{max(width - 2, 1):.1f}" '
                     f'height="{height}" fill="#2f8f5f"><title>{index + 1}: {escape(str(value))}</title></rect>')
    step = max(1, years // 6)
    for index in range(0, years, step):
        x = LEFT + index * width + width / 2
        parts.append(f'<text x="{x:.1f}" y="{BOTTOM + 14}" font-size="11" fill="#5d6b63" '
                     f'text-anchor="middle">{index + 1}</text>')
    if years:
        parts.append(f'<text x="{WIDTH - RIGHT}" y="{TOP - 8}" font-size="12" fill="#1f2a24" text-anchor="end">'
                     f'{escape(_short(cumulative[-1]))} {escape(unit)}</text>')
    parts.append(f'<text x="{WIDTH - RIGHT}" y="{HEIGHT - 4}" font-size="11" fill="#5d6b63" text-anchor="end">'
                 f'{escape(year_label)}</text>')
    return Markup(  # noqa: S704 - every text inside was escaped above
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" class="chart cumulative-chart" '
        f'role="img" aria-label="{escape(title)}" {FONT}><title>{escape(title)}</title>{"".join(parts)}</svg>')
