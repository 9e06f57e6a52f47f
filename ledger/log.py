"""Appending to the transparency log: one entry per ledger movement, chained by hash, serialised on one row.

Appends take turns on the single `ledger_head` row (a conditional UPDATE locks it on PostgreSQL; on SQLite the
caller's BEGIN IMMEDIATE already holds the write lock). Locking the last entry would not serialise appends: the
row the next writer needs does not exist yet. The entry's `body` is RFC 8785 canonical JSON, hashed exactly as
stored; amounts are strings or integers, never floats.

On PostgreSQL an append of up to MAX_STATEMENT_ENTRIES entries is one statement: the head's UPDATE computes the
chain's hashes in SQL from the row it locked and the entries are inserted from it, so the head is held only for
that statement and the commit. Elsewhere (SQLite, larger batches) it is two: take the head, then insert the
entries and move the head. Core statements throughout: no ORM unit of work on the hot path. The canonical encoding is
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
import psycopg
import rfc8785
from sqlalchemy import Connection, Dialect, TextClause, text
from sqlalchemy.exc import DBAPIError
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
_MOVE_HEAD = text("UPDATE ledger_head SET head_hash = :digest, prev_hash = :prev WHERE id = 1")


# The movements whose row records the seq of its log entry (append_many's `stamp`).
STAMPED_TABLES = frozenset({"retirement", "credit_issuance", "credit_transfer", "invalidation"})


@functools.cache
def _stamp(table: str):
    return text(f"UPDATE {table} SET log_seq = :stamp_seq WHERE id = :stamp_id")  # noqa: S608 (STAMPED_TABLES)


# PostgreSQL appends at most this many entries in one statement (the chain's SQL grows with its square).
MAX_STATEMENT_ENTRIES = 8
_SEQ_TEXT = '","seq":'


def _chain_sql(prev: str, first_seq: str, count: int) -> list[tuple[str, str, str]]:
    """SQL expressions (body, prev, digest) of `count` chained entries after `prev` (an expression), entry n's
    body being the bound :prefix<n>, its prev hash, '","seq":', its seq and '}' (`canonical_body`'s layout)."""
    chain = []
    for n in range(count):
        body = f"(:prefix{n} || {prev} || '{_SEQ_TEXT}' || ({first_seq} + {n}) || '}}')"
        digest = f"encode(sha256(convert_to({body}, 'UTF8')), 'hex')"
        chain.append((body, prev, digest))
        prev = digest
    return chain


@functools.cache
def _append_statement(count: int, stamp: str | None):
    """PostgreSQL: take the head, insert `count` chained entries and move the head, in one statement.

    The UPDATE locks the head and computes the new head hash from the row it locked: under READ COMMITTED, a
    writer that waited re-reads the row the previous one committed, so the chain always continues from the last
    committed entry. Nothing runs on the client while the head is held but this statement and the commit.
    """
    final = _chain_sql("head_hash", "size", count)[-1][2]
    # Only bound parameters carry values; the text is built from counts and a table of STAMPED_TABLES.
    chain = _chain_sql("moved.prev", "moved.first_seq", count)
    rows = " UNION ALL ".join(f"SELECT moved.first_seq + {n}, :kind{n}, {body}, {prev}, {digest} "  # noqa: S608
                              "FROM moved" for n, (body, prev, digest) in enumerate(chain))
    stamped = (f", stamped AS (UPDATE {stamp} SET log_seq = (SELECT first_seq + {count - 1} "  # noqa: S608
               "FROM moved) WHERE id = :stamp_id)") if stamp else ""
    sql = (f"WITH moved AS (UPDATE ledger_head SET size = size + {count}, prev_hash = head_hash, "  # noqa: S608
           f"head_hash = {final} WHERE id = 1 RETURNING size - {count} AS first_seq, prev_hash AS prev), "
           "entries AS (INSERT INTO ledger_log_entry (seq, kind, body, prev_hash, entry_hash) "
           f"{rows} RETURNING seq, kind, body, prev_hash, entry_hash){stamped} "
           "SELECT seq, kind, body, prev_hash, entry_hash FROM entries ORDER BY seq")
    return text(sql)


@functools.cache
def _with_commit(statement: TextClause, dialect: Dialect) -> str:
    """The statement in the driver's own placeholders, followed by COMMIT."""
    return f"{statement.compile(dialect=dialect)}; COMMIT"


def _execute_and_commit(connection: Connection, statement: TextClause, values: dict) -> list[tuple]:
    """PostgreSQL: run `statement` and COMMIT in one round trip (psycopg binds the values client-side, which
    lets one query hold two statements); the rows of the statement. Errors come wrapped as SQLAlchemy's are."""
    sql = _with_commit(statement, connection.dialect)
    driver = connection.connection.driver_connection
    try:
        with psycopg.ClientCursor(driver) as cursor:
            cursor.execute(sql, values)
            return cursor.fetchall()
    except psycopg.Error as error:
        raise DBAPIError.instance(sql, values, error, psycopg.Error) from error


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


def body_prefix(*, kind: str, at: str, data: dict) -> str:
    """An entry's canonical body up to its prev hash: `{"at":…,"data":…,"kind":…,"prev":"` (keys in RFC 8785's
    order: at, data, kind, prev, seq); the body goes on with prev, '","seq":', seq and '}'."""
    return (f'{{"at":{canonical_json(at).decode()},"data":{canonical_json(json_safe(data)).decode()},'
            f'"kind":{canonical_json(kind).decode()},"prev":"')


def canonical_body(*, seq: int, kind: str, at: str, prev: str, data: dict) -> str:
    """RFC 8785 canonical JSON of {"seq", "kind", "at", "prev", "data"} (tests hold it equal to rfc8785's)."""
    return f"{body_prefix(kind=kind, at=at, data=data)}{prev}{_SEQ_TEXT}{seq}}}"


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


def append(session: Session, kind: str, data: dict, *, commit: bool = False) -> WrittenEntry:
    """Append one entry in the caller's transaction (which commits or rolls it back with the movement)."""
    return append_many(session, [(kind, data)], commit=commit)[0]


def append_many(session: Session, entries: Sequence[tuple[str, dict]], *,
                stamp: tuple[str, int] | None = None, commit: bool = False) -> list[WrittenEntry]:
    """Append entries (kind, data) in this order, taking the head once: the same chain as one append each, with
    one round trip to take the head and one to write the entries and move it, whatever their number.

    `stamp` (table, id): also set that row's `log_seq` to the last entry's seq, in the same statement on
    PostgreSQL (one table of STAMPED_TABLES; the caller's ORM object is not refreshed).

    `commit`: the append is the transaction's last write and the caller commits right after it (as
    `run_ledger_transaction` does). On PostgreSQL the COMMIT then travels with the append, in one round trip:
    the head is released by the server the moment the transaction is durable, never held while this process
    waits for a CPU to send its COMMIT (with many workers on few cores, that wait would hold every other
    writer). The session's own commit afterwards finds nothing left to commit.
    """
    if not entries:
        return []
    for kind, _ in entries:
        if kind not in ENTRY_KINDS:
            raise ValueError(f"unknown ledger entry kind {kind!r}")
    session.flush()  # what the session holds is written first, before the head is taken
    connection = session.connection()  # Core statements on the session's transaction: no ORM execution layer
    if stamp is not None and stamp[0] not in STAMPED_TABLES:
        raise ValueError(f"no log_seq to stamp in table {stamp[0]!r}")
    at = utcnow().isoformat()
    if connection.dialect.name == "postgresql" and len(entries) <= MAX_STATEMENT_ENTRIES:
        values = {"stamp_id": stamp[1]} if stamp else {}
        for n, (kind, data) in enumerate(entries):
            values.update({f"kind{n}": kind, f"prefix{n}": body_prefix(kind=kind, at=at, data=data)})
        statement = _append_statement(len(entries), stamp[0] if stamp else None)
        # Inside a savepoint (a caller's larger transaction) the commit stays the caller's.
        rows = (_execute_and_commit(connection, statement, values)
                if commit and not connection.in_nested_transaction()
                else connection.execute(statement, values).all())
        return [WrittenEntry(*row) for row in rows]
    # Take the head: the UPDATE locks the row until commit, so concurrent appends queue here (on SQLite, the
    # transaction's BEGIN IMMEDIATE already holds the database's write lock).
    size, prev = connection.execute(_TAKE_HEAD, {"count": len(entries)}).one()
    seq = size - len(entries)
    written: list[WrittenEntry] = []
    for kind, data in entries:
        body = canonical_body(seq=seq, kind=kind, at=at, prev=prev, data=data)
        digest = entry_hash(body)
        written.append(WrittenEntry(seq, kind, body, prev, digest))
        seq, prev = seq + 1, digest
    connection.execute(_INSERT_ENTRY, [{"seq": e.seq, "kind": e.kind, "body": e.body, "prev": e.prev_hash,
                                     "digest": e.entry_hash} for e in written])
    connection.execute(_MOVE_HEAD, {"digest": prev, "prev": written[0].prev_hash})
    if stamp:
        connection.execute(_stamp(stamp[0]), {"stamp_seq": written[-1].seq, "stamp_id": stamp[1]})
    return written
