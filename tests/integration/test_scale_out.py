"""Two app instances on one database and one Redis: a login and a rate limit hold across both."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import text

from app import create_app
from db import Database, make_engine
from tests.conftest import TEST_DATABASE_URL, TEST_REDIS_URL, login, make_test_settings, migrate_and_publish
from tests.factories import DEFAULT_PASSWORD, make_organisation, make_user

SCRATCH_DB = "tanzhong_scale_test"


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def shared_database_url(request, tmp_path):
    """A committed database (no per-test rollback) that several app instances can share."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'shared.sqlite3'}"
        migrate_and_publish(url)
        yield url
        return
    if not TEST_DATABASE_URL:
        pytest.skip("TEST_DATABASE_URL is not set")
    admin = make_engine(TEST_DATABASE_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f"DROP DATABASE IF EXISTS {SCRATCH_DB} WITH (FORCE)"))
        connection.execute(text(f"CREATE DATABASE {SCRATCH_DB}"))
    url = f"{TEST_DATABASE_URL.rpartition('/')[0]}/{SCRATCH_DB}"
    migrate_and_publish(url)
    yield url
    with admin.connect() as connection:
        connection.execute(text(f"DROP DATABASE IF EXISTS {SCRATCH_DB} WITH (FORCE)"))
    admin.dispose()


def _node(url: str, tmp_path, **overrides):
    engine = make_engine(url)
    return create_app(make_test_settings(tmp_path, **overrides), database=Database(engine)), engine


def test_a_login_on_one_node_is_honoured_by_another(shared_database_url, tmp_path):
    node_a, engine_a = _node(shared_database_url, tmp_path)
    node_b, engine_b = _node(shared_database_url, tmp_path)
    with node_a.app_context():
        from db import get_session

        org = make_organisation(get_session())
        user = make_user(get_session(), org)
    client_a = node_a.test_client()
    assert login(client_a, user.email, DEFAULT_PASSWORD).status_code == 302
    client_b = node_b.test_client()
    client_b.set_cookie("session", client_a.get_cookie("session").value)
    assert client_b.get("/account").status_code == 200
    engine_a.dispose()
    engine_b.dispose()


@pytest.mark.skipif(not TEST_REDIS_URL, reason="TEST_REDIS_URL is not set")
def test_a_rate_limit_is_shared_by_nodes_through_redis(shared_database_url, tmp_path):
    # A fresh key prefix per run: the limit counts only this test's requests.
    redis_url = TEST_REDIS_URL
    extra = {"RATELIMIT_KEY_PREFIX": f"test-{uuid.uuid4().hex}"}
    node_a, engine_a = _node(shared_database_url, tmp_path, redis_url=redis_url, login_rate_limit="3 per minute",
                             extra=extra)
    node_b, engine_b = _node(shared_database_url, tmp_path, redis_url=redis_url, login_rate_limit="3 per minute",
                             extra=extra)
    a, b = node_a.test_client(), node_b.test_client()
    statuses = [login(client, "x@example.org", "wrong password").status_code for client in (a, b, a, b)]
    assert statuses == [401, 401, 401, 429]
    engine_a.dispose()
    engine_b.dispose()
