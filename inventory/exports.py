"""Files out of the inventory: the import template, the records and the yearly report, as CSV or XLSX."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

from sqlmodel import Session, select

from calculators.footprint import plain
from inventory.entries import FIELD_NAMES
from inventory.imports import EXPORT_ONLY, template_header
from inventory.models import ActivityRecord, Facility
from inventory.reports import ISO_CATEGORIES, YearReport
from inventory.rights import Actor

FORMATS = ("csv", "xlsx")
MIME = {"csv": "text/csv; charset=utf-8",
        "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
# One example row per kind, so that the template shows how each is written.
TEMPLATE_EXAMPLES = (
    {"facility": "广州办公室", "month": "2025-01", "kind": "electricity", "quantity": "12000", "unit": "kWh",
     "data_source": "invoice", "green_kwh": "3000", "instrument_type": "gec", "certificate_id": "GEC-2025-0001"},
    {"facility": "广州办公室", "month": "2025-01", "kind": "fuel", "activity": "natural_gas", "quantity": "150",
     "unit": "m3", "data_source": "metered"},
    {"facility": "广州办公室", "month": "2025-01", "kind": "business_travel", "activity": "flight",
     "origin": "CAN", "destination": "PEK", "quantity": "1890", "unit": "km", "cabin": "economy",
     "data_source": "invoice"},
    {"facility": "广州办公室", "month": "2025-01", "kind": "commuting", "activity": "metro", "quantity": "880",
     "unit": "trips", "distance_km": "12", "round_trip": "1", "data_source": "survey"},
)


def _write(rows: Iterable[list], fmt: str) -> bytes:
    if fmt == "csv":
        out = io.StringIO()
        csv.writer(out).writerows(rows)
        return out.getvalue().encode("utf-8-sig")  # with a BOM, so that Excel reads the Chinese right
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet()
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def template(fmt: str) -> bytes:
    """The import template: each column headed in Chinese and English, and an example row per common kind."""
    rows = [[template_header(name) for name in FIELD_NAMES]]
    rows += [[example.get(name, "") for name in FIELD_NAMES] for example in TEMPLATE_EXAMPLES]
    return _write(rows, fmt)


def records_file(*, session: Session, actor: Actor, year: int, fmt: str) -> bytes:
    """The year's records as entered, with their computed kg; an exported file imports again."""
    from datetime import date

    from inventory.records import entry_of

    actor.require("read")
    names = dict(session.exec(select(Facility.id, Facility.name)
                              .where(Facility.organisation_id == actor.organisation_id)).all())
    header = [template_header(name) for name in (*FIELD_NAMES, *EXPORT_ONLY)]
    query = select(ActivityRecord).where(ActivityRecord.organisation_id == actor.organisation_id,
                                         ActivityRecord.month >= date(year, 1, 1),
                                         ActivityRecord.month < date(year + 1, 1, 1)).order_by(
        ActivityRecord.month, ActivityRecord.id)

    def rows():
        yield header
        for record in session.exec(query.execution_options(yield_per=2000)):
            entry = entry_of(record, names.get(record.facility_id, ""))
            extra = [record.id, record.scope, record.ghg_category, record.iso_category, plain(record.kgco2e),
                     plain(record.kgco2e_market) if record.kgco2e_market is not None else "", record.factor_set,
                     record.quality_grade, record.entered_at.isoformat(),
                     record.validated_at.isoformat() if record.validated_at else "",
                     record.compensated_by_certificate or ""]
            yield [entry[name] for name in FIELD_NAMES] + extra

    return _write(rows(), fmt)


def report_file(report: YearReport, fmt: str) -> bytes:
    """The yearly report as rows of section, item and values (kg CO2e as exact decimals)."""
    totals = report.totals
    rows: list[list] = [["部分 section", "项目 item", "kgCO2e (location-based/位置法)", "kgCO2e (market-based/市场法)"]]
    rows += [["范围 scope", "1", plain(totals.scope1), plain(totals.scope1)],
             ["范围 scope", "2", plain(totals.scope2_location), plain(totals.scope2_market)],
             ["范围 scope", "3", plain(totals.scope3), plain(totals.scope3)],
             ["合计 total", str(report.year), plain(totals.total), plain(totals.total_market)],
             ["范围外 outside scopes", "Montreal Protocol", plain(totals.outside_scopes), ""]]
    for name, kg in report.by_ghg_category.items():
        rows.append(["GHG Protocol", name, plain(kg["kgco2e"]), plain(kg.get("kgco2e_market", kg["kgco2e"]))])
    for number, kg in sorted(report.by_iso_category.items()):
        rows.append(["ISO 14064-1", f"{number} {ISO_CATEGORIES[number]}", plain(kg), ""])
    for row in report.by_facility:
        rows.append(["设施 facility", row["facility"], plain(row["kgco2e"]), plain(row["kgco2e_market"])])
    for row in report.by_month:
        rows.append(["月份 month", row["month"], plain(row["kgco2e"]), plain(row["kgco2e_market"])])
    for grade, q in sorted(report.quality.items()):
        rows.append(["数据质量 quality", f"{grade} ({q['records']})", plain(q["kgco2e"]), ""])
    data = report.to_dict()
    rows.append(["核验 validated", f"{report.validated_records}/{report.records}", plain(report.validated_kgco2e),
                 ""])
    for name, value in data["intensity"].items():
        rows.append(["强度 intensity", name, value or "", ""])
    if data["yoy_change"] is not None:
        rows.append(["同比 year over year", "change", data["yoy_change"], ""])
    if report.ccer_cap:
        cap = data["ccer_cap"]
        rows.append(["CCER 抵销上限 cap (t)", cap["rule"], cap["cap_t"], ""])
    return _write(rows, fmt)
