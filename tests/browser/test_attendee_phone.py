"""An attendee answers from a phone in headless Chromium: QR code → form in Chinese → result → edit → dashboard."""

from __future__ import annotations

import io

import pytest
import zxingcpp
from PIL import Image
from playwright.sync_api import expect

from accounts.models import Role
from db import get_session
from footprints.service import compute_footprint
from meetings.attendee import kg_text
from tests.browser.conftest import DESKTOP, PHONE
from tests.factories import DEFAULT_PASSWORD, make_event, make_organisation, make_user

pytestmark = pytest.mark.browser
NARROW_PHONE = {"width": 360, "height": 740}


def _no_sideways_scroll(page, viewport) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"], "the page scrolls sideways"


def _expected(nights: int):
    """The attendee's footprint computed independently: high-speed rail Shanghai → Guangzhou and back."""
    return compute_footprint("personal", {
        "legs": [{"mode": "rail", "rail_type": "high_speed", "origin": "上海", "destination": "广州",
                  "round_trip": True}],
        "lodging": [{"country": "CN", "nights": nights}], "meals": {"vegetarian": 2}})


def _sign_in(context, base: str, email: str):
    page = context.new_page()
    page.goto(base + "/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", DEFAULT_PASSWORD)
    page.locator("form.form button[type=submit]").click()
    page.wait_for_url(base + "/")
    return page


def test_an_attendee_answers_on_a_phone_and_the_dashboard_counts_it_once(live_server, browser, shots):
    base = live_server.live_url
    with live_server.app_context():
        org = make_organisation(get_session(), name_zh="绿色会展中心", name_en="Green Expo Centre")
        user = make_user(get_session(), org, role=Role.organiser)
        event = make_event(get_session(), org, name_zh="2027 粤港澳大湾区绿色低碳发展论坛",
                           name_en="2027 Greater Bay Area Green Development Forum", electricity_kwh="12500",
                           meals_vegetarian=600, expected_attendance=800)

    # The organiser downloads the QR code; its PNG decodes to the attendee link.
    organiser = browser.new_context(viewport=DESKTOP, locale="zh-CN")
    desk = _sign_in(organiser, base, user.email)
    png = desk.request.get(f"{base}/events/{event.id}/qr.png").body()
    [code] = zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))
    link = code.text
    assert link.startswith(base + "/m/")

    phone = browser.new_context(viewport=PHONE, locale="zh-CN", is_mobile=True, has_touch=True)
    page = phone.new_page()
    page.goto(link)
    expect(page.locator("h1")).to_have_text("2027 粤港澳大湾区绿色低碳发展论坛")
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    _no_sideways_scroll(page, PHONE)
    page.screenshot(path=shots / "1-form.png", full_page=True)

    # Typing a place shows suggestions (the optional script); a misspelt one is refused with suggestions.
    page.locator("#origin").press_sequentially("上海", delay=40)
    expect(page.locator("#origin-places option").first).to_have_attribute("value", "Shanghai 上海")
    page.fill("#origin", "上海滩")
    page.check("input[name=travel_mode][value=high_speed_rail]")
    expect(page.locator(".if-flight")).to_be_hidden()  # follow-up questions only for the chosen way
    page.check("input[name=trip][value=return]")
    page.fill("#hotel_nights", "2")
    page.fill("#meals_vegetarian", "2")
    page.fill("#name", "张三")
    page.screenshot(path=shots / "2-form-filled.png", full_page=True)
    page.locator("button.wide").click()
    expect(page.locator(".suggestions")).to_be_visible()
    expect(page.locator("#origin")).to_have_attribute("aria-invalid", "true")
    _no_sideways_scroll(page, PHONE)
    page.screenshot(path=shots / "3-unknown-place.png", full_page=True)

    page.locator(".suggestions button", has_text="Shanghai 上海").click()
    first = _expected(2)
    expect(page.locator(".big-total strong")).to_have_text(kg_text_zh(first.total_kgco2e))
    expect(page.locator(".line-items li")).to_have_count(3)
    expect(page.locator(".line-items")).to_contain_text("cn_hsr_full")
    _no_sideways_scroll(page, PHONE)
    page.screenshot(path=shots / "4-result.png", full_page=True)

    # Coming back later: the same answer, edited in place.
    page.goto(link)
    expect(page.locator(".big-total strong")).to_have_text(kg_text_zh(first.total_kgco2e))
    page.locator(".actions a.button").click()
    expect(page.locator("#origin")).to_have_value("Shanghai 上海")
    expect(page.locator("#hotel_nights")).to_have_value("2")
    page.fill("#hotel_nights", "1")
    page.screenshot(path=shots / "5-edit.png", full_page=True)
    page.locator("button.wide").click()
    edited = _expected(1)
    expect(page.locator(".big-total strong")).to_have_text(kg_text_zh(edited.total_kgco2e))
    page.screenshot(path=shots / "6-result-edited.png", full_page=True)

    narrow = phone.new_page()
    narrow.set_viewport_size(NARROW_PHONE)
    for path, name in ((link, "7-result-360.png"), (link + "?edit=1", "8-form-360.png")):
        narrow.goto(path)
        _no_sideways_scroll(narrow, NARROW_PHONE)
        narrow.screenshot(path=shots / name, full_page=True)

    # The organiser's dashboard: exactly one response, with the edited kg.
    desk.goto(f"{base}/events/{event.id}")
    desk.locator(f"a[href='/events/{event.id}/dashboard']").click()
    expect(desk.locator("#responses")).to_have_text("1")
    parts = {"attendee_travel": "rail", "attendee_lodging": "hotel", "attendee_meals": "meal"}
    for group, category in parts.items():
        kg = sum(item.kgco2e for item in edited.items if item.category == category)
        expect(desk.locator(f"#group-{group} td.num").first).to_have_text(kg_text_zh(kg))
    expect(desk.locator("svg.breakdown-chart")).to_be_visible()
    expect(desk.locator("#distribution-hidden")).to_be_visible()  # one answer: no distribution yet
    desk.screenshot(path=shots / "9-dashboard-desktop.png", full_page=True)
    mobile_desk = organiser.new_page()
    mobile_desk.set_viewport_size(PHONE)
    mobile_desk.goto(f"{base}/events/{event.id}/dashboard")
    _no_sideways_scroll(mobile_desk, PHONE)
    mobile_desk.screenshot(path=shots / "10-dashboard-phone.png", full_page=True)
    phone.close()
    organiser.close()


