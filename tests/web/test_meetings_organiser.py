"""The organiser's meeting pages through the test client: forms, QR downloads, poster, lists, tenant isolation."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime, time, timedelta

import cairosvg
import pytest
import zxingcpp
from PIL import Image
from sqlmodel import select

from accounts.models import Role
from db import utcnow
from meetings import badges, links
from meetings.models import BadgeCode, Event, EventLink, LinkState, Registration, Stratum, TokenState
from tests.conftest import csrf_token_from, login
from tests.factories import DEFAULT_PASSWORD, make_event, make_organisation, make_user

# The form's meeting: two days, fifty days from the test's today.
STARTS_ON = utcnow().date() + timedelta(days=50)
ENDS_ON = STARTS_ON + timedelta(days=1)


def _day(offset: int) -> str:
    """The form's date `offset` days after its first day."""
    return (STARTS_ON + timedelta(days=offset)).isoformat()

_FIELD_ERROR = re.compile(r'class="field-error"[^>]*>([^<]*)<')


def _signed_in(client, session, role=Role.organiser, language="en"):
    """A member of a new organisation, signed in; English so that WTForms' own messages read as below."""
    org = make_organisation(session)
    user = make_user(session, org, role=role)
    assert login(client, user.email, DEFAULT_PASSWORD).status_code == 302
    client.get(f"/lang/{language}")
    return org


def _form(client, url: str, **fields) -> dict:
    data = {"csrf_token": csrf_token_from(client.get(url).get_data(as_text=True)), "name_zh": "绿色论坛",
            "name_en": "Green Forum", "meeting_type": "conference", "starts_on": STARTS_ON.isoformat(),
            "ends_on": ENDS_ON.isoformat(), "venue_name": "深圳会展中心", "city": "深圳", "province": "",
            "expected_attendance": "450"}
    data.update(fields)
    return data


def _decode(png: bytes) -> str:
    found = zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))
    assert len(found) == 1, "no QR code (or more than one) in the image"
    return found[0].text


def _events(session) -> list[Event]:
    session.expire_all()
    return list(session.exec(select(Event)).all())


def test_an_organiser_creates_a_meeting_and_is_sent_to_its_page(client, session):
    org = _signed_in(client, session)
    data = _form(client, "/events/new", electricity_kwh="12500.5", meals_vegetarian="300", boundary=[
        "venue_energy", "catering"], waste__food_drink__composting="120", require_badge_codes="y",
        closes_at=f"{_day(2)}T18:00")
    response = client.post("/events/new", data=data)
    assert response.status_code == 302
    [event] = _events(session)
    assert response.headers["Location"] == f"/events/{event.id}"
    assert (event.organisation_id, event.province, event.city_code) == (org.id, "CN-GD", "cn-440300")
    assert str(event.electricity_kwh) == "12500.5" and event.meals_vegetarian == 300
    assert event.boundary == ["venue_energy", "catering"] and event.require_badge_codes
    assert event.waste_kg == {"food_drink.composting": "120"}
    assert event.closes_at == datetime.combine(STARTS_ON + timedelta(days=2), time(10), tzinfo=UTC)  # 18:00 Beijing
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "绿色论坛" in page and "/m/" in page and "cn.elec.prov.guangdong" in page


def test_a_meeting_without_a_close_time_or_boundary_gets_the_defaults_of_its_type(client, session):
    _signed_in(client, session)
    assert client.post("/events/new", data=_form(client, "/events/new", meeting_type="banquet")).status_code == 302
    [event] = _events(session)
    assert event.closes_at == datetime.combine(ENDS_ON, time(16), tzinfo=UTC)  # midnight after the last day, Beijing
    assert "attendee_lodging" not in event.boundary and "catering" in event.boundary


