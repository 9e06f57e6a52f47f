"""Regression tests for what a security probe found: inputs that were 500s are clear 4xx errors naming the input."""

from __future__ import annotations

import os
from datetime import date, timedelta
from decimal import Decimal

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
    assert "最多 10 位小数" in response.get_data(as_text=True)


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


# ---- behind a proxy: the public address and the client's address ------------------------------------------------


def _app_with(database, tmp_path, **settings):
    from app import create_app
    from tests.conftest import make_test_settings

    return create_app(make_test_settings(tmp_path, **settings), database=database)


def test_a_forged_host_never_reaches_a_printed_qr_code_or_an_api_link(database, session, tmp_path):
    import io

    import zxingcpp
    from PIL import Image

    from meetings import links

    app = _app_with(database, tmp_path, public_base_url="https://tanzhong.example.cn")
    client = app.test_client()
    org = make_organisation(session)
    user = make_user(session, org)
    login_page = client.get("/login", headers={"Host": "evil.example"})
    client.post("/login", headers={"Host": "evil.example"}, data={
        "email": user.email, "password": DEFAULT_PASSWORD, "csrf_token": csrf_token_from(login_page.get_data(
            as_text=True))})
    event = make_event(session, org)
    token = links.active_link(session=session, organisation_id=org.id, event_id=event.id).token
    png = client.get(f"/events/{event.id}/qr.png", headers={"Host": "evil.example"}).data
    [code] = zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))
    assert code.text == f"https://tanzhong.example.cn/m/{token}"
    poster = client.get(f"/events/{event.id}/poster", headers={"Host": "evil.example"}).get_data(as_text=True)
    assert f"https://tanzhong.example.cn/m/{token}" in poster and "evil.example" not in poster
    _key, secret = accounts.create_api_key(session=session, organisation_id=org.id, name="ci", role="organiser")
    created = client.post("/api/v1/events", json=_new_event(), headers={
        "Host": "evil.example", "Authorization": f"Bearer {secret}"})
    assert created.status_code == 201
    assert created.get_json()["public_url"].startswith("https://tanzhong.example.cn/m/")


def test_forwarded_headers_are_believed_for_the_configured_hops_only(database, tmp_path):
    from flask import request

    seen = {}
    for hops in (0, 1, 2):
        app = _app_with(database, tmp_path, trusted_proxy_hops=hops)

        @app.get("/_probe_client")
        def _probe_client():
            seen[hops] = (request.remote_addr, request.scheme)
            return ""

        # A client forges the first address; proxy 1 appends the client's (203.0.113.9) and the scheme, and
        # proxy 2 (10.0.0.2) appends proxy 1's address (10.0.0.1) and the scheme it was reached by.
        app.test_client().get("/_probe_client", environ_base={"REMOTE_ADDR": "10.0.0.2"}, headers={
            "X-Forwarded-For": "6.6.6.6, 203.0.113.9, 10.0.0.1", "X-Forwarded-Proto": "https, https"})
    assert seen[0] == ("10.0.0.2", "http")
    assert seen[1] == ("10.0.0.1", "https")
    assert seen[2] == ("203.0.113.9", "https")


def test_the_login_rate_limit_counts_the_forwarded_client_behind_one_proxy(database, session, tmp_path):
    from tests.conftest import login

    app = _app_with(database, tmp_path, trusted_proxy_hops=1, login_rate_limit="2 per minute")
    statuses = {}
    for client_address in ("198.51.100.1", "198.51.100.2"):
        client = app.test_client()
        client.environ_base.update({"REMOTE_ADDR": "127.0.0.1", "HTTP_X_FORWARDED_FOR": client_address})
        statuses[client_address] = [login(client, "x@example.org", "wrong password").status_code for _ in range(3)]
    assert statuses == {"198.51.100.1": [401, 401, 429], "198.51.100.2": [401, 401, 429]}


# ---- settings: production refuses what is unsafe; secrets and data are private files ------------------------------


@pytest.mark.parametrize(("key", "reason"), [
    ("short", "at least 32"),
    ("test-secret-key-0123456789abcdef0123456789", "published example"),
    ("a" * 64, "too few characters"),
])
def test_production_refuses_a_weak_secret_key(tmp_path, key, reason):
    from settings import Settings, SettingsError

    with pytest.raises(SettingsError, match=reason):
        Settings.from_env({"TANZHONG_ENV": "production", "SECRET_KEY": key, "PUBLIC_BASE_URL": "https://t.example",
                           "TANZHONG_INSTANCE_DIR": str(tmp_path)})


def test_production_needs_a_public_base_url_and_sets_secure_cookies(tmp_path):
    import secrets

    from settings import Settings, SettingsError

    env = {"TANZHONG_ENV": "production", "SECRET_KEY": secrets.token_hex(32), "TANZHONG_INSTANCE_DIR": str(tmp_path)}
    with pytest.raises(SettingsError, match="PUBLIC_BASE_URL"):
        Settings.from_env(env)
    with pytest.raises(SettingsError, match="PUBLIC_BASE_URL"):
        Settings.from_env({**env, "PUBLIC_BASE_URL": "evil.example/path?x=1"})
    settings = Settings.from_env({**env, "PUBLIC_BASE_URL": "https://tanzhong.example.cn/", "TRUSTED_PROXY_HOPS": "1"})
    config = settings.flask_config()
    assert config["PUBLIC_BASE_URL"] == "https://tanzhong.example.cn"
    assert config["SESSION_COOKIE_SECURE"] is True and config["REMEMBER_COOKIE_SECURE"] is True


