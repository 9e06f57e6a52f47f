"""An attendee answers from a phone in headless Chromium: QR code → form in Chinese → result → edit → dashboard."""

from __future__ import annotations

import io
import re
import time
from urllib.parse import urlsplit

import pytest
import zxingcpp
from itsdangerous import TimestampSigner, URLSafeTimedSerializer
from PIL import Image
from playwright.sync_api import expect
from sqlmodel import select

from accounts.models import Role
from core.display import kg_text
from db import get_session
from footprints.service import compute_footprint
from meetings import links
from meetings.attendee import FORM_TOKEN_MAX_AGE, FORM_TOKEN_SALT
from meetings.models import AttendeeResponse
from tests.browser.conftest import DESKTOP, PHONE, sign_in
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
    return sign_in(context, base, email, DEFAULT_PASSWORD)


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
    expect(page.locator("#meals_vegetarian")).to_be_hidden()  # counts only after "yes, I bought meals"
    page.check("input[name=meals_bought][value=yes]")
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
    # Units in Chinese on a Chinese page, never the codes of the data.
    expect(page.locator(".line-items")).to_contain_text("人·公里 × 0.03048 kg CO₂e/人·公里")
    expect(page.locator(".line-items")).to_contain_text("2 间·夜 × 53.5 kg CO₂e/间·夜")
    expect(page.locator(".line-items")).to_contain_text("2 餐 × 1.02605 kg CO₂e/餐")
    expect(page.locator(".comparison")).to_contain_text("kg CO₂e/车·公里")
    for code in ("passenger.km", "room.night", "vehicle.km", "meal"):
        # A unit code standing alone; the factor ids (cn_meal.vegetarian) are data and keep their names.
        expect(page.locator("main")).not_to_contain_text(re.compile(rf"(?<![\w.]){re.escape(code)}\b"))
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


# ---- answers are never lost ---------------------------------------------------------------------------------------


def _phone_form(live_server, browser, **context):
    """A phone (390 px, zh-CN) with the form of a new meeting open; returns (event, link, context, page)."""
    with live_server.app_context():
        org = make_organisation(get_session())
        event = make_event(get_session(), org, name_zh="2027 长三角零碳峰会", name_en="2027 YRD Zero-Carbon Summit")
        token = links.active_link(session=get_session(), organisation_id=org.id, event_id=event.id).token
    link = f"{live_server.live_url}/m/{token}"
    phone = browser.new_context(viewport=PHONE, locale="zh-CN", is_mobile=True, has_touch=True, **context)
    page = phone.new_page()
    page.goto(link)
    return event, link, phone, page


def _fill(page) -> None:
    page.fill("#origin", "上海")
    page.check("input[name=travel_mode][value=high_speed_rail]")
    page.fill("#hotel_nights", "2")
    page.check("input[name=meals_bought][value=yes]")
    page.fill("#meals_vegetarian", "2")


def _stored(live_server, event) -> list[AttendeeResponse]:
    with live_server.app_context():
        return list(get_session().exec(select(AttendeeResponse).where(AttendeeResponse.event_id == event.id)).all())


def _shown_answers(page) -> None:
    expect(page.locator("#origin")).to_have_value("上海")
    expect(page.locator("input[name=travel_mode][value=high_speed_rail]")).to_be_checked()
    expect(page.locator("#hotel_nights")).to_have_value("2")
    expect(page.locator("input[name=meals_bought][value=yes]")).to_be_checked()
    expect(page.locator("#meals_vegetarian")).to_have_value("2")


def test_an_answer_sent_after_the_phone_cleared_its_cookies_is_stored(live_server, browser, shots):
    event, link, phone, page = _phone_form(live_server, browser)
    _fill(page)
    phone.clear_cookies()  # what WeChat's browser and private tabs do between opening and sending
    page.locator("button.wide").click()
    expect(page).to_have_url(link + "/mine")
    expect(page.locator(".big-total strong")).to_have_text(kg_text_zh(_expected(2).total_kgco2e))
    _no_sideways_scroll(page, PHONE)
    page.screenshot(path=shots / "result-after-cookies-cleared.png", full_page=True)
    [row] = _stored(live_server, event)
    assert row.answers["hotel_nights"] == 2 and row.meals_kgco2e > 0
    assert "tz_device" in {cookie["name"] for cookie in phone.cookies()}  # the phone is named again
    phone.close()


