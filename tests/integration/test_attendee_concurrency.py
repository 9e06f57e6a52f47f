"""Concurrent submissions against a live server on a committed database: one device stores exactly one row, one
badge takes exactly one answer, and each way the database can refuse an answer has its own status."""

from __future__ import annotations

import http.client
import re
import threading
import urllib.parse
from decimal import Decimal
from http.cookies import SimpleCookie

import pytest
from sqlalchemy import delete, func
from sqlmodel import Session, select
from werkzeug.serving import make_server

from app import create_app
from db import Database, make_engine
from errors import ValidationError
from meetings import badges, links, responses
from meetings.models import AttendeeResponse, Event, EventLink
from tests.conftest import make_test_settings
from tests.factories import make_event, make_organisation

ROUNDS = 10
ANSWER = {"origin": "上海", "travel_mode": "high_speed_rail", "trip": "return", "hotel_nights": "2",
          "meals_bought": "no"}


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
    """A new phone opens the form: its cookies (the device's) and the form's signed token."""
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


def _post_together(port: int, path: str, cookies: str | list[str], body: str, count: int) -> list[int]:
    """`count` threads send the same submission at the same instant (a double tap, a retry racing the first);
    `cookies` is one phone's, or a list of one per thread (several phones)."""
    return [status for status, _html in _posts_together(port, path, cookies, body, count)]


def _posts_together(port: int, path: str, cookies: str | list[str], body: str, count: int) -> list[tuple[int, str]]:
    barrier = threading.Barrier(count)
    results: list[tuple[int, str]] = []
    jars = cookies if isinstance(cookies, list) else [cookies] * count

    def submit(jar: str):
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        connection.connect()  # connected before the barrier, so the requests leave together
        barrier.wait()
        connection.request("POST", path, body=body, headers={
            "Cookie": jar, "Content-Type": "application/x-www-form-urlencoded"})
        response = connection.getresponse()
        results.append((response.status, response.read().decode()))
        connection.close()

    threads = [threading.Thread(target=submit, args=(jar,)) for jar in jars]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def test_simultaneous_submissions_from_one_device_store_one_row(live):
    port, engine = live
    with Session(engine, expire_on_commit=False) as session:
        org = make_organisation(session)
        event = make_event(session, org)
        token = links.active_link(session=session, organisation_id=org.id, event_id=event.id).token
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


def test_one_badge_sent_from_several_phones_at_once_takes_one_answer_and_refuses_the_rest_as_used(live):
    port, engine = live
    with Session(engine, expire_on_commit=False) as session:
        org = make_organisation(session)
        event = make_event(session, org, require_badge_codes=True)
        codes = badges.generate_badge_codes(session=session, organisation_id=org.id, event_id=event.id,
                                            count=ROUNDS)
    for badge in codes:
        path = f"/m/b/{badge.code}"
        phones = [_first_visit(port, path) for _ in range(4)]
        body = urllib.parse.urlencode({**ANSWER, "csrf_token": phones[0][1]})
        results = _posts_together(port, path, [cookies for cookies, _token in phones], body, count=len(phones))
        statuses = sorted(status for status, _html in results)
        assert statuses == [303, 409, 409, 409], statuses
        # Whether the refusal came from the check before the write or from the UNIQUE during it, it says why.
        assert all("已被使用" in html for status, html in results if status == 409)
    with Session(engine) as session:
        rows = session.exec(select(AttendeeResponse.badge_code_id).where(AttendeeResponse.event_id == event.id)).all()
    assert sorted(rows) == sorted(badge.id for badge in codes)


@pytest.fixture
def committed_session(committed_database_url):
    engine = make_engine(committed_database_url)
    with Session(engine, expire_on_commit=False) as session:
        yield session
    engine.dispose()


def test_a_meeting_removed_while_its_answer_is_written_is_a_409_not_a_used_badge(committed_session, monkeypatch):
    session = committed_session
    org = make_organisation(session)
    event = make_event(session, org)
    token = links.active_link(session=session, organisation_id=org.id, event_id=event.id).token
    resolve = responses.links.answer_target

    def resolved_then_removed(**kwargs):
        # The organisation's meeting is deleted (another connection, committed) between the check and the write.
        found = resolve(**kwargs)
        with Session(session.get_bind()) as other:
            other.execute(delete(EventLink).where(EventLink.event_id == event.id))
            other.execute(delete(Event).where(Event.id == event.id))
            other.commit()
        return found

    monkeypatch.setattr(responses.links, "answer_target", resolved_then_removed)
    with pytest.raises(responses.AnswerTargetGone) as refused:
        responses.submit_by_link(session=session, token=token, device_token=responses.new_device_token(),
                                 answers={"origin": "上海", "travel_mode": "flight"})
    assert refused.value.status == 409 and refused.value.code == "answer_target_gone"
    assert not isinstance(refused.value, responses.BadgeUsed)


def test_negative_kg_refused_by_the_check_constraint_are_a_422(committed_session, monkeypatch):
    session = committed_session
    org = make_organisation(session)
    event = make_event(session, org)
    token = links.active_link(session=session, organisation_id=org.id, event_id=event.id).token
    parts = responses.footprint_parts
    # A factor set that slipped a sign: the table's CHECK is the last line of defence.
    monkeypatch.setattr(responses, "footprint_parts", lambda footprint: {**parts(footprint), "lodging": Decimal(-1)})
    with pytest.raises(ValidationError) as refused:
        responses.submit_by_link(session=session, token=token, device_token=responses.new_device_token(),
                                 answers={"origin": "上海", "travel_mode": "flight", "hotel_nights": 1})
    assert refused.value.status == 422 and refused.value.code == "answer_kg_negative"
    assert refused.value.fields == {"lodging_kgco2e": ["negative"]}
    assert session.exec(select(func.count()).select_from(AttendeeResponse)).one() == 0
