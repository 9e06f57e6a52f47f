"""Activity records: enter, change, delete and validate them, each change kept in the append-only history.

Every write keeps the record's line items (inventory.models.RecordLineItem) and the monthly summary that reports
read (inventory.summary) in the same transaction.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import delete, func, insert
from sqlmodel import Session, select

from calculators.footprint import plain
from db import transaction, utcnow
from errors import Conflict, NotFound, ValidationError
from factors import FactorSet, default_factor_set
from inventory import periods, summary
from inventory.entries import FIELD_NAMES, EntryError, clean_entry, compute_entry
from inventory.models import ActivityRecord, Facility, RecordHistory, RecordLineItem
from inventory.rights import Actor

MAX_PAGE_SIZE = 1000
# The columns an entry sets (the rest are computed, or say who and when).
ENTRY_COLUMNS = ("facility_id", "month", "kind", "activity", "quantity", "unit", "treatment", "recycled",
                 "density_kg_per_l", "density_source", "green_kwh", "instrument_type", "certificate_id", "origin",
                 "destination", "distance_km", "round_trip", "cabin", "rail_type", "car_fuel", "car_size",
                 "occupancy", "currency", "data_source", "quality_grade", "evidence_note", "evidence_file")


def facility_index(session: Session, organisation_id: int) -> dict[str, Facility]:
    """The organisation's facilities by name and by id (as text): what an entry may name."""
    index: dict[str, Facility] = {}
    for facility in session.exec(select(Facility).where(Facility.organisation_id == organisation_id)):
        index[facility.name] = facility
        index[str(facility.id)] = facility
    return index


def entry_errors(error: EntryError) -> ValidationError:
    """A ValidationError naming each bad field, its value and the reason (HTTP 422)."""
    fields = {field: [f"{value!r}: {reason}" if value else reason] for field, (value, reason) in
              error.problems.items()}
    first, (value, reason) = next(iter(error.problems.items()))
    return ValidationError(f"{first} {value!r}: {reason}" if value else f"{first}: {reason}", fields=fields)


def record_values(values: Mapping, computed, *, organisation_id: int, entered_by_id: int | None,
                  entered_at: datetime) -> dict:
    """The stored columns of a cleaned and computed entry."""
    row = {name: values.get(name) for name in ENTRY_COLUMNS}
    row.update(organisation_id=organisation_id, entered_by_id=entered_by_id, entered_at=entered_at,
               validated_by_id=None, validated_at=None, compensated_by_certificate=None,
               factor_set=computed.factor_set, scope=computed.scope, ghg_category=computed.ghg_category,
               iso_category=computed.iso_category, kgco2e=computed.kgco2e, kgco2e_market=computed.kgco2e_market)
    return row


LINE_FIELDS = ("scope", "activity", "quantity", "unit", "factor_id", "factor_value", "factor_unit", "kgco2e",
               "source_id", "factor_set")
_LINE_DECIMALS = ("quantity", "factor_value", "kgco2e")


def line_rows(record_id: int, line_items: list[dict]) -> list[dict]:
    """The stored rows of a record's line items (as inventory.entries gives them: decimals as text)."""
    rows = []
    for position, item in enumerate(line_items):
        row = {name: item[name] for name in LINE_FIELDS}
        for name in _LINE_DECIMALS:
            row[name] = Decimal(row[name])
        rows.append({"record_id": record_id, "position": position, **row})
    return rows


def line_items(session: Session, record_ids: Iterable[int]) -> dict[int, list[dict]]:
    """The line items of these records, in the calculator's order: {record id: [{field: text}]}."""
    ids = sorted(set(record_ids))
    out: dict[int, list[dict]] = {record_id: [] for record_id in ids}
    for start in range(0, len(ids), 500):
        query = (select(RecordLineItem).where(RecordLineItem.record_id.in_(ids[start:start + 500]))
                 .order_by(RecordLineItem.record_id, RecordLineItem.position))
        for line in session.exec(query):
            out[line.record_id].append({name: plain(value) if name in _LINE_DECIMALS else value
                                        for name in LINE_FIELDS for value in (getattr(line, name),)})
    return out


def record_line_items(session: Session, record_id: int) -> list[dict]:
    """One record's line items: scope, activity, quantity, unit, factor id, value and unit, kg, source, factor set."""
    return line_items(session, [record_id])[record_id]


def _store_lines(session: Session, record_id: int, items: list[dict]) -> None:
    session.execute(delete(RecordLineItem).where(RecordLineItem.record_id == record_id))
    if items:
        session.execute(insert(RecordLineItem), line_rows(record_id, items))


