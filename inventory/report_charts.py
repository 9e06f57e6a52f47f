"""Charts of the yearly inventory report as server-drawn SVG, in the manner of the meeting dashboard's."""

from __future__ import annotations

from decimal import Decimal

from flask_babel import get_locale
from flask_babel import gettext as _
from markupsafe import Markup, escape

from calculators.enterprise import ghg_category_zh
from meetings.charts import BAR_COLOURS, FONT, WIDTH, _short, breakdown_chart

KG_PER_TONNE = Decimal(1000)


def category_label(name: str) -> str:
    """A GHG Protocol category as the page's language names it."""
    return ghg_category_zh(name) if str(get_locale() or "").startswith("zh") else name


def _tonnes(kg: Decimal) -> str:
    return f"{(kg / KG_PER_TONNE).quantize(Decimal('0.1')):,} t"


def month_chart(months: list[dict], *, title: str, legend: tuple[str, str]) -> Markup:
    """Two bars a month, location-based (dark) and market-based (light) totals, in tonnes."""
    height, bottom, top = 220, 176, 30
    largest = max((max(m["kgco2e"], m["kgco2e_market"]) for m in months), default=Decimal(0)) or Decimal(1)
    slot = (WIDTH - 20) / 12
    parts = [f'<line x1="10" y1="{bottom}" x2="{WIDTH - 10}" y2="{bottom}" stroke="#b8c4bd"/>',
             f'<rect x="10" y="6" width="10" height="10" fill="{BAR_COLOURS[0]}"/>'
             f'<text x="24" y="15" font-size="11" fill="#1f2a24">{escape(legend[0])}</text>',
             f'<rect x="{WIDTH / 2:.0f}" y="6" width="10" height="10" fill="{BAR_COLOURS[3]}"/>'
             f'<text x="{WIDTH / 2 + 14:.0f}" y="15" font-size="11" fill="#1f2a24">{escape(legend[1])}</text>']
    by_month = {int(m["month"][5:7]): m for m in months}
    for number in range(1, 13):
        x = 10 + (number - 1) * slot
        row = by_month.get(number)
        for offset, key, colour in ((1, "kgco2e", BAR_COLOURS[0]), (slot / 2, "kgco2e_market", BAR_COLOURS[3])):
            kg = row[key] if row else Decimal(0)
            bar = int(kg / largest * (bottom - top))
            parts.append(f'<rect x="{x + offset:.1f}" y="{bottom - bar}" width="{slot / 2 - 2:.1f}" height="{bar}" '
                         f'fill="{colour}"><title>{number}: {escape(_tonnes(kg))}</title></rect>')
        parts.append(f'<text x="{x + slot / 2:.1f}" y="{bottom + 14}" font-size="11" fill="#5d6b63" '
                     f'text-anchor="middle">{number}</text>')
    parts.append(f'<text x="{WIDTH - 10}" y="{height - 4}" font-size="11" fill="#5d6b63" text-anchor="end">'
                 f'max {escape(_short((largest / KG_PER_TONNE).quantize(Decimal("0.1"))))} t CO2e</text>')
    return Markup(  # noqa: S704 - every text inside was escaped above
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" class="chart month-chart" '
        f'role="img" aria-label="{escape(title)}" {FONT}><title>{escape(title)}</title>{"".join(parts)}</svg>')


def report_charts(report) -> dict[str, Markup]:
    totals = report.totals
    scopes = [(_("Scope 1"), totals.scope1), (_("Scope 2 (location-based)"), totals.scope2_location),
              (_("Scope 2 (market-based)"), totals.scope2_market), (_("Scope 3"), totals.scope3)]
    categories = sorted(((name, kg["kgco2e"]) for name, kg in report.by_ghg_category.items()),
                        key=lambda item: -item[1])
    return {
        "scopes": breakdown_chart([(label, kg, _tonnes(kg)) for label, kg in scopes],
                                  title=_("Emissions by scope")),
        "categories": breakdown_chart([(category_label(name), max(kg, Decimal(0)), _tonnes(kg))
                                       for name, kg in categories],
                                      title=_("Emissions by GHG Protocol category")),
        "facilities": breakdown_chart([(row["facility"], row["kgco2e"], _tonnes(row["kgco2e"]))
                                       for row in report.by_facility], title=_("Emissions by facility")),
        "months": month_chart(report.by_month, title=_("Emissions by month"),
                              legend=(_("location-based"), _("market-based"))),
    }
