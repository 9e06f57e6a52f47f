"""The public ledger and a retirement page in headless Chromium, at phone and desktop widths, in both languages."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from db import get_session
from tests.browser.conftest import DESKTOP, PHONE
from tests.factories import give_credits, make_organisation

pytestmark = pytest.mark.browser


def _a_retirement(app):
    from ledger.accounts import account_of
    from ledger.retirement import retire

    with app.app_context():
        session = get_session()
        org = make_organisation(session, name_zh="绿色会展有限公司", name_en="Green Events Ltd")
        give_credits(session, org, 120, start=1_000_001)
        done = retire(session, account_id=account_of(session, org.id).id, tonnes=31, subject_kind="event_snapshot",
                      subject_id=7, beneficiary="绿色会展有限公司", reason="2026 绿色发展论坛碳中和",
                      idempotency_key="browser-0001")
        return done.public_id


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_a_visitor_reads_the_public_ledger_and_a_retirement_in_chinese_then_english(live_server, browser, shots,
                                                                                     viewport):
    public_id = _a_retirement(live_server)
    page = browser.new_page(viewport=viewport)
    page.goto(live_server.live_url + "/ledger")
    expect(page.locator("h1")).to_have_text("公开碳汇登记簿")
    expect(page.locator(f"#retirement-{public_id}")).to_contain_text("1000001–1000031")
    page.screenshot(path=shots / "ledger-zh.png", full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"], "the page scrolls sideways"

    page.locator(f"#retirement-{public_id} a").first.click()
    expect(page.locator("h1")).to_contain_text("注销 31 吨")
    expect(page.locator("#proof-verified")).to_be_visible()
    page.screenshot(path=shots / "retirement-zh.png", full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"], "the page scrolls sideways"

    page.get_by_role("link", name="English").click()
    expect(page.locator("h1")).to_contain_text("Retirement of 31 t")
    page.screenshot(path=shots / "retirement-en.png", full_page=True)
    page.goto(live_server.live_url + "/ledger")
    expect(page.locator("h1")).to_have_text("Public credit ledger")
    page.screenshot(path=shots / "ledger-en.png", full_page=True)
    page.close()
