"""Regression tests for what a security probe found: inputs that were 500s are clear 4xx errors naming the input."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from accounts import service as accounts
from tests.conftest import csrf_token_from
from tests.factories import DEFAULT_PASSWORD, make_event, make_organisation, make_user

TINY = "1e-130"  # about 130 decimal places: beyond the calculators' exact arithmetic
TINY_INPUTS = [
    ("personal", {"legs": [{"mode": "rail", "distance_km": TINY}]}, "legs[0].distance_km"),
    ("personal", {"home": {"electricity_kwh": TINY, "natural_gas_m3": "3"}}, "home.electricity_kwh"),
    ("personal", {"food": [{"item": "beef", "kg": TINY}]}, "food[0].kg"),
    ("event", {"electricity": [{"quantity": TINY}]}, "electricity[0].quantity"),
    ("enterprise", {"records": [{"type": "electricity", "facility": "HQ", "month": "2025-01", "quantity": TINY}]},
     "records[0].quantity"),
    ("lifestyle", {"commute_mode": "bus", "commute_km_per_day": TINY, "commute_days_per_year": "3"},
     "commute_km_per_day"),
]


@pytest.mark.parametrize(("kind", "body", "field"), TINY_INPUTS)
def test_a_quantity_with_130_decimal_places_is_a_422_naming_the_field(client, kind, body, field):
    response = client.post(f"/api/v1/footprints/{kind}", json=body)
    assert response.status_code == 422, response.get_data(as_text=True)
    assert response.get_json()["error"]["fields"][field] == ["at most 10 decimal places"]


def test_ten_decimal_places_are_still_accepted(client):
    response = client.post("/api/v1/footprints/personal", json={"legs": [{"mode": "rail",
                                                                          "distance_km": "1.0000000001"}]})
    assert response.status_code == 200


@pytest.mark.parametrize("query", ["trip-0-mode=rail_high_speed&trip-0-km=" + TINY, "home-electricity_kwh=" + TINY])
def test_the_calculator_page_shows_a_form_error_for_130_decimal_places(client, query):
    response = client.get(f"/calculator?go=1&{query}")
    assert response.status_code == 422
    assert "at most 10 decimal places" in response.get_data(as_text=True)


def test_a_json_integer_of_5000_digits_is_a_400(client):
    body = '{"legs": [{"mode": "rail", "distance_km": ' + "9" * 5000 + "}]}"
    response = client.post("/api/v1/footprints/personal", data=body, content_type="application/json")
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "bad_request"


@pytest.mark.parametrize("body", ["[" * 1000 + "]" * 1000, '{"legs":' * 1000 + "[]" + "}" * 1000,
                                  "[" * 5000 + "]" * 5000])
def test_json_nested_1000_deep_or_more_is_a_4xx(client, body):
    response = client.post("/api/v1/footprints/event", data=body, content_type="application/json")
    assert response.status_code in (400, 422), response.get_data(as_text=True)
    assert response.get_json()["error"]["code"] in ("bad_request", "validation_error")


@pytest.fixture
def api_key(session):
    org = make_organisation(session)
    _key, secret = accounts.create_api_key(session=session, organisation_id=org.id, name="probe", role="organiser")
    return org, {"Authorization": f"Bearer {secret}"}


def _new_event(**change) -> dict:
    start = date.today() + timedelta(days=60)
    return {"name_zh": "零碳论坛", "name_en": "Forum", "starts_on": start.isoformat(),
            "ends_on": (start + timedelta(days=1)).isoformat(), "venue_name": "会展中心", "city": "成都",
            "expected_attendance": 100, "meeting_type": "conference", **change}


@pytest.mark.parametrize(("change", "field"), [
    ({"ends_on": "9999-12-31"}, "ends_on"),
    ({"closes_at": "0001-01-01T00:00:00+00:00"}, "closes_at"),
    ({"closes_at": "9999-12-31T23:59:59+00:00"}, "closes_at"),
    ({"starts_on": "0001-01-01", "ends_on": "0001-01-01"}, "starts_on"),
])
def test_dates_at_the_calendar_edge_are_a_422_naming_the_field(client, api_key, change, field):
    _org, headers = api_key
    response = client.post("/api/v1/events", json=_new_event(**change), headers=headers)
    assert response.status_code == 422, response.get_data(as_text=True)
    assert field in response.get_json()["error"]["fields"]


@pytest.mark.parametrize("page", ["9999999999999999999", "1000001", "0"])
def test_a_page_number_out_of_range_is_a_422(client, session, api_key, page):
    org, headers = api_key
    event = make_event(session, org)
    response = client.get(f"/api/v1/events/{event.id}/responses?page={page}", headers=headers)
    assert response.status_code == 422
    assert "page" in response.get_json()["error"]["fields"]


def test_a_405_names_the_allowed_methods(client):
    response = client.delete("/api/v1/footprints/personal")
    assert response.status_code == 405
    assert {m.strip() for m in response.headers["Allow"].split(",")} >= {"POST"}


@pytest.mark.parametrize("target", ["/account\r\nSet-Cookie: a=1", "/x\nLocation: http://evil.example",
                                    "/\\evil.example", "//evil.example", "https://evil.example/"])
def test_a_next_with_control_characters_or_another_host_goes_home(client, target):
    response = client.get("/lang/en", query_string={"next": target})
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


@pytest.mark.parametrize("target", ["/account\r\nSet-Cookie: a=1", "/x\nLocation: http://evil.example",
                                    "/\\evil.example"])
def test_login_with_a_next_with_control_characters_redirects_home(client, session, target):
    org = make_organisation(session)
    user = make_user(session, org)
    page = client.get("/login", query_string={"next": target})
    assert page.status_code == 200
    token = csrf_token_from(page.get_data(as_text=True))
    response = client.post("/login", data={"email": user.email, "password": DEFAULT_PASSWORD, "csrf_token": token,
                                           "next": target})
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
