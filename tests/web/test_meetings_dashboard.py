"""The organiser's footprint dashboard, exports and snapshots: numbers checked against an independent computation."""

from __future__ import annotations

import csv
import io
import re
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from sqlalchemy import select as sa_select
from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from accounts.models import Role
from calculators.event import extrapolate, stratum_priors
from calculators.footprint import dsum
from factors import DEFAULT_VERSION, default_factor_set
from footprints.service import compute_footprint
from meetings import footprint as event_footprint
from meetings import registration_lists, responses
from meetings.models import AttendeeResponse, EventFootprintSnapshot, exact_kg
from tests.conftest import csrf_token_from, login
from tests.factories import (
    DEFAULT_PASSWORD,
    change_event,
    make_attendee_response,
    make_event,
    make_organisation,
    make_user,
)

ORGANISER_INPUTS = {"electricity_kwh": "12500", "natural_gas_m3": "320", "meals_vegetarian": 300, "meals_pork": 200,
                    "paper_kg": "85.5", "waste_kg": {"food_drink.composting": "240"}}
ANSWERS = [
    {"origin": "上海", "travel_mode": "high_speed_rail", "hotel_nights": 2, "meals": {"vegetarian": 2}},
    {"origin": "PEK", "travel_mode": "flight", "cabin": "business", "hotel_nights": 3},
    {"origin": "深圳", "travel_mode": "car", "car_occupancy": 3, "round_trip": False, "hotel_nights": 0},  # 28+ digits
    {"origin": "广州", "travel_mode": "metro", "distance_km": "12.5", "hotel_nights": 0},
    {"origin": "成都", "travel_mode": "flight", "hotel_nights": 2, "meals": {"beef_lamb": 1, "fish": 2}},
]


def _signed_in(client, session, org=None, role=Role.organiser):
    org = org or make_organisation(session)
    user = make_user(session, org, role=role)
    assert login(client, user.email, DEFAULT_PASSWORD).status_code == 302
    client.get("/lang/en")
    return org


def _independent(event, answers) -> tuple[Decimal, Decimal]:
    """(total, non-respondents' point) computed without meetings.footprint: calculators straight from the inputs."""
    organiser = compute_footprint("event", {
        "electricity": [{"quantity": Decimal("12500"), "unit": "kWh", "province": "CN-GD"}],
        "fuels": [{"fuel": "natural_gas", "quantity": Decimal("320"), "unit": "m3"}],
        "catering": {"vegetarian": 300, "pork": 200},
        "materials": [{"material": "paper", "quantity": Decimal("85.5"), "unit": "kg"}],
        "waste": [{"waste": "food_drink", "treatment": "composting", "quantity": Decimal("240"), "unit": "kg"}],
    }).total_kgco2e
    totals = []
    for answer in answers:
        leg = {"mode": {"high_speed_rail": "rail"}.get(answer["travel_mode"], answer["travel_mode"]),
               "origin": answer["origin"], "destination": "广州", "round_trip": answer.get("round_trip", True),
               "cabin": answer.get("cabin", "economy"), "occupancy": answer.get("car_occupancy", 1)}
        if "distance_km" in answer:
            leg["distance_km"] = Decimal(answer["distance_km"])
        nights = answer.get("hotel_nights", 0)
        totals.append(compute_footprint("personal", {
            "legs": [leg], "lodging": [{"country": "CN", "nights": nights}] if nights else [],
            "meals": answer.get("meals", {})}).total_kgco2e)
    prior = stratum_priors(default_factor_set(), event.meeting_type.value)["all"]
    point = extrapolate(totals, event.expected_attendance, prior=prior).point_kgco2e
    return dsum((organiser, *totals, point)), point


def _event_with_answers(session, org, answers=ANSWERS, **overrides):
    event = make_event(session, org, **{**ORGANISER_INPUTS, **overrides})
    for answer in answers:
        make_attendee_response(session, event, **answer)
    return event


