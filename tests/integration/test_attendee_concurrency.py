"""Concurrent submissions from one device against a live server on a committed database store exactly one row."""

from __future__ import annotations

import http.client
import re
import threading
import urllib.parse
from http.cookies import SimpleCookie

import pytest
from sqlalchemy import func
from sqlmodel import Session, select
from werkzeug.serving import make_server

from app import create_app
from db import Database, make_engine
from meetings import service as meetings
from meetings.models import AttendeeResponse
from tests.conftest import make_test_settings
from tests.factories import make_event, make_organisation

ROUNDS = 10
ANSWER = {"origin": "上海", "travel_mode": "high_speed_rail", "trip": "return", "hotel_nights": "2"}


@pytest.fixture
def live(committed_database_url, tmp_path):
    engine = make_engine(committed_database_url)
    # Limits off: the point is two requests at the same instant, not how many a minute.
    app = create_app(make_test_settings(tmp_path, ratelimit_enabled=False), database=Database(engine))
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_port, engine
    server.shutdown()
    engine.dispose()


def _first_visit(port: int, path: str) -> tuple[str, str]:
    """A new phone opens the form: its cookies (session and device) and the form's CSRF token."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection.request("GET", path)
    response = connection.getresponse()
    html = response.read().decode()
    assert response.status == 200
    jar = SimpleCookie()
    for header in response.headers.get_all("Set-Cookie"):
        jar.load(header)
    connection.close()
    cookies = "; ".join(f"{name}={morsel.value}" for name, morsel in jar.items())
    return cookies, re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)


def _post_together(port: int, path: str, cookies: str, body: str, count: int) -> list[int]:
    """`count` threads send the same submission at the same instant (a double tap, a retry racing the first)."""
    barrier = threading.Barrier(count)
    statuses: list[int] = []

    def submit():
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        connection.connect()  # connected before the barrier, so the requests leave together
        barrier.wait()
        connection.request("POST", path, body=body, headers={
            "Cookie": cookies, "Content-Type": "application/x-www-form-urlencoded"})
        response = connection.getresponse()
        response.read()
        statuses.append(response.status)
        connection.close()

    threads = [threading.Thread(target=submit) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return statuses


def test_simultaneous_submissions_from_one_device_store_one_row(live):
    port, engine = live
    with Session(engine, expire_on_commit=False) as session:
        org = make_organisation(session)
        event = make_event(session, org)
        token = meetings.active_link(session=session, organisation_id=org.id, event_id=event.id).token
    path = f"/m/{token}"
    for round_ in range(ROUNDS):
        cookies, csrf = _first_visit(port, path)
        body = urllib.parse.urlencode({**ANSWER, "hotel_nights": str(round_ % 3), "csrf_token": csrf})
        statuses = _post_together(port, path, cookies, body, count=2 if round_ < ROUNDS - 1 else 8)
        assert set(statuses) == {303}, statuses
    with Session(engine) as session:
        rows = session.exec(select(func.count()).select_from(AttendeeResponse)
                            .where(AttendeeResponse.event_id == event.id)).one()
        devices = session.exec(select(func.count(func.distinct(AttendeeResponse.device_key_hash)))
                               .where(AttendeeResponse.event_id == event.id)).one()
    assert rows == devices == ROUNDS  # one row per phone, however many of its requests raced
