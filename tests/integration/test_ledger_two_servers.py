"""Done when: two gunicorn servers on one PostgreSQL database, 32 concurrent retirements of 7 t against 100 t held,
split across both over HTTP: 14 succeed, 18 get insufficient_credits, no serial twice, and the ledger verifies."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from itertools import pairwise

import pytest
from sqlmodel import Session, select

from accounts import service as accounts
from db import make_engine
from ledger.models import Retirement, RetirementPart
from ledger.verify import verify_ledger
from tests.conftest import TEST_DATABASE_URL, migrate_and_publish, scratch_postgres_database
from tests.factories import give_credits, make_organisation

REQUESTS, TONNES, HELD = 32, 7, 100


def _post(base: str, secret: str, n: int) -> tuple[int, dict]:
    body = json.dumps({"tonnes": TONNES, "subject_kind": "event_snapshot", "subject_id": 1000 + n,
                       "beneficiary": f"客户 {n}", "reason": "并发注销测试"}).encode()
    request = urllib.request.Request(base + "/api/v1/ledger/retirements", data=body, method="POST", headers={
        "Content-Type": "application/json", "Authorization": f"Bearer {secret}",
        "Idempotency-Key": f"two-servers-{n:04d}"})
    try:
        with urllib.request.urlopen(request, timeout=120) as response:  # noqa: S310 (loopback only)
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


@pytest.mark.postgres
@pytest.mark.skipif(not TEST_DATABASE_URL, reason="TEST_DATABASE_URL is not set")
def test_two_servers_retire_exactly_what_is_held_and_never_a_serial_twice():
    from bench.common import gunicorn

    with scratch_postgres_database("ledger_two_servers") as url:
        migrate_and_publish(url)
        engine = make_engine(url)
        with Session(engine, expire_on_commit=False) as session:
            org = make_organisation(session)
            give_credits(session, org, HELD, start=500_001)
            _key, secret = accounts.create_api_key(session=session, organisation_id=org.id, name="load",
                                                   role="organiser")
        with gunicorn("app:create_app()", url, workers=2) as first, gunicorn("app:create_app()", url,
                                                                             workers=2) as second:
            bases = [first, second]
            with ThreadPoolExecutor(max_workers=REQUESTS) as pool:
                results = list(pool.map(lambda n: _post(bases[n % 2], secret, n), range(REQUESTS)))
        statuses = [status for status, _body in results]
        assert statuses.count(201) == HELD // TONNES == 14, statuses
        assert statuses.count(409) == REQUESTS - 14, statuses
        refusals = [body["error"] for status, body in results if status == 409]
        assert {e["code"] for e in refusals} == {"insufficient_credits"}
        assert all(e["held"] < TONNES for e in refusals)
        served = {bases[n % 2] for n, (status, _body) in enumerate(results) if status == 201}
        assert served == set(bases)  # both servers retired some
        with Session(engine) as session:
            parts = session.exec(select(RetirementPart).order_by(RetirementPart.serial_start)).all()
            assert sum(p.quantity for p in parts) == 14 * TONNES
            assert all(a.serial_end < b.serial_start for a, b in pairwise(parts))  # no serial twice
            assert len(session.exec(select(Retirement)).all()) == 14
            report = verify_ledger(session)
            assert report.ok, report.summary()
        engine.dispose()
