"""Several app instances on one database: a login holds across them, and a rate limit through Redis or, on one
machine without Redis, through the shared counter file."""

from __future__ import annotations

import urllib.error
import urllib.parse
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest

from app import create_app
from db import Database, make_engine
from tests.conftest import TEST_REDIS_URL, login, make_test_settings, migrate_and_publish
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


def _submit(base: str, path: str, csrf: str) -> int:
    body = urllib.parse.urlencode({"csrf_token": csrf, "origin": "上海", "travel_mode": "high_speed_rail",
                                   "trip": "return", "hotel_nights": "1", "meals_bought": "no", "cabin": "economy",
                                   "car_occupancy": "1"}).encode()
    request = urllib.request.Request(base + path, data=body, method="POST", headers={
        "Content-Type": "application/x-www-form-urlencoded"})
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        with opener.open(request, timeout=60) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def test_the_default_set_up_shares_a_rate_limit_between_its_gunicorn_workers(tmp_path):
    # No Redis: `make run`'s configuration. Two real worker processes; 50 phones behind one address answer at
    # once against the attendee limit of 30 a minute per address.
    from bench.bench_meetings import _event, _first_visit
    from bench.common import gunicorn
    from meetings.attendee import IP_RATE_LIMIT

    assert IP_RATE_LIMIT == "30 per minute"
    url = f"sqlite:///{tmp_path / 'shared.sqlite3'}"
    migrate_and_publish(url)
    engine = make_engine(url)
    _event_row, token = _event(engine, expected_attendance=300)
    engine.dispose()
    path = f"/m/{token}"
    with gunicorn("app:create_app()", url, workers=2, extra_env={"RATELIMIT_ENABLED": "true"}) as base:
        csrf = _first_visit(base, path)
        with ThreadPoolExecutor(max_workers=50) as pool:
            statuses = list(pool.map(lambda _: _submit(base, path, csrf), range(50)))
    assert sorted(set(statuses)) == [303, 429], statuses
    assert statuses.count(303) == 30 and statuses.count(429) == 20
