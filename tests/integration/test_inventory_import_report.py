"""Inventory import and report: a year of three facilities from CSV and XLSX, totals checked against the factor
library by hand; a file with bad rows is refused whole, naming exactly those rows."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func
from sqlmodel import select

from db import utcnow
from factors import default_factor_set
from inventory import records, reports
from inventory.imports import ImportRefused, import_rows, rows_from_file
from inventory.models import ActivityRecord, RecordHistory
from inventory.rights import Actor
from tests.factories import make_user
from tests.inventory_data import as_csv, as_xlsx, expected_totals, make_staffed_company, year_rows

# The test's clock: the data's year (2025) has ended by then, whatever today is.
NOW = utcnow().replace(microsecond=0)


@pytest.fixture
def org(session):
    return make_staffed_company(session)


def _count(session, organisation_id):
    return session.exec(select(func.count()).select_from(ActivityRecord)
                        .where(ActivityRecord.organisation_id == organisation_id)).one()


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_a_year_of_three_facilities_imports_and_its_scopes_equal_the_hand_computed_totals(session, org, fmt):
    organisation, staff = org
    rows = year_rows(2025)
    data, name = (as_csv(rows), "year.csv") if fmt == "csv" else (as_xlsx(rows), "year.xlsx")
    result = import_rows(session, organisation.id, staff.id, rows_from_file(data, name), file_name=name, now=NOW)
    assert result.imported == 360 and result.months == ("2025-01", "2025-12")
    assert _count(session, organisation.id) == 360

    expected = expected_totals(rows, default_factor_set())
    report = reports.year_report(session=session, actor=Actor.member(organisation.id, staff.id, "staff"), year=2025)
    assert report.records == 360
    assert report.totals.scope1 == expected["scope1"]
    assert report.totals.scope2_location == expected["scope2_location"]
    assert report.totals.scope2_market == expected["scope2_market"]
    assert report.totals.scope3 == expected["scope3"]
    assert report.totals.total == expected["scope1"] + expected["scope2_location"] + expected["scope3"]
    # Facilities and months add up to the same total; grades and ISO categories too.
    assert sum(row["kgco2e"] for row in report.by_facility) == report.totals.total
    assert len(report.by_month) == 12 and sum(row["kgco2e"] for row in report.by_month) == report.totals.total
    assert sum(row["kgco2e_market"] for row in report.by_month) == report.totals.total_market
    assert sum(report.by_iso_category.values()) == report.totals.total
    assert report.by_iso_category[2] == expected["scope2_location"]
    assert {grade: q["records"] for grade, q in report.quality.items()} == {"A": 108, "B": 144, "C": 36, "D": 36,
                                                                           "E": 36}
    assert report.validated_records == 0 and report.validated_share == 0
    assert report.intensity["per_employee"] == report.totals.total / 325
    assert report.previous is None and report.ccer_cap is None
    # One history row names the import.
    (entry,) = session.exec(select(RecordHistory).where(RecordHistory.organisation_id == organisation.id)).all()
    assert entry.action == "import" and entry.after == {"file": name, "records": 360, "months": ["2025-01", "2025-12"]}
    # Each record keeps its line items, traceable to factor rows.
    electricity = session.exec(select(ActivityRecord).where(ActivityRecord.organisation_id == organisation.id,
                                                            ActivityRecord.kind == "electricity")
                               .order_by(ActivityRecord.id)).first()
    items = records.record_line_items(session, electricity.id)
    assert [item["factor_id"] for item in items] == [
        "cn.elec.prov.guangdong.2023", "", "cn.elec.national_avg_excl_market_nonfossil.2023"]
    assert items[0]["factor_set"] == default_factor_set().version


def test_three_bad_rows_among_a_thousand_are_named_and_nothing_is_written(session, org):
    organisation, staff = org
    rows = (year_rows(2025) * 3)[:1000]
    rows[10] = {**rows[10], "quantity": "12,5x"}  # file row 12
    rows[499] = {**rows[499], "unit": "kg", "kind": "electricity", "activity": ""}  # row 501: mass for kWh
    rows[998] = {**rows[998], "facility": "深圳办公室"}  # row 1000: no such facility
    with pytest.raises(ImportRefused) as refused:
        import_rows(session, organisation.id, staff.id, rows_from_file(as_csv(rows), "bad.csv"), now=NOW)
    errors = refused.value.errors
    assert [(e.row, e.column, e.value) for e in errors] == [
        (12, "quantity", "12,5x"), (501, "unit", "kg"), (1000, "facility", "深圳办公室")]
    assert "not a decimal number" in errors[0].reason
    assert "cannot convert kg (mass) to kWh (energy)" in errors[1].reason
    assert errors[2].reason == "no such facility in this organisation"
    assert _count(session, organisation.id) == 0
    assert session.exec(select(RecordHistory).where(RecordHistory.organisation_id == organisation.id)).all() == []


def test_a_record_entered_alone_keeps_its_history_and_a_closed_year_needs_an_admin_and_a_reason(session, org):
    from errors import Conflict, ValidationError
    from inventory import periods

    organisation, staff = org
    admin = make_user(session, organisation, role="admin")
    as_staff = Actor.member(organisation.id, staff.id, "staff")
    as_admin = Actor.member(organisation.id, admin.id, "admin")
    row = year_rows(2025)[0]
    record = records.create_record(session=session, actor=as_staff, values=row, now=NOW)
    changed = records.update_record(session=session, actor=as_staff, record_id=record.id,
                                    values={**row, "quantity": "20000"}, now=NOW)
    assert changed.kgco2e == 20000 * default_factor_set().get("cn.elec.prov.guangdong.2023").kgco2e_per_unit
    periods.close_year(session=session, actor=as_admin, year=2025, now=NOW)
    with pytest.raises(Conflict):
        records.update_record(session=session, actor=as_staff, record_id=record.id, values=row, now=NOW)
    with pytest.raises(ValidationError):
        records.update_record(session=session, actor=as_admin, record_id=record.id, values=row, now=NOW)
    records.update_record(session=session, actor=as_admin, record_id=record.id, values=row,
                          reason="invoice corrected", now=NOW)
    log = records.history(session=session, actor=as_admin, record_id=record.id)
    assert [(h.action, h.reason) for h in log] == [("create", None), ("update", None),
                                                   ("update", "invoice corrected")]
    assert log[1].before["quantity"] == row["quantity"] and log[1].after["quantity"] == "20000"
    with pytest.raises(ImportRefused) as refused:
        import_rows(session, organisation.id, staff.id, rows_from_file(as_csv([row]), "late.csv"), now=NOW)
    assert refused.value.errors[0].reason == "the year 2025 is closed"


def test_the_record_history_refuses_to_be_changed_or_deleted(session, org):
    from sqlalchemy import text
    from sqlalchemy.exc import DatabaseError

    organisation, staff = org
    records.create_record(session=session, actor=Actor.member(organisation.id, staff.id, "staff"),
                          values=year_rows(2025)[0], now=NOW)
    for statement in ("UPDATE record_history SET reason = 'rewritten'", "DELETE FROM record_history"):
        with pytest.raises(DatabaseError, match="append-only"), session.begin_nested():
            session.execute(text(statement))
    assert [h.reason for h in session.exec(select(RecordHistory)).all()] == [None]


def test_the_report_gives_the_year_over_year_change_the_intensities_and_the_validated_share(session, org):
    from calculators.footprint import div
    from inventory import periods
    from tests.inventory_data import SITES

    organisation, staff = org
    admin = make_user(session, organisation, role="admin")
    auditor = make_user(session, organisation, role="auditor")
    as_admin = Actor.member(organisation.id, admin.id, "admin")
    as_auditor = Actor.member(organisation.id, auditor.id, "auditor")
    for year in (2024, 2025):
        rows = year_rows(year)
        if year == 2024:  # a smaller year before: only the first half of each facility's months
            rows = [row for row in rows if int(row["month"][5:]) <= 6]
        import_rows(session, organisation.id, staff.id, rows_from_file(as_csv(rows), f"{year}.csv"), now=NOW)
    revenue = Decimal("86500000.50")
    periods.set_year_details(session=session, actor=as_admin, year=2025, values={"revenue": revenue})
    january = session.exec(select(ActivityRecord).where(ActivityRecord.organisation_id == organisation.id,
                                                        ActivityRecord.month == date(2025, 1, 1))
                           .order_by(ActivityRecord.id)).all()
    assert len(january) == 30
    assert records.validate_records(session=session, actor=as_auditor, record_ids=[r.id for r in january]) == 30
    assert records.validate_records(session=session, actor=as_auditor, record_ids=[january[0].id]) == 0

    before = reports.year_report(session=session, actor=as_auditor, year=2024)
    report = reports.year_report(session=session, actor=as_auditor, year=2025)
    assert before.records == 180 and report.records == 360
    assert report.previous == before.totals
    assert report.yoy_change == div(report.totals.total - before.totals.total, before.totals.total)
    assert report.yoy_change > 0
    area = sum((area for _name, _province, _kind, area, _staff in SITES), Decimal(0))
    assert report.intensity == {"per_employee": div(report.totals.total, Decimal(325)),
                                "per_m2": div(report.totals.total, area),
                                "per_revenue": div(report.totals.total, revenue)}
    assert report.validated_records == 30 and report.validated_share == div(Decimal(30), Decimal(360))
    assert report.validated_kgco2e == sum((r.kgco2e for r in january), Decimal(0))
    # The GHG Protocol categories add up to the scopes, Scope 2 by both methods.
    assert sum(kg["kgco2e"] for kg in report.by_ghg_category.values()) == report.totals.total
    assert sum(kg["kgco2e_market"] for kg in report.by_ghg_category.values() if "kgco2e_market" in kg) == \
        report.totals.scope2_market
    # Each validation is in the history, with the validator.
    validations = [h for h in records.history(session=session, actor=as_auditor, limit=1000)
                   if h.action == "validate"]
    assert len(validations) == 30 and {h.user_id for h in validations} == {auditor.id}
