"""Use cases of events: create, change, find and lock an organisation's meetings.

Values arrive checked and typed by meetings.schemas.EventCreateSchema (the one place of the event rules); these
functions trust them.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import case, update
from sqlmodel import Session, select

from db import transaction, utcnow
from errors import NotFound
from meetings.models import AttendeeResponse, Event, EventLink, LinkState, Registration, Stratum, new_link_token
from meetings.registrations import GREATER_CHINA_OUTSIDE_MAINLAND

# Venues are in mainland China (the grid factor is chosen by province), which keeps one civil time.
EVENT_TIMEZONE = ZoneInfo("Asia/Shanghai")


def default_closes_at(ends_on: date) -> datetime:
    """The end of the meeting's last day in Asia/Shanghai, in UTC."""
    return datetime.combine(ends_on + timedelta(days=1), time(0), tzinfo=EVENT_TIMEZONE).astimezone(UTC)


def create_event(*, session: Session, organisation_id: int, values: Mapping[str, Any]) -> Event:
    """A new event with its first public link, from the values EventCreateSchema loaded."""
    with transaction(session):
        event = Event(organisation_id=organisation_id, **values)
        session.add(event)
        session.flush()
        session.add(EventLink(event_id=event.id, token=new_link_token(), state=LinkState.active))
    return event


def update_event(*, session: Session, organisation_id: int, event_id: int, values: Mapping[str, Any]) -> Event:
    """Replace the event's values with those EventCreateSchema loaded; a moved venue places everyone again."""
    with transaction(session):
        event = get_event(session=session, organisation_id=organisation_id, event_id=event_id)
        before = (event.city_code, event.province)
        for name, value in values.items():
            setattr(event, name, value)
        event.updated_at = utcnow()
        session.add(event)
        if (event.city_code, event.province) != before:
            _restratify(session, event)
    return event


def list_events(*, session: Session, organisation_id: int) -> list[Event]:
    return list(session.exec(
        select(Event).where(Event.organisation_id == organisation_id)
        .order_by(Event.starts_on.desc(), Event.id.desc())
    ).all())


def get_event(*, session: Session, organisation_id: int, event_id: int) -> Event:
    """The event of this organisation; another organisation's event is as missing as one that never was."""
    event = session.exec(
        select(Event).where(Event.id == event_id, Event.organisation_id == organisation_id)
    ).first()
    if event is None:
        raise NotFound(f"no event {event_id} in this organisation")
    return event


def lock_event(*, session: Session, organisation_id: int, event_id: int) -> Event:
    """get_event that also holds the event's row until the transaction ends, so that writers of one event's
    badge batches or registration list take turns.

    A no-op UPDATE rather than SELECT ... FOR UPDATE: it locks the row on PostgreSQL and, as the transaction's
    first statement, takes SQLite's write lock before anything is read (a read first would pin a snapshot that the
    other writer makes stale, and SQLite then fails at once instead of waiting)."""
    locked = session.exec(
        update(Event).where(Event.id == event_id, Event.organisation_id == organisation_id)
        .values(id=Event.id).execution_options(synchronize_session=False)
    )
    if locked.rowcount == 0:
        raise NotFound(f"no event {event_id} in this organisation")
    return get_event(session=session, organisation_id=organisation_id, event_id=event_id)


def _restratify(session: Session, event: Event) -> None:
    """Place every resolved registration and every answer again after the event moved (registrations.stratum_of's
    rule). The answers' kg stay as computed: they are the trips people made."""
    for table in (Registration, AttendeeResponse):
        session.exec(
            update(table)
            .where(table.event_id == event.id, table.origin_country.is_not(None))
            .values(stratum=case(
                (table.origin_code == event.city_code, Stratum.same_city.value),
                ((table.origin_country == "CN") & (table.origin_province == event.province),
                 Stratum.same_province.value),
                (table.origin_country == "CN", Stratum.other_province.value),
                (table.origin_country.in_(GREATER_CHINA_OUTSIDE_MAINLAND), Stratum.hk_mo_tw.value),
                else_=Stratum.international.value,
            ))
        )
