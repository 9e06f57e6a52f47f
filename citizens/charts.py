"""The citizen dashboard's monthly chart as inline SVG, drawn on the server (no script, no CDN)."""

from __future__ import annotations

from collections.abc import Sequence

from markupsafe import Markup, escape

WIDTH = 360  # a phone's width in CSS pixels, so the text reads at its own size there
HEIGHT = 200
LEFT, RIGHT, TOP, BOTTOM = 6, 6, 22, 170
MAX_MONTHS = 12
COLOURS = {"walk": "#2f8f5f", "cycle": "#7cc39b", "bus": "#d98e2b"}
FONT = 'font-family="system-ui, -apple-system, \'PingFang SC\', \'Noto Sans CJK SC\', sans-serif"'


def _text_width(text: str) -> int:
    """About how wide 11 px text is: CJK characters are square, Latin ones about 0.6 of that."""
    return sum(11 if ord(char) >= 0x2E80 else 7 for char in text)


def monthly_points_chart(months: Sequence, *, title: str, labels: dict[str, str]) -> Markup:
    """Stacked bars of the last twelve months' points (walking, cycling, bus), each month's total above its bar."""
    shown = list(months)[-MAX_MONTHS:]
    largest = max((m.points for m in shown), default=0)
    span = WIDTH - LEFT - RIGHT
    slot = span / max(len(shown), 1)
    width = min(slot - 6, 40)
    parts = [f'<line x1="{LEFT}" y1="{BOTTOM}" x2="{WIDTH - RIGHT}" y2="{BOTTOM}" stroke="#b8c4bd"/>']
    for index, month in enumerate(shown):
        x = LEFT + index * slot + (slot - width) / 2
        y = BOTTOM
        for kind in ("walk", "cycle", "bus"):
            value = getattr(month, kind)
            height = 0 if largest <= 0 or value <= 0 else max(1.0, value / largest * (BOTTOM - TOP))
            if height:
                y -= height
                parts.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{width:.1f}" height="{height:.1f}" '
                             f'fill="{COLOURS[kind]}"><title>{escape(labels[kind])}: {value}</title></rect>')
        parts.append(f'<text x="{x + width / 2:.1f}" y="{y - 4:.1f}" font-size="10" fill="#1f2a24" '
                     f'text-anchor="middle">{month.points}</text>')
        parts.append(f'<text x="{x + width / 2:.1f}" y="{BOTTOM + 13}" font-size="10" fill="#5d6b63" '
                     f'text-anchor="middle">{escape(month.month[2:])}</text>')
    legend_x = LEFT
    for kind in ("walk", "cycle", "bus"):
        parts.append(f'<rect x="{legend_x}" y="{HEIGHT - 12}" width="10" height="10" fill="{COLOURS[kind]}"/>'
                     f'<text x="{legend_x + 14}" y="{HEIGHT - 3}" font-size="11" fill="#5d6b63">'
                     f'{escape(labels[kind])}</text>')
        legend_x += 14 + _text_width(labels[kind]) + 14
    return Markup(  # noqa: S704 - every text inside was escaped above
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" class="chart points-chart" '
        f'role="img" aria-label="{escape(title)}" {FONT}><title>{escape(title)}</title>{"".join(parts)}</svg>')
