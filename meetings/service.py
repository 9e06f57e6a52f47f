"""Use cases of meetings: events, public links, registration lists and badge codes, scoped by organisation.

Attendee responses are in meetings.responses, the event footprint and its snapshots in meetings.footprint.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam, case, delete, func, insert, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from calculators.distance import UnknownPlace, find_city
from db import transaction, utcnow
from errors import Conflict, NotFound, ValidationError
from factors.regions import KNOWN_REGIONS, find_province
from meetings.inputs import (
    BOUNDARY_ORDER,
    DEFAULT_BOUNDARY,
    MEAL_COLUMNS,
    QUANTITY_UNITS,
    WASTE_KEYS,
    MeetingType,
)
from meetings.models import (
    AttendeeResponse,
    BadgeCode,
    Event,
    EventLink,
    LinkState,
    Registration,
    Stratum,
    TokenState,
)
from meetings.registrations import GREATER_CHINA_OUTSIDE_MAINLAND, parse_registrations

# Venues are in mainland China (the grid factor is chosen by province), which keeps one civil time.
EVENT_TIMEZONE = ZoneInfo("Asia/Shanghai")
TOKEN_BYTES = 24  # 192 random bits: unguessable, and 32 characters keep the QR code small
_TOKEN = re.compile(r"[A-Za-z0-9_-]{16,64}")
# Crockford's base 32: no I, L, O or U, so a code read off a badge is not mistyped.
BADGE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
BADGE_CODE_LENGTH = 12  # 60 random bits
MAX_BADGE_CODES_PER_BATCH = 5000
MAX_BADGE_CODES_PER_EVENT = 50_000
MAX_REGISTRATIONS = 100_000
MAX_ATTENDANCE = 1_000_000
MAX_MEALS = 10_000_000
MAX_QUANTITY = Decimal("1e12")
MAX_DECIMAL_PLACES = 6
MAX_EVENT_DAYS = 366
TEXT_LIMITS = {"name_zh": 200, "name_en": 200, "venue_name": 200, "city": 100}
EVENT_FIELDS = frozenset({
    *TEXT_LIMITS, "starts_on", "ends_on", "closes_at", "province", "expected_attendance", "actual_attendance",
    "meeting_type", "boundary", "require_badge_codes", *QUANTITY_UNITS, *MEAL_COLUMNS, "waste_kg",
})


@dataclass(frozen=True)
class RegistrationSummary:
    total: int = 0
    by_stratum: dict[str, int] = field(default_factory=dict)
    by_ticket_type: dict[str, int] = field(default_factory=dict)
    unresolved: list[tuple[str, int]] = field(default_factory=list)  # origins not in the city table, with counts


@dataclass(frozen=True)
class BadgeBatch:
    batch: int
    count: int
    used: int
    created_at: datetime


def default_closes_at(ends_on: date) -> datetime:
    """The end of the meeting's last day in Asia/Shanghai, in UTC."""
    return datetime.combine(ends_on + timedelta(days=1), time(0), tzinfo=EVENT_TIMEZONE).astimezone(UTC)


def create_event(*, session: Session, organisation_id: int, values: Mapping[str, Any]) -> Event:
    """A new event with its first public link, from typed values; every bad field is reported at once."""
    cleaned = _clean_event(dict(values), current=None)
    with transaction(session):
        event = Event(organisation_id=organisation_id, **cleaned)
        session.add(event)
        session.flush()
        session.add(EventLink(event_id=event.id, token=_new_token(), state=LinkState.active))
    return event


def update_event(*, session: Session, organisation_id: int, event_id: int, values: Mapping[str, Any]) -> Event:
    """Change the given fields; the rules are checked on the event as it will be."""
    with transaction(session):
        event = get_event(session=session, organisation_id=organisation_id, event_id=event_id)
        before = (event.city_code, event.province)
        cleaned = _clean_event(dict(values), current=event)
        for name, value in cleaned.items():
            setattr(event, name, value)
        event.updated_at = utcnow()
        session.add(event)
        if (event.city_code, event.province) != before:
            _restratify(session, event)
    return event


def check_event_values(*, session: Session, organisation_id: int, values: Mapping[str, Any],
                       event_id: int | None = None) -> None:
    """Raise the ValidationError that create_event (or update_event of `event_id`) would raise, saving nothing.

    Forms call it when some fields did not even parse, so the page lists every problem at once.
    """
    current = get_event(session=session, organisation_id=organisation_id, event_id=event_id) if event_id else None
    _clean_event(dict(values), current=current)


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
            link = EventLink(event_id=event.id, token=_new_token(), state=LinkState.active, created_at=now)
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
    row = session.execute(_answer_target_query(), {"token": token}).first()
    if row is None:
        return None, TokenState.unknown
    state, *columns = row
    target = AnswerTarget(*columns)
    if (now or utcnow()) >= target.closes_at:
        return target, TokenState.closed
    return target, TokenState(state.value)