@pytest.mark.parametrize(("fields", "field", "message"), [
    ({"ends_on": _day(-1)}, "ends_on", "The meeting cannot end before it starts."),
    ({"starts_on": "20.5.2027"}, "starts_on", "Not a valid date value."),
    ({"starts_on": ""}, "starts_on", "Required."),
    ({"ends_on": "9999-12-31"}, "ends_on", "A date from 2000-01-01 to 2099-12-31."),
    ({"closes_at": "0001-01-01T00:00"}, "closes_at", "Answers cannot close before the meeting starts."),
    ({"closes_at": "9999-12-31T23:59"}, "closes_at", "Answers close at most a year after the meeting."),
    ({"electricity_kwh": "-1"}, "electricity_kwh", "Cannot be negative."),
    ({"natural_gas_m3": "NaN"}, "natural_gas_m3", "Enter a finite number."),
    ({"diesel_kg": "1e30"}, "diesel_kg", "At most 1,000,000,000,000."),
    ({"paper_kg": "twelve"}, "paper_kg", "Not a valid decimal value."),
    ({"meals_beef_lamb": "-3"}, "meals_beef_lamb", "Between 0 and 1,098,000,000."),
    ({"expected_attendance": "0"}, "expected_attendance", "Between 1 and 1,000,000."),
    ({"expected_attendance": "99999999999999999999999"}, "expected_attendance", "Between 1 and 1,000,000."),
    ({"expected_attendance": ""}, "expected_attendance", "Required."),
    ({"venue_name": "  "}, "venue_name", "Required."),
    ({"name_en": "x" * 201}, "name_en", "At most 200 characters."),
    ({"province": "CN-XX"}, "province", "Not a valid choice."),
    ({"province": "CN-BJ"}, "province", "is in Guangdong (CN-GD), not Beijing."),
    ({"city": "Atlantis"}, "city", "Unknown city “Atlantis”"),
    ({"city": "Paris"}, "city", "is not in mainland China"),
    ({"floor_area_m2": "2000"}, "venue_hours", "An estimate needs both the floor area and the hours."),
    ({"closes_at": f"{_day(-19)}T09:00"}, "closes_at", "Answers cannot close before the meeting starts."),
    ({"meeting_type": "rave"}, "meeting_type", "Not a valid choice."),
    ({"boundary": ["venue_energy", "space_travel"]}, "boundary", "not a valid choice"),
    ({"name_zh": "", "name_en": ""}, "name_zh", "Give the meeting's name in Chinese or English."),
    ({"waste__plastics_average__landfill": "-0.5"}, "waste__plastics_average__landfill", "Cannot be negative."),
])
def test_bad_input_is_shown_as_a_form_error_and_nothing_is_saved(client, session, fields, field, message):
    _signed_in(client, session)
    response = client.post("/events/new", data=_form(client, "/events/new", **fields))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert message in html.replace("&#39;", "'")
    # The message sits under its own field, which is marked invalid.
    assert re.search(rf'id="{field}"[^>]*aria-invalid="true"|aria-invalid="true"[^>]*id="{field}"', html) or \
        field == "boundary"
    assert _events(session) == []


def test_several_problems_are_reported_at_once(client, session):
    _signed_in(client, session)
    response = client.post("/events/new", data=_form(client, "/events/new", ends_on=_day(-10),
                                                      electricity_kwh="-5", province="CN-BJ"))
    errors = _FIELD_ERROR.findall(response.get_data(as_text=True))
    assert len(errors) == 3, errors


def test_editing_saves_the_changes_and_a_bad_edit_changes_nothing(client, session):
    org = _signed_in(client, session)
    event = make_event(session, org, electricity_kwh="100")
    form_page = client.get(f"/events/{event.id}/edit").get_data(as_text=True)
    assert 'value="100"' in form_page and "cn.elec.prov.guangdong" in form_page
    data = _form(client, f"/events/{event.id}/edit", name_zh="改名后的会议", city="北京", ends_on=_day(0),
                 actual_attendance="412", electricity_kwh="")
    assert client.post(f"/events/{event.id}/edit", data=data).status_code == 302
    [saved] = _events(session)
    assert (saved.name_zh, saved.province, saved.actual_attendance, saved.electricity_kwh) == (
        "改名后的会议", "CN-BJ", 412, None)

    bad = _form(client, f"/events/{event.id}/edit", ends_on=_day(-10), name_zh="不该保存")
    response = client.post(f"/events/{event.id}/edit", data=bad)
    assert response.status_code == 422
    assert "The meeting cannot end before it starts." in response.get_data(as_text=True)
    assert _events(session)[0].name_zh == "改名后的会议"


