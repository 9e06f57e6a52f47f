"""The database engine, one session per request, the transaction helper and shared column types."""

from __future__ import annotations

import enum
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

from flask import Flask, g
from sqlalchemy import Enum as SAEnum
from sqlalchemy import Numeric, String, event
from sqlalchemy.engine import Engine, create_engine, make_url
from sqlalchemy.types import TypeDecorator
from sqlmodel import Session, SQLModel

# Constraint names must be stable so that Alembic migrations can refer to them on every database.
SQLModel.metadata.naming_convention = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """A timestamp stored in UTC and always returned timezone-aware (SQLite forgets the zone)."""

    impl = String(32)
    cache_ok = True

    def load_dialect_impl(self, dialect):
        from sqlalchemy import DateTime

        if dialect.name == "postgresql":
            return dialect.type_descriptor(DateTime(timezone=True))
        return dialect.type_descriptor(String(32))

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored; use UTC-aware values")
        value = value.astimezone(UTC)
        return value if dialect.name == "postgresql" else value.isoformat()

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if isinstance(value, str):
            value = datetime.fromisoformat(value)
        return value.astimezone(UTC)


class ExactDecimal(TypeDecorator):
    """A Decimal stored exactly: unconstrained NUMERIC on PostgreSQL, text on SQLite (whose NUMERIC is a float)."""

    impl = Numeric()
    cache_ok = True

    def load_dialect_impl(self, dialect):
        if dialect.name == "sqlite":
            return dialect.type_descriptor(String(40))
        return dialect.type_descriptor(Numeric())

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        value = Decimal(value)
        return format(value, "f") if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        # No normalize(): it rounds to the context's 28 digits, and stored kg may carry more.
        return value if isinstance(value, Decimal) else Decimal(value)


def checked_enum(enum_class: type[enum.Enum], name: str, length: int) -> SAEnum:
    """An enum column stored as VARCHAR(length) with a CHECK constraint `name` over the members' names.

    Checked text rather than a native PostgreSQL enum, so that a new member needs no ALTER TYPE.
    """
    return SAEnum(enum_class, name=name, native_enum=False, length=length, create_constraint=True)


def make_engine(url: str, **kwargs) -> Engine:
    if url.startswith("sqlite"):
        create_private_file(make_url(url).database)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30}, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True, **kwargs)


def create_private_file(path: str | None) -> None:
    """Create a SQLite file readable by its owner only (mode 0600) before SQLite creates it with the umask's.

    The file holds password hashes and attendees' answers; SQLite gives its -wal and -shm files the same mode.
    """
    if not path or path == ":memory:" or path.startswith("file:"):
        return
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    os.close(os.open(path, os.O_CREAT | os.O_RDWR, 0o600))


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets readers run while one writer writes; foreign keys are off by default in SQLite.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


class Database:
    """The engine and the source of per-request sessions, attached to the app as `app.extensions["db"]`."""

    def __init__(self, engine: Engine, session_factory: Callable[[], Session] | None = None,
                 owns_sessions: bool = True):
        self.engine = engine
        self.session_factory = session_factory or (lambda: Session(engine, expire_on_commit=False))
        self.owns_sessions = owns_sessions

    def init_app(self, app: Flask) -> None:
        app.extensions["db"] = self
        app.teardown_appcontext(self._close_session)

    def _close_session(self, _exc) -> None:
        session = g.pop("db_session", None)
        if session is not None and self.owns_sessions:
            session.close()


def get_session() -> Session:
    """The session of the current request (or CLI command), created on first use."""
    from flask import current_app

    if "db_session" not in g:
        g.db_session = current_app.extensions["db"].session_factory()
    return g.db_session


@contextmanager
def transaction(session: Session) -> Iterator[Session]:
    """Commit what the block wrote, or roll all of it back on any error."""
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
