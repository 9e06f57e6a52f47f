"""Certificates in headless Chromium: the verification page at phone width in Chinese and English, and the
organiser's certificate page; screenshots saved in test-output/browser/."""

from __future__ import annotations

from decimal import Decimal

import pytest
from playwright.sync_api import expect

from accounts.models import Role
from certificates import issuing
from certificates.models import NeutralisationOffer
from db import get_session
from meetings import footprint as event_footprint
from tests.browser.conftest import DESKTOP, PHONE, sign_in
from tests.factories import DEFAULT_PASSWORD, make_attendee_response, make_event, make_organisation, make_user
from tests.ledger_factories import give_credits

pytestmark = pytest.mark.browser


def _issued(app):
    """A meeting with one attendee's share and the organiser's certificate: (organiser, meeting number, personal
    number, personal access key)."""
    with app.app_context():
        session = get_session()
        org = make_organisation(session, name_zh="绿色会展有限公司", name_en="Green Events Co., Ltd.")
        organiser = make_user(session, org, role=Role.organiser)
        give_credits(session, org, 200, start=42_001)
        event = make_event(session, org, name_zh="2026 粤港澳大湾区绿色金融论坛",
                           name_en="2026 Greater Bay Area Green Finance Forum", electricity_kwh="3200",
                           meals_vegetarian=120, paper_kg="40")
        session.add(NeutralisationOffer(event_id=event.id, price_per_tonne_cny=Decimal("60")))
        session.commit()
        for origin, mode in (("北京", "flight"), ("上海", "high_speed_rail"), ("深圳", "car")):
            make_attendee_response(session, event, origin=origin, travel_mode=mode)
        signers = issuing.signers_for(app.extensions["settings"], app.live_url)
        answer = session.exec(__import__("sqlmodel").select(
            __import__("meetings.models", fromlist=["AttendeeResponse"]).AttendeeResponse)).first()
        personal = issuing.neutralise_attendee(session, signers=signers, response_id=answer.id,
                                               holder_name="欧阳明月")
        event_footprint.take_snapshot(session=session, organisation_id=org.id, event_id=event.id)
        meeting = issuing.neutralise_meeting(session, signers=signers, organisation_id=org.id, event_id=event.id)
        from certificates.models import Certificate

        personal = session.get(Certificate, personal.certificate_id)
        return organiser, meeting.number, personal.number, personal.access_key


def _no_sideways_scroll(page, viewport) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"], "the page scrolls sideways"


@pytest.mark.parametrize("lang,state", [("zh_CN", "有效"), ("en", "Valid")])
def test_the_verify_page_reads_well_on_a_phone_in_each_language(live_server, browser, shots, lang, state):
    _organiser, number, personal, key = _issued(live_server)
    context = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True)
    context.add_cookies([{"name": "lang", "value": lang, "url": live_server.live_url}])
    page = context.new_page()
    page.goto(f"{live_server.live_url}/verify/{number}")
    expect(page.locator("#status-title")).to_have_text(state)
    expect(page.locator("#signature")).to_have_class("verify-signature ok")
    expect(page.locator("#cs-title")).to_have_text("零碳会议证书")
    _no_sideways_scroll(page, PHONE)
    page.screenshot(path=str(shots / f"verify-meeting-{lang}.png"), full_page=True)
    page.goto(f"{live_server.live_url}/verify/{personal}")  # a stranger walking through the numbers
    expect(page.locator("#not-found")).to_be_visible()
    expect(page.locator("#cs-holder")).to_have_count(0)
    page.goto(f"{live_server.live_url}/verify/{personal}?k={key}")  # the QR code's address
    expect(page.locator("#cs-holder")).to_have_text("欧阳明月")
    expect(page.locator("#pdf-link")).to_have_attribute("href", f"/certificates/{personal}.pdf?k={key}")
    _no_sideways_scroll(page, PHONE)
    page.screenshot(path=str(shots / f"verify-personal-{lang}.png"), full_page=True)
    context.close()


def test_the_certificate_page_is_laid_out_like_the_pdf_and_prints_on_a4(live_server, browser, shots):
    organiser, number, _personal, _key = _issued(live_server)
    context = browser.new_context(viewport=DESKTOP)
    page = sign_in(context, live_server.live_url, organiser.email, DEFAULT_PASSWORD)
    page.goto(f"{live_server.live_url}/certificates/{number}")
    expect(page.locator("#cs-number")).to_have_text(number)
    expect(page.locator("#print")).to_have_attribute("href", f"/certificates/{number}.pdf")
    page.screenshot(path=str(shots / "certificate-desktop.png"), full_page=True)
    page.emulate_media(media="print")
    assert page.locator(".site-header").is_hidden() and page.locator("#print").is_hidden()
    pdf = page.pdf(format="A4")
    (shots / "certificate-printed.pdf").write_bytes(pdf)
    assert pdf.startswith(b"%PDF")
    context.close()