def test_the_list_shows_the_organisations_meetings_only(client, session):
    org = _signed_in(client, session, language="zh_CN")
    make_event(session, org, name_zh="我们的会议")
    make_event(session, make_organisation(session), name_zh="别人的会议")
    page = client.get("/events").get_data(as_text=True)
    assert "我们的会议" in page and "别人的会议" not in page


def test_every_page_of_another_organisations_meeting_is_not_found(client, session):
    other = make_event(session, make_organisation(session))
    _signed_in(client, session)
    for path in ("", "/edit", "/qr.png", "/qr.svg", "/poster", "/badge-codes/1"):
        assert client.get(f"/events/{other.id}{path}").status_code == 404, path
    token = csrf_token_from(client.get("/events/new").get_data(as_text=True))
    posts = {"/edit": {"name_zh": "hijack"}, "/rotate-link": {"confirm": "y"}, "/badge-codes": {"count": "5"},
             "/registrations": {"file": (io.BytesIO(b"origin_city\nShanghai\n"), "r.csv")}}
    for path, data in posts.items():
        response = client.post(f"/events/{other.id}{path}", data={"csrf_token": token, **data},
                               content_type="multipart/form-data")
        assert response.status_code == 404, path
    session.expire_all()
    assert session.exec(select(Registration)).all() == [] and session.exec(select(BadgeCode)).all() == []
    assert len(session.exec(select(EventLink).where(EventLink.event_id == other.id)).all()) == 1


def test_an_auditor_may_look_but_not_change(client, session):
    org = _signed_in(client, session, role=Role.auditor)
    event = make_event(session, org)
    assert client.get(f"/events/{event.id}").status_code == 200
    assert client.get(f"/events/{event.id}/qr.png").status_code == 200
    page = client.get("/events").get_data(as_text=True)
    assert "/events/new" not in page
    assert client.get("/events/new").status_code == 403
    assert client.get(f"/events/{event.id}/edit").status_code == 403


def test_the_qr_png_and_svg_downloads_decode_to_the_event_link(client, session):
    org = _signed_in(client, session)
    event = make_event(session, org)
    link = links.active_link(session=session, organisation_id=org.id, event_id=event.id)
    expected = f"http://localhost/m/{link.token}"
    png = client.get(f"/events/{event.id}/qr.png")
    assert png.mimetype == "image/png"
    assert _decode(png.data) == expected
    svg = client.get(f"/events/{event.id}/qr.svg")
    assert svg.mimetype == "image/svg+xml"
    assert _decode(cairosvg.svg2png(bytestring=svg.data, output_width=400)) == expected
    poster = client.get(f"/events/{event.id}/poster").get_data(as_text=True)
    assert "扫码记录您的出行" in poster and "Scan to record your trip" in poster and expected in poster
    inline_svg = re.search(r"<svg.*?</svg>", poster, re.S).group(0)
    assert _decode(cairosvg.svg2png(bytestring=inline_svg.encode(), output_width=400)) == expected


def test_the_qr_code_carries_the_configured_public_address(app, session):
    app.config["PUBLIC_BASE_URL"] = "https://tanzhong.example.cn/"
    client = app.test_client()
    org = _signed_in(client, session)
    event = make_event(session, org)
    link = links.active_link(session=session, organisation_id=org.id, event_id=event.id)
    assert _decode(client.get(f"/events/{event.id}/qr.png").data) == f"https://tanzhong.example.cn/m/{link.token}"


def test_rotating_the_link_needs_a_confirmation_then_old_codes_say_they_were_replaced(client, session):
    org = _signed_in(client, session)
    event = make_event(session, org)
    old = links.active_link(session=session, organisation_id=org.id, event_id=event.id).token
    token = csrf_token_from(client.get(f"/events/{event.id}").get_data(as_text=True))
    unconfirmed = client.post(f"/events/{event.id}/rotate-link", data={"csrf_token": token})
    assert unconfirmed.status_code == 422
    assert links.resolve_public_token(session=session, token=old)[1] == TokenState.active

    response = client.post(f"/events/{event.id}/rotate-link", data={"csrf_token": token, "confirm": "y"})
    assert response.status_code == 302
    session.expire_all()
    assert links.resolve_public_token(session=session, token=old) == (event, TokenState.rotated)
    new = links.active_link(session=session, organisation_id=org.id, event_id=event.id).token
    assert new != old
    assert _decode(client.get(f"/events/{event.id}/qr.png").data) == f"http://localhost/m/{new}"
    states = session.exec(select(EventLink.state).where(EventLink.event_id == event.id)).all()
    assert sorted(states) == [LinkState.active, LinkState.rotated]