def import_registrations(*, session: Session, organisation_id: int, event_id: int,
                         csv_text: str) -> RegistrationSummary:
    """Replace the event's registration list with the rows of `csv_text`, or with nothing if any row is bad."""
    with transaction(session):
        event = get_event(session=session, organisation_id=organisation_id, event_id=event_id)
        rows, errors = parse_registrations(csv_text, event_city_code=event.city_code,
                                           event_province=event.province, max_rows=MAX_REGISTRATIONS)
        if errors:
            raise ValidationError(
                f"{len(errors)} problem(s) in the registration list; nothing was imported: {errors[0]}",
                fields={"registrations": errors},
            )
        session.exec(delete(Registration).where(Registration.event_id == event.id))
        if rows:
            session.exec(insert(Registration), params=[
                {"event_id": event.id, "line_no": r.line_no, "origin_raw": r.origin_raw,
                 "origin_code": r.origin_code, "origin_country": r.origin_country,
                 "origin_province": r.origin_province, "stratum": r.stratum, "ticket_type": r.ticket_type}
                for r in rows
            ])
    return registration_summary(session=session, organisation_id=organisation_id, event_id=event_id)


def registration_summary(*, session: Session, organisation_id: int, event_id: int,
                         max_unresolved: int = 20) -> RegistrationSummary:
    event = get_event(session=session, organisation_id=organisation_id, event_id=event_id)
    mine = Registration.event_id == event.id
    by_stratum = {s.value: n for s, n in session.exec(
        select(Registration.stratum, func.count()).where(mine).group_by(Registration.stratum)).all()}
    by_ticket = {t or "": n for t, n in session.exec(
        select(Registration.ticket_type, func.count()).where(mine).group_by(Registration.ticket_type)).all()}
    unresolved = session.exec(
        select(Registration.origin_raw, func.count().label("n"))
        .where(mine, Registration.stratum == Stratum.unknown)
        .group_by(Registration.origin_raw).order_by(func.count().desc(), Registration.origin_raw)
        .limit(max_unresolved)
    ).all()
    ordered = {s.value: by_stratum[s.value] for s in Stratum if s.value in by_stratum}
    return RegistrationSummary(total=sum(by_stratum.values()), by_stratum=ordered,
                               by_ticket_type=dict(sorted(by_ticket.items())),
                               unresolved=[(origin, n) for origin, n in unresolved])


def generate_badge_codes(*, session: Session, organisation_id: int, event_id: int, count: int) -> list[BadgeCode]:
    """A new batch of `count` one-use codes for the event's badges."""
    if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= MAX_BADGE_CODES_PER_BATCH:
        raise ValidationError(f"the number of badge codes must be 1 to {MAX_BADGE_CODES_PER_BATCH}",
                              fields={"count": [f"1 to {MAX_BADGE_CODES_PER_BATCH}"]})
    with transaction(session):
        event = get_event(session=session, organisation_id=organisation_id, event_id=event_id)
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


def _new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def _new_badge_code() -> str:
    return "".join(secrets.choice(BADGE_ALPHABET) for _ in range(BADGE_CODE_LENGTH))


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


# ---- validation of event values -------------------------------------------------------------------------------

# Every message of an event's validation, by code; views translate by code and fall back to this English.
EVENT_MESSAGES = {
    "unknown_fields": "unknown field(s): {fields}",
    "text": "must be text",
    "required": "required",
    "too_long": "at most {limit} characters",
    "name_missing": "give the meeting's name in Chinese or English",
    "date_required": "a date (YYYY-MM-DD) is required",
    "ends_before_start": "the meeting cannot end before it starts",
    "too_many_days": "a meeting lasts at most {days} days",
    "closes_at_zone": "a date and time with its time zone",
    "closes_before_start": "answers cannot close before the meeting starts",
    "closes_too_late": "answers close at most a year after the meeting",
    "unknown_city": "unknown city '{city}'",
    "unknown_city_suggestions": "unknown city '{city}'; did you mean {suggestions}?",
    "city_outside_mainland": "{city} is not in mainland China; venues are placed on a provincial grid",
    "unknown_province": "unknown province '{province}' (use an ISO 3166-2 code like CN-GD)",
    "province_mismatch": "{city} is in {province_name} ({province}), not {given}",
    "meeting_type": "one of {choices}",
    "whole_number": "a whole number",
    "between": "between {minimum} and {maximum}",
    "decimal": "a decimal number",
    "finite": "a finite number",
    "negative": "cannot be negative",
    "too_large": "at most {maximum}",
    "decimal_places": "at most {places} decimal places",
    "estimate_needs_both": "an estimate needs both the floor area and the hours",
    "boundary_list": "a list of categories",
    "boundary_unknown": "unknown categories: {unknown} (known: {known})",
    "waste_mapping": "a mapping of stream.treatment to kg",
    "waste_unknown": "unknown waste stream and treatment (known: {known})",
}


