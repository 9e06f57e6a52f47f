"""The attendee's phone flow through the test client: cookie, form token, one row per device, refusals, badges,
limits."""

from __future__ import annotations

import re
import time
from datetime import date
from decimal import Decimal
from html import unescape

import pytest
from itsdangerous import TimestampSigner, URLSafeTimedSerializer
from sqlmodel import select

from app import create_app
from footprints.service import compute_footprint
from meetings import badges, links, responses
from meetings.attendee import DEVICE_COOKIE, FORM_TOKEN_MAX_AGE, FORM_TOKEN_SALT, form_token
from meetings.models import AttendeeResponse, BadgeCode
from tests.conftest import csrf_token_from, make_test_settings
from tests.factories import make_event, make_organisation

ANSWER = {"origin": "上海", "travel_mode": "high_speed_rail", "trip": "return", "hotel_nights": "2",
          "meals_bought": "yes", "meals_vegetarian": "2", "name": "张三"}
_FIELD_ERROR = re.compile(r'class="field-error"[^>]*>([^<]*)<')


def _event(session, **overrides):
    org = make_organisation(session)
    event = make_event(session, org, **overrides)
    return event, links.active_link(session=session, organisation_id=org.id, event_id=event.id).token


def _form(client, url: str, **fields) -> dict:
    page = client.get(url)
    assert page.status_code == 200, page.get_data(as_text=True)[:500]
    return {"csrf_token": csrf_token_from(page.get_data(as_text=True)), **ANSWER, **fields}


def _rows(session, event) -> list[AttendeeResponse]:
    session.expire_all()
    return list(session.exec(select(AttendeeResponse).where(AttendeeResponse.event_id == event.id)).all())


def _expected_shanghai_by_rail(event, nights=2, vegetarian=2, round_trip=True) -> Decimal:
    """The same trip computed independently, straight through the personal calculator."""
    data = {"legs": [{"mode": "rail", "rail_type": "high_speed", "origin": "上海", "destination": event.city,
                      "round_trip": round_trip}],
            "lodging": [{"country": "CN", "nights": nights}] if nights else [],
            "meals": {"vegetarian": vegetarian} if vegetarian else {}}
    return compute_footprint("personal", data).total_kgco2e


def test_the_first_page_sets_a_private_device_cookie_and_speaks_chinese(client, session):
    _event_row, token = _event(session)
    page = client.get(f"/m/{token}")
    assert page.status_code == 200
    cookie = next(c for c in page.headers.getlist("Set-Cookie") if c.startswith(DEVICE_COOKIE + "="))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Path=/m/" in cookie
    html = page.get_data(as_text=True)
    assert '<html lang="zh-CN">' in html
    assert 'src="/static/js/places.js"' in html and "<script>" not in html  # CSP: no inline script
    assert page.headers["Cache-Control"] == "private, no-store"


def test_an_answer_is_computed_stored_and_shown_with_its_line_items(client, session):
    event, token = _event(session)
    response = client.post(f"/m/{token}", data=_form(client, f"/m/{token}"))
    assert response.status_code == 303 and response.headers["Location"] == f"/m/{token}/mine"
    [row] = _rows(session, event)
    expected = _expected_shanghai_by_rail(event)
    assert row.total_kgco2e == expected
    assert row.travel_kgco2e + row.lodging_kgco2e + row.meals_kgco2e == expected
    assert (row.display_name, row.origin_code, row.stratum.value, row.travel_mode) == (
        "张三", "cn-310000", "other_province", "high_speed_rail")
    assert row.answers["origin"] == "Shanghai 上海" and row.answers["hotel_nights"] == 2
    device = client.get_cookie(DEVICE_COOKIE, path="/m/").value
    assert len(row.device_key_hash) == 64 and device not in row.device_key_hash
    client.get("/lang/en")
    page = client.get(f"/m/{token}/mine").get_data(as_text=True)
    assert "cn_hsr_full" in page and "hotel.china" in page and "cn_meal.vegetarian" in page
    assert "average petrol car" in page and "land.car.average.petrol.vkm" in page
    assert f"{expected.quantize(Decimal('0.1'))}" in page.replace(",", "")


def _kept(html: str) -> None:
    """The re-shown form still holds every answer of ANSWER."""
    assert 'id="origin" name="origin" value="上海"' in html
    assert 'id="hotel_nights" name="hotel_nights" value="2"' in html
    assert 'value="high_speed_rail" checked' in html and 'name="meals_bought" value="yes" checked' in html
    assert 'id="meals_vegetarian" name="meals_vegetarian" value="2"' in html and 'value="张三"' in html