def add_record(session: Session, record: ActivityRecord, items: list[dict]) -> ActivityRecord:
    """Store a new record with its line items and count it in the monthly summary (in the caller's transaction).

    Every way a record is written goes through here (or, for many at once, through inventory.imports), so that
    the summary reports read stays equal to the records.
    """
    session.add(record)
    session.flush()
    _store_lines(session, record.id, items)
    changes = summary.Changes()
    changes.add_record(record)
    summary.apply(session, changes)
    return record


def snapshot(record: ActivityRecord, items: list[dict]) -> dict:
    """A record and its line items as JSON for the history: every column, Decimals as exact strings."""
    out = {}
    for name in ActivityRecord.model_fields:
        value = getattr(record, name)
        if isinstance(value, Decimal):
            value = plain(value)
        elif isinstance(value, date | datetime):
            value = value.isoformat()
        elif hasattr(value, "value"):
            value = value.value
        out[name] = value
    out["line_items"] = items
    return out


def _history(session: Session, actor: Actor, action: str, record_id: int | None, before: dict | None,
             after: dict | None, reason: str | None, at: datetime) -> None:
    session.add(RecordHistory(organisation_id=actor.organisation_id, record_id=record_id, action=action,
                              user_id=actor.user_id, api_key_id=actor.api_key_id, at=at, before=before,
                              after=after, reason=reason))


def _check_open(session: Session, actor: Actor, months: Iterable[date], reason: str | None) -> None:
    """A closed year is changed only by an admin who gives a reason (which goes into the history)."""
    for year in sorted({month.year for month in months}):
        found = periods.find_year(session, actor.organisation_id, year)
        if found is not None and found.neutralised_certificate:
            raise Conflict(f"the year {year} is neutralised by statement {found.neutralised_certificate}: its "
                           "records no longer change", fields={"month": [f"{year} is neutralised"]},
                           code="year_neutralised")
        if found is not None and found.closed_at is not None:
            if not actor.can("administer"):
                raise Conflict(f"the year {year} is closed: only an admin may change it, with a reason",
                               fields={"month": [f"{year} is closed"]}, code="year_closed")
            if not (reason or "").strip():
                raise ValidationError(f"the year {year} is closed: give the reason for this change",
                                      fields={"reason": ["required to change a closed year"]})


def _prepared(session: Session, actor: Actor, raw: Mapping, factor_set: FactorSet) -> tuple[dict, object]:
    try:
        values = clean_entry(raw, facility_index(session, actor.organisation_id))
        return values, compute_entry(values, values["facility"], factor_set)
    except EntryError as error:
        raise entry_errors(error) from None


def create_record(*, session: Session, actor: Actor, values: Mapping, reason: str | None = None,
                  factor_set: FactorSet | None = None, now: datetime | None = None) -> ActivityRecord:
    """Enter one record; its kg are computed now and kept with it."""
    actor.require("log")
    now = now or utcnow()
    with transaction(session):
        cleaned, computed = _prepared(session, actor, values, factor_set or default_factor_set())
        record = _create(session, actor, cleaned, computed, reason, now)
    return record


def create_compensated_records(*, session: Session, actor: Actor, entries: Iterable[Mapping], certificate: str,
                               reason: str | None = None, factor_set: FactorSet | None = None,
                               now: datetime | None = None) -> list[ActivityRecord]:
    """Enter records already compensated by `certificate` (a meeting's), all or none, through the entry's checks.

    They count in the reports like any record and are subtracted from what a neutralisation of their year covers:
    a tonne is never retired twice for the same travel. An entry whose `evidence_note` is already on a record of
    this certificate in the organisation is refused (the same attendee imported twice).
    """
    actor.require("log")
    now = now or utcnow()
    factor_set = factor_set or default_factor_set()
    with transaction(session):
        known = set(session.exec(select(ActivityRecord.evidence_note).where(
            ActivityRecord.organisation_id == actor.organisation_id,
            ActivityRecord.compensated_by_certificate == certificate)))
        created = []
        for values in entries:
            cleaned, computed = _prepared(session, actor, values, factor_set)
            if cleaned.get("evidence_note") in known:
                raise Conflict(f"{cleaned['evidence_note']} was already imported from certificate {certificate}",
                               fields={"evidence_note": ["already imported"]}, code="already_imported")
            known.add(cleaned.get("evidence_note"))
            created.append(_create(session, actor, cleaned, computed, reason, now,
                                   compensated_by_certificate=certificate))
    return created


def prepare_entry(session: Session, actor: Actor, raw: Mapping, factor_set: FactorSet) -> tuple[dict, object]:
    """An entry checked and computed (EntryError naming each bad field), without writing anything."""
    values = clean_entry(raw, facility_index(session, actor.organisation_id))
    return values, compute_entry(values, values["facility"], factor_set)