class EventValidationError(ValidationError):
    """A ValidationError whose `codes` name each message by code and parameters, for translated forms."""

    def __init__(self, message: str, *, fields: dict[str, list[str]], codes: dict[str, list[tuple[str, dict]]]):
        super().__init__(message, fields=fields)
        self.codes = codes


class _Problems:
    def __init__(self) -> None:
        self.fields: dict[str, list[str]] = {}
        self.codes: dict[str, list[tuple[str, dict]]] = {}

    def __call__(self, name: str, code: str, **params: Any) -> None:
        self.fields.setdefault(name, []).append(EVENT_MESSAGES[code].format(**params))
        self.codes.setdefault(name, []).append((code, params))

    def raise_any(self) -> None:
        if self.fields:
            first = next(iter(self.fields))
            raise EventValidationError(f"invalid event: {first}: {self.fields[first][0]}", fields=self.fields,
                                       codes=self.codes)


def _current_values(event: Event) -> dict[str, Any]:
    return {name: getattr(event, name) for name in EVENT_FIELDS}


def _clean_event(values: dict[str, Any], *, current: Event | None) -> dict[str, Any]:
    """Typed, checked column values for an event, or one EventValidationError naming every bad field."""
    bad = _Problems()
    unknown = sorted(str(k)[:40] for k in set(values) - EVENT_FIELDS)
    if unknown:
        bad("_schema", "unknown_fields", fields=", ".join(unknown))
    merged = _current_values(current) if current else {}
    explicit_close = "closes_at" in values
    merged.update({k: v for k, v in values.items() if k in EVENT_FIELDS})
    out: dict[str, Any] = {}

    for name, limit in TEXT_LIMITS.items():
        value = merged.get(name)
        if value is not None and not isinstance(value, str):
            bad(name, "text")
            value = ""
        value = (value or "").strip()
        if len(value) > limit:
            bad(name, "too_long", limit=limit)
        out[name] = value
    if not out["name_zh"] and not out["name_en"]:
        bad("name_zh", "name_missing")
    out["name_zh"] = out["name_zh"] or out["name_en"]
    out["name_en"] = out["name_en"] or out["name_zh"]
    if not out["venue_name"]:
        bad("venue_name", "required")

    starts_on = _date(merged.get("starts_on"), "starts_on", bad)
    ends_on = _date(merged.get("ends_on"), "ends_on", bad)
    if starts_on and ends_on:
        if ends_on < starts_on:
            bad("ends_on", "ends_before_start")
        elif (ends_on - starts_on).days >= MAX_EVENT_DAYS:
            bad("ends_on", "too_many_days", days=MAX_EVENT_DAYS)
    out["starts_on"], out["ends_on"] = starts_on, ends_on
    out["closes_at"] = _closes_at(merged.get("closes_at"), starts_on, ends_on, current, explicit_close, bad)

    # A new city without a province moves the province with it.
    moved = "city" in values and "province" not in values
    _place_event(out, None if moved else merged.get("province"), bad)

    out["expected_attendance"] = _integer(merged.get("expected_attendance"), "expected_attendance", bad,
                                          minimum=1, maximum=MAX_ATTENDANCE, required=True)
    out["actual_attendance"] = _integer(merged.get("actual_attendance"), "actual_attendance", bad,
                                        minimum=0, maximum=MAX_ATTENDANCE)
    try:
        meeting_type = MeetingType(merged.get("meeting_type"))
    except ValueError:
        bad("meeting_type", "meeting_type", choices=", ".join(t.value for t in MeetingType))
        meeting_type = MeetingType.conference
    out["meeting_type"] = meeting_type
    out["boundary"] = _boundary(merged.get("boundary"), meeting_type, bad)
    out["require_badge_codes"] = bool(merged.get("require_badge_codes", False))

    for name in QUANTITY_UNITS:
        out[name] = _quantity(merged.get(name), name, bad)
    if (out["floor_area_m2"] is None) != (out["venue_hours"] is None):
        bad("venue_hours" if out["venue_hours"] is None else "floor_area_m2", "estimate_needs_both")
    for name in MEAL_COLUMNS:
        out[name] = _integer(merged.get(name), name, bad, minimum=0, maximum=MAX_MEALS)
    out["waste_kg"] = _waste(merged.get("waste_kg"), bad)

    bad.raise_any()
    return out


def _date(value: Any, name: str, bad: _Problems) -> date | None:
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str) and value:
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    bad(name, "date_required")
    return None


