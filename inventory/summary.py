"""The monthly summary that yearly reports read: records added up per key, kept in every record write's transaction.

A key is (organisation, facility, month, kind, scope, GHG category, ISO category, grade, validated, compensated,
factor set); its row holds the number of records and the exact sums of their kg (location-based and, for Scope 2,
market-based). A write collects its changes (+1 record here, -1 there) in `Changes` and `apply` adds them with one
upsert per key: PostgreSQL adds NUMERIC exactly; SQLite, whose numbers are floats, adds the decimal text through an
exact function registered on the connection. Concurrent writers meet on the key's row, never lose an addition, and
take keys in sorted order so that two imports do not deadlock.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from decimal import Context, Decimal, Inexact, InvalidOperation, Overflow

from sqlalchemy import bindparam, delete, func, select, update
from sqlmodel import Session

from calculators.footprint import ZERO, dsum
from inventory.models import ActivityRecord, MonthSummary

# Sums far above any record's digits, and Inexact trapped: a sum is exact or an error, never rounded.
_add = Context(prec=200, traps=[Inexact, InvalidOperation, Overflow]).add
KEY_COLUMNS = ("organisation_id", "facility_id", "month", "kind", "scope", "ghg_category", "iso_category",
               "quality_grade", "validated", "compensated", "factor_set")


def record_key(record: ActivityRecord) -> tuple:
    """The summary key of a stored record (as it is now)."""
    return (record.organisation_id, record.facility_id, record.month, str(record.kind), record.scope,
            record.ghg_category, record.iso_category, record.quality_grade, record.validated_at is not None,
            record.compensated_by_certificate is not None, record.factor_set)


class Changes:
    """What a write does to the summary: per key, the change in records and in kg."""

    def __init__(self):
        self.by_key: dict[tuple, list] = {}

    def add(self, key: tuple, kgco2e: Decimal, kgco2e_market: Decimal | None, records: int = 1) -> None:
        """Count `records` more (or fewer, when negative) records with these kg under `key`."""
        change = self.by_key.get(key)
        if change is None:
            self.by_key[key] = [records, kgco2e, kgco2e_market or ZERO]
            return
        change[0] += records
        change[1] = _add(change[1], kgco2e)
        if kgco2e_market is not None:
            change[2] = _add(change[2], kgco2e_market)

    def add_record(self, record: ActivityRecord) -> None:
        self.add(record_key(record), record.kgco2e, record.kgco2e_market)

    def remove_record(self, record: ActivityRecord) -> None:
        self.add(record_key(record), -record.kgco2e,
                 None if record.kgco2e_market is None else -record.kgco2e_market, records=-1)


def _exact_add(a: str | None, b: str | None) -> str | None:
    if a is None or b is None:
        return a if b is None else b
    return format(dsum((Decimal(a), Decimal(b))), "f")


def register_exact_add(session: Session) -> None:
    """Make exact_add(a, b), the exact sum of two decimal texts, callable on this session's SQLite connection."""
    session.connection().connection.driver_connection.create_function("exact_add", 2, _exact_add,
                                                                       deterministic=True)


