"""Use cases of attendee responses: answer by link or badge, one row per device, read back, list and export."""

from __future__ import annotations

import copy
import hashlib
import re
import secrets
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from functools import lru_cache

import marshmallow as ma
from sqlalchemy import func, update
from sqlalchemy import select as sa_select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from calculators.distance import UnknownPlace, distance_km
from calculators.footprint import ZERO, Footprint, dsum
from calculators.places import Place, resolve_label, resolve_place
from db import transaction, utcnow
from errors import Conflict, DomainError, NotFound, PermissionDenied, ValidationError
from factors import FactorSet, default_factor_set, load_factor_set
from footprints.service import compute_footprint
from meetings import badges, events, links
from meetings.inputs import MEAL_TYPES
from meetings.links import AnswerTarget
from meetings.models import RESPONSE_PARTS, AttendeeResponse, BadgeCode, Event, TokenState, exact_kg
from meetings.registrations import stratum_of
from meetings.schemas import LOCAL_MODES, MAX_NAME, AttendeeAnswersSchema

DEVICE_TOKEN_BYTES = 32
_DEVICE_TOKEN = re.compile(r"[A-Za-z0-9_-]{32,64}")
VENUE_COUNTRY = "CN"  # venues are in mainland China (meetings.events places them on a provincial grid)
LOCAL_MODE_MAX_KM = Decimal(150)  # farther than this, a metro or taxi was not the way most of the trip was made
# The calculator's leg for each way of travelling the form offers; walking and cycling emit nothing.
_LEGS = {
    "flight": {"mode": "flight"},
    "high_speed_rail": {"mode": "rail", "rail_type": "high_speed"},
    "rail": {"mode": "rail", "rail_type": "conventional"},
    "coach": {"mode": "coach"},
    "car": {"mode": "car"},
    "taxi": {"mode": "taxi"},
    "bus": {"mode": "bus"},
    "metro": {"mode": "metro"},
    "motorbike": {"mode": "motorbike"},
}


class LinkReplaced(DomainError):
    """A QR code whose link the organiser rotated: it no longer takes answers."""

    status = 410
    code = "link_replaced"


class AnswersClosed(PermissionDenied):
    code = "answers_closed"


class BadgesRequired(PermissionDenied):
    """The meeting takes one answer per badge code, not answers through its open link."""

    code = "badges_required"


class BadgeUsed(Conflict):
    """The badge's one answer came from another device (found before the write, or refused by its UNIQUE)."""

    code = "badge_used"


class AnswerTargetGone(Conflict):
    """The meeting or badge was removed while the answer was being written (a foreign key refused the row)."""

    code = "answer_target_gone"


class AnswerConflict(Conflict):
    """The database refused the answer for a reason no rule here foresaw; the constraint is named."""

    code = "answer_conflict"


class AnswerError(ValidationError):
    """An answer the form can show on its field: `answer_code` names the message, `params` fill it."""

    def __init__(self, field: str, answer_code: str, message: str, *, suggestions: tuple[str, ...] = (),
                 **params):
        super().__init__(message, fields={field: [message]}, code="unknown_place" if suggestions else None)
        self.field = field
        self.answer_code = answer_code
        self.params = params
        self.suggestions = suggestions


@dataclass(frozen=True)
class Submitted:
    response_id: int
    created: bool
    footprint: Footprint


# ---- devices -----------------------------------------------------------------------------------------------------


def new_device_token() -> str:
    return secrets.token_urlsafe(DEVICE_TOKEN_BYTES)


def is_device_token(value: object) -> bool:
    return isinstance(value, str) and bool(_DEVICE_TOKEN.fullmatch(value))


def device_key_hash(device_token: str, badge_code: str | None = None) -> str:
    """What the table keeps of a device's cookie; in badge mode the key is per device and badge.

    A plain SHA-256 suffices: the token is 256 random bits, so there is nothing to guess from the hash. Keying a
    badge answer by device and badge lets one phone answer for two badges, each once.
    """
    material = device_token if badge_code is None else f"{device_token}\x00badge:{badge_code}"
    return hashlib.sha256(material.encode()).hexdigest()


# ---- places ------------------------------------------------------------------------------------------------------