def _notice(html: str) -> str:
    return unescape(re.search(r'class="form-notice"[^>]*>([^<]*)<', html).group(1))


def test_the_form_needs_no_session_cookie_and_answers_after_cookies_were_cleared(app, client, session):
    event, token = _event(session)
    page = client.get(f"/m/{token}")
    assert not [c for c in page.headers.getlist("Set-Cookie") if c.startswith("session=")]
    data = {"csrf_token": csrf_token_from(page.get_data(as_text=True)), **ANSWER}
    cleared = app.test_client()  # the same form, sent by a browser that has forgotten every cookie
    response = cleared.post(f"/m/{token}", data=data)
    assert response.status_code == 303 and response.headers["Location"] == f"/m/{token}/mine"
    assert cleared.get_cookie(DEVICE_COOKIE, path="/m/") is not None  # a new device token names it from now on
    [row] = _rows(session, event)
    assert row.total_kgco2e == _expected_shanghai_by_rail(event)
    assert cleared.get(f"/m/{token}/mine").status_code == 200


@pytest.mark.parametrize("token_of", [
    lambda link: None,
    lambda link: "garbage",
    lambda link: form_token("link:" + "B" * 32),  # a genuine token, for another meeting's link
    lambda link: form_token(f"link:{link}")[:-2] + "xx",  # tampered
])
def test_a_missing_or_wrong_form_token_shows_the_filled_form_again_and_stores_nothing(client, session, token_of):
    event, token = _event(session)
    client.get(f"/m/{token}")
    with client.application.test_request_context():
        csrf = token_of(token)
    data = {**ANSWER, **({"csrf_token": csrf} if csrf else {})}
    page = client.post(f"/m/{token}", data=data)
    html = page.get_data(as_text=True)
    assert page.status_code == 400 and _rows(session, event) == []
    assert _notice(html) == "无法核验此页面。您的回答都保留在下面，请再提交一次。"
    _kept(html)
    fresh = csrf_token_from(html)
    assert fresh != csrf and client.post(f"/m/{token}", data={**data, "csrf_token": fresh}).status_code == 303


def test_an_expired_form_token_shows_the_filled_form_again_with_a_fresh_one(client, session):
    event, token = _event(session)
    client.get(f"/m/{token}")

    class DayOldSigner(TimestampSigner):
        def get_timestamp(self) -> int:
            return int(time.time()) - FORM_TOKEN_MAX_AGE - 60

    old = URLSafeTimedSerializer(client.application.secret_key, salt=FORM_TOKEN_SALT,
                                 signer=DayOldSigner).dumps(f"link:{token}")
    page = client.post(f"/m/{token}", data={**ANSWER, "csrf_token": old})
    html = page.get_data(as_text=True)
    assert page.status_code == 400 and _rows(session, event) == []
    assert _notice(html) == "此页面打开太久了。您的回答都保留在下面，请再提交一次。"
    assert re.search(r'class="button wide" autofocus', html)  # "submit again" is where the reader is taken
    _kept(html)
    assert client.post(f"/m/{token}", data={**ANSWER, "csrf_token": csrf_token_from(html)}).status_code == 303
    assert len(_rows(session, event)) == 1


@pytest.mark.parametrize(("headers", "stored"), [
    ({"Origin": "https://evil.example"}, False),
    ({"Referer": "https://evil.example/form.html"}, False),
    ({"Origin": "null", "Referer": "https://evil.example/"}, False),
    ({"Origin": "http://localhost"}, True),
    ({"Referer": "http://localhost/m/x"}, True),
    ({"Origin": "null"}, True),  # privacy settings: the signed token decides
    ({}, True),
])
def test_a_post_from_another_site_is_refused_with_the_form_shown_again(client, session, headers, stored):
    event, token = _event(session)
    page = client.post(f"/m/{token}", data=_form(client, f"/m/{token}"), headers=headers)
    assert page.status_code == (303 if stored else 403)
    assert len(_rows(session, event)) == (1 if stored else 0)
    if not stored:
        html = page.get_data(as_text=True)
        assert _notice(html) == "这份回答是从其他网站发送的。请检查下面的回答，并在这里提交。"
        _kept(html)


