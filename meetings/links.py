"""Use cases of an event's public links: the active token of its QR code, rotation, and what a scanned token means."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

from sqlalchemy import bindparam, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from db import transaction, utcnow
from errors import Conflict, NotFound
from meetings.events import get_event
from meetings.models import Event, EventLink, LinkState, TokenState, new_link_token

_TOKEN = re.compile(r"[A-Za-z0-9_-]{16,64}")


def active_link(*, session: Session, organisation_id: int, event_id: int) -> EventLink:
    event = get_event(session=session, organisation_id=organisation_id, event_id=event_id)
    link = session.exec(
        select(EventLink).where(EventLink.event_id == event.id, EventLink.state == LinkState.active)
    ).first()
    if link is None:  # pragma: no cover - every event is created with one and rotation keeps one
        raise NotFound(f"event {event_id} has no active link")
    return link


def rotate_link(*, session: Session, organisation_id: int, event_id: int) -> EventLink:
    """A new active token; the old one stays known as rotated, so its QR code can say it was replaced."""
    try:
        with transaction(session):
            event = get_event(session=session, organisation_id=organisation_id, event_id=event_id)
            now = utcnow()
            session.exec(
                update(EventLink).where(EventLink.event_id == event.id, EventLink.state == LinkState.active)
                .values(state=LinkState.rotated, rotated_at=now)
            )
            link = EventLink(event_id=event.id, token=new_link_token(), state=LinkState.active, created_at=now)
            session.add(link)
    except IntegrityError:
        # The partial unique index refused a second active token: someone rotated at the same moment.
        raise Conflict("the link was rotated by someone else at the same time; reload the page") from None
    return link


def resolve_public_token(*, session: Session, token: str,
                         now: datetime | None = None) -> tuple[Event | None, TokenState]:
    """The event behind a scanned token and what the attendee should be told.

    A closed event says "closed" whichever of its tokens is scanned: a newer QR code would not help then.
    """
    if not isinstance(token, str) or not _TOKEN.fullmatch(token):
        return None, TokenState.unknown
    row = session.exec(
        select(EventLink, Event).join(Event, Event.id == EventLink.event_id).where(EventLink.token == token)
    ).first()
    if row is None:
        return None, TokenState.unknown
    link, event = row
    if (now or utcnow()) >= event.closes_at:
        return event, TokenState.closed
    return event, TokenState(link.state.value)


@dataclass(frozen=True)
class AnswerTarget:
    """What storing an attendee's answer needs of an event, read without loading the whole event."""

    id: int
    city_code: str
    province: str
    closes_at: datetime
    require_badge_codes: bool


@lru_cache(maxsize=1)
def _answer_target_query():
    # Built once: on the busiest path of the service, building the statement cost as much as running it.
    return (select(EventLink.state, Event.id, Event.city_code, Event.province, Event.closes_at,
                   Event.require_badge_codes)
            .join(Event, Event.id == EventLink.event_id).where(EventLink.token == bindparam("token")))


def answer_target(*, session: Session, token: str,
                  now: datetime | None = None) -> tuple[AnswerTarget | None, TokenState]:
    """resolve_public_token for the submission path: the same states, five columns instead of an Event."""
    if not isinstance(token, str) or not _TOKEN.fullmatch(token):
        return None, TokenState.unknown
    # On the session's connection: a Core statement needs none of the ORM's per-execution work.
    row = session.connection().execute(_answer_target_query(), {"token": token}).first()
    if row is None:
        return None, TokenState.unknown
    state, *columns = row
    target = AnswerTarget(*columns)
    if (now or utcnow()) >= target.closes_at:
        return target, TokenState.closed
    return target, TokenState(state.value)