def test_the_dashboard_equals_an_independent_computation(client, session):
    org = _signed_in(client, session)
    event = _event_with_answers(session, org)
    total, point = _independent(event, ANSWERS)
    result = event_footprint.event_footprint_of(session=session, event=event)
    assert result.footprint.total_kgco2e == total  # exactly: every digit of the car's third is kept
    assert result.footprint.extrapolation.point_kgco2e == point
    assert result.respondents.count == 5 and result.attendance == 300
    assert dsum(result.breakdown.values()) == total
    assert set(result.breakdown) == {"venue_energy", "catering", "materials", "waste", "attendee_travel",
                                     "attendee_lodging", "attendee_meals", "extrapolated"}
    page = client.get(f"/events/{event.id}/dashboard")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    tonnes = f"{(total / 1000).quantize(Decimal('0.01')):,}"
    assert f'id="total-t">{tonnes}<' in html
    assert f'id="credits">{result.footprint.credits_needed_t}<' in html
    assert 'id="responses">5<' in html and "of 300 attendees" in html
    assert "The mean of 5 answers combined with the meeting type’s default attendee" in html
    assert "weighing as much as 10 answers" in html and "90% interval" in html
    ex = result.footprint.extrapolation
    line = html.split('id="credits-line">')[1].split("</p>")[0]
    assert f"Total {tonnes} t CO₂e, credits needed {result.footprint.credits_needed_t} t" in line
    assert f"{(ex.high_kgco2e / 1000).quantize(Decimal('0.01')):,} t for the attendees who did not answer" in line
    assert 'id="narrowing"' in line and "more answers like those so far would halve the interval" in line
    assert 'id="missing-inputs"' not in html  # every organiser input is given
    assert html.count('class="chart breakdown-chart"') == 1 and 'class="chart histogram-chart"' in html
    assert "<script" not in html.split("</head>")[1]  # charts drawn on the server
    assert '<meta http-equiv="refresh" content="60">' in html  # answers are open: it refreshes


def test_the_boundary_leaves_out_what_it_does_not_count(session):
    org = make_organisation(session)
    event = _event_with_answers(session, org, boundary=["venue_energy", "attendee_travel"])
    result = event_footprint.event_footprint_of(session=session, event=event)
    assert set(result.breakdown) == {"venue_energy", "attendee_travel", "extrapolated"}
    travel = dsum(r.travel_kgco2e for r in _rows(session, event))
    assert result.breakdown["attendee_travel"] == travel
    assert result.respondents.totals == tuple(r.travel_kgco2e for r in _rows(session, event))


def _rows(session, event):
    table = AttendeeResponse.__table__.c
    return session.execute(sa_select(exact_kg(table.travel_kgco2e).label("travel_kgco2e"))
                           .where(table.event_id == event.id).order_by(table.id)).all()


def test_without_answers_the_meeting_type_default_is_used_and_said(session):
    org = make_organisation(session)
    event = make_event(session, org)
    result = event_footprint.event_footprint_of(session=session, event=event)
    assert result.respondents.count == 0
    extrapolation = result.footprint.extrapolation
    assert extrapolation.method_note.code == "event_default_only"
    assert extrapolation.low_kgco2e < extrapolation.point_kgco2e < extrapolation.high_kgco2e
    assert result.footprint.assumptions and result.breakdown["extrapolated"] > 0


def test_more_answers_than_attendees_raise_the_attendance_and_warn(session):
    org = make_organisation(session)
    event = _event_with_answers(session, org, ANSWERS[:3], expected_attendance=2)
    result = event_footprint.event_footprint_of(session=session, event=event)
    assert result.attendance == 3 and result.warnings[0][0] == "answers_over_attendance"
    assert result.footprint.extrapolation.point_kgco2e == 0


