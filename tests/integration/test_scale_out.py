"""Two app instances on one database and one Redis: a login and a rate limit hold across both."""

from __future__ import annotations

import uuid

import pytest

from app import create_app
from db import Database, make_engine
from tests.conftest import TEST_REDIS_URL, login, make_test_settings
from tests.factories import DEFAULT_PASSWORD, make_organisation, make_user


def _node(url: str, tmp_path, **overrides):
    engine = make_engine(url)
    return create_app(make_test_settings(tmp_path, **overrides), database=Database(engine)), engine


def test_a_login_on_one_node_is_honoured_by_another(committed_database_url, tmp_path):
    node_a, engine_a = _node(committed_database_url, tmp_path)
    node_b, engine_b = _node(committed_database_url, tmp_path)
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
def test_a_rate_limit_is_shared_by_nodes_through_redis(committed_database_url, tmp_path):
    # A fresh key prefix per run: the limit counts only this test's requests.
    redis_url = TEST_REDIS_URL
    extra = {"RATELIMIT_KEY_PREFIX": f"test-{uuid.uuid4().hex}"}
    node_a, engine_a = _node(committed_database_url, tmp_path, redis_url=redis_url, login_rate_limit="3 per minute",
                             extra=extra)
    node_b, engine_b = _node(committed_database_url, tmp_path, redis_url=redis_url, login_rate_limit="3 per minute",
                             extra=extra)
    a, b = node_a.test_client(), node_b.test_client()
    statuses = [login(client, "x@example.org", "wrong password").status_code for client in (a, b, a, b)]
    assert statuses == [401, 401, 401, 429]
    engine_a.dispose()
    engine_b.dispose()