@pytest.mark.parametrize(("left_out", "first", "message"), [
    (("travel_mode", "trip", "hotel_nights", "meals_bought", "meals_vegetarian", "name"), "travel_mode-0",
     "请选择交通方式。"),
    (("hotel_nights",), "hotel_nights", "住了几晚？没有住酒店请填 0。"),
    (("meals_bought",), "meals_bought-0", "请选择“否”或“是”。"),
    (("meals_vegetarian",), "meals_bought-0", "请在下面填写餐数，或选择“否”。"),
])
def test_an_incomplete_answer_is_never_stored_and_the_first_missing_answer_gets_the_focus(client, session, left_out,
                                                                                          first, message):
    event, token = _event(session)
    data = {name: value for name, value in _form(client, f"/m/{token}").items() if name not in left_out}
    page = client.post(f"/m/{token}", data=data)
    html = page.get_data(as_text=True)
    assert page.status_code == 422 and _rows(session, event) == []
    assert re.findall(r'id="([\w-]+)"[^>]* autofocus', html) == [first]
    assert f'href="#{first}"' in html  # the summary at the top links to it
    assert message in [unescape(error) for error in _FIELD_ERROR.findall(html)]
    assert 'value="上海"' in html  # what was given is kept


def test_no_meals_bought_stores_no_meals_whatever_the_hidden_counts_say(client, session):
    event, token = _event(session)
    data = _form(client, f"/m/{token}", meals_bought="no", meals_vegetarian="2")
    assert client.post(f"/m/{token}", data=data).status_code == 303
    [row] = _rows(session, event)
    assert row.meals_kgco2e == 0 and row.total_kgco2e == _expected_shanghai_by_rail(event, vegetarian=0)


def test_the_form_asks_the_browser_to_refuse_a_half_filled_submission(client, session):
    _event_row, token = _event(session)
    html = client.get(f"/m/{token}").get_data(as_text=True)
    assert "novalidate" not in html and " autofocus" not in html  # a new form: no error to go to
    for name in ("origin", "hotel_nights"):
        assert re.search(rf'<input [^>]*name="{name}"[^>]* required', html), name
    for name in ("travel_mode", "meals_bought"):
        assert re.search(rf'<input type="radio" [^>]*name="{name}"[^>]* required', html), name
    assert 'id="hotel_nights" name="hotel_nights" value=""' in html  # nights are answered, not assumed 0
    assert 'name="meals_bought" value="no" checked' not in html


def test_coming_back_shows_the_answer_and_editing_keeps_one_row(client, session):
    event, token = _event(session)
    assert client.post(f"/m/{token}", data=_form(client, f"/m/{token}")).status_code == 303
    [first] = _rows(session, event)
    again = client.get(f"/m/{token}")
    assert again.status_code == 303 and again.headers["Location"] == f"/m/{token}/mine"
    edit = client.get(f"/m/{token}?edit=1").get_data(as_text=True)
    assert 'value="Shanghai 上海"' in edit and 'value="2"' in edit  # the form starts from the stored answer
    assert 'name="meals_bought" value="yes" checked' in edit
    data = {"csrf_token": csrf_token_from(edit), **ANSWER, "hotel_nights": "0", "trip": "one_way"}
    assert client.post(f"/m/{token}", data=data).status_code == 303
    [row] = _rows(session, event)
    assert row.id == first.id and row.created_at == first.created_at and row.updated_at >= first.updated_at
    assert row.total_kgco2e == _expected_shanghai_by_rail(event, nights=0, round_trip=False)
    assert row.lodging_kgco2e == 0


def test_another_device_makes_another_row(app, client, session):
    event, token = _event(session)
    assert client.post(f"/m/{token}", data=_form(client, f"/m/{token}")).status_code == 303
    other = app.test_client()
    assert other.post(f"/m/{token}", data=_form(other, f"/m/{token}", origin="成都")).status_code == 303
    assert len(_rows(session, event)) == 2


def test_an_unknown_place_shows_the_form_again_with_suggestions_and_a_suggestion_saves(client, session):
    event, token = _event(session)
    client.get("/lang/en")
    data = _form(client, f"/m/{token}", origin="Shangahi")
    page = client.post(f"/m/{token}", data=data)
    html = page.get_data(as_text=True)
    assert page.status_code == 422 and _rows(session, event) == []
    assert "We do not know “Shangahi”" in html
    suggestions = re.findall(r'name="origin_choice" value="([^"]+)"', html)
    assert "Shanghai 上海" in suggestions
    assert 'value="2"' in html  # the other answers are kept
    assert client.post(f"/m/{token}", data={**data, "origin_choice": "Shanghai 上海"}).status_code == 303
    [row] = _rows(session, event)
    assert row.origin_code == "cn-310000"


