"""Appending to the transparency log: one entry per ledger movement, chained by hash, serialised on one row.

Appends take turns on the single `ledger_head` row (a conditional UPDATE locks it on PostgreSQL; on SQLite the
caller's BEGIN IMMEDIATE already holds the write lock). Locking the last entry would not serialise appends: the
row the next writer needs does not exist yet. The entry's `body` is RFC 8785 canonical JSON, hashed exactly as
stored; amounts are strings or integers, never floats.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from decimal import Decimal
from typing import Any

import rfc8785
from sqlalchemy import update
from sqlmodel import Session

from db import utcnow
from ledger.models import LedgerHead, LogEntry

GENESIS_HASH = "0" * 64
# ex_ante_replacement: ex-ante blocks invalidated and the ex-post blocks issued in their place (ledger.ex_ante).
ENTRY_KINDS = frozenset({"issuance", "transfer", "split", "retirement", "invalidation", "ex_ante_replacement"})


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


def canonical_body(*, seq: int, kind: str, at: str, prev: str, data: dict) -> str:
    return rfc8785.dumps({"seq": seq, "kind": kind, "at": at, "prev": prev, "data": json_safe(data)}).decode()


def entry_hash(body: str) -> str:
    return hashlib.sha256(body.encode()).hexdigest()


def ensure_head(session: Session) -> None:
    """The head row exists from the migration on; tests that build tables from metadata call this."""
    if session.get(LedgerHead, 1) is None:
        session.add(LedgerHead(id=1, size=0, head_hash=GENESIS_HASH))
        session.flush()


def append(session: Session, kind: str, data: dict) -> LogEntry:
    """Append one entry in the caller's transaction (which commits or rolls it back with the movement)."""
    if kind not in ENTRY_KINDS:
        raise ValueError(f"unknown ledger entry kind {kind!r}")
    # Take the head: the UPDATE locks the row until commit, so concurrent appends queue here.
    row = session.execute(
        update(LedgerHead).where(LedgerHead.id == 1).values(size=LedgerHead.size + 1)
        .returning(LedgerHead.size, LedgerHead.head_hash)
    ).one()
    seq, prev = row.size - 1, row.head_hash
    body = canonical_body(seq=seq, kind=kind, at=utcnow().isoformat(), prev=prev, data=data)
    digest = entry_hash(body)
    entry = LogEntry(seq=seq, kind=kind, body=body, prev_hash=prev, entry_hash=digest)
    session.add(entry)
    session.execute(update(LedgerHead).where(LedgerHead.id == 1).values(head_hash=digest))
    session.flush()
    return entry
