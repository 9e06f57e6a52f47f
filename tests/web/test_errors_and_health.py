"""Error pages and JSON errors, /healthz, the request log and security headers."""

from __future__ import annotations

import json
import logging

from app import create_app
from db import Database, make_engine
from tests.conftest import make_test_settings


def test_an_unknown_page_is_a_bilingual_404_page(client):
    zh = client.get("/no-such-page")
    assert zh.status_code == 404 and "未找到" in zh.get_data(as_text=True)
    client.get("/lang/en")
    en = client.get("/no-such-page")
    assert en.status_code == 404 and "Not found" in en.get_data(as_text=True)


def test_an_unknown_api_path_is_a_json_404(client):
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.json["error"]["code"] == "not_found"
    assert set(response.json["error"]) == {"code", "message", "fields"}


def test_an_api_call_without_a_key_is_a_json_401(client):
    response = client.get("/api/v1/organisation")
    assert response.status_code == 401
    assert "Bearer" in response.json["error"]["message"]


def test_an_unexpected_error_is_a_500_page_that_leaks_nothing(app, client):
    @app.get("/boom")
    def boom():
        raise RuntimeError("secret internals")

    response = client.get("/boom")
    assert response.status_code == 500
    assert "secret internals" not in response.get_data(as_text=True)


def test_healthz_reports_the_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "database": "ok"}


def test_healthz_is_503_when_the_database_is_unreachable(tmp_path):
    engine = make_engine("postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=1")
    app = create_app(make_test_settings(tmp_path), database=Database(engine))
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.json["database"] == "unreachable"


def test_each_request_writes_one_structured_log_line(database, tmp_path, caplog):
    app = create_app(make_test_settings(tmp_path, log_requests=True), database=database)
    with caplog.at_level(logging.INFO, logger="tanzhong.request"):
        response = app.test_client().get("/healthz", headers={"X-Request-ID": "abc-123"})
    lines = [json.loads(r.message) for r in caplog.records if r.name == "tanzhong.request"]
    assert len(lines) == 1
    assert lines[0]["path"] == "/healthz" and lines[0]["status"] == 200 and lines[0]["request_id"] == "abc-123"
    assert response.headers["X-Request-ID"] == "abc-123"


def test_pages_carry_security_headers_and_safe_cookies(client):
    response = client.get("/login")
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]
    cookie = response.headers.get("Set-Cookie", "")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_production_refuses_to_start_without_a_secret_key(tmp_path):
    import pytest

    from settings import Settings, SettingsError

    with pytest.raises(SettingsError):
        Settings.from_env({"TANZHONG_ENV": "production", "TANZHONG_INSTANCE_DIR": str(tmp_path)})


def test_a_nul_character_anywhere_is_a_clear_400_never_a_database_error(client):
    assert client.get("/api/v1/factors", query_string={"version": "2025.1\x00"}).status_code == 400
    assert client.get("/factors", query_string={"q": "beef\x00"}).status_code == 400
    response = client.post("/api/v1/footprints/personal", data='{"food": [{"item": "beef\\u0000", "kg": "1"}]}',
                           content_type="application/json")
    assert response.status_code == 400 and "U+0000" in response.json["error"]["message"]
    assert client.post("/login", data={"email": "a\x00@example.org", "password": "x"}).status_code == 400
