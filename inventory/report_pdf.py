"""The printable yearly report: the report's figures as display strings for the Typst template (no markup).

Labels are bilingual in the template; this module only formats numbers (tonnes with two decimals) and names,
so the PDF reads the same whatever the viewer's language.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from calculators.enterprise import ghg_category_zh
from inventory.reports import ISO_CATEGORIES, YearReport

KG_PER_TONNE = Decimal(1000)
ISO_CATEGORIES_ZH = {1: "直接温室气体排放和清除", 2: "输入能源的间接温室气体排放", 3: "运输产生的间接温室气体排放",
                     4: "组织使用的产品产生的间接温室气体排放", 5: "与组织产品使用相关的间接温室气体排放",
                     6: "其他来源的间接温室气体排放"}


def _t(kg: Decimal) -> str:
    return f"{(Decimal(kg) / KG_PER_TONNE).quantize(Decimal('0.01')):,}"


def _share(value: Decimal | None) -> str:
    return "—" if value is None else f"{(value * 100).quantize(Decimal('0.1'))}%"


def _change(value: Decimal | None) -> str:
    return "—" if value is None else f"{(value * 100).quantize(Decimal('0.1')):+}%"


def report_sheet(report: YearReport, *, organisation_zh: str, organisation_en: str, statement: str | None,
                 printed_at: datetime) -> dict:
    """Everything the report template prints, as strings."""
    totals = report.totals
    intensity = report.intensity
    cap = report.ccer_cap
    return {
        "year": str(report.year), "organisation_zh": organisation_zh, "organisation_en": organisation_en,
        "records": str(report.records), "closed": report.closed, "factor_sets": ", ".join(report.factor_sets),
        "printed_on": printed_at.date().isoformat(), "statement": statement or "",
        "scopes": [
            {"zh": "范围一", "en": "Scope 1", "location": _t(totals.scope1), "market": _t(totals.scope1)},
            {"zh": "范围二", "en": "Scope 2", "location": _t(totals.scope2_location),
             "market": _t(totals.scope2_market)},
            {"zh": "范围三", "en": "Scope 3", "location": _t(totals.scope3), "market": _t(totals.scope3)},
        ],
        "total": {"location": _t(totals.total), "market": _t(totals.total_market)},
        "outside_scopes": _t(totals.outside_scopes) if totals.outside_scopes else "",
        "previous_total": _t(report.previous.total) if report.previous else "",
        "yoy_change": _change(report.yoy_change),
        "ghg_categories": [{"name": name, "zh": ghg_category_zh(name), "kg": _t(kg["kgco2e"]),
                            "market": _t(kg["kgco2e_market"]) if "kgco2e_market" in kg else ""}
                           for name, kg in report.by_ghg_category.items()],
        "iso_categories": [{"number": str(number), "zh": ISO_CATEGORIES_ZH[number], "en": ISO_CATEGORIES[number],
                            "kg": _t(kg)} for number, kg in sorted(report.by_iso_category.items())],
        "facilities": [{"name": row["facility"], "location": _t(row["kgco2e"]), "market": _t(row["kgco2e_market"])}
                       for row in report.by_facility],
        "months": [{"month": row["month"], "location": _t(row["kgco2e"]), "market": _t(row["kgco2e_market"])}
                   for row in report.by_month],
        "quality": [{"grade": grade, "records": str(q["records"]), "kg": _t(q["kgco2e"])}
                    for grade, q in sorted(report.quality.items())],
        "validated": {"records": str(report.validated_records), "share": _share(report.validated_share),
                      "tonnes": _t(report.validated_kgco2e)},
        "intensity": {
            "per_employee": _t(intensity["per_employee"]) if intensity.get("per_employee") is not None else "—",
            "per_m2": f"{intensity['per_m2'].quantize(Decimal('0.01')):,}" if intensity.get("per_m2") is not None
            else "—",
            "per_revenue": f"{(intensity['per_revenue'] * 10000).quantize(Decimal('0.001')):,}"
            if intensity.get("per_revenue") is not None else "—",
            "currency": report.revenue_currency},
        "compensated": _t(report.compensated_kgco2e), "neutralisable": _t(report.neutralisable_kgco2e),
        "ccer_cap": None if cap is None else {
            "cap_t": f"{cap['cap_t'].quantize(Decimal('0.01')):,}",
            "basis_t": f"{cap['basis_t'].quantize(Decimal('0.01')):,}",
            "verified": cap["basis"] == "verified_emissions", "rule": cap["rule"]},
    }
