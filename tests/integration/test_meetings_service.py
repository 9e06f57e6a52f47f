"""Meetings use cases on a real database: the event rules, scoping, links and tokens, registrations, badge codes."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import marshmallow as ma
import pytest
from sqlalchemy import insert, text, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from db import utcnow
from errors import NotFound, ValidationError
from meetings import badges, events, links, registration_lists
from meetings.inputs import BOUNDARY_ORDER
from meetings.models import BadgeCode, Event, EventLink, LinkState, Registration, Stratum, TokenState
from meetings.schemas import MAX_EVENT_MEALS, EventCreateSchema, Problem
from tests.factories import change_event, event_dates, make_event, make_organisation


def test_an_event_gets_checked_values_its_province_and_an_unguessable_link(session):
    org = make_organisation(session)
    event = make_event(session, org, city="Shenzhen", electricity_kwh="1200.50", meals_fish=12,
                       waste_kg={"food_drink.composting": "0", "plastics_average.landfill": Decimal("3.5")})
    assert (event.province, event.city_code) == ("CN-GD", "cn-440300")
    assert event.electricity_kwh == Decimal("1200.5") and event.meals_fish == 12
    assert event.waste_kg == {"plastics_average.landfill": "3.5"}  # zero says nothing
    assert event.boundary == list(BOUNDARY_ORDER)  # a conference counts everything by default
    link = links.active_link(session=session, organisation_id=org.id, event_id=event.id)
    assert len(link.token) >= 22  # at least 128 random bits in base64url


def test_every_bad_field_is_reported_at_once_each_with_its_code(session):
    org = make_organisation(session)
    starts_on = utcnow().date() + timedelta(days=40)
    with pytest.raises(ma.ValidationError) as raised:
        make_event(session, org, starts_on=starts_on.isoformat(), ends_on=starts_on - timedelta(days=1),
                   province="Narnia", expected_attendance=-1, electricity_kwh="-2", natural_gas_m3=float("nan"),
                   meals_pork="x", boundary=["catering", "teleportation"], waste_kg={"lava.landfill": "1"},
                   venue_name=" ", unexpected="1")
    errors = raised.value.messages
    assert set(errors) == {"ends_on", "province", "expected_attendance", "electricity_kwh", "natural_gas_m3",
                           "meals_pork", "boundary", "waste_kg.lava.landfill", "venue_name", "unexpected"}
    codes = {name: [m.code for m in found] for name, found in errors.items() if isinstance(found, list)
             and all(isinstance(m, Problem) for m in found)}
    assert codes == {"ends_on": ["event.ends_before_start"], "province": ["event.unknown_province"],
                     "expected_attendance": ["event.between"], "electricity_kwh": ["event.negative"],
                     "natural_gas_m3": ["event.finite"], "waste_kg.lava.landfill": ["event.waste_unknown"],
                     "venue_name": ["event.required"]}
    assert errors["boundary"] == {1: ["Unknown category “teleportation”."]}
    assert errors["expected_attendance"] == ["Between 1 and 1,000,000."]
    assert session.exec(select(Event)).all() == []


# A close time a month from the test's clock, written without its time zone.
NO_ZONE = (utcnow() + timedelta(days=30)).replace(tzinfo=None).isoformat(timespec="seconds")


@pytest.mark.parametrize(("change", "field", "code"), [
    ({"ends_on": "9999-12-31"}, "ends_on", "event.date_range"),
    ({"starts_on": "0001-01-01"}, "starts_on", "event.date_range"),
    ({"closes_at": "0001-01-01T00:00:00+08:00"}, "closes_at", "event.closes_before_start"),
    ({"closes_at": "9999-12-31T23:59:59-12:00"}, "closes_at", "event.closes_too_late"),
    ({"closes_at": NO_ZONE}, "closes_at", "event.closes_at_zone"),
])
def test_dates_at_the_calendar_edge_are_refused_with_the_field_named(change, field, code):
    data = {"name_en": "Edge", "venue_name": "Hall", "city": "广州", "expected_attendance": 10,
            **{k: v.isoformat() for k, v in event_dates().items()}, **change}
    with pytest.raises(ma.ValidationError) as raised:
        EventCreateSchema().load(data)
    assert [m.code for m in raised.value.messages[field]] == [code]


def test_meals_of_one_kind_are_bounded_by_three_a_day_at_the_largest_meeting(session):
    org = make_organisation(session)
    event = make_event(session, org, meals_vegan=MAX_EVENT_MEALS, meals_fish=0)
    assert (event.meals_vegan, event.meals_fish) == (1_098_000_000, 0)  # 3 a day × 366 days × 1,000,000
    with pytest.raises(ma.ValidationError) as raised:
        make_event(session, org, meals_vegan=MAX_EVENT_MEALS + 1)
    assert raised.value.messages["meals_vegan"] == ["Between 0 and 1,098,000,000."]


def test_the_close_time_follows_the_dates_unless_the_organiser_chose_it(session):
    org = make_organisation(session)
    ends_on = utcnow().date() + timedelta(days=60)
    event = make_event(session, org, starts_on=ends_on - timedelta(days=2), ends_on=ends_on)
    midnight_after = datetime.combine(ends_on, datetime.min.time(), tzinfo=UTC) + timedelta(hours=16)
    assert event.closes_at == midnight_after  # the next day's 00:00 in Beijing
    event = change_event(session, event, ends_on=ends_on + timedelta(days=1))
    assert event.closes_at == midnight_after + timedelta(days=1)
    chosen = midnight_after + timedelta(days=7, hours=-4)
    change_event(session, event, closes_at=chosen)
    event = change_event(session, event, ends_on=ends_on + timedelta(days=2))
    assert event.closes_at == chosen
    with pytest.raises(ma.ValidationError) as raised:
        change_event(session, event, closes_at=chosen.replace(tzinfo=None))  # naive: which zone?
    assert [m.code for m in raised.value.messages["closes_at"]] == ["event.closes_at_zone"]
    session.expire_all()
    assert session.get(Event, event.id).closes_at == chosen


def test_another_organisations_event_is_not_found(session):
    mine, theirs = make_organisation(session), make_organisation(session)
    event = make_event(session, theirs)
    calls = [
        lambda: events.get_event(session=session, organisation_id=mine.id, event_id=event.id),
        lambda: events.update_event(session=session, organisation_id=mine.id, event_id=event.id,
                                    values={"name_zh": "x"}),
        lambda: links.rotate_link(session=session, organisation_id=mine.id, event_id=event.id),
        lambda: links.active_link(session=session, organisation_id=mine.id, event_id=event.id),
        lambda: registration_lists.import_registrations(session=session, organisation_id=mine.id, event_id=event.id,
                                                        csv_text="origin_city\nShanghai\n"),
        lambda: badges.generate_badge_codes(session=session, organisation_id=mine.id, event_id=event.id,
                                            count=1),
        lambda: badges.badge_batches(session=session, organisation_id=mine.id, event_id=event.id),
    ]
    for call in calls:
        with pytest.raises(NotFound):
            call()
    assert events.list_events(session=session, organisation_id=mine.id) == []


def test_rotation_keeps_the_old_token_known_as_rotated(session):
    org = make_organisation(session)
    event = make_event(session, org)
    first = links.active_link(session=session, organisation_id=org.id, event_id=event.id).token
    second = links.rotate_link(session=session, organisation_id=org.id, event_id=event.id).token
    third = links.rotate_link(session=session, organisation_id=org.id, event_id=event.id).token
    assert len({first, second, third}) == 3
    assert links.resolve_public_token(session=session, token=first) == (event, TokenState.rotated)
    assert links.resolve_public_token(session=session, token=second) == (event, TokenState.rotated)
    assert links.resolve_public_token(session=session, token=third) == (event, TokenState.active)
    rotated = session.exec(select(EventLink).where(EventLink.token == first)).one()
    assert rotated.state == LinkState.rotated and rotated.rotated_at is not None


def test_a_token_of_a_closed_event_says_closed_and_an_unknown_one_says_unknown(session):
    org = make_organisation(session)
    event = make_event(session, org)
    token = links.active_link(session=session, organisation_id=org.id, event_id=event.id).token
    after = event.closes_at + timedelta(seconds=1)
    assert links.resolve_public_token(session=session, token=token, now=after) == (event, TokenState.closed)
    assert links.resolve_public_token(session=session, token=token, now=event.closes_at - timedelta(seconds=1)
                                      ) == (event, TokenState.active)
    for garbage in ("", "x" * 32, "../../etc/passwd", "a" * 500, None, 42):
        assert links.resolve_public_token(session=session, token=garbage) == (None, TokenState.unknown)


def test_the_database_refuses_a_second_active_token_for_one_event(session):
    org = make_organisation(session)
    event = make_event(session, org)
    with pytest.raises(IntegrityError):
        session.exec(insert(EventLink).values(event_id=event.id, token="second-active-token-000000",
                                              state=LinkState.active, created_at=datetime.now(UTC)))
        session.flush()
    session.rollback()


@pytest.mark.parametrize("column, value", [("ends_on", date(2000, 1, 1)), ("electricity_kwh", Decimal("-1")),
                                           ("diesel_kg", Decimal("-0.001")), ("meals_beef_lamb", -1),
                                           ("expected_attendance", 0), ("meeting_type", "rave")])
def test_the_database_refuses_what_the_service_would(session, column, value):
    org = make_organisation(session)
    event = make_event(session, org)
    with pytest.raises((IntegrityError, LookupError)):  # LookupError: SQLAlchemy's own enum check, first
        session.exec(update(Event).where(Event.id == event.id).values({column: value}))
        session.flush()
    session.rollback()
    if column == "meeting_type":  # past SQLAlchemy's check, the database's own CHECK still refuses it
        with pytest.raises(IntegrityError):
            session.exec(text("UPDATE event SET meeting_type = 'rave' WHERE id = :id").bindparams(id=event.id))
        session.rollback()


def test_a_registration_list_replaces_the_previous_one_and_is_restratified_when_the_venue_moves(session):
    org = make_organisation(session)
    event = make_event(session, org, city="上海")
    registration_lists.import_registrations(session=session, organisation_id=org.id, event_id=event.id,
                                            csv_text="origin_city\nBeijing\nNanjing\n")
    summary = registration_lists.import_registrations(
        session=session, organisation_id=org.id, event_id=event.id,
        csv_text="\ufeffOrigin_City,Ticket_Type,\r\n上海,VIP,\r\n\r\n苏州,,\r\n台北,,\r\nTokyo,,\r\n不存在的城市,,\r\n",
    )
    assert summary.total == 5
    assert summary.by_stratum == {"same_city": 1, "other_province": 1, "hk_mo_tw": 1, "international": 1,
                                  "unknown": 1}
    assert summary.unresolved == [("不存在的城市", 1)]
    assert summary.by_ticket_type == {"": 4, "VIP": 1}

    change_event(session, event, city="南京")
    session.expire_all()
    strata = dict(session.exec(select(Registration.origin_raw, Registration.stratum)).all())
    assert strata == {"上海": Stratum.other_province, "苏州": Stratum.same_province, "台北": Stratum.hk_mo_tw,
                      "Tokyo": Stratum.international, "不存在的城市": Stratum.unknown}


def test_a_registration_list_with_bad_rows_names_each_line_and_keeps_the_old_list(session):
    org = make_organisation(session)
    event = make_event(session, org)
    registration_lists.import_registrations(session=session, organisation_id=org.id, event_id=event.id,
                                            csv_text="origin_city\nBeijing\n")
    bad = "origin_city,ticket_type\nShanghai,\n,VIP\n\"Xi'an\",a,b\nHangzhou,\x07\n" + "y," + "t" * 65 + "\n"
    with pytest.raises(ValidationError) as raised:
        registration_lists.import_registrations(session=session, organisation_id=org.id, event_id=event.id,
                                                csv_text=bad)
    assert raised.value.fields["registrations"] == [
        "line 3: origin_city is empty",
        "line 4: 3 columns where the header has 2",
        "line 5: contains control characters",
        "line 6: ticket_type is longer than 64 characters",
    ]
    session.expire_all()
    assert session.exec(select(Registration.origin_raw)).all() == ["Beijing"]
    with pytest.raises(ValidationError) as raised:
        registration_lists.import_registrations(session=session, organisation_id=org.id, event_id=event.id,
                                                csv_text="city,ticket\nShanghai,\n")
    assert raised.value.fields["registrations"][0].startswith("line 1: the first line must be the header")


def test_badge_codes_are_unique_one_use_and_resolve_to_their_event(session):
    org = make_organisation(session)
    event = make_event(session, org)
    codes = badges.generate_badge_codes(session=session, organisation_id=org.id, event_id=event.id, count=50)
    more = badges.generate_badge_codes(session=session, organisation_id=org.id, event_id=event.id, count=2)
    assert len({c.code for c in codes + more}) == 52 and {c.batch for c in more} == {2}
    assert [(b.batch, b.count, b.used) for b in badges.badge_batches(
        session=session, organisation_id=org.id, event_id=event.id)] == [(1, 50, 0), (2, 2, 0)]
    typed = badges.format_badge_code(codes[0].code).lower()
    event_found, badge, state = badges.resolve_badge_code(session=session, code=typed)
    assert (event_found.id, badge.id, state) == (event.id, codes[0].id, TokenState.active)
    badge.used_at = datetime.now(UTC)
    session.add(badge)
    session.commit()
    assert badges.resolve_badge_code(session=session, code=codes[0].code)[2] == TokenState.used
    assert badges.resolve_badge_code(session=session, code=codes[1].code,
                                     now=event.closes_at)[2] == TokenState.closed
    assert badges.resolve_badge_code(session=session, code="0000-0000-0000")[2] == TokenState.unknown
    for count in (0, -1, 5001, True, "3"):
        with pytest.raises(ValidationError):
            badges.generate_badge_codes(session=session, organisation_id=org.id, event_id=event.id, count=count)
    assert session.exec(select(BadgeCode)).all().__len__() == 52