def _closes_at(value: Any, starts_on: date | None, ends_on: date | None, current: Event | None,
               explicit: bool, bad: _Problems) -> datetime | None:
    if ends_on is None or starts_on is None:
        return None
    if not explicit and current is not None and current.closes_at != default_closes_at(current.ends_on):
        value = current.closes_at  # the organiser chose it: moving the dates does not move it
    elif not explicit:
        value = None
    if value is None:
        return default_closes_at(ends_on)
    if not isinstance(value, datetime) or value.tzinfo is None:
        bad("closes_at", "closes_at_zone")
        return None
    if value < datetime.combine(starts_on, time(0), tzinfo=EVENT_TIMEZONE):
        bad("closes_at", "closes_before_start")
    elif value > default_closes_at(ends_on) + timedelta(days=365):
        bad("closes_at", "closes_too_late")
    return value.astimezone(UTC)


def _place_event(out: dict[str, Any], province_value: Any, bad: _Problems) -> None:
    out["city_code"], out["province"] = "", ""
    if not out["city"]:
        bad("city", "required")
        return
    try:
        place = find_city(out["city"])
    except UnknownPlace as error:
        if error.suggestions:
            bad("city", "unknown_city_suggestions", city=out["city"], suggestions=", ".join(error.suggestions))
        else:
            bad("city", "unknown_city", city=out["city"])
        return
    if place.country != "CN" or not place.province:
        bad("city", "city_outside_mainland", city=place.label)
        return
    out["city_code"] = place.code
    province = None
    if province_value not in (None, ""):
        region = find_province(province_value) if isinstance(province_value, str) else None
        if region is None:
            bad("province", "unknown_province", province=str(province_value)[:40])
            return
        province = region.code
        if province != place.province:
            bad("province", "province_mismatch", city=place.label, province=place.province,
                province_name=KNOWN_REGIONS[place.province].name_en, given=region.name_en, given_code=region.code)
            return
    out["province"] = province or place.province


def _integer(value: Any, name: str, bad: _Problems, *, minimum: int, maximum: int,
             required: bool = False) -> int | None:
    if value is None or value == "":
        if required:
            bad(name, "required")
        return None
    if isinstance(value, str):
        try:
            value = int(value.strip())
        except ValueError:
            value = None
    elif isinstance(value, Decimal) and value.is_finite() and value == value.to_integral_value():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        bad(name, "whole_number")
        return None
    if not minimum <= value <= maximum:
        bad(name, "between", minimum=minimum, maximum=maximum)
        return None
    return value


def _quantity(value: Any, name: str, bad: _Problems) -> Decimal | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool | float):
        bad(name, "decimal")  # floats would carry binary noise into exact Decimal arithmetic
        return None
    try:
        number = Decimal(value.strip() if isinstance(value, str) else value)
    except (InvalidOperation, TypeError, ValueError):
        bad(name, "decimal")
        return None
    if not number.is_finite():
        bad(name, "finite")
    elif number < 0:
        bad(name, "negative")
    elif number > MAX_QUANTITY:
        bad(name, "too_large", maximum=f"{MAX_QUANTITY:,.0f}")
    elif number.as_tuple().exponent < -MAX_DECIMAL_PLACES:
        bad(name, "decimal_places", places=MAX_DECIMAL_PLACES)
    else:
        return number
    return None


def _boundary(value: Any, meeting_type: MeetingType, bad: _Problems) -> list[str]:
    if value is None or value == "" or (isinstance(value, list | tuple | set | frozenset) and not value):
        return list(DEFAULT_BOUNDARY[meeting_type])
    if isinstance(value, str) or not isinstance(value, list | tuple | set | frozenset):
        bad("boundary", "boundary_list")
        return []
    unknown = sorted(str(v)[:40] for v in value if v not in BOUNDARY_ORDER)
    if unknown:
        bad("boundary", "boundary_unknown", unknown=", ".join(unknown), known=", ".join(BOUNDARY_ORDER))
    return [c for c in BOUNDARY_ORDER if c in value]


def _waste(value: Any, bad: _Problems) -> dict[str, str]:
    if value is None or value == "":
        return {}
    if not isinstance(value, Mapping):
        bad("waste_kg", "waste_mapping")
        return {}
    cleaned: dict[str, str] = {}
    for key, amount in value.items():
        if key not in WASTE_KEYS:
            bad(f"waste_kg.{str(key)[:40]}", "waste_unknown", known=", ".join(WASTE_KEYS))
            continue
        number = _quantity(amount, f"waste_kg.{key}", bad)
        if number:  # zero and empty say the same: nothing of this stream
            cleaned[key] = format(number.normalize(), "f")
    return {k: cleaned[k] for k in WASTE_KEYS if k in cleaned}
