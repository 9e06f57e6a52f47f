"""The meetings API with an organisation API key: create events, list responses (paginated), take snapshots."""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlmodel import select

from accounts import service as accounts
from db import utcnow
from factors import DEFAULT_VERSION
from meetings import links
from meetings.models import Event, EventFootprintSnapshot
from tests.factories import make_attendee_response, make_event, make_organisation

STARTS_ON = utcnow().date() + timedelta(days=45)
ENDS_ON = STARTS_ON + timedelta(days=1)
NEW_EVENT = {"name_zh": "零碳论坛", "name_en": "Zero-Carbon Forum", "starts_on": STARTS_ON.isoformat(),
             "ends_on": ENDS_ON.isoformat(), "venue_name": "成都世纪城国际会议中心", "city": "成都",
             "expected_attendance": 600,
             "meeting_type": "conference", "electricity_kwh": "8000.5", "meals_vegetarian": 400,
             "waste_kg": {"food_drink.composting": "120"}}


def _auth(session, org=None):
    org = org or make_organisation(session)
    _key, secret = accounts.create_api_key(session=session, organisation_id=org.id, name="ci", role="organiser")
    return org, {"Authorization": f"Bearer {secret}"}


def test_an_event_is_created_with_its_public_link(client, session):
    org, headers = _auth(session)
    response = client.post("/api/v1/events", json=NEW_EVENT, headers=headers)
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    [event] = session.exec(select(Event).where(Event.organisation_id == org.id)).all()
    token = links.active_link(session=session, organisation_id=org.id, event_id=event.id).token
    assert body["id"] == event.id and body["public_url"] == f"http://localhost/m/{token}"
    assert (body["province"], body["city_code"], body["meeting_type"]) == ("CN-SC", "cn-510100", "conference")
    assert body["electricity_kwh"] == "8000.5" and body["meals_vegetarian"] == 400
    assert body["closes_at"].startswith(f"{ENDS_ON.isoformat()}T16:00:00")  # midnight after the last day, Beijing
    assert "attendee_travel" in body["boundary"]


@pytest.mark.parametrize(("change", "field"), [
    ({"ends_on": (STARTS_ON - timedelta(days=2)).isoformat()}, "ends_on"),
    ({"city": "Atlantis"}, "city"),
    ({"expected_attendance": 0}, "expected_attendance"),
    ({"meeting_type": "rave"}, "meeting_type"),
    ({"electricity_kwh": "NaN"}, "electricity_kwh"),
    ({"boundary": ["everything"]}, "boundary[0]"),
    ({"surprise": 1}, "surprise"),
])
def test_a_bad_event_is_a_422_naming_the_field(client, session, change, field):
    _org, headers = _auth(session)
    response = client.post("/api/v1/events", json={**NEW_EVENT, **change}, headers=headers)
    assert response.status_code == 422
    assert field in response.get_json()["error"]["fields"], response.get_json()


# A close time a month from the test's clock, written without its time zone.
NO_ZONE = (utcnow() + timedelta(days=30)).replace(tzinfo=None).isoformat(timespec="seconds")


@pytest.mark.parametrize(("change", "field", "message"), [
    ({"ends_on": "9999-12-31"}, "ends_on", "A date from 2000-01-01 to 2099-12-31."),
    ({"starts_on": "0001-01-01"}, "starts_on", "A date from 2000-01-01 to 2099-12-31."),
    ({"closes_at": "0001-01-01T00:00:00+08:00"}, "closes_at", "Answers cannot close before the meeting starts."),
    ({"closes_at": "9999-12-31T23:59:59+00:00"}, "closes_at", "Answers close at most a year after the meeting."),
    ({"closes_at": NO_ZONE}, "closes_at", "A date and time with its time zone."),
    ({"venue_name": " "}, "venue_name", "Required."),
    ({"meals_pork": 1_098_000_001}, "meals_pork", "Between 0 and 1,098,000,000."),
    ({"waste_kg": {"food_drink.composting": "lots"}}, "waste_kg.food_drink.composting", "Enter a number."),
])
def test_dates_at_the_calendar_edge_and_other_bad_values_are_a_422_with_the_rule_in_english(client, session, change,
                                                                                             field, message):
    _org, headers = _auth(session)
    client.set_cookie("lang", "zh_CN")  # the API speaks English whatever the browser's language
    response = client.post("/api/v1/events", json={**NEW_EVENT, **change}, headers=headers)
    assert response.status_code == 422, response.get_json()
    assert response.get_json()["error"]["fields"][field] == [message]
    assert session.exec(select(Event)).all() == []