@pytest.mark.parametrize(("fields", "field", "message"), [
    ({"origin": "广州", "travel_mode": "metro"}, "distance_km", "You came from within the meeting's city"),
    ({"origin": "北京", "travel_mode": "metro"}, "travel_mode", "choose how you travelled most of the way"),
    ({"travel_mode": "hovercraft"}, "travel_mode", "Not a valid choice"),
    ({"hotel_nights": "61"}, "hotel_nights", "From 0 to 60."),
    ({"hotel_nights": "-1"}, "hotel_nights", "From 0 to 60."),
    ({"distance_km": "NaN"}, "distance_km", "Between 0.1 and 25,000 km."),
    ({"distance_km": "12.25"}, "distance_km", "At most one decimal."),
    ({"origin": ""}, "origin", "Tell us the city or airport you came from."),
])
def test_a_bad_answer_is_refused_on_its_field(client, session, fields, field, message):
    event, token = _event(session)
    client.get("/lang/en")
    page = client.post(f"/m/{token}", data=_form(client, f"/m/{token}", **fields))
    html = page.get_data(as_text=True)
    assert page.status_code == 422
    errors = [unescape(error) for error in _FIELD_ERROR.findall(html)]
    assert any(message in error for error in errors), errors
    assert f'id="{field}"' in html or f'name="{field}"' in html
    assert _rows(session, event) == []


def test_within_the_city_the_given_distance_counts(client, session):
    event, token = _event(session)
    data = _form(client, f"/m/{token}", origin="广州", travel_mode="metro", distance_km="18.5", hotel_nights="0",
                 meals_bought="no", meals_vegetarian="")
    assert client.post(f"/m/{token}", data=data).status_code == 303
    [row] = _rows(session, event)
    expected = compute_footprint("personal", {"legs": [{"mode": "metro", "distance_km": Decimal("18.5"),
                                                        "round_trip": True}]}).total_kgco2e
    assert row.total_kgco2e == expected and row.stratum.value == "same_city"


def test_a_replaced_qr_code_says_so(client, session):
    event, old = _event(session)
    client.get("/lang/en")
    data = _form(client, f"/m/{old}")
    links.rotate_link(session=session, organisation_id=event.organisation_id, event_id=event.id)
    for response in (client.get(f"/m/{old}"), client.post(f"/m/{old}", data=data)):
        assert response.status_code == 410
        assert "This QR code was replaced" in response.get_data(as_text=True)
    assert _rows(session, event) == []


def test_a_closed_meeting_refuses_answers_and_says_when_it_closed(client, session):
    event, token = _event(session, starts_on=date(2021, 3, 1), ends_on=date(2021, 3, 2))
    client.get("/lang/en")
    page = client.get(f"/m/{token}")
    html = page.get_data(as_text=True)
    assert page.status_code == 403 and "Answers closed on 2021-03-03 00:00" in html
    with client.application.test_request_context():
        valid = form_token(f"link:{token}")  # a form opened before the close, sent after it
    for csrf in (valid, "x"):  # the close is the reason, whatever the token says
        post = client.post(f"/m/{token}", data={**ANSWER, "csrf_token": csrf})
        assert post.status_code == 403 and "Answers closed on 2021-03-03 00:00" in post.get_data(as_text=True)
    assert _rows(session, event) == []
    assert client.get(f"/m/{token}/mine").status_code == 403


def test_a_closed_meeting_still_shows_an_earlier_answer_read_only(client, session):
    event, token = _event(session)
    assert client.post(f"/m/{token}", data=_form(client, f"/m/{token}")).status_code == 303
    event.closes_at = event.closes_at.replace(year=2021, month=1)
    session.add(event)
    session.commit()
    client.get("/lang/en")
    page = client.get(f"/m/{token}")
    assert page.status_code == 403 and f'href="/m/{token}/mine"' in page.get_data(as_text=True)
    result = client.get(f"/m/{token}/mine")
    assert result.status_code == 200 and "can no longer be changed" in result.get_data(as_text=True)


@pytest.mark.parametrize("path", ["/m/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "/m/short", "/m/b/0000-0000-0000",
                                  "/m/b/nonsense", "/m/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA/mine"])
def test_an_unknown_code_is_404(client, session, path):
    client.get("/lang/en")
    page = client.get(path)
    assert page.status_code == 404 and "This code is not known" in page.get_data(as_text=True)


def test_a_badge_meeting_refuses_its_open_link(client, session):
    _event_row, token = _event(session, require_badge_codes=True)
    client.get("/lang/en")
    page = client.get(f"/m/{token}")
    assert page.status_code == 403 and "scan the small QR code printed on your badge" in page.get_data(as_text=True)


