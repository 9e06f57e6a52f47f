"""A live server on a migrated SQLite file and Playwright driving Debian's headless Chromium."""

from __future__ import annotations

import shutil
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from app import create_app
from db import Database, make_engine
from tests.conftest import ROOT, make_test_settings, migrate_and_publish

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


@pytest.fixture
def live_server(tmp_path):
    url = f"sqlite:///{tmp_path / 'live.sqlite3'}"
    migrate_and_publish(url)
    engine = make_engine(url)
    app = create_app(make_test_settings(tmp_path), database=Database(engine))
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    app.live_url = f"http://127.0.0.1:{server.server_port}"
    yield app
    server.shutdown()
    engine.dispose()


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium is not installed at {CHROMIUM}; run `make browser-deps`")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def shots(request) -> Path:
    """Where a test writes its screenshots: test-output/browser/<test name>/."""
    folder = ROOT / "test-output" / "browser" / request.node.name.replace("/", "_")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def sign_in(context, base: str, email: str, password: str):
    """A new page of `context`, signed in as `email` and on the home page."""
    page = context.new_page()
    page.goto(base + "/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", password)
    page.locator("form.form button[type=submit]").click()
    page.wait_for_url(base + "/")
    return page