def apply(session: Session, changes: Changes) -> None:
    """Add the changes to the stored summary (inside the caller's transaction); rows left with no record go."""
    if not changes.by_key:
        return
    table = MonthSummary.__table__
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert

        def add(column, new):
            return column + new
    else:
        from sqlalchemy.dialects.sqlite import insert

        register_exact_add(session)

        def add(column, new):
            return func.exact_add(column, new)

    new = {"records": table.c.records + bindparam("d_records"),
           "kgco2e": add(table.c.kgco2e, bindparam("d_kgco2e", type_=table.c.kgco2e.type)),
           "kgco2e_market": add(table.c.kgco2e_market, bindparam("d_kgco2e_market", type_=table.c.kgco2e.type))}
    rows = [dict(zip(KEY_COLUMNS, key, strict=True), d_records=records, d_kgco2e=kg, d_kgco2e_market=kg_market)
            for key, (records, kg, kg_market) in sorted(changes.by_key.items(), key=_sort_key)]
    # Fewer records (or as many) under a key: its row exists, and is updated. More: it is inserted or updated.
    # (SQLite checks `records >= 0` on the row an upsert would insert, before it sees the conflict.)
    fewer = [row for row in rows if row["d_records"] <= 0]
    more = [row for row in rows if row["d_records"] > 0]
    if fewer:
        session.execute(update(table).where(*(table.c[name] == bindparam("k_" + name) for name in KEY_COLUMNS))
                        .values(new), [{**{"k_" + name: row[name] for name in KEY_COLUMNS}, **{
                            name: row[name] for name in ("d_records", "d_kgco2e", "d_kgco2e_market")}}
                                       for row in fewer])
    if more:
        statement = insert(table)
        excluded = statement.excluded
        statement = statement.on_conflict_do_update(index_elements=list(KEY_COLUMNS), set_={
            "records": table.c.records + excluded.records,
            "kgco2e": add(table.c.kgco2e, excluded.kgco2e),
            "kgco2e_market": add(table.c.kgco2e_market, excluded.kgco2e_market)})
        session.execute(statement, [{**{name: row[name] for name in KEY_COLUMNS}, "records": row["d_records"],
                                     "kgco2e": row["d_kgco2e"], "kgco2e_market": row["d_kgco2e_market"]}
                                    for row in more])
    organisations = sorted({key[0] for key in changes.by_key})
    session.execute(delete(table).where(table.c.organisation_id.in_(organisations), table.c.records == 0))


def _sort_key(item: tuple) -> tuple:
    return tuple("" if value is None else value for value in item[0])


def stored(session: Session, organisation_id: int) -> dict[tuple, tuple[int, Decimal, Decimal]]:
    """The stored summary of an organisation: key -> (records, kg, market kg)."""
    columns = [getattr(MonthSummary, name) for name in KEY_COLUMNS]
    rows = session.execute(select(*columns, MonthSummary.records, MonthSummary.kgco2e, MonthSummary.kgco2e_market)
                           .where(MonthSummary.organisation_id == organisation_id))
    return {_normal(row[:-3]): (row[-3], row[-2], row[-1]) for row in rows}


def recomputed(session: Session, organisation_id: int) -> dict[tuple, tuple[int, Decimal, Decimal]]:
    """The summary as the organisation's records give it now: what `stored` must equal."""
    changes = Changes()
    query = select(ActivityRecord.organisation_id, ActivityRecord.facility_id, ActivityRecord.month,
                   ActivityRecord.kind, ActivityRecord.scope, ActivityRecord.ghg_category, ActivityRecord.iso_category,
                   ActivityRecord.quality_grade, ActivityRecord.validated_at.is_not(None),
                   ActivityRecord.compensated_by_certificate.is_not(None), ActivityRecord.factor_set,
                   ActivityRecord.kgco2e, ActivityRecord.kgco2e_market).where(
        ActivityRecord.organisation_id == organisation_id)
    for row in session.execute(query):
        changes.add(_normal(row[:-2]), row[-2], row[-1])
    return {key: tuple(change) for key, change in changes.by_key.items()}


def rebuild(session: Session, organisation_ids: Iterable[int]) -> None:
    """Replace the stored summary of these organisations by the recomputation (inside the caller's transaction)."""
    for organisation_id in organisation_ids:
        session.execute(delete(MonthSummary).where(MonthSummary.organisation_id == organisation_id))
        changes = Changes()
        for key, (records, kg, kg_market) in recomputed(session, organisation_id).items():
            changes.add(key, kg, kg_market, records=records)
        apply(session, changes)


def _normal(key: Iterable) -> tuple:
    values = list(key)
    values[3] = str(values[3])  # the activity kind, as its text
    values[8], values[9] = bool(values[8]), bool(values[9])
    if not isinstance(values[2], date):
        values[2] = date.fromisoformat(str(values[2]))
    return tuple(values)


def as_rows(summary: Mapping[tuple, tuple]) -> list[tuple]:
    """A summary as sorted (key..., records, kg, market kg) tuples: easy to compare and to show."""
    return sorted(((*key, *value) for key, value in summary.items()), key=lambda row: tuple(map(str, row)))