def resolve_origin(text: str) -> Place:
    """A city or airport by name, IATA code or its label (what a suggestion carries); AnswerError with suggestions."""
    try:
        return resolve_label(text)
    except UnknownPlace as error:
        wanted = (text or "").strip()
        raise AnswerError("origin", "answer_unknown_place", f"unknown city or airport {wanted!r}",
                          suggestions=tuple(error.suggestions[:5]), place=wanted) from None


# ---- answering ---------------------------------------------------------------------------------------------------


_ANSWERS = AttendeeAnswersSchema()  # built once: a schema instance is reusable and costs to build


def validate_answers(raw: Mapping) -> dict:
    """The answers as AttendeeAnswersSchema loads them, or a ValidationError naming each bad field."""
    try:
        return _ANSWERS.load(raw)
    except ma.ValidationError as error:
        fields = _flatten(error.messages)
        first = next(iter(fields))
        raise ValidationError(f"invalid answer: {first}: {fields[first][0]}", fields=fields) from None


def _flatten(messages, prefix: str = "") -> dict[str, list[str]]:
    flat: dict[str, list[str]] = {}
    if isinstance(messages, dict):
        for key, value in messages.items():
            flat.update(_flatten(value, f"{prefix}.{key}" if prefix else str(key)))
    elif isinstance(messages, list) and all(isinstance(m, str) for m in messages):
        flat[prefix or "_schema"] = list(messages)
    else:
        flat[prefix or "_schema"] = [str(messages)]
    return flat


def personal_request(answers: Mapping, origin: Place, event: Event | AnswerTarget) -> dict:
    """The personal-footprint request (footprints.schemas shape) of one attendee's answers."""
    legs = []
    mode = answers["travel_mode"]
    if mode in _LEGS:
        leg = {**_LEGS[mode], "origin": origin.code, "destination": event.city_code,
               "round_trip": answers["round_trip"]}
        if mode == "flight":
            leg["cabin"] = answers["cabin"]
        if mode == "car":
            leg["car_fuel"] = answers["car_fuel"]
            leg["occupancy"] = answers["car_occupancy"]
        if answers.get("distance_km") is not None:
            leg["distance_km"] = answers["distance_km"]
        legs.append(leg)
    nights = answers["hotel_nights"]
    return {
        "legs": legs,
        "lodging": [{"country": VENUE_COUNTRY, "nights": nights}] if nights else [],
        "meals": {meal: count for meal, count in answers["meals"].items() if count},
    }


def footprint_parts(footprint: Footprint) -> dict[str, Decimal]:
    """kg by part of the trip: hotel lines are lodging, meal lines meals, everything else travel."""
    parts: dict[str, list[Decimal]] = {part: [] for part in RESPONSE_PARTS}
    for item in footprint.items:
        part = "lodging" if item.category == "hotel" else "meals" if item.category == "meal" else "travel"
        parts[part].append(item.kgco2e)
    return {part: dsum(values) for part, values in parts.items()}


# Computed answers kept per process, by what they depend on: a meeting's attendees answer alike (the same cities,
# modes, nights and meals), and validating and calculating the same answers again gives the same result.
ANSWER_CACHE_SIZE = 4096
_answer_cache: dict[tuple, tuple[dict, Place, Footprint]] = {}


def _frozen(value):
    """`value` as a hashable key part (dicts as sorted items), or TypeError for what cannot be one."""
    if isinstance(value, Mapping):
        return tuple(sorted((str(k), _frozen(v)) for k, v in value.items()))
    if isinstance(value, list | tuple):
        return tuple(_frozen(v) for v in value)
    hash(value)
    return type(value).__name__, value


def compute_answers(raw: Mapping, event: Event | AnswerTarget, factor_set: FactorSet | None = None):
    """(answers as stored, the origin place, the footprint): everything but the write.

    A pure function of the raw answers, the meeting's place and the factor set, so its results are kept (up to
    ANSWER_CACHE_SIZE per process); refusals are never kept. Each caller gets its own answers dict.
    """
    factor_set = factor_set or default_factor_set()
    try:
        key = (_frozen(raw), event.city_code, factor_set.content_hash)
    except TypeError:
        key = None
    computed = _answer_cache.get(key) if key is not None else None
    if computed is None:
        computed = _compute_answers(raw, event, factor_set)
        if key is not None:
            if len(_answer_cache) >= ANSWER_CACHE_SIZE:
                _answer_cache.clear()  # a new meeting's answers replace an old one's: simpler than LRU, as good
            _answer_cache[key] = computed
    answers, origin, footprint = computed
    return copy.deepcopy(answers), origin, footprint


