"""On a phone in Chinese: a platform admin registers a sink estimate as ex-ante credits and replaces them; a citizen
opens a carbon account, logs a day, imports a step counter file and reads the dashboard."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from accounts.models import Role
from db import get_session
from tests.browser.conftest import PHONE
from tests.factories import DEFAULT_PASSWORD, make_organisation, make_user
from tests.ledger_factories import make_credit_project

pytestmark = pytest.mark.browser


def _no_sideways_scroll(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], "the page scrolls sideways"


def test_a_platform_admin_registers_an_estimate_and_replaces_it_on_a_phone(live_server, browser, shots):
    with live_server.app_context():
        session = get_session()
        admin = make_user(session, make_organisation(session, slug="platform"), role=Role.admin)
        make_credit_project(session, registry_project_id="CCER-JX-001", name_zh="遂川造林碳汇")
        email = admin.email
    base = live_server.live_url
    context = browser.new_context(viewport=PHONE, locale="zh-CN")
    page = context.new_page()
    page.goto(base + "/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", DEFAULT_PASSWORD)
    page.locator("form.form button[type=submit]").click()
    page.goto(base + "/sinks?go=1&area=1500&area_unit=mu&province=CN-JX&species_group=other_conifer"
                     "&origin=planted&stand_age=0&crediting_years=20&uncertainty_discount_pct=10&risk_buffer_pct=10")
    link = page.locator(".sink-register a")
    expect(link).to_have_text("登记为登记簿中的事前减排量")
    page.screenshot(path=str(shots / "1-estimate.png"), full_page=True)
    link.click()
    expect(page.locator("h1")).to_have_text("事前碳汇减排量")
    page.select_option("#f-project_id", label="遂川造林碳汇 · CCER-JX-001")
    page.fill("#f-first_year", "2026")
    _no_sideways_scroll(page)
    page.screenshot(path=str(shots / "2-register.png"), full_page=True)
    page.locator("#register-form button[type=submit]").click()
    expect(page.locator(".flash")).to_contain_text("27560 吨预期减排量")
    expect(page.locator("table")).to_contain_text("EX-ANTE CCER-JX-001 2026 1-1373")
    page.fill("#f-serial_text", "CCER-JX-001-2026-1-1200")
    page.fill("#f-vintage", "2026")
    page.fill("#f-serial_start", "1")
    page.fill("#f-serial_end", "1200")
    page.locator("#replace-form button[type=submit]").click()
    expect(page.locator(".flash")).to_contain_text("1200 吨替换")
    _no_sideways_scroll(page)
    page.screenshot(path=str(shots / "3-replaced.png"), full_page=True)
    context.close()


def test_a_citizen_opens_an_account_logs_days_and_reads_the_dashboard_on_a_phone(live_server, browser, shots,
                                                                                 tmp_path):
    base = live_server.live_url
    context = browser.new_context(viewport=PHONE, locale="zh-CN")
    page = context.new_page()
    page.goto(base + "/citizen/signup")
    expect(page.locator("h1")).to_have_text("开通个人碳账户")
    page.fill("#login", "2381234567")
    page.fill("#password", "a long enough secret")
    page.fill("#confirm", "a long enough secret")
    page.locator("#signup-form button[type=submit]").click()
    expect(page.locator(".field-error")).to_contain_text("以 1 开头的 11 位数字")
    page.screenshot(path=str(shots / "1-signup-refused.png"), full_page=True)
    page.fill("#login", "138 1234 5678")
    page.fill("#nickname", "小林")
    page.fill("#password", "a long enough secret")
    page.fill("#confirm", "a long enough secret")
    page.locator("#signup-form button[type=submit]").click()
    expect(page.locator("h1")).to_have_text("我的碳账户")
    for day, steps, minutes, bus in (("2025-03-01", "20000", "30", "0"), ("2025-03-09", "7000", "0", "2"),
                                     ("2025-04-02", "12000", "95", "1")):
        page.fill("#d-day", day)
        page.fill("#d-steps", steps)
        page.fill("#d-cycling_minutes", minutes)
        page.fill("#d-bus_trips", bus)
        page.fill("#d-bus_km", str(int(bus) * 6))
        page.locator("#day-form button[type=submit]").click()
        expect(page.locator(".flash")).to_contain_text("积分")
    steps = tmp_path / "steps.csv"
    steps.write_text("date,steps\n2025-05-01,9000\n2025-05-02,15000\n")
    for _ in range(2):
        page.set_input_files("#steps-file", str(steps))
        page.locator("#import-form button[type=submit]").click()
    expect(page.locator(".flash")).to_contain_text("读取 2 天，其中新增或变更 0 天")
    # 300 + 60 + 116 + 20 + 200 + 160 + 10 + 150 + 250 = 1266 points
    expect(page.locator("#points-total")).to_have_text("1266")
    expect(page.locator("svg.points-chart")).to_be_visible()
    # 2025-03-09: 12 km by bus × 26.9 g (Shenzhen 2021) = 322.8 g, shown on the day's row.
    expect(page.locator("#recent-days tr", has_text="2025-03-09")).to_contain_text("约减排 322.8 克 CO2")
    _no_sideways_scroll(page)
    page.screenshot(path=str(shots / "2-dashboard.png"), full_page=True)
    page.fill("#d-day", "2025-05-03")
    page.fill("#d-steps", "900000")
    page.locator("#day-form button[type=submit]").click()
    expect(page.locator(".field-error").first).to_contain_text("不是一天可能达到的数值")
    page.screenshot(path=str(shots / "3-refused-day.png"), full_page=True)
    context.close()
