"""Use cases of badge codes: one-use codes printed on badges, generated in numbered batches, and their lookup."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, insert
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from db import transaction, utcnow
from errors import Conflict, NotFound, ValidationError
from meetings.events import get_event, lock_event
from meetings.models import BadgeCode, Event, TokenState

# Crockford's base 32: no I, L, O or U, so a code read off a badge is not mistyped.
BADGE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
BADGE_CODE_LENGTH = 12  # 60 random bits
MAX_BADGE_CODES_PER_BATCH = 5000
MAX_BADGE_CODES_PER_EVENT = 50_000


@dataclass(frozen=True)
class BadgeBatch:
    batch: int
    count: int
    used: int
    created_at: datetime


def generate_badge_codes(*, session: Session, organisation_id: int, event_id: int, count: int) -> list[BadgeCode]:
    """A new batch of `count` one-use codes for the event's badges.

    Two organisers generating at once take turns on the event's row, so batch numbers never repeat.
    """
    if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= MAX_BADGE_CODES_PER_BATCH:
        raise ValidationError(f"the number of badge codes must be 1 to {MAX_BADGE_CODES_PER_BATCH}",
                              fields={"count": [f"1 to {MAX_BADGE_CODES_PER_BATCH}"]})
    try:
        with transaction(session):
            event = lock_event(session=session, organisation_id=organisation_id, event_id=event_id)
            existing, last_batch = session.exec(
                select(func.count(BadgeCode.id), func.coalesce(func.max(BadgeCode.batch), 0))
                .where(BadgeCode.event_id == event.id)
            ).one()
            if existing + count > MAX_BADGE_CODES_PER_EVENT:
                raise ValidationError(
                    f"an event has at most {MAX_BADGE_CODES_PER_EVENT} badge codes ({existing} already)",
                    fields={"count": [f"at most {MAX_BADGE_CODES_PER_EVENT - existing} more"]},
                )
            batch = last_batch + 1
            now = utcnow()
            codes = {_new_badge_code() for _ in range(count)}
            while len(codes) < count:  # pragma: no cover - 60 random bits do not repeat in practice
                codes.add(_new_badge_code())
            session.exec(insert(BadgeCode), params=[
                {"event_id": event.id, "code": code, "batch": batch, "created_at": now} for code in sorted(codes)
            ])
    except IntegrityError:
        # A code equal to one of another event's (60 random bits: practically never); nothing was stored.
        raise Conflict("a generated badge code was already taken; generate the batch again",
                       fields={"count": ["try again"]}) from None
    return badge_codes(session=session, organisation_id=organisation_id, event_id=event_id, batch=batch)


def badge_batches(*, session: Session, organisation_id: int, event_id: int) -> list[BadgeBatch]:
    event = get_event(session=session, organisation_id=organisation_id, event_id=event_id)
    rows = session.exec(
        select(BadgeCode.batch, func.count(), func.count(BadgeCode.used_at), func.min(BadgeCode.created_at))
        .where(BadgeCode.event_id == event.id).group_by(BadgeCode.batch).order_by(BadgeCode.batch)
    ).all()
    return [BadgeBatch(batch=b, count=n, used=used, created_at=created) for b, n, used, created in rows]


def badge_codes(*, session: Session, organisation_id: int, event_id: int, batch: int) -> list[BadgeCode]:
    event = get_event(session=session, organisation_id=organisation_id, event_id=event_id)
    codes = list(session.exec(
        select(BadgeCode).where(BadgeCode.event_id == event.id, BadgeCode.batch == batch).order_by(BadgeCode.id)
    ).all())
    if not codes:
        raise NotFound(f"no badge batch {batch} for event {event_id}")
    return codes


def normalise_badge_code(text: str) -> str:
    """A code as typed ("abcd-efgh-jk0o") in its stored form ("ABCDEFGHJK00"), reading O as 0 and I, L as 1."""
    cleaned = re.sub(r"[\s-]", "", text or "").upper()
    return cleaned.translate(str.maketrans({"O": "0", "I": "1", "L": "1"}))


def format_badge_code(code: str) -> str:
    return "-".join(code[i:i + 4] for i in range(0, len(code), 4))


def resolve_badge_code(*, session: Session, code: str,
                       now: datetime | None = None) -> tuple[Event | None, BadgeCode | None, TokenState]:
    """The event and badge behind a scanned or typed badge code, and whether it may still answer."""
    wanted = normalise_badge_code(code) if isinstance(code, str) else ""
    if len(wanted) != BADGE_CODE_LENGTH or any(ch not in BADGE_ALPHABET for ch in wanted):
        return None, None, TokenState.unknown
    row = session.exec(
        select(BadgeCode, Event).join(Event, Event.id == BadgeCode.event_id).where(BadgeCode.code == wanted)
    ).first()
    if row is None:
        return None, None, TokenState.unknown
    badge, event = row
    if (now or utcnow()) >= event.closes_at:
        return event, badge, TokenState.closed
    return event, badge, TokenState.used if badge.used_at else TokenState.active


def _new_badge_code() -> str:
    return "".join(secrets.choice(BADGE_ALPHABET) for _ in range(BADGE_CODE_LENGTH))
