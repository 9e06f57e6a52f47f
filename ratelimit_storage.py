"""A rate-limit storage in a SQLite file, so that the gunicorn workers of one machine count together.

flask-limiter's `memory://` storage counts in each worker process: with four workers a limit of 30 a minute
let 120 through. Without Redis, the counters live in a small file under instance/ (its own file, not the
application's database: a counter is written on every limited request and must not wait on a long transaction).
Several machines need Redis (`REDIS_URL`).
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

from limits.storage import Storage

SCHEME = "tanzhong+sqlite"
# Expired counters are deleted now and then, not on every hit.
PURGE_EVERY = 500

_SCHEMA = "CREATE TABLE IF NOT EXISTS counter (key TEXT PRIMARY KEY, hits INTEGER NOT NULL, expires_at REAL NOT NULL)"
# One statement, so one atomic write: a window that has ended starts again at `amount`.
_INCR = """
INSERT INTO counter (key, hits, expires_at) VALUES (:key, :amount, :expires_at)
ON CONFLICT (key) DO UPDATE SET
    hits = CASE WHEN counter.expires_at <= :now THEN excluded.hits ELSE counter.hits + excluded.hits END,
    expires_at = CASE WHEN counter.expires_at <= :now THEN excluded.expires_at ELSE counter.expires_at END
RETURNING hits
"""


class SQLiteStorage(Storage):
    """Fixed-window counters shared by every process that opens the same file."""

    STORAGE_SCHEME = [SCHEME]

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False, **options):
        self.path = Path(urlsplit(uri or "").path)
        if not self.path.name:
            raise ValueError(f"a {SCHEME} storage needs a file: {SCHEME}:///path/to/file")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # Created private before SQLite opens it; SQLite gives its -wal and -shm files the same mode.
        os.close(os.open(self.path, os.O_CREAT | os.O_RDWR, 0o600))
        self._local = threading.local()
        self._writes = 0
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)
        self._connection().execute(_SCHEMA)

    @property
    def base_exceptions(self):
        return sqlite3.Error

    def _connection(self) -> sqlite3.Connection:
        # One connection per thread and per process: a connection must not cross a fork (gunicorn --preload).
        local = self._local
        if getattr(local, "pid", None) != os.getpid():
            connection = sqlite3.connect(self.path, timeout=10, isolation_level=None, check_same_thread=True)
            connection.execute("PRAGMA journal_mode=WAL")
            # A counter lost in a power cut costs nothing worth an fsync per request.
            connection.execute("PRAGMA synchronous=OFF")
            local.connection, local.pid = connection, os.getpid()
        return local.connection

    def incr(self, key: str, expiry: float, amount: int = 1) -> int:
        now = time.time()
        connection = self._connection()
        (hits,) = connection.execute(_INCR, {"key": key, "amount": amount, "expires_at": now + expiry,
                                             "now": now}).fetchone()
        self._writes += 1
        if self._writes % PURGE_EVERY == 0:
            connection.execute("DELETE FROM counter WHERE expires_at <= ?", (now,))
        return hits

    def get(self, key: str) -> int:
        row = self._connection().execute("SELECT hits FROM counter WHERE key = ? AND expires_at > ?",
                                         (key, time.time())).fetchone()
        return row[0] if row else 0

    def get_expiry(self, key: str) -> float:
        row = self._connection().execute("SELECT expires_at FROM counter WHERE key = ? AND expires_at > ?",
                                         (key, time.time())).fetchone()
        return row[0] if row else time.time()

    def check(self) -> bool:
        try:
            self._connection().execute("SELECT 1").fetchone()
        except sqlite3.Error:
            return False
        return True

    def reset(self) -> int | None:
        return self._connection().execute("DELETE FROM counter").rowcount

    def clear(self, key: str) -> None:
        self._connection().execute("DELETE FROM counter WHERE key = ?", (key,))