def _compute_answers(raw: Mapping, event: Event | AnswerTarget, factor_set: FactorSet):
    answers = validate_answers(raw)
    origin = resolve_origin(answers["origin"])
    answers["origin"] = origin.label  # stored resolvable, so that the form shows it again and it still works
    mode = answers["travel_mode"]
    if mode != "walk_cycle" and answers["distance_km"] is None and origin.code == event.city_code:
        raise AnswerError("distance_km", "answer_within_city", "you came from within the meeting's city: give the "
                                                         "distance in km (one way)")
    if mode in LOCAL_MODES:
        km = answers["distance_km"] if answers["distance_km"] is not None else _km_to_venue(origin, event)
        if km is not None and km > LOCAL_MODE_MAX_KM:
            raise AnswerError("travel_mode", "answer_local_mode_far", f"{km} km is far for that: choose how you "
                                                               f"travelled most of the way", km=km)
    footprint = compute_footprint("personal", personal_request(answers, origin, event), factor_set)
    return _ANSWERS.dump(answers), origin, footprint


def _km_to_venue(origin: Place, event: Event | AnswerTarget) -> Decimal | None:
    try:
        return distance_km(origin, resolve_place(event.city_code))
    except UnknownPlace:  # pragma: no cover - an event's city is checked when it is saved
        return None


def submit_by_link(*, session: Session, token: str, device_token: str, answers: Mapping,
                   display_name: str | None = None, now: datetime | None = None,
                   factor_set: FactorSet | None = None) -> Submitted:
    """Store (or replace) this device's answer to the event behind a scanned link."""
    event, state = links.answer_target(session=session, token=token, now=now)
    _refuse(state, event)
    if event.require_badge_codes:
        raise BadgesRequired("this meeting takes one answer per badge code: scan the code on your badge")
    return _store(session, event, device_key_hash(device_token), None, answers, display_name, now, factor_set)


def submit_by_badge(*, session: Session, code: str, device_token: str, answers: Mapping,
                    display_name: str | None = None, now: datetime | None = None,
                    factor_set: FactorSet | None = None) -> Submitted:
    """Store (or replace) the answer of one badge; a badge already answered from another device is refused."""
    event, badge, state = badges.resolve_badge_code(session=session, code=code, now=now)
    key = device_key_hash(device_token, badge.code) if badge else ""
    if state == TokenState.used and _badge_answer_key(session, badge) == key:
        state = TokenState.active  # the device that answered edits its own answer
    _refuse(state, event)
    return _store(session, event, key, badge, answers, display_name, now, factor_set)


def _refuse(state: TokenState, event: Event | None) -> None:
    if state == TokenState.unknown:
        raise NotFound("no meeting answers to this code")
    if state == TokenState.rotated:
        raise LinkReplaced("this QR code was replaced by the organiser; scan the new one")
    if state == TokenState.closed:
        raise AnswersClosed(f"answers closed at {event.closes_at.isoformat()}")
    if state == TokenState.used:
        raise BadgeUsed("this badge code has already been used to answer")


def _badge_answer_key(session: Session, badge: BadgeCode) -> str | None:
    return session.exec(select(AttendeeResponse.device_key_hash)
                        .where(AttendeeResponse.badge_code_id == badge.id)).first()


_UPDATED_ON_CONFLICT = ("badge_code_id", "display_name", "answers", "origin_code", "origin_country", "origin_province",
                        "stratum", "travel_mode", "factor_set", "total_kgco2e", "travel_kgco2e", "lodging_kgco2e",
                        "meals_kgco2e", "updated_at")


@lru_cache(maxsize=4)
def _upsert(dialect: str):
    """INSERT ... ON CONFLICT (event_id, device_key_hash) DO UPDATE, built once per dialect (values bound per call).

    One statement, atomic under concurrency: the UNIQUE (event_id, device_key_hash) turns a second insert from
    the same device (a double tap, a retry, an edit) into an update of the first row. Returns the row's id and
    whether it was created.
    """
    table = AttendeeResponse.__table__
    statement = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)
    return statement.on_conflict_do_update(
        index_elements=[table.c.event_id, table.c.device_key_hash],
        set_={name: statement.excluded[name] for name in _UPDATED_ON_CONFLICT},
    ).returning(table.c.id, table.c.created_at == table.c.updated_at)


