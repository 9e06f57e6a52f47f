"""The sink estimator on a phone in Chinese: a plot in 亩 → removals, the chart, the rows; a bad area is marked."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import PHONE

pytestmark = pytest.mark.browser


def test_a_phone_estimates_a_chinese_fir_plantation_in_jiangxi_in_chinese(live_server, browser, shots):
    context = browser.new_context(viewport=PHONE, locale="zh-CN")
    page = context.new_page()
    page.goto(f"{live_server.live_url}/sinks")
    expect(page.locator("h1")).to_have_text("森林碳汇估算")
    page.fill("#area", "1400")
    page.select_option("#area_unit", "mu")
    page.select_option("#province", "CN-JX")
    page.select_option("#species_group", "other_conifer")
    page.fill("#crediting_years", "20")
    page.fill("#risk_buffer_pct", "10")
    page.screenshot(path=str(shots / "1-form.png"), full_page=True)
    page.click("button[type=submit]")
    result = page.locator(".sink-result")
    expect(result).to_be_visible()
    expect(result.locator(".total")).to_contain_text("吨二氧化碳（20 年）")
    expect(result.locator("svg.cumulative-chart")).to_be_visible()
    assert result.locator("svg.cumulative-chart rect").count() == 20
    expect(result.locator(".sink-notes")).to_contain_text("事前估算")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], "the page scrolls sideways"
    page.screenshot(path=str(shots / "2-result.png"), full_page=True)
    page.click(".sink-lines summary")
    expect(page.locator(".sink-lines")).to_contain_text("ipcc19.g_plant.subtrop_humid.all")

    page.fill("#area", "0")
    page.click("button[type=submit]")
    expect(page.locator(".field-error").first).to_contain_text("必须大于 0")
    page.screenshot(path=str(shots / "3-refused.png"), full_page=True)
    context.close()