def test_a_session_cookie_served_over_https_is_secure_even_in_development(database, session, tmp_path):
    from tests.conftest import login

    app = _app_with(database, tmp_path, trusted_proxy_hops=1)
    org = make_organisation(session)
    user = make_user(session, org)
    client = app.test_client()
    # Over HTTPS, Flask-WTF also checks that the form came from this site (browsers send the Referer).
    client.environ_base.update({"HTTP_X_FORWARDED_PROTO": "https", "HTTP_REFERER": "https://localhost/login"})
    response = login(client, user.email, DEFAULT_PASSWORD)
    assert response.status_code == 302
    cookie = next(h for h in response.headers.getlist("Set-Cookie") if h.startswith("session="))
    assert "Secure" in cookie
    plain = app.test_client()
    second = login(plain, user.email, DEFAULT_PASSWORD)
    assert second.status_code == 302
    cookie = next(h for h in second.headers.getlist("Set-Cookie")
                  if h.startswith("session="))
    assert "Secure" not in cookie


def test_the_secret_file_the_database_and_the_rate_limit_counters_are_private(tmp_path):
    import stat

    from app import create_app
    from settings import Settings

    instance = tmp_path / "instance"
    app = create_app(Settings.from_env({"TANZHONG_INSTANCE_DIR": str(instance), "LOG_REQUESTS": "false"}))
    assert app.test_client().get("/healthz").status_code == 200
    app.test_client().post("/api/v1/footprints/personal", json={})  # rate limited: writes a counter
    files = {path.name: stat.S_IMODE(path.stat().st_mode) for path in instance.iterdir()}
    assert {"secret_key", "tanzhong.sqlite3", "ratelimits.sqlite3"} <= set(files)
    assert all(mode == 0o600 for mode in files.values()), files


def _read_key_after(barrier, path, results) -> None:
    import time

    from settings import read_or_create_key_file

    barrier.wait()

    def slow_key() -> str:
        time.sleep(0.05)  # a slow writer: a reader must still never see the file half-made
        return f"key-of-{os.getpid()}"

    results.put(read_or_create_key_file(path, slow_key))


def test_workers_starting_at_once_all_read_one_whole_key(tmp_path):
    # gunicorn's workers create the app at the same moment on a fresh machine: each must sign with the same key,
    # or a form signed by one worker is refused by the other.
    import multiprocessing

    context = multiprocessing.get_context("fork")
    barrier, results = context.Barrier(12), context.Queue()
    path = tmp_path / "instance" / "secret_key"
    workers = [context.Process(target=_read_key_after, args=(barrier, path, results)) for _ in range(12)]
    for worker in workers:
        worker.start()
    keys = [results.get(timeout=30) for _ in workers]
    for worker in workers:
        worker.join(timeout=30)
    assert len(set(keys)) == 1 and keys[0].startswith("key-of-"), keys
    assert path.read_text() == keys[0]
    assert [p.name for p in path.parent.iterdir()] == ["secret_key"]  # no temporary file left behind


# ---- the public event-footprint API bounds its cost ----------------------------------------------------------------


def _responses(count: int, legs: int) -> list[dict]:
    return [{"legs": [{"mode": "rail", "distance_km": "120"}] * legs} for _ in range(count)]


@pytest.mark.parametrize(("body", "field"), [
    ({"responses": _responses(2001, 0)}, "responses"),
    ({"responses": _responses(100, 51)}, "responses"),
    ({"responses": _responses(1, 5001)}, "responses"),
    ({"responses": _responses(401, 1), "options": {"bootstrap_samples": 10000}}, "options.bootstrap_samples"),
])
def test_an_event_footprint_request_beyond_its_cost_bounds_is_a_422(client, body, field):
    response = client.post("/api/v1/footprints/event", json={"attendance": 5000, **body})
    assert response.status_code == 422, response.get_data(as_text=True)[:300]
    assert field in response.get_json()["error"]["fields"]


def test_an_event_footprint_request_at_its_cost_bounds_is_computed(client):
    body = {"attendance": 5000, "responses": _responses(400, 12), "options": {"bootstrap_samples": 10000}}
    response = client.post("/api/v1/footprints/event", json=body)
    assert response.status_code == 200
    extrapolation = response.get_json()["extrapolation"]
    assert extrapolation["respondents"] == 400 and Decimal(extrapolation["attendance"]) == 5000
    assert Decimal(extrapolation["low_kgco2e"]) < Decimal(extrapolation["high_kgco2e"])


def test_the_openapi_document_states_the_cost_bounds(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    schema = spec["components"]["schemas"]["EventFootprintRequest"]["properties"]
    assert schema["responses"]["maxItems"] == 2000
    assert "5000 legs, lodging and food items" in schema["responses"]["description"]
    assert "4,000,000" in schema["options"]["description"]
