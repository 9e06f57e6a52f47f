"""The footprint API: the issue's request shape, exact results, and 422s that name the JSON path."""

from __future__ import annotations

import math
from decimal import Decimal

from factors import DEFAULT_VERSION, default_factor_set

REQUEST = {
    "legs": [{"mode": "flight", "from": "PEK", "to": "SHA", "cabin": "economy", "round_trip": False},
             {"mode": "rail", "rail_type": "high_speed", "distance_km": "500"}],
    "lodging": [{"country": "CN", "nights": 2}],
    "meals": {"vegan": 0, "vegetarian": 3, "poultry": 0, "pork": 0, "beef_lamb": 0, "fish": 0},
    "food": [{"item": "beef", "kg": "1"}],
    "home": {"province": "CN-GD", "electricity_kwh": "1000", "natural_gas_m3": "100"},
    "options": {"radiative_forcing": True},
}


def _value(factor_id: str) -> Decimal:
    return default_factor_set().get(factor_id).kgco2e_per_unit


def test_the_personal_request_of_the_issue_gives_exact_line_items_and_total(client):
    response = client.post("/api/v1/footprints/personal", json=REQUEST)
    assert response.status_code == 200
    body = response.json
    expected = {
        "air.intl.economy.with_rf": Decimal("1076.5") * _value("air.intl.economy.with_rf"),
        "cn_hsr_full": Decimal(500) * _value("cn_hsr_full"),
        "hotel.china": 2 * _value("hotel.china"),
        "cn_meal.vegetarian": 3 * _value("cn_meal.vegetarian"),
        "beef_beef_herd": _value("beef_beef_herd"),
        "cn.elec.prov.guangdong.2023": 1000 * _value("cn.elec.prov.guangdong.2023"),
        "cn.fuel.natural_gas.ef": 100 * _value("cn.fuel.natural_gas.ef"),
    }
    got = {item["factor_id"]: Decimal(item["kgco2e"]) for item in body["items"]}
    assert got == expected
    total = sum(expected.values())
    assert Decimal(body["total_kgco2e"]) == total
    assert body["credits_needed_t"] == 2 and body["factor_set"] == DEFAULT_VERSION
    assert sum(Decimal(v) for v in body["by_category"].values()) == total
    flight = body["items"][0]
    assert flight["factor_value"] == "0.13465" and flight["source_id"]
    assert any("radiative forcing" in note for note in flight["notes"])
    assert any("8% distance uplift" in note for note in flight["notes"])


def test_radiative_forcing_can_be_switched_off_and_the_line_says_so(client):
    request = {"legs": [REQUEST["legs"][0]], "options": {"radiative_forcing": False}}
    item = client.post("/api/v1/footprints/personal", json=request).json["items"][0]
    assert item["factor_id"] == "air.intl.economy.without_rf"
    assert any("without radiative forcing" in note for note in item["notes"])


def test_an_unknown_place_is_a_422_naming_the_path_the_value_and_close_matches(client):
    response = client.post("/api/v1/footprints/personal",
                           json={"legs": [{"mode": "flight", "from": "PEK", "to": "Shangai"}]})
    assert response.status_code == 422
    reasons = response.json["error"]["fields"]["legs[0].to"]
    assert "Shangai" in reasons[0] and "Shanghai" in reasons[0]


def test_limits_and_unknown_fields_are_422s_naming_each_json_path(client):
    response = client.post("/api/v1/footprints/personal", json={
        "legs": [{"mode": "rail", "distance_km": "25000.1"}, {"mode": "car", "distance_km": "-1"},
                 {"mode": "bus", "distance_km": "NaN"}],
        "lodging": [{"country": "CN", "nights": 366}],
        "food": [{"item": "beef", "kg": "1", "colour": "red"}],
        "extra": True,
    })
    assert response.status_code == 422
    fields = response.json["error"]["fields"]
    assert {"legs[0].distance_km", "legs[1].distance_km", "legs[2].distance_km", "lodging[0].nights",
            "food[0].colour", "extra"} <= fields.keys()


def test_a_body_that_is_not_json_is_a_clear_4xx(client):
    response = client.post("/api/v1/footprints/personal", data="not json", content_type="application/json")
    assert 400 <= response.status_code < 500
    assert response.json["error"]["message"]


