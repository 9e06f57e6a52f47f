"""The dashboard's credits line and missing inputs, in Chinese and English, at phone and desktop width."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from accounts.models import Role
from db import get_session
from tests.browser.conftest import DESKTOP, PHONE, sign_in
from tests.factories import DEFAULT_PASSWORD, make_attendee_response, make_event, make_organisation, make_user

pytestmark = pytest.mark.browser


def _sign_in(context, base: str, email: str):
    return sign_in(context, base, email, DEFAULT_PASSWORD)


@pytest.mark.parametrize("locale", ["zh_CN", "en"])
@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_the_dashboard_explains_the_credits_and_flags_missing_inputs(live_server, browser, shots, viewport, locale):
    base = live_server.live_url
    with live_server.app_context():
        org = make_organisation(get_session())
        user = make_user(get_session(), org, role=Role.organiser)
        empty = make_event(get_session(), org, expected_attendance=200)  # no answers, no organiser inputs
        some = make_event(get_session(), org, expected_attendance=200, electricity_kwh="8000", meals_pork=300,
                          paper_kg="40", waste_kg={"food_drink.composting": "120"})
        for origin, mode, km in (("广州", "metro", "9"), ("深圳", "high_speed_rail", None), ("上海", "flight", None),
                                 ("广州", "metro", "14"), ("佛山", "car", None)):
            extra = {"distance_km": km} if km else {}
            make_attendee_response(get_session(), some, origin=origin, travel_mode=mode, hotel_nights=0, **extra)
    context = browser.new_context(viewport=viewport, locale="zh-CN" if locale == "zh_CN" else "en-GB")
    page = _sign_in(context, base, user.email)
    page.goto(f"{base}/lang/{locale}")
    zh = locale == "zh_CN"

    page.goto(f"{base}/events/{empty.id}/dashboard")
    expect(page.locator("#credits-line")).to_contain_text("按外推区间上限计" if zh else "upper end of the estimate")
    expect(page.locator("#narrowing")).to_be_visible()
    expect(page.locator("#missing-inputs")).to_contain_text("未填写" if zh else "Not filled in")
    expect(page.locator("#boundary-catering .tag.missing")).to_be_visible()
    interval = page.locator("#interval").inner_text()
    low, high = (part.strip() for part in interval.replace("kg CO₂e", "").split("–"))
    assert low != high  # never a zero-width interval
    page.screenshot(path=shots / "no-answers-missing-inputs.png", full_page=True)
    page.locator("#snapshots form button[type=submit]").click()
    page.locator("tr.snapshot.current a").click()
    expect(page.locator("#missing-inputs")).to_contain_text("未填写" if zh else "Not filled in")
    expect(page.locator("#boundary-waste .tag.missing")).to_be_visible()
    expect(page.locator("#method")).to_contain_text("尚无填报" if zh else "No answers yet")
    page.screenshot(path=shots / "snapshot-missing-inputs.png", full_page=True)

    page.goto(f"{base}/events/{some.id}/dashboard")
    expect(page.locator("#responses")).to_have_text("5")
    expect(page.locator("#missing-inputs")).to_have_count(0)
    page.locator("details.notes summary").click()
    expect(page.locator("#technical")).to_contain_text("正态先验" if zh else "normal prior")
    if zh:
        assert "respondent mean" not in page.content() and "stated assumptions" not in page.content()
    page.screenshot(path=shots / "five-answers.png", full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    context.close()
