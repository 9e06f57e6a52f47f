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
    expect(page.locator(".field-error")).to_contain_text("登录名或密码错误")
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
    page.get_by_role("button", name="计算").click()
    expect(page.locator(".prompt")).to_contain_text("还没有可计算的内容")
    page.select_option("#trip-0-mode", "flight")
    page.fill("#trip-0-from", "北京")
    page.fill("#trip-0-to", "上海")
    expect(page.locator("#trip-0-trip")).to_have_value("return")
    page.get_by_role("button", name="添加一次出行").click()  # no script: the server adds the row
    expect(page.locator("#trip-2-mode")).to_be_visible()
    expect(page.locator("#trip-0-from")).to_have_value("北京")
    page.select_option("#trip-2-mode", "rail_high_speed")
    page.fill("#trip-2-from", "PVG")
    page.fill("#trip-2-to", "广州")
    page.select_option("#food-0-item", "beef_beef_herd")
    page.fill("#food-0-kg", "1")
    page.fill("#meals-vegetarian", "3")
    page.fill("#home-electricity_kwh", "120")
    page.screenshot(path=shots / "calculator-form-zh.png", full_page=True)
    page.get_by_role("button", name="计算").click()
    expect(page.locator(".result .total")).to_be_visible()
    assert page.locator("table.items tbody tr").count() == 5
    expect(page.locator(".comparison")).to_contain_text("公里")
    expect(page.locator("table.items")).to_contain_text("国内航班 北京 → 上海，经济舱，往返")
    expect(page.locator("table.items")).to_contain_text("高铁 上海 → 广州，往返")
    expect(page.locator("table.items")).to_contain_text("人·公里")
    expect(page.locator(".credits")).to_contain_text("按整吨计 1 吨")
    page.screenshot(path=shots / "calculator-result-zh.png", full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"], "the page scrolls sideways"
    context.close()


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_a_citizen_adds_calculator_rows_with_the_script_and_reads_errors_in_english(live_server, browser, shots,
                                                                                    viewport):
    context = browser.new_context(viewport=viewport)
    page = context.new_page()
    page.goto(live_server.live_url + "/lang/en?next=/calculator")
    for _ in range(2):
        page.get_by_role("button", name="Add a trip").click()
    expect(page.locator(".row.trip")).to_have_count(4)
    assert page.url.endswith("/calculator")  # the script added the rows in place, no request
    expect(page.locator("#trip-3-trip")).to_have_value("return")
    page.select_option("#trip-3-mode", "flight")
    page.fill("#trip-3-from", "北京")
    page.fill("#trip-3-to", "PEK")
    page.get_by_role("button", name="Add a food").click()
    page.select_option("#food-3-item", "rice")
    page.fill("#food-3-kg", "lots")
    page.get_by_role("button", name="Calculate").click()
    expect(page.locator(".field-error").first).to_be_visible()
    expect(page.locator("#food-3-kg + .field-error")).to_have_text("Not a valid number.")
    page.screenshot(path=shots / "calculator-errors-en.png", full_page=True)
    page.fill("#food-3-kg", "2")
    page.get_by_role("button", name="Calculate").click()
    expect(page.locator("#trip-3-to + .field-error")).to_contain_text("does not leave the city")
    page.fill("#trip-3-to", "Chengdu")
    page.select_option("#trip-3-trip", "one_way")
    page.get_by_role("button", name="Calculate").click()
    expect(page.locator("table.items")).to_contain_text("Domestic flight Beijing → Chengdu, economy, one way")
    expect(page.locator(".credits")).to_contain_text("1 t when bought in whole tonnes (covers")
    page.locator("details.notes summary").first.click()
    expect(page.locator("details.notes").first).to_contain_text("great-circle distance")
    page.screenshot(path=shots / "calculator-result-en.png", full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"], "the page scrolls sideways"
    context.close()