def test_a_registration_list_stratifies_the_extrapolation(session):
    org = make_organisation(session)
    event = _event_with_answers(session, org, ANSWERS[:2])
    registration_lists.import_registrations(session=session, organisation_id=org.id, event_id=event.id,
                                            csv_text="origin_city\n" + "广州\n" * 50 + "上海\n" * 30 + "北京\n" * 20)
    result = event_footprint.event_footprint_of(session=session, event=event)
    assert result.attendance_basis == "registrations" and result.attendance == 100
    assert result.footprint.extrapolation.method_note.code == "event_stratified"
    # The list's 100 rows replace the expected 300: said, with both numbers.
    assert ("registrations_replace_attendance",
            {"registered": 100, "attendance": 300, "basis": "expected"}) in result.warnings
    assert {s.stratum for s in result.footprint.extrapolation.strata} == {"same_city", "other_province"}


def test_distributions_and_segments_wait_for_three_answers(client, session):
    org = _signed_in(client, session)
    event = _event_with_answers(session, org, ANSWERS[:2])
    html = client.get(f"/events/{event.id}/dashboard").get_data(as_text=True)
    assert 'id="distribution-hidden"' in html and "histogram-chart" not in html
    make_attendee_response(session, event, origin="北京", travel_mode="flight")
    html = client.get(f"/events/{event.id}/dashboard").get_data(as_text=True)
    assert "histogram-chart" in html
    # Three answers in all, from other provinces; by mode, no group reaches three.
    assert "Other provinces" in html and "3 groups with fewer than 3 answers are not shown." not in html
    assert "2 groups with fewer than 3 answers are not shown." in html