def _upload(client, event_id: int, body: bytes):
    token = csrf_token_from(client.get(f"/events/{event_id}").get_data(as_text=True))
    return client.post(f"/events/{event_id}/registrations", content_type="multipart/form-data",
                       data={"csrf_token": token, "file": (io.BytesIO(body), "registrations.csv")})


def test_a_registration_list_is_imported_and_placed_in_strata(client, session):
    org = _signed_in(client, session)
    event = make_event(session, org)  # in Guangzhou
    body = "\ufefforigin_city,ticket_type\n广州,VIP\n深圳,\nBeijing,standard\n香港,\nLondon,\n火星,\n".encode()
    response = _upload(client, event.id, body)
    assert response.status_code == 302
    session.expire_all()
    rows = session.exec(select(Registration).order_by(Registration.line_no)).all()
    assert [r.stratum for r in rows] == [Stratum.same_city, Stratum.same_province, Stratum.other_province,
                                         Stratum.hk_mo_tw, Stratum.international, Stratum.unknown]
    assert [r.line_no for r in rows] == [2, 3, 4, 5, 6, 7]
    assert rows[0].ticket_type == "VIP" and rows[5].origin_raw == "火星"
    page = client.get(f"/events/{event.id}").get_data(as_text=True)
    assert "火星 × 1" in page


def test_a_registration_list_with_bad_rows_reports_every_line_and_saves_nothing(client, session):
    org = _signed_in(client, session)
    event = make_event(session, org)
    assert _upload(client, event.id, b"origin_city\nShanghai\nHangzhou\n").status_code == 302
    body = ("origin_city,ticket_type\nShanghai,VIP\n,standard\nNanjing,a,b\n" + "x" * 201 + "\n").encode()
    response = _upload(client, event.id, body)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    for line in ("line 3: origin_city is empty", "line 4: 3 columns where the header has 2",
                 "line 5: origin_city is longer than 200 characters"):
        assert line in html
    session.expire_all()
    assert [r.origin_raw for r in session.exec(select(Registration).order_by(Registration.line_no))] == [
        "Shanghai", "Hangzhou"]


def test_a_registration_list_that_is_not_utf8_is_refused_with_advice(client, session):
    org = _signed_in(client, session)
    event = make_event(session, org)
    response = _upload(client, event.id, "origin_city\n上海\n".encode("gb18030"))
    assert response.status_code == 422
    assert "CSV UTF-8" in response.get_data(as_text=True)


def test_badge_codes_are_made_in_batches_and_printed_as_a_sheet(client, session):
    org = _signed_in(client, session)
    event = make_event(session, org)
    token = csrf_token_from(client.get(f"/events/{event.id}").get_data(as_text=True))
    for bad in ("0", "5001", "many"):
        assert client.post(f"/events/{event.id}/badge-codes", data={"csrf_token": token, "count": bad}
                           ).status_code == 422
    response = client.post(f"/events/{event.id}/badge-codes", data={"csrf_token": token, "count": "3"})
    assert response.status_code == 302
    assert response.headers["Location"] == f"/events/{event.id}/badge-codes/1"
    sheet = client.get(response.headers["Location"]).get_data(as_text=True)
    session.expire_all()
    codes = session.exec(select(BadgeCode.code)).all()
    assert len(codes) == 3
    assert all(badges.format_badge_code(code) in sheet for code in codes)
    first_svg = re.search(r"<svg.*?</svg>", sheet, re.S).group(0)
    decoded = _decode(cairosvg.svg2png(bytestring=first_svg.encode(), output_width=300))
    assert decoded.startswith("http://localhost/m/b/") and decoded.rsplit("/", 1)[1] in codes
