"""Home, sign-in and the factor browser in real headless Chromium, at phone and desktop widths, in both languages."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from accounts.models import Role
from db import get_session
from tests.browser.conftest import DESKTOP, PHONE
from tests.factories import DEFAULT_PASSWORD, make_organisation, make_user

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_a_visitor_browses_factors_in_chinese_then_english(live_server, browser, shots, viewport):
    page = browser.new_page(viewport=viewport)
    page.goto(live_server.live_url + "/")
    expect(page.locator("h1")).to_contain_text("可追溯的碳足迹")
    page.screenshot(path=shots / "home-zh.png", full_page=True)

    page.get_by_role("link", name="浏览排放因子").click()
    expect(page.locator("h1")).to_have_text("排放因子")
    page.fill("#q", "牛肉")
    page.get_by_role("button", name="筛选").click()
    rows = page.locator("table.factors tbody tr")
    expect(rows.first).to_be_visible()
    assert all("牛" in text for text in rows.locator(".factor-label").all_inner_texts())
    assert rows.locator(".source").count() == rows.count()
    page.screenshot(path=shots / "factors-zh.png", full_page=True)
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= viewport["width"], "the page scrolls sideways"

    page.get_by_role("link", name="English").click()
    expect(page.locator("h1")).to_have_text("Emission factors")
    page.screenshot(path=shots / "factors-en.png", full_page=True)
    page.close()


def test_an_admin_signs_in_and_creates_an_api_key(live_server, browser, shots):
    with live_server.app_context():
        org = make_organisation(get_session(), name_zh="绿色会展中心", name_en="Green Expo Centre")
        user = make_user(get_session(), org, role=Role.admin)
    page = browser.new_page(viewport=PHONE)
    page.goto(live_server.live_url + "/login")
    page.fill("input[name=email]", user.email)
    page.fill("input[name=password]", "wrong password!")
    page.get_by_role("button", name="登录").click()
    expect(page.locator(".field-error")).to_contain_text("邮箱或密码错误")
    page.screenshot(path=shots / "login-error-zh.png", full_page=True)

    page.fill("input[name=password]", DEFAULT_PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.goto(live_server.live_url + "/account")
    expect(page.locator("h1")).to_have_text("绿色会展中心")
    page.fill("input[name=name]", "年度报告")
    page.get_by_role("button", name="创建 API 密钥").click()
    expect(page.locator("code.secret")).to_contain_text("tzk_")
    page.screenshot(path=shots / "account-new-key-zh.png", full_page=True)
    page.close()


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_a_citizen_uses_the_calculator_without_javascript(live_server, browser, shots, viewport):
    context = browser.new_context(viewport=viewport, java_script_enabled=False)
    page = context.new_page()
    page.goto(live_server.live_url + "/calculator")
    page.select_option("#trip-0-mode", "flight")
    page.fill("#trip-0-from", "北京")
    page.fill("#trip-0-to", "上海")
    page.check("input[name=trip-0-return]")
    page.select_option("#food-0-item", "beef_beef_herd")
    page.fill("#food-0-kg", "1")
    page.fill("#meals-vegetarian", "3")
    page.screenshot(path=shots / "calculator-form-zh.png", full_page=True)
    page.get_by_role("button", name="计算").click()
    expect(page.locator(".result .total")).to_be_visible()
    assert page.locator("table.items tbody tr").count() == 3
    expect(page.locator(".comparison")).to_contain_text("公里")
    page.screenshot(path=shots / "calculator-result-zh.png", full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"], "the page scrolls sideways"
    context.close()
