"""Done when: 50 attendees neutralise at once over HTTP, each pressing twice, against a meeting whose attendee
pool has its last tonne partly allocated, on two gunicorn servers sharing one database: no tonne allocated past
1,000,000 g, each attendee charged once, and the ledger's invariants hold."""

from __future__ import annotations

import base64
import os
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

from itsdangerous import URLSafeTimedSerializer
from sqlalchemy import func
from sqlmodel import Session, select

from app import create_app
from certificates import issuing
from certificates.models import (
    GRAMS_PER_TONNE,
    Allocation,
    Certificate,
    NeutralisationOffer,
    PersonalNeutralisation,
    SharedTonne,
)
from certificates.views import FORM_SALT
from db import Database, make_engine
from ledger.invariants import check_invariants
from meetings.models import AttendeeResponse
from tests.conftest import make_test_settings
from tests.factories import make_attendee_response, make_event, make_organisation
from tests.ledger_factories import give_credits

ATTENDEES = 50
SECRET = "race-test-secret-key-0123456789abcdef-xyz"
PRICE = Decimal("66.60")


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def _post(base: str, response_id: int, token: str, n: int) -> tuple[int, str]:
    body = urllib.parse.urlencode({"form_token": token, "holder_name": f"参会者 {n}", "payment_method": "on_site",
                                   "payment_reference": f"R-{n:03d}"}).encode()
    request = urllib.request.Request(f"{base}/m/neutralise/{response_id}", data=body, method="POST",
                                     headers={"Content-Type": "application/x-www-form-urlencoded"})
    try:
        with urllib.request.build_opener(_NoRedirect).open(request, timeout=120) as response:
            return response.status, response.headers.get("Location", "")
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get("Location", "") or error.read().decode(errors="replace")[:300]


def _world(url: str, tmp_path) -> tuple[list[int], int]:
    """50 answers to a meeting with an offer; one earlier share leaves the pool's last tonne partly allocated."""
    engine = make_engine(url)
    app = create_app(make_test_settings(tmp_path, secret_key=SECRET), database=Database(engine))
    with app.app_context(), Session(engine, expire_on_commit=False) as session:
        org = make_organisation(session)
        give_credits(session, org, 200, start=300_001)
        event = make_event(session, org, expected_attendance=300)
        session.add(NeutralisationOffer(event_id=event.id, price_per_tonne_cny=PRICE))
        session.commit()
        origins = ["上海", "北京", "成都", "深圳", "西安"]
        for n in range(ATTENDEES + 1):
            make_attendee_response(session, event, origin=origins[n % len(origins)], travel_mode="high_speed_rail",
                                   hotel_nights=n % 3)
        ids = list(session.exec(select(AttendeeResponse.id).where(AttendeeResponse.event_id == event.id)
                                .order_by(AttendeeResponse.id)).all())
        signers = issuing.signers_for(app.extensions["settings"], "http://127.0.0.1")
        issuing.neutralise_attendee(session, signers=signers, response_id=ids[0], holder_name="先到者")
        tonne = session.exec(select(SharedTonne)).one()
        assert 0 < tonne.allocated_g < GRAMS_PER_TONNE  # the last tonne is partly allocated
    engine.dispose()
    return ids[1:], event.id


def test_fifty_attendees_at_once_over_http_never_overallocate_a_tonne_and_are_each_charged_once(
        committed_database_url, tmp_path):
    from bench.common import gunicorn

    response_ids, _event_id = _world(committed_database_url, tmp_path)
    signer = URLSafeTimedSerializer(SECRET, salt=FORM_SALT)
    env = {"SECRET_KEY": SECRET, "TANZHONG_ENV": "development",
           "CERTIFICATE_SIGNING_KEY": base64.b64encode(os.urandom(32)).decode(),
           "LEDGER_SIGNING_KEY": base64.b64encode(os.urandom(32)).decode()}
    # Each attendee presses twice: 100 posts at once, split across two servers of two workers each.
    posts = [(response_id, signer.dumps(f"attendee:{response_id}"), n)
             for n, response_id in enumerate(response_ids) for _press in range(2)]
    with gunicorn("app:create_app()", committed_database_url, workers=2, extra_env=env) as first, \
            gunicorn("app:create_app()", committed_database_url, workers=2, extra_env=env) as second:
        bases = [first, second]
        with ThreadPoolExecutor(max_workers=len(posts)) as pool:
            results = list(pool.map(lambda i: _post(bases[i % 2], *posts[i]), range(len(posts))))
    assert [status for status, _ in results] == [303] * len(posts), results
    by_attendee: dict[int, set[str]] = {}
    for (response_id, _token, _n), (_status, location) in zip(posts, results, strict=True):
        by_attendee.setdefault(response_id, set()).add(location)
    assert all(len(locations) == 1 for locations in by_attendee.values())  # the second press: the same certificate
    assert len({next(iter(v)) for v in by_attendee.values()}) == ATTENDEES

    engine = make_engine(committed_database_url)
    with Session(engine) as session:
        rows = session.exec(select(PersonalNeutralisation)).all()
        assert len(rows) == ATTENDEES + 1 and len({r.footprint_id for r in rows}) == ATTENDEES + 1
        assert all(r.amount_cny == (PRICE * r.grams / GRAMS_PER_TONNE).quantize(Decimal("0.01"), "ROUND_CEILING")
                   for r in rows if r.payment_method == "on_site")
        tonnes = session.exec(select(SharedTonne)).all()
        assert max(t.allocated_g for t in tonnes) <= GRAMS_PER_TONNE
        sums = dict(session.exec(select(Allocation.tonne_id, func.sum(Allocation.grams))
                                 .group_by(Allocation.tonne_id)).all())
        assert {t.id: t.allocated_g for t in tonnes if t.allocated_g} == {k: int(v) for k, v in sums.items()}
        assert sum(r.grams for r in rows) == sum(int(v) for v in sums.values())
        # Every tonne but the newest is full: shares fill the partly allocated tonne before retiring another.
        assert sum(1 for t in tonnes if t.allocated_g < GRAMS_PER_TONNE) <= 1
        assert len(session.exec(select(Certificate)).all()) == ATTENDEES + 1
        assert check_invariants(session) == []
    engine.dispose()
