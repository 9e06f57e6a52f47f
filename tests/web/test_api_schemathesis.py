"""schemathesis against /api/v1/openapi.json: no 500 and no response that breaks its documented schema."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from app import create_app
from tests.conftest import make_test_settings

CHECKS = [schemathesis.checks.not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance]


@pytest.fixture
def api_schema(database, tmp_path):
    # Rate limits off: the fuzzer sends far more requests than a person would.
    app = create_app(make_test_settings(tmp_path, ratelimit_enabled=False), database=database)
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)


def test_the_public_api_never_errors_and_keeps_to_its_schema(api_schema):
    operations = [result.ok() for result in
                  api_schema.include(path_regex=r"^/api/v1/(footprints|factors)").get_all_operations()]
    assert len(operations) == 5
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        def conforms(case):
            case.call_and_validate(checks=CHECKS)

        conforms()