def test_a_tampered_or_expired_page_shows_the_answers_again_with_a_chinese_message(live_server, browser, shots):
    event, link, phone, page = _phone_form(live_server, browser)
    _fill(page)
    page.evaluate("document.querySelector('input[name=csrf_token]').value = 'tampered'")
    page.locator("button.wide").click()
    expect(page.locator(".form-notice")).to_have_text("无法核验此页面。您的回答都保留在下面，请再提交一次。")
    _shown_answers(page)
    expect(page.locator("button.wide")).to_be_focused()
    expect(page.locator(".form-notice")).to_be_in_viewport()
    _no_sideways_scroll(page, PHONE)
    page.screenshot(path=shots / "tampered.png")
    assert _stored(live_server, event) == []

    with live_server.app_context():
        old = URLSafeTimedSerializer(live_server.secret_key, salt=FORM_TOKEN_SALT,
                                     signer=_DayOldSigner).dumps(urlsplit(link).path.replace("/m/", "link:"))
    page.evaluate("token => document.querySelector('input[name=csrf_token]').value = token", old)
    page.locator("button.wide").click()
    expect(page.locator(".form-notice")).to_have_text("此页面打开太久了。您的回答都保留在下面，请再提交一次。")
    _shown_answers(page)
    page.screenshot(path=shots / "expired.png")
    assert _stored(live_server, event) == []

    page.locator("button.wide").click()  # the page came back with a fresh token: one more tap saves
    expect(page).to_have_url(link + "/mine")
    expect(page.locator(".big-total strong")).to_have_text(kg_text_zh(_expected(2).total_kgco2e))
    assert len(_stored(live_server, event)) == 1
    phone.close()


class _DayOldSigner(TimestampSigner):
    def get_timestamp(self) -> int:
        return int(time.time()) - FORM_TOKEN_MAX_AGE - 60


def test_enter_in_the_first_field_never_sends_a_half_filled_answer(live_server, browser, shots):
    event, link, phone, page = _phone_form(live_server, browser)
    page.fill("#origin", "上海")
    page.locator("#origin").press("Enter")
    expect(page.locator("#travel_mode-0")).to_be_focused()  # the browser goes to the first missing answer
    assert page.locator("#travel_mode-0").evaluate("radio => radio.validationMessage") == "请回答这个问题。"
    page.check("input[name=travel_mode][value=high_speed_rail]")
    page.locator("#origin").press("Enter")
    expect(page.locator("#hotel_nights")).to_be_focused()
    expect(page.locator("#hotel_nights")).to_be_in_viewport()
    page.screenshot(path=shots / "enter-half-way.png")
    page.fill("#hotel_nights", "0")  # an answer clears the message: the next Enter goes on to the next gap
    page.locator("#hotel_nights").press("Enter")
    expect(page.locator("#meals_bought-0")).to_be_focused()
    assert page.locator("#hotel_nights").evaluate("input => input.validity.valid")
    assert page.url == link and _stored(live_server, event) == []
    phone.close()


@pytest.mark.parametrize(("locale", "viewport"), [("zh-CN", PHONE), ("en", DESKTOP)], ids=["zh-phone", "en-desktop"])
def test_a_half_filled_answer_that_reaches_the_server_comes_back_focused_on_the_first_gap(live_server, browser, shots,
                                                                                         locale, viewport):
    # A browser that checks nothing (or a page without its script): the server refuses and points at the gap.
    event, link, phone, page = _phone_form(live_server, browser, java_script_enabled=False)
    if locale == "en":
        page.goto(f"{live_server.live_url}/lang/en?next={urlsplit(link).path}")
    page.set_viewport_size(viewport)
    page.fill("#origin", "上海")
    page.check("input[name=travel_mode][value=high_speed_rail]")
    page.check("input[name=meals_bought][value=no]")
    page.locator("form.attendee-form").evaluate("form => { form.noValidate = true; }")
    page.locator("button.wide").click()
    expect(page.locator("#hotel_nights")).to_be_focused()
    expect(page.locator("#hotel_nights")).to_be_in_viewport()
    message = "住了几晚？没有住酒店请填 0。" if locale == "zh-CN" else "How many nights? Enter 0 if you did not stay"
    expect(page.locator(".field.has-error .field-error")).to_contain_text(message)
    expect(page.locator("#origin")).to_have_value("上海")
    expect(page.locator(".with-unit .unit").first).to_have_text("公里" if locale == "zh-CN" else "km")
    _no_sideways_scroll(page, viewport)
    page.screenshot(path=shots / f"server-refused-{locale}.png", full_page=True)
    assert _stored(live_server, event) == []
    phone.close()