def _store(session: Session, event: Event | AnswerTarget, key: str, badge: BadgeCode | None, raw: Mapping,
           display_name: str | None, now: datetime | None, factor_set: FactorSet | None) -> Submitted:
    factor_set = factor_set or default_factor_set()
    answers, origin, footprint = compute_answers(raw, event, factor_set)
    name = (display_name or "").strip()[:MAX_NAME] or None
    parts = footprint_parts(footprint)
    now = now or utcnow()
    values = {
        "event_id": event.id, "device_key_hash": key, "badge_code_id": badge.id if badge else None,
        "display_name": name, "answers": answers, "origin_code": origin.code, "origin_country": origin.country,
        "origin_province": origin.province or None,
        "stratum": stratum_of(country=origin.country, province=origin.province or None, code=origin.code,
                              event_city_code=event.city_code, event_province=event.province),
        "travel_mode": answers["travel_mode"], "factor_set": footprint.factor_set,
        "total_kgco2e": footprint.total_kgco2e, "travel_kgco2e": parts["travel"],
        "lodging_kgco2e": parts["lodging"], "meals_kgco2e": parts["meals"], "created_at": now, "updated_at": now,
    }
    try:
        with transaction(session):
            connection = session.connection()  # a Core statement: none of the ORM's per-execution work
            response_id, created = connection.execute(_upsert(connection.dialect.name), values).one()
            if badge is not None:
                session.execute(update(BadgeCode).where(BadgeCode.id == badge.id, BadgeCode.used_at.is_(None))
                                .values(used_at=now))
    except IntegrityError as error:
        raise _refusal_of_write(error) from None
    return Submitted(response_id, bool(created), footprint)


_BADGE_UNIQUE = "uq_attendee_response_badge_code_id"
_TARGET_KEYS = ("fk_attendee_response_event_id_event", "fk_attendee_response_badge_code_id_badge_code")
_KG_CHECK = "ck_attendee_response_"  # ..._<part>_kgco2e_non_negative


def _violated_constraint(error: IntegrityError) -> str:
    """The constraint an IntegrityError names: PostgreSQL says it; SQLite writes it (or only its kind) in the text."""
    diag = getattr(error.orig, "diag", None)
    name = getattr(diag, "constraint_name", None)
    if name:
        return name
    text = str(error.orig)
    if "UNIQUE constraint failed: attendee_response.badge_code_id" in text:
        return _BADGE_UNIQUE
    if "FOREIGN KEY constraint failed" in text:
        return _TARGET_KEYS[0]  # SQLite does not say which key; both mean the answer's target is gone
    found = re.search(r"CHECK constraint failed: (\w+)", text)
    return found.group(1) if found else text


def _refusal_of_write(error: IntegrityError) -> DomainError:
    """Each way the database can refuse an answer's row, as the error that says it (409 or 422).

    The upsert absorbs (event, device) duplicates, so what remains is a badge another device answered with in the
    same instant, a meeting or badge deleted under the write, or kg that break a CHECK (a factor set gone wrong).
    """
    constraint = _violated_constraint(error)
    if constraint == _BADGE_UNIQUE:
        return BadgeUsed("this badge code has just been used to answer from another device")
    if constraint in _TARGET_KEYS:
        return AnswerTargetGone("the meeting or badge was removed while the answer was being saved")
    if constraint.startswith(_KG_CHECK) and constraint.endswith("_non_negative"):
        part = constraint.removeprefix(_KG_CHECK).removesuffix("_kgco2e_non_negative")
        return ValidationError(f"the computed {part} kg are negative", code="answer_kg_negative",
                               fields={f"{part}_kgco2e": ["negative"]})
    return AnswerConflict(f"the answer conflicts with stored data ({constraint})")


# ---- reading back ------------------------------------------------------------------------------------------------


def response_of_device(*, session: Session, event_id: int, device_token: str | None,
                       badge_code: str | None = None) -> AttendeeResponse | None:
    if not is_device_token(device_token):
        return None
    return session.exec(select(AttendeeResponse).where(
        AttendeeResponse.event_id == event_id,
        AttendeeResponse.device_key_hash == device_key_hash(device_token, badge_code),
    )).first()