def test_the_event_endpoint_extrapolates_and_neutralises_at_the_upper_end(client):
    responses = [dict(REQUEST, home=None, food=[]) for _ in range(3)]
    for response in responses:
        response.pop("home")
    responses[1] = {"legs": [{"mode": "metro", "distance_km": "20", "round_trip": True}]}
    body = client.post("/api/v1/footprints/event", json={
        "meeting_type": "conference", "attendance": 100, "catering": {"vegetarian": 200},
        "electricity": [{"quantity": "3000", "province": "CN-BJ"}], "responses": responses,
    }).json
    extrapolation = body["extrapolation"]
    assert extrapolation["respondents"] == 3 and Decimal(extrapolation["coverage"]) == Decimal("0.03")
    assert Decimal(extrapolation["low_kgco2e"]) <= Decimal(extrapolation["point_kgco2e"]) <= Decimal(
        extrapolation["high_kgco2e"])
    # The JSON carries 28 significant digits; the calculator keeps more, so compare to 1e-20 kg.
    expected = (Decimal(body["total_kgco2e"]) - Decimal(extrapolation["point_kgco2e"])
                + Decimal(extrapolation["high_kgco2e"]))
    assert abs(Decimal(body["neutralisation_kgco2e"]) - expected) < Decimal("1e-20")
    assert body["credits_needed_t"] == math.ceil(Decimal(body["neutralisation_kgco2e"]) / 1000)


def test_the_enterprise_endpoint_reports_scopes_and_refuses_spend_without_a_factor(client):
    body = client.post("/api/v1/footprints/enterprise", json={"records": [
        {"type": "electricity", "quantity": "10000", "province": "CN-GD", "facility": "HQ", "month": "2025-01"},
        {"type": "refrigerant", "gas": "R-410A", "kg": "2", "facility": "HQ", "month": "2025-01"},
    ]}).json
    assert set(body["by_scope"]) >= {"1", "2-location"}
    assert all(item["iso_category"] for item in body["items"])
    spend = client.post("/api/v1/footprints/enterprise", json={"records": [
        {"type": "purchased_goods_spend", "description": "paper", "amount": "100", "facility": "HQ",
         "month": "2025-02"}]})
    assert spend.status_code == 422 and "spend" in spend.json["error"]["message"]


def test_the_lifestyle_estimate_states_its_assumptions_and_refuses_an_unknown_diet(client):
    body = client.post("/api/v1/footprints/lifestyle", json={
        "diet": "vegetarian", "commute_mode": "metro", "commute_km_per_day": "20", "commute_days_per_year": "230",
        "short_flights_per_year": "2", "province": "CN-BJ", "electricity_kwh_per_year": "2000"}).json
    assert Decimal(body["total_kgco2e"]) == sum(Decimal(i["kgco2e"]) for i in body["items"]) > 0
    assert body["assumptions"]
    bad = client.post("/api/v1/footprints/lifestyle", json={"diet": "carnivore"})
    assert bad.status_code == 422 and "diet" in bad.json["error"]["fields"]


def test_api_errors_keep_their_json_shape_and_english_text(client):
    response = client.post("/api/v1/footprints/personal", json={
        "legs": [{"mode": "flight", "from": "北京", "to": "PEK"}]})
    assert response.status_code == 422
    error = response.json["error"]
    assert set(error) == {"code", "message", "fields"}
    assert error["fields"]["legs[0].to"] == [
        "a flight from Beijing 北京 to PEK Beijing Capital International Airport (Beijing 北京) does not leave the "
        "city: choose another destination"]
    bad = client.post("/api/v1/footprints/personal", json={"food": [{"item": "rice", "kg": "lots"}],
                                                          "meals": {"vegan": 100001}}).json["error"]["fields"]
    assert bad == {"food[0].kg": ["Not a valid number."], "meals.vegan": ["must be between 0 and 100000"]}


def test_home_energy_may_state_its_period_and_the_line_says_it(client):
    home = {"province": "CN-GD", "electricity_kwh": "250", "period": "year"}
    item = client.post("/api/v1/footprints/personal", json={"home": home}).json["items"][0]
    assert item["activity"] == "Electricity, Guangdong grid (one year)" and item["quantity"] == "250"
    assert item["notes"][-1] == "home energy of one year, as entered"
    refused = client.post("/api/v1/footprints/personal", json={"home": {**home, "period": "week"}})
    assert refused.status_code == 422 and "home.period" in refused.json["error"]["fields"]
