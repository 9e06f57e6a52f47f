"""An organiser creates a meeting and prints its poster, in headless Chromium at phone and desktop widths."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
import zxingcpp
from PIL import Image
from playwright.sync_api import expect

from accounts.models import Role
from db import get_session
from tests.browser.conftest import DESKTOP, PHONE
from tests.factories import DEFAULT_PASSWORD, event_dates, make_organisation, make_user

pytestmark = pytest.mark.browser
A4 = {"width": 794, "height": 1123}
NARROW_PHONE = {"width": 360, "height": 740}


def _no_sideways_scroll(page, viewport) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"], "the page scrolls sideways"


@pytest.mark.parametrize("viewport", [PHONE, NARROW_PHONE, DESKTOP], ids=["phone", "phone-360", "desktop"])
def test_an_organiser_creates_a_meeting_and_prints_its_poster(live_server, browser, shots, viewport):
    with live_server.app_context():
        org = make_organisation(get_session(), name_zh="绿色会展中心", name_en="Green Expo Centre")
        user = make_user(get_session(), org, role=Role.organiser)
    page = browser.new_page(viewport=viewport)
    page.goto(live_server.live_url + "/login")
    page.fill("input[name=email]", user.email)
    page.fill("input[name=password]", DEFAULT_PASSWORD)
    page.locator("form.form button[type=submit]").click()

    page.goto(live_server.live_url + "/events/new")
    expect(page.locator("#name_zh")).to_be_visible()
    _no_sideways_scroll(page, viewport)
    page.screenshot(path=shots / "form-empty.png", full_page=True)

    page.fill("#name_zh", "2027 粤港澳大湾区绿色低碳发展论坛")
    page.fill("#name_en", "2027 Greater Bay Area Green and Low-Carbon Development Forum")
    page.select_option("#meeting_type", "conference")
    starts_on = event_dates()["starts_on"]
    page.fill("#starts_on", starts_on.isoformat())
    page.fill("#ends_on", (starts_on - timedelta(days=2)).isoformat())  # before the start: refused on the field
    page.fill("#venue_name", "广州白云国际会议中心")
    page.fill("#city", "广州")
    page.fill("#expected_attendance", "800")
    page.fill("#electricity_kwh", "-5")
    page.locator("#electricity_kwh-factor summary").click()  # a tap opens the factor and its source
    expect(page.locator("#electricity_kwh-factor")).to_contain_text("cn.elec.national_avg")
    page.locator("form.event-form button[type=submit]").click()
    expect(page.locator("#ends_on ~ .field-error")).to_be_visible()
    expect(page.locator("#electricity_kwh")).to_have_attribute("aria-invalid", "true")
    _no_sideways_scroll(page, viewport)
    page.screenshot(path=shots / "form-errors.png", full_page=True)

    page.fill("#ends_on", (starts_on + timedelta(days=2)).isoformat())
    page.fill("#electricity_kwh", "12500")
    page.fill("#natural_gas_m3", "320")
    page.fill("#diesel_kg", "40")
    page.fill("#meals_vegetarian", "600")
    page.fill("#meals_poultry", "900")
    page.fill("#paper_kg", "85.5")
    page.fill("#waste__food_drink__composting", "240")
    page.locator("form.event-form button[type=submit]").click()
    expect(page.locator("h1")).to_have_text("2027 粤港澳大湾区绿色低碳发展论坛")
    expect(page.locator("#qr img.qr-preview")).to_be_visible()
    expect(page.locator(".facts")).to_contain_text("CN-GD")
    _no_sideways_scroll(page, viewport)
    page.screenshot(path=shots / "detail.png", full_page=True)

    detail_url = page.url.split("#")[0]
    page.fill("#count", "12")
    page.locator("#badges button[type=submit]").click()
    expect(page.locator(".badge-sheet .badge")).to_have_count(12)
    _no_sideways_scroll(page, viewport)
    page.screenshot(path=shots / "badge-sheet.png", full_page=True)

    page.goto(detail_url + "/edit")
    expect(page.locator("#electricity_kwh-factor")).to_contain_text("cn.elec.prov.guangdong")
    page.screenshot(path=shots / "form-edit.png", full_page=True)

    page.goto(page.url.removesuffix("/edit") + "/poster")
    expect(page.locator(".poster-call")).to_have_text("扫码记录您的出行")
    expect(page.locator(".poster-call-en")).to_have_text("Scan to record your trip")
    _no_sideways_scroll(page, viewport)
    page.screenshot(path=shots / "poster-screen.png", full_page=True)
    # The QR code on the poster, as the browser draws it, reads back as the link printed under it.
    link = page.locator(".poster-url code").inner_text()
    shot = page.locator(".poster-code").screenshot()
    assert zxingcpp.read_barcodes(Image.open(io.BytesIO(shot)))[0].text == link
    # Printed: no navigation, one A4 page (794 x 1123 CSS px at 96 dpi).
    page.emulate_media(media="print")
    page.set_viewport_size(A4)
    expect(page.locator(".site-header")).to_be_hidden()
    page.screenshot(path=shots / "poster-print.png", full_page=True)
    pdf = page.pdf(format="A4", print_background=True)
    (shots / "poster.pdf").write_bytes(pdf)
    assert len(re.findall(rb"/Type\s*/Page\b", pdf)) == 1, "the poster does not fit on one A4 page"
    page.close()