def test_a_badge_answers_once_marks_its_use_and_only_its_device_edits_it(app, client, session):
    event, _token = _event(session, require_badge_codes=True)
    badge, second = badges.generate_badge_codes(session=session, organisation_id=event.organisation_id,
                                                  event_id=event.id, count=2)
    url = f"/m/b/{badges.format_badge_code(badge.code)}"
    response = client.post(url, data=_form(client, url))
    assert response.status_code == 303 and response.headers["Location"] == f"/m/b/{badge.code}/mine"
    [row] = _rows(session, event)
    session.expire_all()
    assert row.badge_code_id == badge.id and session.get(BadgeCode, badge.id).used_at is not None
    assert client.get(f"/m/b/{badge.code}/mine").status_code == 200
    assert client.post(url, data=_form(client, url + "?edit=1", hotel_nights="3")).status_code == 303
    assert [r.id for r in _rows(session, event)] == [row.id]

    stranger = app.test_client()
    stranger.get("/lang/en")
    page = stranger.get(url)
    assert page.status_code == 409 and "already been used" in page.get_data(as_text=True)
    assert stranger.get(f"/m/b/{badge.code}/mine").status_code == 409
    refused = stranger.post(url, data={**ANSWER, "csrf_token": csrf_token_from(client.get(url + "?edit=1").text)})
    assert refused.status_code == 409 and "already been used" in refused.get_data(as_text=True)
    # One phone may answer for a second badge: a row of its own.
    other = f"/m/b/{second.code}"
    assert client.post(other, data=_form(client, other, origin="北京")).status_code == 303
    assert len(_rows(session, event)) == 2


def test_a_badge_used_at_the_same_moment_from_another_device_is_refused_by_the_database(session):
    event, _token = _event(session, require_badge_codes=True)
    [badge] = badges.generate_badge_codes(session=session, organisation_id=event.organisation_id,
                                            event_id=event.id, count=1)
    answers = {"origin": "上海", "travel_mode": "flight"}
    responses.submit_by_badge(session=session, code=badge.code, device_token=responses.new_device_token(),
                              answers=answers)
    # The second device saw the badge as unused (a race): the unique badge_code_id refuses its row.
    session.get(BadgeCode, badge.id).used_at = None
    session.commit()
    with pytest.raises(responses.BadgeUsed):
        responses.submit_by_badge(session=session, code=badge.code, device_token=responses.new_device_token(),
                                  answers=answers)
    assert len(_rows(session, event)) == 1


def test_place_suggestions_come_as_json(client):
    assert client.get("/m/places?q=cheng").get_json()["places"][:2] == ["Chengdu 成都", "Chengde 承德"]
    assert client.get("/m/places?q=pek").get_json()["places"][0].startswith("PEK ")
    assert client.get("/m/places?q=").get_json() == {"places": []}


def test_the_english_switch_translates_the_form(client, session):
    _event_row, token = _event(session)
    client.get("/lang/en")
    html = client.get(f"/m/{token}").get_data(as_text=True)
    assert '<html lang="en">' in html and "Where did you travel from?" in html


def _limited_app(database, tmp_path, **extra):
    return create_app(make_test_settings(tmp_path, ratelimit_enabled=True, extra=extra), database=database)


def test_submissions_are_limited_per_ip(database, tmp_path, session):
    app = _limited_app(database, tmp_path, ATTENDEE_IP_RATE_LIMIT="3 per minute")
    client = app.test_client()
    _event_row, token = _event(session)
    data = _form(client, f"/m/{token}")
    statuses = [client.post(f"/m/{token}", data=data).status_code for _ in range(4)]
    assert statuses == [303, 303, 303, 429]
    assert client.get(f"/m/{token}/mine").status_code == 200  # reading is not limited
    client.get("/lang/en")
    page = client.post(f"/m/{token}", data=data)
    assert page.status_code == 429 and "Too many requests" in page.get_data(as_text=True)


def test_submissions_are_limited_per_event_whatever_the_ip(database, tmp_path, session):
    app = _limited_app(database, tmp_path, ATTENDEE_EVENT_RATE_LIMIT="2 per minute")
    _event_row, token = _event(session)
    _other, other_token = _event(session)
    statuses = []
    for n in range(3):
        phone = app.test_client()
        phone.environ_base["REMOTE_ADDR"] = f"10.0.0.{n + 1}"
        statuses.append(phone.post(f"/m/{token}", data=_form(phone, f"/m/{token}")).status_code)
    assert statuses == [303, 303, 429]
    phone = app.test_client()
    assert phone.post(f"/m/{other_token}", data=_form(phone, f"/m/{other_token}")).status_code == 303