@lru_cache(maxsize=8)
def _factor_set(version: str) -> FactorSet:
    default = default_factor_set()
    return default if version == default.version else load_factor_set(version)


def footprint_of(response: AttendeeResponse, event: Event) -> Footprint:
    """The stored answer's footprint again, with the factor set it was computed with (same kg as stored)."""
    origin = resolve_origin(response.answers["origin"])
    answers = validate_answers(response.answers)
    return compute_footprint("personal", personal_request(answers, origin, event), _factor_set(response.factor_set))


@dataclass(frozen=True)
class MeetingSoFar:
    respondents: int
    total_kgco2e: Decimal


def meeting_so_far(*, session: Session, event_id: int) -> MeetingSoFar:
    """How many have answered and their kg together, for the attendee's "how it adds up" line."""
    t = AttendeeResponse.__table__.c
    rows = session.execute(sa_select(exact_kg(t.total_kgco2e)).where(t.event_id == event_id)).scalars().all()
    return MeetingSoFar(len(rows), dsum(rows) if rows else ZERO)


# ---- the organiser's lists ----------------------------------------------------------------------------------------


def list_responses(*, session: Session, organisation_id: int, event_id: int, offset: int = 0,
                   limit: int = 100) -> tuple[list, int]:
    """A page of an event's responses in the order they came (rows with every digit of their kg), and the count."""
    event = events.get_event(session=session, organisation_id=organisation_id, event_id=event_id)
    t = AttendeeResponse.__table__.c
    total = session.execute(sa_select(func.count()).where(t.event_id == event.id)).scalar_one()
    columns = [c for c in t if not c.name.endswith("_kgco2e") and c.name not in ("device_key_hash", "display_name")]
    kg = [exact_kg(c).label(c.name) for c in t if c.name.endswith("_kgco2e")]
    rows = session.execute(sa_select(*columns, *kg).where(t.event_id == event.id).order_by(t.id)
                           .offset(offset).limit(limit)).all()
    return list(rows), total


EXPORT_COLUMNS = ("response", "created_at_utc", "updated_at_utc", "origin", "origin_code", "stratum", "travel_mode",
                  "cabin", "round_trip", "distance_km", "car_occupancy", "hotel_nights", "meals_vegan",
                  "meals_vegetarian", "meals_poultry", "meals_pork", "meals_beef_lamb", "meals_fish",
                  "travel_kgco2e", "lodging_kgco2e", "meals_kgco2e", "total_kgco2e", "factor_set", "badge")


def export_rows(*, session: Session, organisation_id: int, event_id: int,
                batch: int = 5000) -> Iterator[tuple]:
    """The anonymised responses, one tuple per EXPORT_COLUMNS: no name, no device key, kg as exact Decimals.

    Numbered 1, 2, 3... within the event (a row id would tell how many answers the whole service holds); read
    in batches of plain rows, so a large export holds no ORM objects.
    """
    event = events.get_event(session=session, organisation_id=organisation_id, event_id=event_id)
    t = AttendeeResponse.__table__.c
    columns = (t.id, t.created_at, t.updated_at, t.answers, t.origin_code, t.stratum, t.travel_mode,
               *(exact_kg(c).label(c.name) for c in (t.travel_kgco2e, t.lodging_kgco2e, t.meals_kgco2e,
                                                     t.total_kgco2e)), t.factor_set, t.badge_code_id)
    last_id, number = 0, 0
    while True:
        rows = session.execute(sa_select(*columns).where(t.event_id == event.id, t.id > last_id)
                               .order_by(t.id).limit(batch)).all()
        if not rows:
            return
        for row in rows:
            number += 1
            a = row.answers or {}
            meals = a.get("meals") or {}
            yield (number, row.created_at, row.updated_at, a.get("origin", ""), row.origin_code, row.stratum.value,
                   row.travel_mode, a.get("cabin") if row.travel_mode == "flight" else None, a.get("round_trip"),
                   Decimal(a["distance_km"]) if a.get("distance_km") is not None else None,
                   a.get("car_occupancy") if row.travel_mode == "car" else None, a.get("hotel_nights", 0),
                   *(meals.get(m, 0) for m in MEAL_TYPES), row.travel_kgco2e, row.lodging_kgco2e,
                   row.meals_kgco2e, row.total_kgco2e, row.factor_set, row.badge_code_id is not None)
        last_id = rows[-1].id