def test_the_endpoints_need_an_api_key(client, session):
    org = make_organisation(session)
    event = make_event(session, org)
    assert client.post("/api/v1/events", json=NEW_EVENT).status_code == 401
    assert client.get(f"/api/v1/events/{event.id}/responses").status_code == 401
    assert client.post(f"/api/v1/events/{event.id}/snapshots").status_code == 401


def test_responses_are_listed_page_by_page_without_names_or_device_keys(client, session):
    org, headers = _auth(session)
    event = make_event(session, org)
    make_attendee_response(session, event, display_name="李四")
    make_attendee_response(session, event, origin="深圳", travel_mode="car", car_occupancy=3, hotel_nights=0)
    make_attendee_response(session, event, origin="PEK", travel_mode="flight")
    first = client.get(f"/api/v1/events/{event.id}/responses?page=1&page_size=2", headers=headers)
    assert first.status_code == 200
    pagination = json.loads(first.headers["X-Pagination"])
    assert (pagination["total"], pagination["total_pages"], pagination["next_page"]) == (3, 2, 2)
    items = first.get_json()
    assert [item["origin"] for item in items] == ["Shanghai 上海", "Shenzhen 深圳"]
    assert not {"display_name", "device_key_hash", "name"} & set(items[0]) and "李四" not in first.get_data(True)
    car = items[1]
    assert car["travel_mode"] == "car" and car["stratum"] == "same_province" and car["answers"]["car_occupancy"] == 3
    assert Decimal(car["total_kgco2e"]) == Decimal(car["travel_kgco2e"]) and len(car["total_kgco2e"]) > 30
    last = client.get(f"/api/v1/events/{event.id}/responses?page=2&page_size=2", headers=headers).get_json()
    assert [item["origin"][:3] for item in last] == ["PEK"]


def test_a_snapshot_is_taken_and_supersedes_the_last(client, session):
    org, headers = _auth(session)
    event = make_event(session, org)
    make_attendee_response(session, event)
    first = client.post(f"/api/v1/events/{event.id}/snapshots", headers=headers)
    assert first.status_code == 201
    body = first.get_json()
    assert body["is_current"] and body["respondents"] == 1 and body["factor_set"] == DEFAULT_VERSION
    assert body["footprint"]["total_kgco2e"] == body["total_kgco2e"] and body["footprint"]["items"]
    assert body["credits_needed_t"] == body["footprint"]["credits_needed_t"] and "extrapolated" in body["breakdown"]
    second = client.post(f"/api/v1/events/{event.id}/snapshots", headers=headers).get_json()
    listed = client.get(f"/api/v1/events/{event.id}/snapshots", headers=headers).get_json()
    assert [(s["id"], s["is_current"], s["superseded_by_id"]) for s in listed] == [
        (second["id"], True, None), (body["id"], False, second["id"])]
    snapshot = session.get(EventFootprintSnapshot, body["id"])
    assert snapshot.api_key_id is not None and snapshot.taken_by_id is None


def test_another_organisations_event_is_404(client, session):
    owner = make_organisation(session)
    event = make_event(session, owner)
    make_attendee_response(session, event)
    _other, headers = _auth(session)
    assert client.get(f"/api/v1/events/{event.id}/responses", headers=headers).status_code == 404
    assert client.post(f"/api/v1/events/{event.id}/snapshots", headers=headers).status_code == 404
    assert client.get(f"/api/v1/events/{event.id}/snapshots", headers=headers).status_code == 404
    assert session.exec(select(EventFootprintSnapshot)).all() == []


def test_the_endpoints_are_in_the_openapi_document(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    paths = spec["paths"]
    assert {"/api/v1/events", "/api/v1/events/{event_id}/responses", "/api/v1/events/{event_id}/snapshots"} <= set(
        paths)
    assert paths["/api/v1/events"]["post"]["security"] == [{"ApiKeyAuth": []}]
    assert "201" in paths["/api/v1/events/{event_id}/snapshots"]["post"]["responses"]
    assert any(p["name"] == "page_size" for p in paths["/api/v1/events/{event_id}/responses"]["get"]["parameters"])
