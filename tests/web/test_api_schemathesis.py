"""schemathesis against /api/v1/openapi.json: every operation, none errors and every response keeps to its schema."""

from __future__ import annotations

import json

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from accounts import service as accounts
from app import create_app
from tests.conftest import make_test_settings
from tests.factories import event_dates, make_attendee_response, make_event, make_organisation
from tests.ledger_factories import give_credits

CHECKS = [schemathesis.checks.not_a_server_error, status_code_conformance, content_type_conformance,
          response_headers_conformance, response_schema_conformance]
OPERATIONS = 29  # a new operation must be counted here, so that it is fuzzed too
EXAMPLES = 40


@pytest.fixture
def api(database, tmp_path):
    # Rate limits off: the fuzzer sends far more requests than a person would.
    app = create_app(make_test_settings(tmp_path, ratelimit_enabled=False), database=database)
    session = database.session_factory()
    org = make_organisation(session)
    # Small ids that the fuzzer will try: events with answers, and the key's own id.
    for _ in range(2):
        make_attendee_response(session, make_event(session, org))
    give_credits(session, org, 50)  # credits to retire, blocks and holdings to list, a log to prove
    _key, secret = accounts.create_api_key(session=session, organisation_id=org.id, name="fuzz", role="organiser")
    return app, schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app), {"Authorization": f"Bearer {secret}"}


def test_every_api_operation_never_errors_and_keeps_to_its_schema(api):
    _app, schema, headers = api
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == OPERATIONS, [op.label for op in operations]
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        def conforms(case):
            case.call_and_validate(headers=headers, checks=CHECKS)

        conforms()


def test_x_pagination_is_the_json_object_its_documentation_describes(api):
    app, _schema, headers = api
    client = app.test_client()
    spec = client.get("/api/v1/openapi.json").get_json()
    documented = (spec["paths"]["/api/v1/events/{event_id}/responses"]["get"]["responses"]["200"]["headers"]
                  ["X-Pagination"])
    assert list(documented["content"]) == ["application/json"]
    properties = spec["components"]["schemas"]["PaginationMetadata"]["properties"]
    day = event_dates(days=1)["starts_on"].isoformat()
    event_id = client.post("/api/v1/events", headers=headers, json={
        "name_zh": "会", "starts_on": day, "ends_on": day, "venue_name": "馆", "city": "广州",
        "expected_attendance": 10}).get_json()["id"]
    response = client.get(f"/api/v1/events/{event_id}/responses?page_size=1", headers=headers)
    metadata = json.loads(response.headers["X-Pagination"])
    assert metadata == {"total": 0, "total_pages": 0}
    assert set(metadata) <= set(properties) and all(properties[k]["type"] == "integer" for k in metadata)