def save_entries(*, session: Session, actor: Actor, creates: Iterable[tuple[dict, object]] = (),
                 updates: Iterable[tuple[int, dict, object]] = (), deletes: Iterable[int] = (),
                 reason: str | None = None, now: datetime | None = None) -> tuple[int, int, int]:
    """Create, change and delete prepared entries (prepare_entry) in one transaction: all of them or none.

    Returns (created, updated, deleted). The rules are those of create_record, update_record and delete_record.
    """
    actor.require("log")
    now = now or utcnow()
    counts = [0, 0, 0]
    with transaction(session):
        for record_id, cleaned, computed in updates:
            _change(session, actor, get_record(session=session, actor=actor, record_id=record_id), cleaned, computed,
                    reason, now)
            counts[1] += 1
        for cleaned, computed in creates:
            _create(session, actor, cleaned, computed, reason, now)
            counts[0] += 1
        for record_id in deletes:
            _remove(session, actor, get_record(session=session, actor=actor, record_id=record_id), reason, now)
            counts[2] += 1
    return counts[0], counts[1], counts[2]


def _create(session: Session, actor: Actor, cleaned: dict, computed, reason: str | None, now: datetime,
            **extra) -> ActivityRecord:
    """A new record from a checked entry (with `extra` columns), its line items, summary and history row."""
    _check_open(session, actor, [cleaned["month"]], reason)
    row = record_values(cleaned, computed, organisation_id=actor.organisation_id, entered_by_id=actor.user_id,
                        entered_at=now)
    record = add_record(session, ActivityRecord(**{**row, **extra}), computed.line_items)
    _history(session, actor, "create", record.id, None, snapshot(record, computed.line_items), reason, now)
    return record


def _change(session: Session, actor: Actor, record: ActivityRecord, cleaned: dict, computed, reason: str | None,
            now: datetime) -> None:
    """Replace a record's input and kg, its line items and its place in the summary, with the history's row."""
    if record.compensated_by_certificate:
        raise Conflict(f"record {record.id} comes from meeting certificate {record.compensated_by_certificate}"
                       " and is not edited here", code="compensated_line")
    _check_open(session, actor, [record.month, cleaned["month"]], reason)
    before = snapshot(record, record_line_items(session, record.id))
    changes = summary.Changes()
    changes.remove_record(record)
    row = record_values(cleaned, computed, organisation_id=actor.organisation_id,
                        entered_by_id=record.entered_by_id, entered_at=record.entered_at)
    for name, value in row.items():
        setattr(record, name, value)
    session.add(record)
    session.flush()
    _store_lines(session, record.id, computed.line_items)
    changes.add_record(record)
    summary.apply(session, changes)
    _history(session, actor, "update", record.id, before, snapshot(record, computed.line_items), reason, now)


def _remove(session: Session, actor: Actor, record: ActivityRecord, reason: str | None, now: datetime) -> None:
    """Delete a record (its line items go with it, ON DELETE CASCADE) and take it out of the summary."""
    _check_open(session, actor, [record.month], reason)
    _history(session, actor, "delete", record.id, snapshot(record, record_line_items(session, record.id)), None,
             reason, now)
    changes = summary.Changes()
    changes.remove_record(record)
    session.delete(record)
    session.flush()
    summary.apply(session, changes)


def get_record(*, session: Session, actor: Actor, record_id: int) -> ActivityRecord:
    actor.require("read")
    record = session.exec(select(ActivityRecord).where(ActivityRecord.id == record_id,
                                                       ActivityRecord.organisation_id == actor.organisation_id)
                          ).first()
    if record is None:
        raise NotFound(f"no activity record {record_id} in this organisation")
    return record


def update_record(*, session: Session, actor: Actor, record_id: int, values: Mapping, reason: str | None = None,
                  factor_set: FactorSet | None = None, now: datetime | None = None) -> ActivityRecord:
    """Change a record's input; its kg are computed again. A validated record loses its validation."""
    actor.require("log")
    now = now or utcnow()
    with transaction(session):
        record = get_record(session=session, actor=actor, record_id=record_id)
        cleaned, computed = _prepared(session, actor, values, factor_set or default_factor_set())
        _change(session, actor, record, cleaned, computed, reason, now)
    return record


def delete_record(*, session: Session, actor: Actor, record_id: int, reason: str | None = None,
                  now: datetime | None = None) -> None:
    actor.require("log")
    now = now or utcnow()
    with transaction(session):
        _remove(session, actor, get_record(session=session, actor=actor, record_id=record_id), reason, now)


