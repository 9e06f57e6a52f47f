"""Inventory test data: facilities, a year of monthly activity rows, and the same rows as CSV and XLSX."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

from inventory import facilities
from inventory.entries import FIELD_NAMES
from inventory.imports import template_header
from inventory.rights import Actor
from tests.factories import make_organisation, make_user

SITES = (("广州办公室", "CN-GD", "office", Decimal("1200.5"), 80),
         ("北京工厂", "CN-BJ", "factory", Decimal("5400"), 210),
         ("上海仓库", "CN-SH", "warehouse", Decimal("8000"), 35))


def make_staffed_company(session):
    """An organisation with a staff member and its three facilities: (organisation, staff user)."""
    organisation = make_organisation(session)
    staff = make_user(session, organisation, role="staff")
    make_facilities(session, organisation.id)
    return organisation, staff


def make_facilities(session, organisation_id: int, user_id: int | None = None) -> list:
    admin = Actor.member(organisation_id, user_id or 0, "admin")
    return [facilities.create_facility(session=session, actor=admin, values={
        "name": name, "province": province, "facility_type": kind, "floor_area_m2": area, "headcount": staff})
        for name, province, kind, area, staff in SITES]


def year_rows(year: int = 2025) -> list[dict]:
    """Ten activities per facility and month, quantities varying by month and site."""
    rows = []
    for site_index, (name, *_rest) in enumerate(SITES):
        for month in range(1, 13):
            m = f"{year}-{month:02d}"
            k = Decimal(site_index * 12 + month)
            base = {"facility": name, "month": m}
            rows += [
                {**base, "kind": "electricity", "quantity": str(Decimal("10000.5") + k * 37), "unit": "kWh",
                 "data_source": "invoice", **({"green_kwh": str(Decimal(2000) + k), "instrument_type": "gec",
                                               "certificate_id": f"GEC-{m}"} if site_index == 0 else {})},
                {**base, "kind": "heat", "quantity": str(Decimal("3.25") * k), "unit": "GJ", "data_source": "metered"},
                {**base, "kind": "fuel", "activity": "natural_gas", "quantity": str(Decimal("120.7") + k),
                 "unit": "m3", "data_source": "metered"},
                {**base, "kind": "vehicle", "activity": "diesel", "quantity": str(Decimal("0.35") * k), "unit": "t",
                 "data_source": "invoice"},
                {**base, "kind": "refrigerant", "activity": "R-134a", "quantity": str(Decimal("0.125") * (k % 3)),
                 "unit": "kg", "data_source": "estimate"},
                {**base, "kind": "business_travel", "activity": "rail", "quantity": str(1100 + k), "unit": "km",
                 "origin": "北京", "destination": "上海", "rail_type": "high_speed", "data_source": "invoice"},
                {**base, "kind": "commuting", "activity": "bus", "quantity": str(400 + k), "unit": "trips",
                 "distance_km": "8.5", "round_trip": "1", "data_source": "survey"},
                {**base, "kind": "waste", "activity": "commercial_industrial", "treatment": "landfill",
                 "quantity": str(Decimal("850") + k), "unit": "kg", "data_source": "default"},
                {**base, "kind": "water", "activity": "supply", "quantity": str(Decimal("95.5") + k), "unit": "m3",
                 "data_source": "metered"},
                {**base, "kind": "paper", "activity": "paper", "quantity": str(Decimal("12.5") + k), "unit": "kg",
                 "data_source": "invoice"},
            ]
    return rows


def expected_totals(rows: list[dict], factor_set) -> dict[str, Decimal]:
    """Scope totals of `rows` computed by hand from the factor library's values."""
    f = {fid: factor_set.get(fid).kgco2e_per_unit for fid in (
        "cn.elec.prov.guangdong.2023", "cn.elec.prov.beijing.2023", "cn.elec.prov.shanghai.2023",
        "cn.elec.national_avg_excl_market_nonfossil.2023", "cn.heat.purchased_default", "cn.fuel.natural_gas.ef",
        "cn.fuel.diesel.ef", "gwp_ar5_hfc134a", "cn_hsr_full", "land.bus.average_local",
        "waste.commercial_industrial.landfill", "water.supply.m3", "material.paper_board.paper.primary")}
    grid = {"广州办公室": f["cn.elec.prov.guangdong.2023"], "北京工厂": f["cn.elec.prov.beijing.2023"],
            "上海仓库": f["cn.elec.prov.shanghai.2023"]}
    s1, s2l, s2m, s3 = [], [], [], []
    for row in rows:
        q = Decimal(row["quantity"])
        kind = row["kind"]
        if kind == "electricity":
            s2l.append(q * grid[row["facility"]])
            s2m.append((q - Decimal(row.get("green_kwh", "0"))) * f["cn.elec.national_avg_excl_market_nonfossil.2023"])
        elif kind == "heat":
            s2l.append(q * f["cn.heat.purchased_default"])
            s2m.append(q * f["cn.heat.purchased_default"])
        elif kind == "fuel":
            s1.append(q * f["cn.fuel.natural_gas.ef"])
        elif kind == "vehicle":
            s1.append(q * 1000 * f["cn.fuel.diesel.ef"])  # tonnes to kg
        elif kind == "refrigerant":
            s1.append(q * f["gwp_ar5_hfc134a"])
        elif kind == "business_travel":
            s3.append(q * f["cn_hsr_full"])
        elif kind == "commuting":
            s3.append(q * Decimal("8.5") * 2 * f["land.bus.average_local"])
        elif kind == "waste":
            s3.append(q / 1000 * f["waste.commercial_industrial.landfill"])
        elif kind == "water":
            s3.append(q * f["water.supply.m3"])
        elif kind == "paper":
            s3.append(q / 1000 * f["material.paper_board.paper.primary"])
    return {"scope1": sum(s1, Decimal(0)), "scope2_location": sum(s2l, Decimal(0)),
            "scope2_market": sum(s2m, Decimal(0)), "scope3": sum(s3, Decimal(0))}


def as_csv(rows: list[dict], *, chinese: bool = True) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([template_header(name) if chinese else name for name in FIELD_NAMES])
    for row in rows:
        writer.writerow([row.get(name, "") for name in FIELD_NAMES])
    return out.getvalue().encode("utf-8-sig")


def as_xlsx(rows: list[dict]) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet()
    sheet.append(list(FIELD_NAMES))
    for row in rows:
        # Numbers as spreadsheet numbers where a person would type them so.
        sheet.append([_cell(row.get(name, "")) for name in FIELD_NAMES])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _cell(value: str):
    if value and value.replace(".", "", 1).isdigit() and "." not in value:
        return int(value)
    return value
