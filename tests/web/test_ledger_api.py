"""The ledger API: public projects and retirements, the caller's blocks and holdings, retiring with 201/409/422."""

from __future__ import annotations

import json

import pytest
from sqlmodel import select

from accounts import service as accounts
from accounts.models import Role
from ledger.models import Retirement
from tests.conftest import csrf_token_from, login
from tests.factories import DEFAULT_PASSWORD, give_credits, make_organisation, make_user


@pytest.fixture
def world(session):
    org = make_organisation(session)
    other = make_organisation(session)
    project, _block = give_credits(session, org, 20, start=101)
    give_credits(session, other, 5, project=project, start=901)
    _key, secret = accounts.create_api_key(session=session, organisation_id=org.id, name="erp", role="organiser")
    _key, read_only = accounts.create_api_key(session=session, organisation_id=org.id, name="bi")
    _key, other_secret = accounts.create_api_key(session=session, organisation_id=other.id, name="x",
                                                 role="organiser")
    return {"org": org, "other": other, "project": project, "auth": {"Authorization": f"Bearer {secret}"},
            "read_only": {"Authorization": f"Bearer {read_only}"},
            "other_auth": {"Authorization": f"Bearer {other_secret}"}}


def _retire(client, headers, **overrides):
    body = {"tonnes": 7, "subject_kind": "event_snapshot", "subject_id": 42, "beneficiary": "某公司",
            "reason": "年会碳中和"}
    body.update(overrides)
    return client.post("/api/v1/ledger/retirements", json=body, headers=headers)


def test_projects_are_public(client, world):
    listed = client.get("/api/v1/ledger/projects").get_json()
    assert [p["registry_project_id"] for p in listed] == [world["project"].registry_project_id]
    one = client.get(f"/api/v1/ledger/projects/{world['project'].id}").get_json()
    assert one["methodology_id"] == "CCER-14-001-V01" and one["province"] == "CN-JX"
    assert client.get("/api/v1/ledger/projects/999999").get_json()["error"]["code"] == "not_found"


def test_blocks_and_holdings_are_the_callers_own(client, world):
    blocks = client.get("/api/v1/ledger/blocks", headers=world["auth"])
    assert [(b["serial_start"], b["serial_end"], b["status"]) for b in blocks.get_json()] == [(101, 120, "held")]
    assert json.loads(blocks.headers["X-Pagination"])["total"] == 1
    other = client.get("/api/v1/ledger/holdings", headers=world["other_auth"]).get_json()
    assert [(h["vintage"], h["tonnes"]) for h in other] == [(2021, 5)]
    assert client.get("/api/v1/ledger/holdings").status_code == 401


def test_a_retirement_is_201_with_its_serial_ranges_and_the_same_key_returns_it_again(client, session, world):
    headers = {**world["auth"], "Idempotency-Key": "order-2026-0001"}
    first = _retire(client, headers)
    assert first.status_code == 201
    body = first.get_json()
    assert body["tonnes"] == 7 and [(p["serial_start"], p["serial_end"], p["quantity"]) for p in body["parts"]] == [
        (101, 107, 7)]
    assert len(body["entry_hash"]) == 64 and body["url"].endswith(f"/ledger/retirements/{body['public_id']}")
    again = _retire(client, headers)
    assert again.status_code == 201 and again.get_json()["public_id"] == body["public_id"]
    assert len(session.exec(select(Retirement)).all()) == 1
    public = client.get(f"/api/v1/ledger/retirements/{body['public_id']}").get_json()
    assert public["parts"] == body["parts"]
    listed = client.get("/api/v1/ledger/retirements?subject_kind=event_snapshot")
    assert [r["public_id"] for r in listed.get_json()] == [body["public_id"]]
    assert json.loads(listed.headers["X-Pagination"])["total"] == 1


def test_retiring_more_than_held_is_409_insufficient_credits_naming_the_tonnes_held(client, world):
    response = _retire(client, {**world["other_auth"], "Idempotency-Key": "too-many-0001"}, tonnes=6)
    assert response.status_code == 409
    error = response.get_json()["error"]
    assert error["code"] == "insufficient_credits"
    assert error["held"] == 5 and error["requested"] == 6 and error["fields"]["held"] == ["5"]


def test_invalid_input_is_422_naming_each_field(client, world):
    response = _retire(client, {**world["auth"], "Idempotency-Key": "bad-input-0001"}, tonnes=0,
                       subject_kind="planet", beneficiary=" ", policy="cheapest")
    assert response.status_code == 422
    fields = response.get_json()["error"]["fields"]
    assert {"tonnes", "subject_kind", "beneficiary", "policy"} <= set(fields)
    no_key = _retire(client, world["auth"])
    assert no_key.status_code == 422 and "idempotency_key" in no_key.get_json()["error"]["fields"]
    short_key = _retire(client, {**world["auth"], "Idempotency-Key": "x"})
    assert short_key.status_code == 422 and "idempotency_key" in short_key.get_json()["error"]["fields"]


def test_a_read_only_key_may_not_retire(client, world):
    assert _retire(client, {**world["read_only"], "Idempotency-Key": "read-only-0001"}).status_code == 403


def test_a_signed_in_organiser_retires_with_the_pages_csrf_token_only(client, session, world):
    user = make_user(session, world["org"], role=Role.organiser)
    login(client, user.email, DEFAULT_PASSWORD)
    refused = _retire(client, {"Idempotency-Key": "session-0001"})
    assert refused.status_code == 400 and refused.get_json()["error"]["code"] == "csrf_failed"
    token = csrf_token_from(client.get("/ledger/holdings").get_data(as_text=True))
    done = _retire(client, {"Idempotency-Key": "session-0001", "X-CSRFToken": token})
    assert done.status_code == 201
    assert session.exec(select(Retirement)).one().recorded_by_id == user.id
