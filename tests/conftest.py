"""Fixtures: a fresh database per test (SQLite file, or a rolled-back PostgreSQL transaction), app, client."""

from __future__ import annotations

import os
import re
import shutil
from contextlib import contextmanager
from pathlib import Path

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import text
from sqlmodel import Session

from app import create_app
from db import Database, make_engine
from factors import load_factor_set
from factorsets.service import publish_factor_set
from settings import Settings

ROOT = Path(__file__).resolve().parents[1]
TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL", "")
TEST_REDIS_URL = os.environ.get("TEST_REDIS_URL", "")
BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


def alembic_config(url: str, connection=None) -> Config:
    config = Config(str(ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(ROOT / "migrations"))
    config.attributes["database_url"] = url
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def migrate_and_publish(url: str) -> None:
    """Bring an empty database to head and publish the shipped factor library into it."""
    command.upgrade(alembic_config(url), "head")
    engine = make_engine(url)
    with Session(engine, expire_on_commit=False) as session:
        publish_factor_set(session=session, factor_set=load_factor_set())
    engine.dispose()


def reset_postgres_schema(url: str) -> None:
    engine = make_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.sqlite3"
    migrate_and_publish(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def postgres_engine():
    if not TEST_DATABASE_URL:
        pytest.skip("TEST_DATABASE_URL is not set")
    reset_postgres_schema(TEST_DATABASE_URL)
    migrate_and_publish(TEST_DATABASE_URL)
    engine = make_engine(TEST_DATABASE_URL)
    yield engine
    engine.dispose()


@pytest.fixture(params=BACKENDS)
def committed_database_url(request, tmp_path):
    """A migrated database whose commits are real (no per-test rollback), as a server's would be."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'committed.sqlite3'}"
        migrate_and_publish(url)
        yield url
        return
    if not TEST_DATABASE_URL:
        pytest.skip("TEST_DATABASE_URL is not set")
    with scratch_postgres_database("tanzhong_committed_test") as url:
        migrate_and_publish(url)
        yield url


@pytest.fixture
def committed_engine(committed_database_url):
    """An engine on the committed database with a connection for each of up to 36 threads racing on it."""
    engine = make_engine(committed_database_url, pool_size=32, max_overflow=4)
    yield engine
    engine.dispose()


@contextmanager
def scratch_postgres_database(name: str, server_url: str = TEST_DATABASE_URL):
    """A new, empty PostgreSQL database next to `server_url`'s (TEST_DATABASE_URL's), dropped afterwards."""
    # Prefixed with that database's own name, so that suites on separate test databases never collide.
    name = f"{server_url.rpartition('/')[2]}_{name}"
    admin = make_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        connection.execute(text(f"CREATE DATABASE {name}"))
    try:
        yield f"{server_url.rpartition('/')[0]}/{name}"
    finally:
        with admin.connect() as connection:
            connection.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        admin.dispose()


@pytest.fixture(params=BACKENDS)
def backend(request) -> str:
    return request.param


@pytest.fixture
def database(backend, request, tmp_path):
    """A Database whose sessions see a fresh, migrated database with the factor library published."""
    if backend == "sqlite":
        path = tmp_path / "test.sqlite3"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        engine = make_engine(f"sqlite:///{path}")
        yield Database(engine)
        engine.dispose()
        return
    engine = request.getfixturevalue("postgres_engine")
    connection = engine.connect()
    outer = connection.begin()
    # Every commit inside the test releases a savepoint; the outer transaction is rolled back at the end.
    session = Session(bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False)
    yield Database(engine, session_factory=lambda: session, owns_sessions=False)
    session.close()
    outer.rollback()
    connection.close()


def make_test_settings(tmp_path: Path, **overrides) -> Settings:
    values = dict(env="test", testing=True, secret_key="test-secret-key-0123456789abcdef0123456789",
                  database_url="sqlite://", log_requests=False, instance_dir=tmp_path)
    values.update(overrides)
    return Settings(**values).resolved()


@pytest.fixture
def app(database, tmp_path):
    return create_app(make_test_settings(tmp_path), database=database)


@pytest.fixture
def session(app, database):
    session = database.session_factory()
    yield session
    if database.owns_sessions:
        session.close()


@pytest.fixture
def client(app):
    return app.test_client()


_CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"')


def csrf_token_from(html: str) -> str:
    match = _CSRF.search(html)
    assert match, "the page has no CSRF token"
    return match.group(1) or match.group(2)


def login(client, email: str, password: str):
    page = client.get("/login")
    token = csrf_token_from(page.get_data(as_text=True))
    return client.post("/login", data={"email": email, "password": password, "csrf_token": token})


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    """Say plainly how many tests ran on PostgreSQL, so that a CI log shows it."""
    passed = terminalreporter.stats.get("passed", [])
    on_postgres = [r for r in passed if "postgresql" in r.nodeid]
    if TEST_DATABASE_URL:
        terminalreporter.write_line(f"PostgreSQL: {len(on_postgres)} tests passed against {TEST_DATABASE_URL}")
    else:
        terminalreporter.write_line("PostgreSQL: not tested (TEST_DATABASE_URL is not set)")
