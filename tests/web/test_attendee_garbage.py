"""10,000 submissions of garbage to the attendee pages: each is refused with a 4xx (or stored when it happens to
be valid), never a 500."""

from __future__ import annotations

import random
import string

import pytest

from app import create_app
from meetings import badges, links
from tests.conftest import csrf_token_from, make_test_settings
from tests.factories import make_event, make_organisation

SUBMISSIONS = 10_000
SEED = 20261125
FIELDS = ("origin", "origin_choice", "travel_mode", "cabin", "car_fuel", "car_occupancy", "trip", "distance_km",
          "hotel_nights", "meals_vegan", "meals_vegetarian", "meals_poultry", "meals_pork", "meals_beef_lamb",
          "meals_fish", "name")
GOOD = {"origin": ["上海", "Chengdu", "PEK", "Shanghai 上海", "广州", "Kashgar"], "travel_mode": [
    "flight", "high_speed_rail", "rail", "coach", "car", "taxi", "bus", "metro", "motorbike", "walk_cycle"],
    "cabin": ["economy", "business"], "trip": ["return", "one_way"], "car_fuel": ["petrol", "bev", "unknown"]}
ALLOWED = {303, 400, 403, 404, 405, 409, 410, 413, 415, 422, 429}


def _char(rng: random.Random) -> str:
    code = rng.randrange(0x20, 0x2FFFF)
    return chr(code) if not 0xD800 <= code <= 0xDFFF else "\ufffd"  # a client cannot send a lone surrogate


def _garbage(rng: random.Random) -> str:
    kind = rng.randrange(14)
    if kind == 0:
        return ""
    if kind == 1:
        return "".join(rng.choice(string.printable) for _ in range(rng.randrange(1, 40)))
    if kind == 2:
        return "".join(_char(rng) for _ in range(rng.randrange(1, 20)))
    if kind == 3:
        return str(rng.randrange(-10**30, 10**30))
    if kind == 4:
        return rng.choice(["NaN", "-NaN", "Infinity", "-inf", "1e999999", "1E-999999", "0x1F", "1_000", "٣", "²",
                           "1.5e3", "-0", "0.0000000001", " 7 ", "1,5", "true", "null", "[]", "{}"])
    if kind == 5:
        return "x" * rng.choice([101, 201, 5000, 100_000])
    if kind == 6:
        return rng.choice(["\x00", "\ud800".encode("utf-8", "surrogatepass").decode("utf-8", "replace"), "\u202e",
                           "<script>alert(1)</script>", "' OR 1=1 --", "{{7*7}}", "%(origin)s", "../../etc"])
    if kind == 7:
        return str(rng.uniform(-1e6, 1e6))
    if kind == 8:
        return str(rng.randrange(0, 70))
    return rng.choice(sum(GOOD.values(), []))


def _submission(rng: random.Random, csrf: str) -> dict:
    data = {}
    for name in FIELDS:
        roll = rng.random()
        if roll < 0.15:
            continue  # a missing field
        if name in GOOD and roll < 0.55:
            data[name] = rng.choice(GOOD[name])
        elif roll < 0.9:
            data[name] = _garbage(rng)
        else:
            data[name] = [_garbage(rng), _garbage(rng)]  # the same field twice
    if rng.random() < 0.05:
        data[_garbage(rng)[:30] or "extra"] = _garbage(rng)  # a field nobody asked for
    roll = rng.random()
    if roll < 0.9:
        data["csrf_token"] = csrf
    elif roll < 0.95:
        data["csrf_token"] = _garbage(rng)
    return data


@pytest.fixture
def unlimited_client(database, tmp_path):
    # Rate limits off: this test sends far more than an attendee would.
    return create_app(make_test_settings(tmp_path, ratelimit_enabled=False), database=database).test_client()


def test_garbage_answers_get_4xx_never_500(unlimited_client, session):
    client = unlimited_client
    org = make_organisation(session)
    event = make_event(session, org)
    badge_event = make_event(session, org, require_badge_codes=True)
    [badge] = badges.generate_badge_codes(session=session, organisation_id=org.id, event_id=badge_event.id,
                                            count=1)
    token = links.active_link(session=session, organisation_id=org.id, event_id=event.id).token
    paths = [f"/m/{token}"] * 8 + [f"/m/b/{badge.code}", f"/m/{token[:-1]}X", "/m/garbage", "/m/b/ZZZZ"]
    csrf = csrf_token_from(client.get(f"/m/{token}").get_data(as_text=True))
    rng = random.Random(SEED)
    statuses: dict[int, int] = {}
    for n in range(SUBMISSIONS):
        path = rng.choice(paths)
        if n % 500 == 0:
            # Bytes that are not UTF-8, in the body and percent-encoded in a form field.
            body = rng.choice([b"\xff\xfe" * rng.randrange(1, 200), f"csrf_token={csrf}&origin=%ff%fe&travel_mode=%c0"
                               .encode()])
            response = client.post(path, data=body,
                                   content_type=rng.choice(["application/json", "text/plain",
                                                            "application/x-www-form-urlencoded"]))
        elif n % 97 == 0:
            response = client.get(path + "?" + "&".join(f"{k}={_garbage(rng)[:20]}" for k in ("edit", "q")))
        else:
            response = client.post(path, data=_submission(rng, csrf))
        statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
        assert response.status_code in ALLOWED | {200}, (n, path, response.status_code,
                                                           response.get_data(as_text=True)[:300])
        assert response.status_code != 200 or response.request.method == "GET"
    assert statuses.get(422, 0) > SUBMISSIONS // 4  # most garbage reaches validation, not just the CSRF check
    assert 500 not in statuses
