"""The 404 page and the API docs page in real headless Chromium, at phone and desktop widths, in both languages."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import DESKTOP, PHONE

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_a_missing_page_says_what_to_do_and_leads_back_in_both_languages(live_server, browser, shots, viewport):
    page = browser.new_page(viewport=viewport)
    page.goto(live_server.live_url + "/factors")
    page.evaluate("location.assign('/nonexistent')")  # followed from a page, so the 404 can lead back to it
    expect(page.locator("h1")).to_have_text("未找到")
    expect(page.locator(".site-nav")).to_be_visible()
    expect(page.get_by_text("接下来可以：")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"], "the page scrolls sideways"
    page.screenshot(path=shots / "404-zh.png", full_page=True)
    page.get_by_role("link", name="返回上一页").click()
    expect(page.locator("h1")).to_have_text("排放因子")

    page.goto(live_server.live_url + "/lang/en?next=/nonexistent")
    expect(page.locator("h1")).to_have_text("Not found")
    expect(page.get_by_role("link", name="Home page")).to_be_visible()
    page.screenshot(path=shots / "404-en.png", full_page=True)
    page.close()


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_the_api_docs_name_each_group_in_the_pages_language(live_server, browser, shots, viewport):
    page = browser.new_page(viewport=viewport)
    page.goto(live_server.live_url + "/api/v1/docs")
    expect(page.locator("h1").first).to_have_text("API 文档")
    expect(page.locator(".site-nav")).to_be_visible()
    # Swagger UI draws the groups from the localised document: titles, never the blueprints' machine names.
    expect(page.locator(".swagger-ui .opblock-tag").first).to_be_visible(timeout=15000)
    tags = page.locator(".swagger-ui .opblock-tag").all_inner_texts()
    assert any("排放因子" in tag for tag in tags) and not any("api_" in tag for tag in tags), tags
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"], "the page scrolls sideways"
    page.screenshot(path=shots / "api-docs-zh.png", full_page=True)

    page.get_by_role("link", name="English").click()
    expect(page.locator("h1").first).to_have_text("API documentation")
    expect(page.locator(".swagger-ui .opblock-tag").first).to_be_visible(timeout=15000)
    tags = page.locator(".swagger-ui .opblock-tag").all_inner_texts()
    assert any("Emission factors" in tag for tag in tags), tags
    page.screenshot(path=shots / "api-docs-en.png", full_page=True)
    page.close()


def test_a_refused_form_is_explained_in_words_and_leads_back_to_it(live_server, browser, shots):
    page = browser.new_page(viewport=PHONE)
    page.goto(live_server.live_url + "/login")
    page.evaluate("document.querySelector('input[name=csrf_token]').remove()")  # as an expired page would send
    page.fill("input[name=email]", "someone@example.org")
    page.fill("input[name=password]", "whatever password")
    page.locator("form:not(.inline) [type=submit]").last.click()
    expect(page.locator("h1")).to_have_text("表单未能提交")
    expect(page.get_by_text("安全令牌", exact=False)).to_be_visible()
    page.screenshot(path=shots / "csrf-zh.png", full_page=True)
    page.get_by_role("link", name="返回表单").click()
    expect(page.locator("input[name=csrf_token]")).to_have_count(1)
    page.close()
