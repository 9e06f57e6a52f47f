"""The inventory API: facilities per organisation, bulk records all or nothing with an idempotency key, the
yearly report, closing a year; another organisation's facility is 404 and a read-only key writes nothing."""

from __future__ import annotations

from decimal import Decimal

import pytest

from accounts import service as accounts
from factors import default_factor_set
from tests.factories import make_organisation
from tests.inventory_data import SITES, expected_totals, year_rows


def _key(session, organisation, role="organiser"):
    _key, secret = accounts.create_api_key(session=session, organisation_id=organisation.id, name="erp", role=role)
    return {"Authorization": f"Bearer {secret}"}


@pytest.fixture
def acme(session, client):
    organisation = make_organisation(session)
    headers = _key(session, organisation)
    for name, province, kind, area, staff in SITES:
        response = client.post("/api/v1/inventory/facilities", headers=headers, json={
            "name": name, "province": province, "facility_type": kind, "floor_area_m2": str(area),
            "headcount": staff})
        assert response.status_code == 201, response.get_json()
    return organisation, headers


def test_bulk_records_are_written_once_per_idempotency_key_and_the_report_adds_them_up(client, acme):
    _org, headers = acme
    rows = year_rows(2025)[:120]
    first = client.post("/api/v1/inventory/records", headers={**headers, "Idempotency-Key": "batch-1"},
                        json={"records": rows})
    assert first.status_code == 201, first.get_json()
    assert first.get_json() == {"imported": 120, "months": ["2025-01", "2025-12"]}
    again = client.post("/api/v1/inventory/records", headers={**headers, "Idempotency-Key": "batch-1"},
                        json={"records": rows})
    assert again.status_code == 201 and again.get_json() == first.get_json()
    other = client.post("/api/v1/inventory/records", headers={**headers, "Idempotency-Key": "batch-1"},
                        json={"records": rows[:1]})
    assert other.status_code == 409
    report = client.get("/api/v1/inventory/reports/2025", headers=headers).get_json()
    assert report["records"] == 120
    expected = expected_totals(rows, default_factor_set())
    assert Decimal(report["totals"]["scope1"]) == expected["scope1"]
    assert Decimal(report["totals"]["scope2_market"]) == expected["scope2_market"]
    closed = client.post("/api/v1/inventory/years/2025/close", headers=headers)
    assert closed.status_code == 200 and closed.get_json()["closed_at"]
    assert client.post("/api/v1/inventory/years/2025/close", headers=headers).status_code == 409


def test_a_bad_record_in_a_bulk_request_writes_nothing_and_is_named_by_its_index(client, acme):
    _org, headers = acme
    rows = year_rows(2025)[:5]
    rows[3] = {**rows[3], "unit": "kWh"}  # diesel in kWh: an energy unit has the IPCC factor, so this computes
    rows[4] = {**rows[4], "unit": "km"}  # refrigerant in km: a distance is not a mass
    response = client.post("/api/v1/inventory/records", headers=headers, json={"records": rows})
    assert response.status_code == 422
    body = response.get_json()["error"]
    assert list(body["fields"]) == ["[4].unit"]
    assert "'km'" in body["fields"]["[4].unit"][0] and "distance" in body["fields"]["[4].unit"][0]
    assert client.get("/api/v1/inventory/reports/2025", headers=headers).get_json()["records"] == 0


def test_another_organisation_sees_no_facility_and_a_read_only_key_writes_nothing(session, client, acme):
    _org, headers = acme
    facility_id = client.get("/api/v1/inventory/facilities", headers=headers).get_json()[0]["id"]
    stranger = make_organisation(session)
    their_headers = _key(session, stranger)
    assert client.get(f"/api/v1/inventory/facilities/{facility_id}", headers=their_headers).status_code == 404
    assert client.get("/api/v1/inventory/facilities", headers=their_headers).get_json() == []
    # Naming our facility in their records is naming an unknown facility.
    response = client.post("/api/v1/inventory/records", headers=their_headers,
                           json={"records": [{**year_rows(2025)[0], "facility": str(facility_id)}]})
    assert response.status_code == 422 and "[0].facility" in response.get_json()["error"]["fields"]
    reader = _key(session, _org, role="read_only")
    assert client.post("/api/v1/inventory/records", headers=reader,
                       json={"records": year_rows(2025)[:1]}).status_code == 403
    assert client.post("/api/v1/inventory/years/2025/close", headers=reader).status_code == 403