def kg_text_zh(value) -> str:
    """kg as the pages show them to a reader in zh_CN."""
    from flask import Flask
    from flask_babel import Babel

    app = Flask(__name__)
    Babel(app, locale_selector=lambda: "zh_CN")
    with app.test_request_context():
        return kg_text(value)


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_a_busy_dashboard_draws_its_charts_at_phone_and_desktop_width(live_server, browser, shots, viewport):
    import random

    from tests.factories import make_attendee_response

    base = live_server.live_url
    rng = random.Random(7)
    with live_server.app_context():
        org = make_organisation(get_session())
        user = make_user(get_session(), org, role=Role.organiser)
        event = make_event(get_session(), org, electricity_kwh="30000", meals_pork=900, expected_attendance=400)
        for _ in range(40):
            mode = rng.choice(["flight", "high_speed_rail", "high_speed_rail", "car", "coach"])
            make_attendee_response(get_session(), event, origin=rng.choice(["上海", "北京", "深圳", "成都", "武汉"]),
                                   travel_mode=mode, hotel_nights=rng.randrange(0, 4))
        make_attendee_response(get_session(), event, origin="London", travel_mode="flight", cabin="business")
    context = browser.new_context(viewport=viewport, locale="zh-CN")
    page = _sign_in(context, base, user.email)
    page.goto(f"{base}/events/{event.id}/dashboard")
    expect(page.locator("#responses")).to_have_text("41")
    expect(page.locator("svg.histogram-chart rect")).not_to_have_count(0)
    expect(page.locator("table.segment").first).to_be_visible()
    _no_sideways_scroll(page, viewport)
    page.screenshot(path=shots / "dashboard.png", full_page=True)
    context.close()
