"""Appending to the transparency log: one entry per ledger movement, chained by hash, serialised on one row.

Appends take turns on the single `ledger_head` row (a conditional UPDATE locks it on PostgreSQL; on SQLite the
caller's BEGIN IMMEDIATE already holds the write lock). Locking the last entry would not serialise appends: the
row the next writer needs does not exist yet. The entry's `body` is RFC 8785 canonical JSON, hashed exactly as
stored; amounts are strings or integers, never floats.

An append is two statements under the head's lock (take the head; insert the entry and move the head, one
statement on PostgreSQL), as Core statements: no ORM unit of work on the hot path. The canonical encoding is
orjson's with sorted keys wherever that is byte for byte RFC 8785 (`canonical_json` says where), else rfc8785's.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

import orjson
import rfc8785
from sqlalchemy import text
from sqlmodel import Session

from db import utcnow
from ledger.models import LedgerHead

GENESIS_HASH = "0" * 64
# ex_ante_replacement: ex-ante blocks invalidated and the ex-post blocks issued in their place (ledger.ex_ante).
ENTRY_KINDS = frozenset({"issuance", "transfer", "split", "retirement", "invalidation", "ex_ante_replacement"})
# RFC 8785 section 3.2.2.3 writes numbers as ECMAScript does: integers are exact up to 2**53 - 1 only.
MAX_EXACT_INTEGER = 2 ** 53 - 1

_TAKE_HEAD = text("UPDATE ledger_head SET size = size + :count WHERE id = 1 RETURNING size, head_hash")
_INSERT_ENTRY = text("INSERT INTO ledger_log_entry (seq, kind, body, prev_hash, entry_hash) "
                     "VALUES (:seq, :kind, :body, :prev, :digest)")
_MOVE_HEAD = text("UPDATE ledger_head SET head_hash = :digest WHERE id = 1")


# The movements whose row records the seq of its log entry (append_many's `stamp`).
STAMPED_TABLES = frozenset({"retirement", "credit_issuance", "credit_transfer", "invalidation"})


@functools.cache
def _stamp(table: str):
    return text(f"UPDATE {table} SET log_seq = :stamp_seq WHERE id = :stamp_id")  # noqa: S608 (STAMPED_TABLES)


@functools.cache
def _insert_entries_and_move_head(count: int, stamp: str | None):
    """PostgreSQL: `count` entries, the head's new hash (and the stamp) in one statement, one round trip under
    the lock; a data-modifying WITH runs to completion whether or not the main statement reads it."""
    rows = ", ".join(f"(:seq{n}, :kind{n}, :body{n}, :prev{n}, :digest{n})" for n in range(count))
    stamped = f", stamped AS ({_stamp(stamp).text})" if stamp else ""
    sql = ("WITH entries AS (INSERT INTO ledger_log_entry (seq, kind, body, prev_hash, entry_hash) "  # noqa: S608
           f"VALUES {rows}){stamped} UPDATE ledger_head SET head_hash = :digest WHERE id = 1")  # (placeholders)
    return text(sql)


def json_safe(value: Any) -> Any:
    """Payload values as canonical JSON may carry them: Decimals and datetimes as strings, no floats."""
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(v) for v in value]
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, float):
        raise TypeError("floats are never written to the ledger log; pass a Decimal or a string")
    if hasattr(value, "value") and isinstance(value.value, str):  # enum members
        return value.value
    return value


def _orjson_is_canonical(value: Any) -> bool:
    """Whether orjson with sorted keys writes `value` exactly as RFC 8785 does.

    True for dicts with ASCII string keys (where UTF-8 byte order, orjson's, is UTF-16 code unit order, RFC
    8785's), strings, booleans, None, lists and integers within +-(2**53 - 1); both escape only '"', '\\' and
    control characters, the same way. Floats, other key types and larger integers are left to rfc8785.
    """
    if value is None or isinstance(value, str | bool):
        return True
    if type(value) is int:
        return -MAX_EXACT_INTEGER <= value <= MAX_EXACT_INTEGER
    if type(value) is list:
        return all(_orjson_is_canonical(item) for item in value)
    if type(value) is dict:
        return all(type(key) is str and key.isascii() and _orjson_is_canonical(item) for key, item in value.items())
    return False


def canonical_json(value: Any) -> bytes:
    """RFC 8785 canonical JSON of `value` (tests/unit/test_ledger_canonical.py holds the two encoders equal)."""
    if _orjson_is_canonical(value):
        try:
            return orjson.dumps(value, option=orjson.OPT_SORT_KEYS)
        except orjson.JSONEncodeError:  # a lone surrogate in a string: rfc8785 says what is wrong with it
            pass
    return rfc8785.dumps(value)


def canonical_body(*, seq: int, kind: str, at: str, prev: str, data: dict) -> str:
    return canonical_json({"seq": seq, "kind": kind, "at": at, "prev": prev, "data": json_safe(data)}).decode()


def entry_hash(body: str) -> str:
    return hashlib.sha256(body.encode()).hexdigest()


def ensure_head(session: Session) -> None:
    """The head row exists from the migration on; tests that build tables from metadata call this."""
    if session.get(LedgerHead, 1) is None:
        session.add(LedgerHead(id=1, size=0, head_hash=GENESIS_HASH))
        session.flush()


@dataclass(frozen=True, slots=True)
class WrittenEntry:
    """An entry as append wrote it: LogEntry's columns, without an ORM object (not attached to the session)."""

    seq: int
    kind: str
    body: str
    prev_hash: str
    entry_hash: str


def append(session: Session, kind: str, data: dict) -> WrittenEntry:
    """Append one entry in the caller's transaction (which commits or rolls it back with the movement)."""
    return append_many(session, [(kind, data)])[0]


def append_many(session: Session, entries: Sequence[tuple[str, dict]], *,
                stamp: tuple[str, int] | None = None) -> list[WrittenEntry]:
    """Append entries (kind, data) in this order, taking the head once: the same chain as one append each, with
    one round trip to take the head and one to write the entries and move it, whatever their number.

    `stamp` (table, id): also set that row's `log_seq` to the last entry's seq, in the same statement on
    PostgreSQL (one table of STAMPED_TABLES; the caller's ORM object is not refreshed).
    """
    if not entries:
        return []
    for kind, _ in entries:
        if kind not in ENTRY_KINDS:
            raise ValueError(f"unknown ledger entry kind {kind!r}")
    session.flush()  # what the session holds is written first, before the head is taken
    connection = session.connection()  # Core statements on the session's transaction: no ORM execution layer
    # Take the head: the UPDATE locks the row until commit, so concurrent appends queue here.
    size, prev = connection.execute(_TAKE_HEAD, {"count": len(entries)}).one()
    seq = size - len(entries)
    at = utcnow().isoformat()
    written: list[WrittenEntry] = []
    for kind, data in entries:
        body = canonical_body(seq=seq, kind=kind, at=at, prev=prev, data=data)
        digest = entry_hash(body)
        written.append(WrittenEntry(seq, kind, body, prev, digest))
        seq, prev = seq + 1, digest
    if stamp is not None and stamp[0] not in STAMPED_TABLES:
        raise ValueError(f"no log_seq to stamp in table {stamp[0]!r}")
    last = {"stamp_seq": written[-1].seq, "stamp_id": stamp[1]} if stamp else {}
    if connection.dialect.name == "postgresql":
        values = {"digest": prev, **last}
        for n, e in enumerate(written):
            values.update({f"seq{n}": e.seq, f"kind{n}": e.kind, f"body{n}": e.body, f"prev{n}": e.prev_hash,
                           f"digest{n}": e.entry_hash})
        connection.execute(_insert_entries_and_move_head(len(written), stamp[0] if stamp else None), values)
    else:
        connection.execute(_INSERT_ENTRY, [{"seq": e.seq, "kind": e.kind, "body": e.body, "prev": e.prev_hash,
                                         "digest": e.entry_hash} for e in written])
        connection.execute(_MOVE_HEAD, {"digest": prev})
        if stamp:
            connection.execute(_stamp(stamp[0]), last)
    return written
