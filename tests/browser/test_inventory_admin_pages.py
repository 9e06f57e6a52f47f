"""An admin's inventory pages (facilities, the records' history, the report with its year details) read well at
phone width in Chinese and at desktop width in English: headings in the page's language, no sideways scroll."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlmodel import select

from accounts.models import Organisation
from db import get_session
from inventory.models import Facility
from tests.browser.conftest import DESKTOP, PHONE, sign_in
from tests.browser.test_inventory_grid import _company
from tests.factories import DEFAULT_PASSWORD, make_user

pytestmark = pytest.mark.browser

PAGES = {  # path: (heading in Chinese, in English)
    "/inventory/facilities": ("设施", "Facilities"),
    "/inventory/history": ("记录变更历史", "History of the records"),
    "/inventory/2025/report": ("2025 年度排放清单报告", "Inventory report 2025"),
}


@pytest.mark.parametrize(("viewport", "locale"), [(PHONE, "zh-CN"), (DESKTOP, "en")], ids=["phone-zh", "desktop-en"])
def test_an_admin_reads_the_facilities_the_history_and_the_report(live_server, browser, shots, viewport, locale):
    organisation_id, _facility_id, _staff = _company(live_server)
    with live_server.app_context():
        session = get_session()
        admin = make_user(session, session.get(Organisation, organisation_id), role="admin")
        email = admin.email
        facility_names = [f.name for f in session.exec(select(Facility).where(
            Facility.organisation_id == organisation_id)).all()]
    context = browser.new_context(viewport=viewport, locale=locale)
    page = sign_in(context, live_server.live_url, email, DEFAULT_PASSWORD)
    zh = locale.startswith("zh")
    page.goto(f"{live_server.live_url}/lang/{'zh' if zh else 'en'}")
    for path, (heading_zh, heading_en) in PAGES.items():
        page.goto(live_server.live_url + path)
        expect(page.locator("h1")).to_contain_text(heading_zh if zh else heading_en)
        name = path.strip("/").replace("/", "-")
        page.screenshot(path=shots / f"{name}.png", full_page=True)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= viewport["width"], f"{path} scrolls sideways at {viewport['width']} px ({width} px)"
    page.goto(live_server.live_url + "/inventory/facilities")
    for facility in facility_names:
        expect(page.locator("main")).to_contain_text(facility)
    expect(page.locator("#facility-form button[type=submit]")).to_have_text("保存" if zh else "Save")
    context.close()
