"""A citizen's carbon account: sign-up by e-mail or phone, tenant isolation, low-carbon days, step import, dashboard."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest
from sqlmodel import select

from accounts import service as accounts
from accounts.models import Citizen, LoginKind, Role, User
from certificates import citizens as kept_footprints
from citizens.models import LowCarbonDay
from errors import Conflict
from footprints import service as footprint_service
from footprints.schemas import PersonalFootprintRequestSchema
from tests.conftest import csrf_token_from, login
from tests.factories import DEFAULT_PASSWORD, make_event, make_organisation, make_user

PASSWORD = "a long enough secret"
STEPS_CSV = "date,steps\n2025-03-01,20000\n2025-03-02,6000\n2025-04-01,59\n"


def _text(response) -> str:
    return response.get_data(as_text=True)


def sign_up(client, login_text: str, nickname: str = "", password: str = PASSWORD, confirm: str | None = None):
    token = csrf_token_from(_text(client.get("/citizen/signup")))
    return client.post("/citizen/signup", data={"login": login_text, "nickname": nickname, "password": password,
                                                "confirm": password if confirm is None else confirm,
                                                "csrf_token": token})


def token_of(client) -> str:
    return csrf_token_from(_text(client.get("/citizen")))


@pytest.fixture
def citizen(client, session):
    signed = sign_up(client, "138 1234 5678", nickname="小林")
    assert signed.status_code == 303 and signed.headers["Location"].endswith("/citizen")
    return session.exec(select(User).where(User.email == "13812345678")).one()


def test_a_citizen_signs_up_with_a_phone_number_and_signs_in_again_with_it(client, session, citizen):
    profile = session.get(Citizen, citizen.id)
    assert profile.login_kind == LoginKind.phone and citizen.display_name == "小林"
    assert accounts.memberships_of(session=session, user_id=citizen.id) == []
    client.post("/logout", data={"csrf_token": token_of(client)})
    signed_in = login(client, "+86 138-1234-5678", PASSWORD)
    assert signed_in.status_code == 302 and signed_in.headers["Location"].endswith("/citizen")
    assert "小林" in _text(client.get("/citizen"))


def test_sign_up_refuses_a_bad_phone_a_short_password_a_taken_login_and_a_missing_csrf_token(client, session):
    client.set_cookie("lang", "en")
    bad_phone = sign_up(client, "2381234567")
    assert bad_phone.status_code == 422 and "11 digits starting with 1" in _text(bad_phone)
    assert sign_up(client, "12345").status_code == 422
    short = sign_up(client, "a@example.org", password="short")
    assert short.status_code == 422 and "at least 10" in _text(short).lower()
    differ = sign_up(client, "a@example.org", confirm="another long secret")
    assert differ.status_code == 422 and "The two passwords differ." in _text(differ)
    no_csrf = client.post("/citizen/signup", data={"login": "b@example.org", "password": PASSWORD,
                                                  "confirm": PASSWORD})
    assert no_csrf.status_code in (400, 422)
    assert sign_up(client, "Someone@Example.org").status_code == 303
    client.post("/logout", data={"csrf_token": token_of(client)})
    taken = sign_up(client, "someone@example.org")
    assert taken.status_code == 409 and "exists already" in _text(taken)
    someone = session.exec(select(User).where(User.email == "someone@example.org")).one()
    assert someone.display_name == "s***@example.org"


def test_a_citizen_sees_no_organisation_page_and_cannot_join_one(client, session, citizen):
    organisation = make_organisation(session)
    event = make_event(session, organisation)
    for path in ("/account", "/events", f"/events/{event.id}", "/ledger/holdings", "/ledger/admin"):
        status = client.get(path).status_code
        assert status in (403, 404), (path, status)
    with pytest.raises(Conflict):
        accounts.add_member(session=session, user_id=citizen.id, organisation_id=organisation.id, role=Role.admin)
    assert "/account" not in _text(client.get("/citizen")).split("</nav>")[0]


def test_an_organisation_member_keeps_their_pages_and_has_no_carbon_account(client, session):
    organisation = make_organisation(session)
    member = make_user(session, organisation, role=Role.organiser)
    assert login(client, member.email, DEFAULT_PASSWORD).status_code == 302
    assert client.get("/account").status_code == 200
    assert client.get("/events").status_code == 200
    assert client.get("/citizen").status_code == 403


def save(client, **values):
    return client.post("/citizen/days", data={"csrf_token": token_of(client), **values})


def test_days_earn_capped_points_and_an_impossible_day_is_refused_naming_the_field(client, session, citizen):
    client.set_cookie("lang", "en")
    assert save(client, day="2025-03-01", steps="20000", cycling_minutes="30").status_code == 303
    day = session.exec(select(LowCarbonDay).where(LowCarbonDay.user_id == citizen.id)).one()
    assert (day.walk_points, day.cycle_points, day.points) == (300, 60, 360)
    assert save(client, day="2025-03-01", cycling_minutes="200", bus_trips="2", bus_km="10",
                metro_trips="1", metro_km="20").status_code == 303
    session.refresh(day)
    # The day was replaced, not added to: no steps now, cycling capped at 160, 2 bus trips, Shenzhen grams.
    assert (day.walk_points, day.cycle_points, day.bus_points, day.points) == (0, 160, 20, 180)
    assert day.avoided_g_co2 == Decimal("26.9") * 10 + Decimal("46.7") * 20
    # The day shows its own estimated avoided grams (Shenzhen 2021: bus 26.9, metro 46.7 g per passenger-km).
    recent = _text(client.get("/citizen")).split('id="recent-days"')[1]
    assert "≈ 1,203.0 g CO2 avoided" in recent
    client.set_cookie("lang", "zh_CN")
    assert "约减排 1,203.0 克 CO2" in _text(client.get("/citizen")).split('id="recent-days"')[1]
    client.set_cookie("lang", "en")
    refused = save(client, day="2025-03-02", steps="250000")
    assert refused.status_code == 422
    html = _text(refused)
    assert "250000 is not a possible day (0 to 100000)" in html and 'id="d-steps"' in html
    assert re.search(r'd-steps"[^>]*aria-invalid="true"', html)
    bad_date = save(client, day="2025-02-30", steps="10")
    assert bad_date.status_code == 422 and "not a date" in _text(bad_date)
    assert len(session.exec(select(LowCarbonDay).where(LowCarbonDay.user_id == citizen.id)).all()) == 1


def upload(client, text: str, name: str = "steps.csv"):
    import io

    return client.post("/citizen/steps", data={"csrf_token": token_of(client),
                                               "file": (io.BytesIO(text.encode()), name)},
                       content_type="multipart/form-data")


def totals(html: str) -> tuple[str, str, str]:
    return tuple(re.search(rf'id="{name}">([^<]+)<', html).group(1).strip()
                 for name in ("points-total", "avoided-total", "days-total"))


def test_importing_the_same_step_file_twice_leaves_the_totals_unchanged(client, session, citizen):
    client.set_cookie("lang", "en")
    save(client, day="2025-03-02", bus_trips="1", bus_km="5")
    first = upload(client, STEPS_CSV)
    assert first.status_code == 303
    after_first = _text(client.get("/citizen"))
    assert "3 days read, 3 new or changed" in after_first
    # 300 (capped) + 100 + 10 bus + 0 (59 steps) = 410 points; 5 km by bus = 134.5 g.
    assert totals(after_first) == ("410", "0.13", "3")
    second = upload(client, STEPS_CSV)
    assert second.status_code == 303
    after_second = _text(client.get("/citizen"))
    assert "3 days read, 0 new or changed" in after_second
    assert totals(after_second) == totals(after_first)
    day = session.exec(select(LowCarbonDay).where(LowCarbonDay.day == date(2025, 3, 2))).one()
    assert (day.steps, day.bus_trips, day.points) == (6000, 1, 110)


def test_a_bad_step_file_names_every_line_column_value_and_reason_and_imports_nothing(client, session, citizen):
    client.set_cookie("lang", "en")
    refused = upload(client, "date,steps\n2025-03-01,8000\n2025-13-01,100\n2025-03-03,lots\n2025-03-04,150000\n")
    assert refused.status_code == 422
    html = _text(refused)
    problems = re.findall(r'data-label="Line">(\d+)</td><td data-label="Column">(\w+)</td>'
                          r'<td data-label="Cell value"><code>([^<]*)</code></td>'
                          r'<td data-label="Reason">([^<]+)</td>', html)
    assert problems == [("3", "date", "2025-13-01", "not a date (2025-03-01)"),
                        ("4", "steps", "lots", "not a whole number of steps"),
                        ("5", "steps", "150000", "more than 100000 steps is not a possible day")]
    assert session.exec(select(LowCarbonDay)).all() == []


def test_the_dashboard_adds_up_months_and_lists_kept_footprints_with_their_certificate_links(client, session,
                                                                                             citizen):
    client.set_cookie("lang", "en")
    for day, steps, metro_km in (("2025-03-01", "6000", "10"), ("2025-03-15", "1200", "0"),
                                 ("2025-05-02", "30000", "4")):
        assert save(client, day=day, steps=steps, metro_trips="1" if metro_km != "0" else "0",
                    metro_km=metro_km).status_code == 303
    footprint = footprint_service.compute_footprint("personal", PersonalFootprintRequestSchema().load(
        {"legs": [{"mode": "car", "distance_km": "100"}], "food": [], "meals": {}, "options": {}}))
    kept = kept_footprints.keep_footprint(session=session, footprint=footprint, request_data={},
                                          owner_user_id=citizen.id)
    kept_footprints.keep_footprint(session=session, footprint=footprint, request_data={})  # someone else's
    html = _text(client.get("/citizen"))
    assert totals(html) == ("420", "0.65", "3")  # 100 + 20 + 300 points; 14 km of metro × 46.7 g
    months = re.findall(r'data-label="Month">([0-9-]+)</td><td data-label="Points" class="num">(\d+)</td>', html)
    assert months == [("2025-05", "300"), ("2025-03", "120")]
    assert "深圳市低碳公共出行碳普惠方法学" in html and "<svg" in html
    assert html.count(f"/calculator/neutralise/{kept.public_token}") == 1
    assert html.count("/calculator/neutralise/") == 1


def test_the_dashboard_links_a_neutralised_footprints_personal_certificate_with_its_access_key(app, client, session,
                                                                                               citizen):
    from certificates import issuing
    from certificates.models import Certificate
    from ledger.accounts import pool_account
    from ledger.issuance import issue
    from tests.ledger_factories import make_credit_project

    issue(session, project_id=make_credit_project(session).id, account_id=pool_account(session).id, vintage=2022,
          serial_start=70_001, serial_end=70_010, serial_text="CCER-POOL-2022-70001")
    footprint = footprint_service.compute_footprint("personal", PersonalFootprintRequestSchema().load(
        {"legs": [{"mode": "car", "distance_km": "100"}], "food": [], "meals": {}, "options": {}}))
    kept = kept_footprints.keep_footprint(session=session, footprint=footprint, request_data={},
                                          owner_user_id=citizen.id)
    with app.test_request_context("/"):
        done = issuing.neutralise_citizen(session, signers=issuing.signers_for(app.extensions["settings"],
                                                                               "http://localhost"),
                                          footprint_token=kept.public_token, holder_name="小林",
                                          price_per_tonne_cny=Decimal(0))
    certificate = session.get(Certificate, done.certificate_id)
    assert certificate.access_key
    html = _text(client.get("/citizen"))
    assert f'href="/verify/{certificate.number}?k={certificate.access_key}">{certificate.number}</a>' in html
    assert client.get(f"/verify/{certificate.number}?k={certificate.access_key}").status_code == 200
    assert client.get(f"/verify/{certificate.number}").status_code == 404


def test_a_footprint_kept_from_the_calculator_while_signed_in_lands_on_the_citizens_dashboard(client, session,
                                                                                               citizen, app):
    from certificates.models import PersonalFootprint

    query = {"go": "1", "trip-0-mode": "rail_high_speed", "trip-0-from": "北京", "trip-0-to": "上海",
             "trip-0-trip": "return", "meals-vegetarian": "3"}
    calculator = _text(client.get("/calculator", query_string=query))
    token = re.search(r'name="form_token" value="([^"]+)"', calculator).group(1)
    kept = client.post("/calculator/neutralise", data={**query, "form_token": token})
    assert kept.status_code == 303
    footprint = session.exec(select(PersonalFootprint)).one()
    assert footprint.owner_user_id == citizen.id
    html = _text(client.get("/citizen"))
    assert html.count(f"/calculator/neutralise/{footprint.public_token}") == 1
    # Kept by someone signed out, a footprint belongs to nobody's account.
    stranger = app.test_client()
    calculator = _text(stranger.get("/calculator", query_string=query))
    token = re.search(r'name="form_token" value="([^"]+)"', calculator).group(1)
    assert stranger.post("/calculator/neutralise", data={**query, "form_token": token}).status_code == 303
    owners = sorted((f.owner_user_id or 0) for f in session.exec(select(PersonalFootprint)).all())
    assert owners == [0, citizen.id]
    assert _text(client.get("/citizen")).count("/calculator/neutralise/") == 1
