"""The monthly entry grid of one facility: its rows, last month's structure, outlier flags, and saving all rows.

A row is one activity record (or a new one): the grid shows the fields a month's entry changes (what, how much,
which unit, where the figure came from) and carries the others (treatment, distance, travel legs...) unchanged.
Saving checks every row through the entry's own rules (inventory.entries) and writes all of them in one
transaction, or none: every error is returned on its row and field. A quantity more than three times the
facility's median for the same activity in its other months is an outlier: it is saved only once confirmed.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from statistics import median

from sqlmodel import Session, select

from errors import DomainError
from factors import FactorSet, default_factor_set
from inventory import records
from inventory.entries import FIELD_NAMES, EntryError
from inventory.models import ActivityRecord, Facility
from inventory.rights import Actor

GRID_FIELDS = ("kind", "activity", "quantity", "unit", "data_source", "evidence_note")
# Fields a row carries unchanged (hidden) besides the grid's: the shape of the activity, not its amount.
CARRIED_FIELDS = tuple(name for name in FIELD_NAMES if name not in GRID_FIELDS + ("facility", "month"))
# Copying last month's structure keeps what the activity is, never how much of it there was.
NOT_COPIED = ("quantity", "green_kwh", "certificate_id", "evidence_note", "evidence_file")
BLANK_ROWS = 3
MAX_ROWS = 300
OUTLIER_FACTOR = Decimal(3)
MIN_MONTHS_FOR_MEDIAN = 2  # a median of one month is that month: too thin to call another month odd
_ROW_FIELD = re.compile(r"^rows-(\d{1,4})-([a-z_]+)$")


@dataclass
class GridRow:
    values: dict[str, str]
    record_id: int | None = None
    errors: dict[str, str] = field(default_factory=dict)  # field (or "row") -> reason
    median: Decimal | None = None  # the facility's monthly median for this activity, when known
    confirmed: bool = False
    compensated_by: str | None = None  # a meeting certificate's line: shown, not edited

    @property
    def is_blank(self) -> bool:
        return not any(self.values.get(name, "").strip() for name in GRID_FIELDS)

    @property
    def outlier(self) -> bool:
        quantity = _quantity(self.values.get("quantity", ""))
        return self.median is not None and quantity is not None and quantity > OUTLIER_FACTOR * self.median


class GridRefused(DomainError):
    """Some rows were refused: nothing was written; each row carries its errors."""

    status = 422
    code = "grid_refused"

    def __init__(self, rows: list[GridRow]):
        self.rows = rows
        bad = [i + 1 for i, row in enumerate(rows) if row.errors]
        super().__init__(f"{len(bad)} row(s) refused, nothing saved: rows {', '.join(map(str, bad[:10]))}")


def _quantity(text: str) -> Decimal | None:
    try:
        value = Decimal(text.replace(",", "").strip())
    except (InvalidOperation, AttributeError):
        return None
    return value if value.is_finite() else None


def activity_key(values: Mapping[str, str]) -> tuple[str, str, str]:
    return (values.get("kind", "").strip().lower(), values.get("activity", "").strip().lower(),
            values.get("unit", "").strip().lower())


def _facility(session: Session, actor: Actor, facility_id: int) -> Facility:
    from inventory.facilities import get_facility

    return get_facility(session=session, actor=actor, facility_id=facility_id)


def _entry(record: ActivityRecord, facility: Facility) -> dict[str, str]:
    return records.entry_of(record, facility.name)


def _month_records(session: Session, actor: Actor, facility: Facility, month: date) -> list[ActivityRecord]:
    return list(session.exec(select(ActivityRecord).where(
        ActivityRecord.organisation_id == actor.organisation_id, ActivityRecord.facility_id == facility.id,
        ActivityRecord.month == month).order_by(ActivityRecord.id)))


def medians(session: Session, actor: Actor, facility: Facility, month: date) -> dict[tuple[str, str, str], Decimal]:
    """The facility's median monthly quantity of each activity over its other months (those with enough months)."""
    monthly: dict[tuple[str, str, str], dict[date, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for kind, activity, unit, quantity, when in session.exec(select(
            ActivityRecord.kind, ActivityRecord.activity, ActivityRecord.unit, ActivityRecord.quantity,
            ActivityRecord.month).where(ActivityRecord.organisation_id == actor.organisation_id,
                                        ActivityRecord.facility_id == facility.id, ActivityRecord.month != month)):
        key = activity_key({"kind": kind.value, "activity": activity, "unit": unit})
        monthly[key][when] += quantity
    return {key: median(sorted(by_month.values())) for key, by_month in monthly.items()
            if len(by_month) >= MIN_MONTHS_FOR_MEDIAN}


def _with_medians(rows: list[GridRow], known: Mapping[tuple[str, str, str], Decimal]) -> list[GridRow]:
    for row in rows:
        row.median = known.get(activity_key(row.values))
    return rows


def _blank() -> GridRow:
    return GridRow(values=dict.fromkeys(GRID_FIELDS, ""))


def month_grid(*, session: Session, actor: Actor, facility_id: int, month: date,
               copy_previous: bool = False) -> list[GridRow]:
    """The month's rows (its records), then last month's structure when asked, then a few blank rows."""
    actor.require("read")
    facility = _facility(session, actor, facility_id)
    rows = [GridRow(values=_entry(r, facility), record_id=r.id, compensated_by=r.compensated_by_certificate)
            for r in _month_records(session, actor, facility, month)]
    if copy_previous:
        rows += previous_structure(session=session, actor=actor, facility=facility, month=month,
                                   present={activity_key(row.values) for row in rows})
    rows += [_blank() for _ in range(BLANK_ROWS)]
    return _with_medians(rows, medians(session, actor, facility, month))


def previous_month(month: date) -> date:
    return date(month.year - 1, 12, 1) if month.month == 1 else date(month.year, month.month - 1, 1)


def previous_structure(*, session: Session, actor: Actor, facility: Facility, month: date,
                       present: set[tuple[str, str, str]] = frozenset()) -> list[GridRow]:
    """Last month's activity rows without their quantities (those already in this month are left out)."""
    rows = []
    for record in _month_records(session, actor, facility, previous_month(month)):
        if record.compensated_by_certificate:
            continue  # a meeting's travel is imported from its certificate, not repeated every month
        values = _entry(record, facility)
        if activity_key(values) in present:
            continue
        for name in NOT_COPIED:
            values[name] = ""
        rows.append(GridRow(values=values))
    return rows


def parse_rows(form: Mapping[str, str], confirmed: set[int] | None = None) -> list[GridRow]:
    """The grid's rows from posted fields named rows-<n>-<field> (n from 0), in order; at most MAX_ROWS."""
    by_index: dict[int, dict[str, str]] = defaultdict(dict)
    for name in form:
        match = _ROW_FIELD.match(name)
        if match and int(match.group(1)) < MAX_ROWS:
            by_index[int(match.group(1))][match.group(2)] = str(form[name] or "")
    rows = []
    for index in sorted(by_index):
        posted = by_index[index]
        record_id = posted.get("id", "").strip()
        values = {name: posted.get(name, "") for name in FIELD_NAMES if name in posted}
        for name in GRID_FIELDS:
            values.setdefault(name, "")
        rows.append(GridRow(values=values, record_id=int(record_id) if record_id.isdigit() else None,
                            confirmed=posted.get("confirm", "") in ("1", "on", "yes")))
    return rows


def save_grid(*, session: Session, actor: Actor, facility_id: int, month: date, rows: list[GridRow],
              reason: str | None = None, factor_set: FactorSet | None = None) -> tuple[int, int, int]:
    """Check every row, then create, change and delete records in one transaction (GridRefused: none written).

    A row with a record id changes that record (emptied, it deletes it); a row without one creates a record; a
    blank new row is skipped. A new or changed quantity that is an outlier needs its row's confirmation.
    """
    actor.require("log")
    factor_set = factor_set or default_factor_set()
    facility = _facility(session, actor, facility_id)
    stored = {r.id: r for r in _month_records(session, actor, facility, month)}
    known = medians(session, actor, facility, month)
    _with_medians(rows, known)
    creates, updates, deletes = [], [], []
    for row in rows:
        record = stored.get(row.record_id) if row.record_id is not None else None
        if row.record_id is not None and record is None:
            row.errors["row"] = "this record is no longer in this facility and month"
            continue
        if record is not None and record.compensated_by_certificate:
            row.compensated_by = record.compensated_by_certificate
            continue  # shown read-only: a meeting certificate's line is never edited in the grid
        if row.is_blank:
            if record is not None:
                deletes.append(record.id)
            continue
        values = {**(_entry(record, facility) if record is not None else {}), **row.values,
                  "facility": str(facility.id), "month": month.strftime("%Y-%m")}
        if record is not None and all(values.get(n, "") == _entry(record, facility).get(n, "")
                                      for n in FIELD_NAMES if n != "facility"):
            continue  # unchanged
        changed_quantity = record is None or values["quantity"] != _entry(record, facility)["quantity"]
        if changed_quantity and row.outlier and not row.confirmed:
            row.errors["quantity"] = "outlier"
        try:
            cleaned, computed = records.prepare_entry(session, actor, values, factor_set)
        except EntryError as error:
            for name, (_value, reason_text) in error.problems.items():
                row.errors[name if name in GRID_FIELDS else "row"] = (
                    reason_text if name in GRID_FIELDS else f"{name}: {reason_text}")
            continue
        if row.errors:
            continue
        if record is None:
            creates.append((cleaned, computed))
        else:
            updates.append((record.id, cleaned, computed))
    if any(row.errors for row in rows):
        raise GridRefused(rows)
    return records.save_entries(session=session, actor=actor, creates=creates, updates=updates, deletes=deletes,
                                reason=reason)