def test_the_exports_hold_the_anonymised_answers_with_a_column_per_part(client, session):
    org = _signed_in(client, session)
    event = _event_with_answers(session, org, ANSWERS[:3])
    make_attendee_response(session, event, display_name="张三", origin="武汉")
    response = client.get(f"/events/{event.id}/responses.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert 'filename="event-' in response.headers["Content-Disposition"]
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff") and "张三" not in text
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    assert [r["response"] for r in rows] == ["1", "2", "3", "4"]
    assert {"travel_kgco2e", "lodging_kgco2e", "meals_kgco2e", "total_kgco2e"} <= set(rows[0])
    assert not {"display_name", "device_key_hash", "name"} & set(rows[0])
    car = rows[2]
    assert car["travel_mode"] == "car" and car["car_occupancy"] == "3" and car["round_trip"] == "false"
    assert Decimal(car["total_kgco2e"]) == Decimal(car["travel_kgco2e"]) and len(car["total_kgco2e"]) > 30
    for row in rows:
        assert Decimal(row["total_kgco2e"]) == dsum(Decimal(row[f"{p}_kgco2e"]) for p in ("travel", "lodging",
                                                                                         "meals"))
    workbook = load_workbook(io.BytesIO(client.get(f"/events/{event.id}/responses.xlsx").data), read_only=True)
    sheet = list(workbook.active.iter_rows(values_only=True))
    assert sheet[0] == tuple(responses.EXPORT_COLUMNS) and len(sheet) == 5
    assert [row[3] for row in sheet[1:]] == [r["origin"] for r in rows]
    assert all(isinstance(row[sheet[0].index("total_kgco2e")], float) for row in sheet[1:])
    assert "张三" not in str(sheet)


def test_a_snapshot_freezes_the_numbers_and_a_later_one_supersedes_it(client, session):
    org = _signed_in(client, session)
    event = _event_with_answers(session, org, ANSWERS[:3])
    dashboard = client.get(f"/events/{event.id}/dashboard").get_data(as_text=True)
    token = csrf_token_from(dashboard)
    response = client.post(f"/events/{event.id}/snapshots", data={"csrf_token": token})
    assert response.status_code == 302 and response.headers["Location"].endswith("/dashboard#snapshots")
    make_attendee_response(session, event, origin="北京", travel_mode="flight")
    assert client.post(f"/events/{event.id}/snapshots", data={"csrf_token": token}).status_code == 302
    session.expire_all()
    first, second = session.exec(select(EventFootprintSnapshot).where(EventFootprintSnapshot.event_id == event.id)
                                 .order_by(EventFootprintSnapshot.id)).all()
    assert (first.is_current, first.superseded_by_id, second.is_current) == (False, second.id, True)
    assert (first.respondents, second.respondents) == (3, 4)
    now = event_footprint.event_footprint_of(session=session, event=event).footprint
    assert Decimal(second.footprint["total_kgco2e"]) == now.total_kgco2e != Decimal(first.footprint["total_kgco2e"])
    assert first.factor_set == DEFAULT_VERSION and first.footprint["breakdown"] and first.footprint["items"]
    assert first.footprint["extrapolation"]["method_code"] == "event_answers_and_default"
    assert first.footprint["missing_inputs"] == []
    assert first.credits_needed_t == first.footprint["credits_needed_t"]
    page = client.get(f"/events/{event.id}/snapshots/{first.id}").get_data(as_text=True)
    assert "Superseded" in page and f"/snapshots/{second.id}" in page
    html = client.get(f"/events/{event.id}/dashboard").get_data(as_text=True)
    assert html.count('class="snapshot current"') == 1 and html.count('class="snapshot"') == 1


def test_the_database_keeps_one_current_snapshot_per_event(session):
    org = make_organisation(session)
    event = make_event(session, org)
    event_footprint.take_snapshot(session=session, organisation_id=org.id, event_id=event.id)
    document = {"items": []}
    session.add(EventFootprintSnapshot(event_id=event.id, factor_set="2025.1", footprint=document,
                                       total_kgco2e=Decimal(0), neutralisation_kgco2e=Decimal(0), credits_needed_t=0,
                                       respondents=0, attendance=0, is_current=True))
    with pytest.raises(IntegrityError):
        session.commit()
    session.rollback()


def test_a_reader_sees_the_dashboard_but_only_an_organiser_takes_a_snapshot(client, session):
    org = make_organisation(session)
    event = make_event(session, org)
    _signed_in(client, session, org=org, role=Role.auditor)
    page = client.get(f"/events/{event.id}/dashboard")
    assert page.status_code == 200 and "Take a snapshot now" not in page.get_data(as_text=True)
    token = csrf_token_from(client.get("/account").get_data(as_text=True))
    assert client.post(f"/events/{event.id}/snapshots", data={"csrf_token": token}).status_code == 403


@pytest.mark.parametrize("path", ["/dashboard", "/responses.csv", "/responses.xlsx", "/snapshots/{snapshot}"])
def test_another_organisations_dashboard_and_exports_are_404(app, client, session, path):
    owner = make_organisation(session)
    event = _event_with_answers(session, owner, ANSWERS[:1])
    snapshot = event_footprint.take_snapshot(session=session, organisation_id=owner.id, event_id=event.id)
    path = f"/events/{event.id}{path.format(snapshot=snapshot.id)}"
    owners_client = app.test_client()
    _signed_in(owners_client, session, org=owner)
    assert owners_client.get(path).status_code == 200  # the page is there, for its organisation
    _signed_in(client, session)
    assert client.get(path).status_code == 404


def test_another_organisations_snapshot_post_is_404(client, session):
    owner = make_organisation(session)
    event = make_event(session, owner)
    _signed_in(client, session)
    token = csrf_token_from(client.get("/account").get_data(as_text=True))
    assert client.post(f"/events/{event.id}/snapshots", data={"csrf_token": token}).status_code == 404
    assert session.exec(select(EventFootprintSnapshot)).all() == []


def test_the_event_page_links_to_its_dashboard(client, session):
    org = _signed_in(client, session)
    event = make_event(session, org)
    html = client.get(f"/events/{event.id}").get_data(as_text=True)
    assert re.search(rf'href="/events/{event.id}/dashboard"', html)


def test_moving_the_event_places_the_answers_again(session):
    org = make_organisation(session)
    event = make_event(session, org)  # in Guangzhou
    make_attendee_response(session, event, origin="深圳")
    assert _strata(session, event) == ["same_province"]
    change_event(session, event, city="深圳")
    assert _strata(session, event) == ["same_city"]


def _strata(session, event) -> list[str]:
    session.expire_all()
    return [r.stratum.value for r in session.exec(select(AttendeeResponse)
                                                  .where(AttendeeResponse.event_id == event.id)).all()]


def test_a_meeting_without_organiser_inputs_flags_each_missing_boundary_item(client, session):
    org = _signed_in(client, session)
    event = make_event(session, org)  # the full boundary, no venue, catering, materials or waste data
    result = event_footprint.event_footprint_of(session=session, event=event)
    assert result.missing_inputs == ("venue_energy", "catering", "materials", "waste")
    html = client.get(f"/events/{event.id}/dashboard").get_data(as_text=True)
    notice = html.split('id="missing-inputs">')[1].split("</p>")[0]
    assert "Not filled in: Venue energy, Catering, Materials, Waste." in notice
    for key in ("venue_energy", "catering", "materials", "waste"):
        assert 'class="tag missing">Not filled in<' in html.split(f'id="boundary-{key}">')[1].split("</li>")[0]
    for key in ("attendee_travel", "attendee_lodging"):
        assert "tag missing" not in html.split(f'id="boundary-{key}">')[1].split("</li>")[0]
    token = csrf_token_from(html)
    assert client.post(f"/events/{event.id}/snapshots", data={"csrf_token": token}).status_code == 302
    snapshot = session.exec(select(EventFootprintSnapshot).where(EventFootprintSnapshot.event_id == event.id)).one()
    assert snapshot.footprint["missing_inputs"] == ["venue_energy", "catering", "materials", "waste"]
    page = client.get(f"/events/{event.id}/snapshots/{snapshot.id}").get_data(as_text=True)
    assert "Not filled in when this snapshot was taken: Venue energy, Catering, Materials, Waste." in page
    client.get("/lang/zh_CN")
    page = client.get(f"/events/{event.id}/snapshots/{snapshot.id}").get_data(as_text=True)
    assert "未填写" in page and "场馆能耗" in page
    # The method and the assumptions in Chinese, not the calculator's English.
    assert "meeting type's per-attendee default" not in page and "respondent mean" not in page
    html = client.get(f"/events/{event.id}/dashboard").get_data(as_text=True)
    assert "未填写" in html and "按外推区间上限计" in html
    assert "stated assumptions" not in html and "same_city 0.40" not in html and "，all" not in html


def test_a_zero_is_data_and_an_empty_field_is_not(session):
    org = make_organisation(session)
    event = make_event(session, org, electricity_kwh=Decimal(0), meals_vegan=0, paper_kg=Decimal(0),
                       boundary=["venue_energy", "catering", "materials", "waste", "attendee_travel"])
    assert event_footprint.event_footprint_of(session=session, event=event).missing_inputs == ("waste",)


def test_answers_below_the_default_lower_the_credits_on_the_dashboard(session):
    org = make_organisation(session)
    event = make_event(session, org, **ORGANISER_INPUTS)
    before = event_footprint.event_footprint_of(session=session, event=event).footprint
    for _ in range(5):
        make_attendee_response(session, event, origin="广州", travel_mode="metro", distance_km="8", hotel_nights=0)
    after = event_footprint.event_footprint_of(session=session, event=event).footprint
    assert after.total_kgco2e < before.total_kgco2e
    assert after.credits_needed_t < before.credits_needed_t
    assert after.extrapolation.high_kgco2e - after.extrapolation.low_kgco2e > 0
