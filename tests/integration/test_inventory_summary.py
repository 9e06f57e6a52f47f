"""The monthly summary that reports read equals a recomputation from the records after every kind of write."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlmodel import select

from calculators.footprint import dsum
from db import utcnow
from errors import NotFound
from inventory import periods, records, reports, summary
from inventory.imports import ImportRefused, import_rows, rows_from_file
from inventory.models import ActivityRecord, MonthSummary
from inventory.rights import Actor
from tests.factories import make_organisation, make_user
from tests.inventory_data import SITES, as_csv, make_facilities, year_rows

# The test's clock: the data's year (2025) has ended by then, whatever today is.
NOW = utcnow().replace(microsecond=0)


def _assert_summary_is_recomputed(session, organisation_id: int) -> list[tuple]:
    stored = summary.as_rows(summary.stored(session, organisation_id))
    assert stored == summary.as_rows(summary.recomputed(session, organisation_id))
    return stored


def _record_totals(session, organisation_id: int, year: int) -> tuple[int, Decimal]:
    found = session.exec(select(ActivityRecord).where(ActivityRecord.organisation_id == organisation_id)).all()
    in_year = [r for r in found if r.month.year == year]
    return len(in_year), dsum(r.kgco2e for r in in_year if r.scope != "outside")


def test_the_summary_equals_the_records_after_creates_updates_deletes_validations_imports_and_a_close(session):
    organisation = make_organisation(session)
    staff = make_user(session, organisation, role="staff")
    admin = make_user(session, organisation, role="admin")
    make_facilities(session, organisation.id)
    other = make_organisation(session, slug="other-co")
    make_facilities(session, other.id)
    as_staff = Actor.member(organisation.id, staff.id, "staff")
    as_admin = Actor.member(organisation.id, admin.id, "admin")
    rows = year_rows(2025)

    # An import: 360 records in 3 facilities x 12 months x 10 kinds (one grade and kind per row group).
    import_rows(session, organisation.id, staff.id, rows_from_file(as_csv(rows), "year.csv"), now=NOW)
    stored = _assert_summary_is_recomputed(session, organisation.id)
    assert len(stored) == 360 and sum(row[11] for row in stored) == 360
    # The same rows imported again add to the same keys (two records each).
    import_rows(session, organisation.id, staff.id, rows_from_file(as_csv(rows[:30]), "again.csv"), now=NOW)
    stored = _assert_summary_is_recomputed(session, organisation.id)
    assert len(stored) == 360 and sum(row[11] for row in stored) == 390

    # Creates, an update that moves a record to another month and facility, a delete.
    created = [records.create_record(session=session, actor=as_staff, values=row, now=NOW) for row in rows[:3]]
    _assert_summary_is_recomputed(session, organisation.id)
    records.update_record(session=session, actor=as_staff, record_id=created[0].id, now=NOW,
                          values={**rows[0], "facility": SITES[2][0], "month": "2025-07", "quantity": "7777.125"})
    _assert_summary_is_recomputed(session, organisation.id)
    records.delete_record(session=session, actor=as_staff, record_id=created[1].id, now=NOW)
    _assert_summary_is_recomputed(session, organisation.id)

    # Validations move records to the validated keys.
    some = session.exec(select(ActivityRecord.id).where(ActivityRecord.organisation_id == organisation.id)
                        .order_by(ActivityRecord.id).limit(50)).all()
    assert records.validate_records(session=session, actor=as_admin, record_ids=some, now=NOW) == 50
    stored = _assert_summary_is_recomputed(session, organisation.id)
    assert sum(row[11] for row in stored if row[8]) == 50

    # A refused import changes nothing, the summary included.
    with pytest.raises(ImportRefused):
        import_rows(session, organisation.id, staff.id, rows_from_file(
            as_csv([rows[0], {**rows[1], "quantity": "x"}]), "bad.csv"), now=NOW)
    assert _assert_summary_is_recomputed(session, organisation.id) == stored

    # A closed year: an admin's changes with a reason keep the summary too; a refused change leaves it.
    periods.close_year(session=session, actor=as_admin, year=2025, now=NOW)
    records.update_record(session=session, actor=as_admin, record_id=created[2].id, values={
        **rows[2], "quantity": "0.5"}, reason="meter read again", now=NOW)
    records.delete_record(session=session, actor=as_admin, record_id=created[0].id, reason="entered twice", now=NOW)
    with pytest.raises(NotFound):
        records.delete_record(session=session, actor=as_admin, record_id=created[1].id, reason="gone", now=NOW)
    stored = _assert_summary_is_recomputed(session, organisation.id)

    # Another year's import; the other organisation's summary stays its own (empty).
    import_rows(session, organisation.id, staff.id, rows_from_file(as_csv(year_rows(2024)), "2024.csv"), now=NOW)
    _assert_summary_is_recomputed(session, organisation.id)
    assert summary.stored(session, other.id) == {}

    # The report, read from the summary, adds up to what the records say.
    for year in (2024, 2025):
        count, total = _record_totals(session, organisation.id, year)
        report = reports.year_report(session=session, actor=as_staff, year=year)
        assert (report.records, report.totals.total) == (count, total)
    assert session.exec(select(MonthSummary).where(MonthSummary.records <= 0)).all() == []


def test_deleting_every_record_of_a_key_removes_its_summary_row(session):
    organisation = make_organisation(session)
    staff = make_user(session, organisation, role="staff")
    make_facilities(session, organisation.id)
    as_staff = Actor.member(organisation.id, staff.id, "staff")
    record = records.create_record(session=session, actor=as_staff, values=year_rows(2025)[2], now=NOW)
    ((*key, count, kg, kg_market),) = summary.as_rows(summary.stored(session, organisation.id))
    assert (count, kg, kg_market) == (1, record.kgco2e, Decimal(0))
    records.delete_record(session=session, actor=as_staff, record_id=record.id, now=NOW)
    assert summary.stored(session, organisation.id) == {}
