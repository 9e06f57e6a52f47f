"""Charts of the organiser's dashboard as inline SVG, drawn on the server: no script, no CDN, readable in print."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_CEILING, Decimal

from markupsafe import Markup, escape

WIDTH = 360  # about a phone's width in CSS pixels, so that the text reads at its own size there
BAR_COLOURS = ("#1d6b45", "#2f8f5f", "#4aa878", "#7cc39b", "#a9d8bb", "#d98e2b", "#b86b1b", "#8c8c8c")
FONT = 'font-family="system-ui, -apple-system, \'PingFang SC\', \'Noto Sans CJK SC\', sans-serif"'


@dataclass(frozen=True)
class Bin:
    low: Decimal
    high: Decimal | None  # None for the open last bin ("and more")
    count: int


def _svg(height: int, title: str, body: str, css_class: str) -> Markup:
    return Markup(  # noqa: S704 - every text inside was escaped by the caller's helpers below
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" class="{css_class}" role="img" '
        f'aria-label="{escape(title)}" {FONT}><title>{escape(title)}</title>{body}</svg>'
    )


def breakdown_chart(rows: Sequence[tuple[str, Decimal, str]], *, title: str) -> Markup:
    """Horizontal bars, one per (label, kg, value text), the longest as wide as the chart."""
    largest = max((kg for _, kg, _ in rows), default=Decimal(0))
    row_height = 40
    room = 92  # for the value, written after the bar, so that a long label never runs into it
    parts = []
    for index, (label, kg, text) in enumerate(rows):
        y = index * row_height
        width = 0 if not largest else max(2, int(kg / largest * (WIDTH - room)))
        colour = BAR_COLOURS[index % len(BAR_COLOURS)]
        parts.append(
            f'<text x="0" y="{y + 14}" font-size="13" fill="#1f2a24">{escape(label)}</text>'
            f'<rect x="0" y="{y + 20}" width="{width}" height="14" rx="3" fill="{colour}"/>'
            f'<text x="{width + 6}" y="{y + 32}" font-size="12" fill="#5d6b63">{escape(text)}</text>'
        )
    return _svg(max(row_height * len(rows), row_height), title, "".join(parts), "chart breakdown-chart")


def _nice_step(span: Decimal, bins: int) -> Decimal:
    """A bin width of 1, 2 or 5 times a power of ten that covers `span` in about `bins` bins."""
    raw = span / bins if span > 0 else Decimal(1)
    exponent = raw.adjusted()
    for multiple in (1, 2, 5, 10):
        step = Decimal(multiple).scaleb(exponent)
        if step >= raw:
            return step
    return Decimal(10).scaleb(exponent)  # pragma: no cover - 10 × 10^e always covers raw


def histogram_bins(values: Sequence[Decimal], *, bins: int = 10) -> list[Bin]:
    """Equal bins from 0 up to the 95th percentile (rounded up to a nice width); the rest in one open bin.

    One long-haul flight among a hundred train rides would otherwise squeeze every other bar into the first.
    """
    if not values:
        return []
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, (len(ordered) * 95 + 99) // 100 - 1)]
    step = _nice_step(p95, bins)
    count = int((p95 / step).to_integral_value(rounding=ROUND_CEILING)) or 1
    edges = [step * i for i in range(count + 1)]
    counts = [0] * count
    overflow = 0
    for value in ordered:
        index = int(value / step)
        if index < count:
            counts[index] += 1
        elif value == edges[-1]:
            counts[-1] += 1
        else:
            overflow += 1
    result = [Bin(edges[i], edges[i + 1], counts[i]) for i in range(count)]
    if overflow:
        result.append(Bin(edges[-1], None, overflow))
    return result


def histogram_chart(bins: Sequence[Bin], *, title: str, unit: str, more: str) -> Markup:
    """Vertical bars of attendee footprints; x labels at the bin edges, counts above the bars."""
    height, bottom, top = 200, 164, 20
    largest = max((b.count for b in bins), default=0) or 1
    width = (WIDTH - 20) / max(len(bins), 1)
    parts = [f'<line x1="10" y1="{bottom}" x2="{WIDTH - 10}" y2="{bottom}" stroke="#b8c4bd"/>']
    for index, bin_ in enumerate(bins):
        x = 10 + index * width
        bar = int(bin_.count / largest * (bottom - top))
        colour = BAR_COLOURS[6] if bin_.high is None else BAR_COLOURS[0]
        parts.append(f'<rect x="{x + 2:.1f}" y="{bottom - bar}" width="{width - 4:.1f}" height="{bar}" '
                     f'fill="{colour}"/>')
        if bin_.count:
            parts.append(f'<text x="{x + width / 2:.1f}" y="{bottom - bar - 5}" font-size="12" fill="#1f2a24" '
                         f'text-anchor="middle">{bin_.count}</text>')
        label = f"{_short(bin_.low)}+" if bin_.high is None else _short(bin_.low)
        if bin_.high is None or index % max(1, len(bins) // 6) == 0:
            parts.append(f'<text x="{x:.1f}" y="{bottom + 14}" font-size="11" fill="#5d6b63">{escape(label)}</text>')
    parts.append(f'<text x="{WIDTH - 10}" y="{height - 4}" font-size="11" fill="#5d6b63" text-anchor="end">'
                 f'{escape(unit)}{escape(more) if any(b.high is None for b in bins) else ""}</text>')
    return _svg(height, title, "".join(parts), "chart histogram-chart")


def _short(value: Decimal) -> str:
    """1500 -> "1.5k", 40 -> "40": axis labels that fit under a narrow bar."""
    if value >= 1000:
        return f"{(value / 1000).normalize():f}k"
    return f"{value.normalize():f}"