def validate_records(*, session: Session, actor: Actor, record_ids: Iterable[int],
                     now: datetime | None = None) -> int:
    """Mark records validated by this admin or auditor; returns how many were newly validated."""
    actor.require("validate")
    now = now or utcnow()
    ids = sorted(set(record_ids))
    with transaction(session):
        records = session.exec(select(ActivityRecord).where(
            ActivityRecord.organisation_id == actor.organisation_id, ActivityRecord.id.in_(ids))).all()
        missing = set(ids) - {r.id for r in records}
        if missing:
            raise NotFound(f"no activity record {min(missing)} in this organisation")
        count = 0
        changes = summary.Changes()
        for record in records:
            if record.validated_at is None:
                changes.remove_record(record)
                record.validated_at, record.validated_by_id = now, actor.user_id
                changes.add_record(record)
                session.add(record)
                _history(session, actor, "validate", record.id, None,
                         {"validated_at": now.isoformat(), "validated_by_id": actor.user_id}, None, now)
                count += 1
        session.flush()
        summary.apply(session, changes)
    return count


def list_records(*, session: Session, actor: Actor, facility_id: int | None = None, month: date | None = None,
                 year: int | None = None, offset: int = 0, limit: int = 100) -> tuple[list[ActivityRecord], int]:
    """The organisation's records, newest month first, and how many there are in all."""
    actor.require("read")
    where = [ActivityRecord.organisation_id == actor.organisation_id]
    if facility_id is not None:
        where.append(ActivityRecord.facility_id == facility_id)
    if month is not None:
        where.append(ActivityRecord.month == month)
    if year is not None:
        where += [ActivityRecord.month >= date(year, 1, 1), ActivityRecord.month < date(year + 1, 1, 1)]
    total = session.exec(select(func.count()).select_from(ActivityRecord).where(*where)).one()
    rows = session.exec(select(ActivityRecord).where(*where)
                        .order_by(ActivityRecord.month.desc(), ActivityRecord.id)
                        .offset(offset).limit(min(limit, MAX_PAGE_SIZE))).all()
    return list(rows), total


def history(*, session: Session, actor: Actor, record_id: int | None = None, offset: int = 0,
            limit: int = 100) -> list[RecordHistory]:
    """Changes to the organisation's records, oldest first (all, or one record's)."""
    actor.require("history")
    query = select(RecordHistory).where(RecordHistory.organisation_id == actor.organisation_id)
    if record_id is not None:
        query = query.where(RecordHistory.record_id == record_id)
    return list(session.exec(query.order_by(RecordHistory.id).offset(offset).limit(min(limit, MAX_PAGE_SIZE))))


# What the history shows of a record that was entered or removed, and what it leaves out of a change.
HISTORY_SHOWN = ("month", "facility_id", "kind", "activity", "quantity", "unit", "data_source", "kgco2e")
HISTORY_HIDDEN = ("line_items", "entered_at", "entered_by_id", "id", "organisation_id")


def history_changes(entry: RecordHistory) -> list[tuple[str, object, object]]:
    """(field, before, after) of one history row: a change's differing fields, a new or removed record's main
    fields, an import's file, count and months."""
    before, after = entry.before or {}, entry.after or {}
    if entry.action == "import":
        return [(name, None, "–".join(after[name]) if name == "months" else after.get(name))
                for name in ("file", "records", "months") if name in after]
    if entry.action == "update":
        return [(name, before.get(name), after.get(name)) for name in after
                if name not in HISTORY_HIDDEN and before.get(name) != after.get(name)]
    if entry.action in ("create", "delete"):
        shown = after if entry.action == "create" else before
        return [(name, None if entry.action == "create" else shown.get(name),
                 shown.get(name) if entry.action == "create" else None) for name in HISTORY_SHOWN if name in shown]
    return []


def history_people(session: Session, entries: Iterable[RecordHistory]) -> dict[int, str]:
    """The name and e-mail of each member who made one of these changes: {user id: "name <e-mail>"}."""
    from accounts.models import User

    ids = {entry.user_id for entry in entries if entry.user_id is not None}
    if not ids:
        return {}
    return {user.id: f"{user.display_name} <{user.email}>" for user in session.exec(select(User).where(
        User.id.in_(ids)))}


def entry_of(record: ActivityRecord, facility_name: str) -> dict:
    """A stored record as entry text (what the form and the export show)."""
    out = {}
    for name in FIELD_NAMES:
        value = facility_name if name == "facility" else getattr(record, name, None)
        if name == "month":
            value = record.month.strftime("%Y-%m")
        elif isinstance(value, Decimal):
            value = plain(value)
        elif isinstance(value, bool):
            value = "1" if value else "0"
        elif hasattr(value, "value"):
            value = value.value
        out[name] = "" if value is None else str(value)
    return out
