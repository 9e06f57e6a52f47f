"""Meetings use cases on a real database: validation, scoping, links and tokens, registrations, badge codes."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import insert, text, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from errors import NotFound, ValidationError
from meetings import service as meetings
from meetings.models import BadgeCode, Event, EventLink, LinkState, Registration, Stratum, TokenState
from tests.factories import make_event, make_organisation


def test_an_event_gets_checked_values_its_province_and_an_unguessable_link(session):
    org = make_organisation(session)
    event = make_event(session, org, city="Shenzhen", electricity_kwh="1200.50", meals_fish=12,
                       waste_kg={"food_drink.composting": "0", "plastics_average.landfill": Decimal("3.5")})
    assert (event.province, event.city_code) == ("CN-GD", "cn-440300")
    assert event.electricity_kwh == Decimal("1200.5") and event.meals_fish == 12
    assert event.waste_kg == {"plastics_average.landfill": "3.5"}  # zero says nothing
    assert event.boundary == list(meetings.BOUNDARY_ORDER)  # a conference counts everything by default
    link = meetings.active_link(session=session, organisation_id=org.id, event_id=event.id)
    assert len(link.token) >= 22  # at least 128 random bits in base64url


def test_every_bad_field_is_reported_at_once(session):
    org = make_organisation(session)
    with pytest.raises(ValidationError) as raised:
        make_event(session, org, starts_on="2027-05-02", ends_on=date(2027, 5, 1), province="Narnia",
                   expected_attendance=-1, electricity_kwh="-2", natural_gas_m3=float("nan"), meals_pork="x",
                   boundary=["catering", "teleportation"], waste_kg={"lava.landfill": "1"}, venue_name=" ",
                   unexpected="1")
    fields = raised.value.fields
    assert set(fields) == {"ends_on", "province", "expected_attendance", "electricity_kwh", "natural_gas_m3",
                           "meals_pork", "boundary", "waste_kg.lava.landfill", "venue_name", "_schema"}
    assert raised.value.status == 422


def test_the_close_time_follows_the_dates_unless_the_organiser_chose_it(session):
    org = make_organisation(session)
    event = make_event(session, org, ends_on=date(2027, 3, 12))
    assert event.closes_at == datetime(2027, 3, 12, 16, 0, tzinfo=UTC)  # 2027-03-13 00:00 in Beijing
    event = meetings.update_event(session=session, organisation_id=org.id, event_id=event.id,
                                  values={"ends_on": date(2027, 3, 13)})
    assert event.closes_at == datetime(2027, 3, 13, 16, 0, tzinfo=UTC)
    chosen = datetime(2027, 3, 20, 12, 0, tzinfo=UTC)
    meetings.update_event(session=session, organisation_id=org.id, event_id=event.id, values={"closes_at": chosen})
    event = meetings.update_event(session=session, organisation_id=org.id, event_id=event.id,
                                  values={"ends_on": date(2027, 3, 14)})
    assert event.closes_at == chosen
    with pytest.raises(ValidationError):
        meetings.update_event(session=session, organisation_id=org.id, event_id=event.id,
                              values={"closes_at": datetime(2027, 3, 1, 12, 0)})  # naive: which zone?


def test_another_organisations_event_is_not_found(session):
    mine, theirs = make_organisation(session), make_organisation(session)
    event = make_event(session, theirs)
    calls = [
        lambda: meetings.get_event(session=session, organisation_id=mine.id, event_id=event.id),
        lambda: meetings.update_event(session=session, organisation_id=mine.id, event_id=event.id,
                                      values={"name_zh": "x"}),
        lambda: meetings.rotate_link(session=session, organisation_id=mine.id, event_id=event.id),
        lambda: meetings.active_link(session=session, organisation_id=mine.id, event_id=event.id),
        lambda: meetings.import_registrations(session=session, organisation_id=mine.id, event_id=event.id,
                                              csv_text="origin_city\nShanghai\n"),
        lambda: meetings.generate_badge_codes(session=session, organisation_id=mine.id, event_id=event.id,
                                              count=1),
        lambda: meetings.badge_batches(session=session, organisation_id=mine.id, event_id=event.id),
    ]
    for call in calls:
        with pytest.raises(NotFound):
            call()
    assert meetings.list_events(session=session, organisation_id=mine.id) == []


def test_rotation_keeps_the_old_token_known_as_rotated(session):
    org = make_organisation(session)
    event = make_event(session, org)
    first = meetings.active_link(session=session, organisation_id=org.id, event_id=event.id).token
    second = meetings.rotate_link(session=session, organisation_id=org.id, event_id=event.id).token
    third = meetings.rotate_link(session=session, organisation_id=org.id, event_id=event.id).token
    assert len({first, second, third}) == 3
    assert meetings.resolve_public_token(session=session, token=first) == (event, TokenState.rotated)
    assert meetings.resolve_public_token(session=session, token=second) == (event, TokenState.rotated)
    assert meetings.resolve_public_token(session=session, token=third) == (event, TokenState.active)
    rotated = session.exec(select(EventLink).where(EventLink.token == first)).one()
    assert rotated.state == LinkState.rotated and rotated.rotated_at is not None


def test_a_token_of_a_closed_event_says_closed_and_an_unknown_one_says_unknown(session):
    org = make_organisation(session)
    event = make_event(session, org)
    token = meetings.active_link(session=session, organisation_id=org.id, event_id=event.id).token
    after = event.closes_at + timedelta(seconds=1)
    assert meetings.resolve_public_token(session=session, token=token, now=after) == (event, TokenState.closed)
    assert meetings.resolve_public_token(session=session, token=token, now=event.closes_at - timedelta(seconds=1)
                                         ) == (event, TokenState.active)
    for garbage in ("", "x" * 32, "../../etc/passwd", "a" * 500, None, 42):
        assert meetings.resolve_public_token(session=session, token=garbage) == (None, TokenState.unknown)


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
    meetings.import_registrations(session=session, organisation_id=org.id, event_id=event.id,
                                  csv_text="origin_city\nBeijing\nNanjing\n")
    summary = meetings.import_registrations(
        session=session, organisation_id=org.id, event_id=event.id,
        csv_text="\ufeffOrigin_City,Ticket_Type,\r\n上海,VIP,\r\n\r\n苏州,,\r\n台北,,\r\nTokyo,,\r\n不存在的城市,,\r\n",
    )
    assert summary.total == 5
    assert summary.by_stratum == {"same_city": 1, "other_province": 1, "hk_mo_tw": 1, "international": 1,
                                  "unknown": 1}
    assert summary.unresolved == [("不存在的城市", 1)]
    assert summary.by_ticket_type == {"": 4, "VIP": 1}

    meetings.update_event(session=session, organisation_id=org.id, event_id=event.id, values={"city": "南京"})
    session.expire_all()
    strata = dict(session.exec(select(Registration.origin_raw, Registration.stratum)).all())
    assert strata == {"上海": Stratum.other_province, "苏州": Stratum.same_province, "台北": Stratum.hk_mo_tw,
                      "Tokyo": Stratum.international, "不存在的城市": Stratum.unknown}


def test_a_registration_list_with_bad_rows_names_each_line_and_keeps_the_old_list(session):
    org = make_organisation(session)
    event = make_event(session, org)
    meetings.import_registrations(session=session, organisation_id=org.id, event_id=event.id,
                                  csv_text="origin_city\nBeijing\n")
    bad = "origin_city,ticket_type\nShanghai,\n,VIP\n\"Xi'an\",a,b\nHangzhou,\x07\n" + "y," + "t" * 65 + "\n"
    with pytest.raises(ValidationError) as raised:
        meetings.import_registrations(session=session, organisation_id=org.id, event_id=event.id, csv_text=bad)
    assert raised.value.fields["registrations"] == [
        "line 3: origin_city is empty",
        "line 4: 3 columns where the header has 2",
        "line 5: contains control characters",
        "line 6: ticket_type is longer than 64 characters",
    ]
    session.expire_all()
    assert session.exec(select(Registration.origin_raw)).all() == ["Beijing"]
    with pytest.raises(ValidationError) as raised:
        meetings.import_registrations(session=session, organisation_id=org.id, event_id=event.id,
                                      csv_text="city,ticket\nShanghai,\n")
    assert raised.value.fields["registrations"][0].startswith("line 1: the first line must be the header")


def test_badge_codes_are_unique_one_use_and_resolve_to_their_event(session):
    org = make_organisation(session)
    event = make_event(session, org)
    codes = meetings.generate_badge_codes(session=session, organisation_id=org.id, event_id=event.id, count=50)
    more = meetings.generate_badge_codes(session=session, organisation_id=org.id, event_id=event.id, count=2)
    assert len({c.code for c in codes + more}) == 52 and {c.batch for c in more} == {2}
    assert [(b.batch, b.count, b.used) for b in meetings.badge_batches(
        session=session, organisation_id=org.id, event_id=event.id)] == [(1, 50, 0), (2, 2, 0)]
    typed = meetings.format_badge_code(codes[0].code).lower()
    event_found, badge, state = meetings.resolve_badge_code(session=session, code=typed)
    assert (event_found.id, badge.id, state) == (event.id, codes[0].id, TokenState.active)
    badge.used_at = datetime.now(UTC)
    session.add(badge)
    session.commit()
    assert meetings.resolve_badge_code(session=session, code=codes[0].code)[2] == TokenState.used
    assert meetings.resolve_badge_code(session=session, code=codes[1].code,
                                       now=event.closes_at)[2] == TokenState.closed
    assert meetings.resolve_badge_code(session=session, code="0000-0000-0000")[2] == TokenState.unknown
    for count in (0, -1, 5001, True, "3"):
        with pytest.raises(ValidationError):
            meetings.generate_badge_codes(session=session, organisation_id=org.id, event_id=event.id, count=count)
    assert session.exec(select(BadgeCode)).all().__len__() == 52
