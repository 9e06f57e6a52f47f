"""One short ledger transaction: BEGIN IMMEDIATE on SQLite, retried on serialization failure and deadlock."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import TypeVar

from sqlalchemy.exc import DBAPIError, OperationalError
from sqlmodel import Session

T = TypeVar("T")

MAX_ATTEMPTS = 8
# PostgreSQL (section 13.5): retry serialization failures and deadlocks; both roll the whole transaction back.
RETRYABLE_SQLSTATES = frozenset({"40001", "40P01"})


def _sqlstate(error: DBAPIError) -> str | None:
    original = getattr(error, "orig", None)
    return getattr(original, "sqlstate", None) or getattr(original, "pgcode", None)


def _retryable(error: DBAPIError) -> bool:
    if _sqlstate(error) in RETRYABLE_SQLSTATES:
        return True
    # SQLite: another writer held the lock beyond busy_timeout.
    return isinstance(error, OperationalError) and "database is locked" in str(error.orig)


def begin_write(session: Session) -> None:
    """Start the session's transaction as a writer: on SQLite, BEGIN IMMEDIATE takes the write lock now.

    SQLite's default (deferred) transaction reads first and upgrades to a writer later; two such transactions
    both read the same balance and then one write is refused or, with Python's driver, both succeed in turn
    on stale reads. Taking the lock before the first read serialises ledger writers.
    """
    connection = session.connection()
    if connection.dialect.name != "sqlite":
        return
    dbapi = connection.connection.driver_connection
    if not dbapi.in_transaction:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def run_ledger_transaction(session: Session, work: Callable[[Session], T]) -> T:
    """Run `work` in one transaction that commits all it wrote or none of it, retrying on contention."""
    for attempt in range(1, MAX_ATTEMPTS + 1):
        try:
            begin_write(session)
            result = work(session)
            session.commit()
            return result
        except DBAPIError as error:
            session.rollback()
            if attempt == MAX_ATTEMPTS or not _retryable(error):
                raise
            time.sleep(random.uniform(0, 0.005 * 2 ** attempt))  # noqa: S311 (jitter, not a secret)
        except BaseException:
            session.rollback()
            raise
    raise AssertionError("unreachable")
