"""Marshmallow schemas of meetings: an attendee's answers and an event (validation in), the API's output."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation

import marshmallow as ma
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from marshmallow import post_load, validate, validates_schema

from calculators.distance import UnknownPlace, find_city
from core import messages
from factors.regions import KNOWN_REGIONS, find_province
from footprints.schemas import CABINS, CAR_FUELS, MEAL_TYPES, EventFootprintSchema, StrictSchema
from meetings.events import EVENT_TIMEZONE, default_closes_at
from meetings.inputs import BOUNDARY_ORDER, DEFAULT_BOUNDARY, WASTE_KEYS, MeetingType
from meetings.models import Stratum

# How an attendee came, as the phone form asks it; meetings.responses turns each into a calculator leg.
TRAVEL_MODES = ("flight", "high_speed_rail", "rail", "coach", "car", "taxi", "bus", "metro", "motorbike",
                "walk_cycle")
LOCAL_MODES = ("taxi", "bus", "metro", "walk_cycle")  # modes nobody takes for a trip between cities
MAX_NIGHTS = 60
MAX_ATTENDEE_MEALS = 30  # of each kind, an attendee's own during the meeting (not the organiser's)
MAX_LEG_KM = Decimal(25000)
MAX_OCCUPANCY = 9
MAX_NAME = 100
MAX_ORIGIN = 100


def _within(low: Decimal, high: Decimal, places: int):
    def check(value: Decimal) -> None:
        if not value.is_finite() or not low < value <= high:
            raise ma.ValidationError(f"must be more than {low} and at most {high}")
        if value.as_tuple().exponent < -places:
            raise ma.ValidationError(f"at most {places} decimal places")

    return check


class MealCountsSchema(StrictSchema):
    vegan = ma.fields.Integer(load_default=0, validate=validate.Range(min=0, max=MAX_ATTENDEE_MEALS), strict=True)
    vegetarian = ma.fields.Integer(load_default=0, validate=validate.Range(min=0, max=MAX_ATTENDEE_MEALS), strict=True)
    poultry = ma.fields.Integer(load_default=0, validate=validate.Range(min=0, max=MAX_ATTENDEE_MEALS), strict=True)
    pork = ma.fields.Integer(load_default=0, validate=validate.Range(min=0, max=MAX_ATTENDEE_MEALS), strict=True)
    beef_lamb = ma.fields.Integer(load_default=0, validate=validate.Range(min=0, max=MAX_ATTENDEE_MEALS), strict=True)
    fish = ma.fields.Integer(load_default=0, validate=validate.Range(min=0, max=MAX_ATTENDEE_MEALS), strict=True)


class AttendeeAnswersSchema(StrictSchema):
    """What an attendee tells about their trip to the meeting; no field is personal data."""

    origin = ma.fields.String(required=True, validate=validate.Length(min=1, max=MAX_ORIGIN),
                              metadata={"description": "city (Chinese, English or pinyin) or IATA airport code"})
    travel_mode = ma.fields.String(required=True, validate=validate.OneOf(TRAVEL_MODES))
    cabin = ma.fields.String(load_default="economy", validate=validate.OneOf(CABINS))
    car_fuel = ma.fields.String(load_default="unknown", validate=validate.OneOf(CAR_FUELS))
    car_occupancy = ma.fields.Integer(load_default=1, validate=validate.Range(min=1, max=MAX_OCCUPANCY),
                                      strict=True)
    round_trip = ma.fields.Boolean(load_default=True)
    distance_km = ma.fields.Decimal(allow_none=True, load_default=None, allow_nan=False, as_string=True,
                                    validate=_within(Decimal(0), MAX_LEG_KM, 1),
                                    metadata={"description": "one-way km, when known (needed within the city)"})
    hotel_nights = ma.fields.Integer(load_default=0, validate=validate.Range(min=0, max=MAX_NIGHTS), strict=True)
    meals = ma.fields.Nested(MealCountsSchema, load_default=lambda: {key: 0 for key in MEAL_TYPES},
                             metadata={"description": "meals during the meeting not served by the organiser"})


# ---- the API ----------------------------------------------------------------------------------------------------


def _decimal(metadata: dict | None = None, **kwargs) -> ma.fields.Decimal:
    return ma.fields.Decimal(as_string=True, allow_nan=False, metadata=metadata or {"type": "string"}, **kwargs)


# ---- an event: the one place of its rules (the organiser's form, the API and the service all load through it) ---

NAME_LENGTH = 200
VENUE_LENGTH = 200
CITY_LENGTH = 100
PROVINCE_LENGTH = 64
MAX_ATTENDANCE = 1_000_000
MAX_EVENT_DAYS = 366
MAX_CLOSE_DAYS_AFTER = 365  # answers close at most a year after the meeting's last day
# A meeting's days lie in this range: outside it a date is a typo, and the calendar's own edges (9999-12-31,
# 0001-01-01) would overflow the close-time arithmetic.
EARLIEST_EVENT_DATE = date(2000, 1, 1)
LATEST_EVENT_DATE = date(2099, 12, 31)
MAX_QUANTITY = Decimal("1e12")
MAX_DECIMAL_PLACES = 6
# Meals of one kind served over a meeting: three a day for every attendee of the largest, longest meeting accepted
# (1,098,000,000, which a 32-bit INTEGER column still holds). Not checked against the event's own attendance:
# the attendance is an estimate until the meeting is over.
MEALS_PER_ATTENDEE_DAY = 3
MAX_EVENT_MEALS = MAX_ATTENDANCE * MAX_EVENT_DAYS * MEALS_PER_ATTENDEE_DAY

EVENT_MESSAGES = {
    "event.required": _l("Required."),
    "event.too_long": _l("At most %(limit)s characters."),
    "event.name_missing": _l("Give the meeting's name in Chinese or English."),
    "event.date_range": _l("A date from %(earliest)s to %(latest)s."),
    "event.ends_before_start": _l("The meeting cannot end before it starts."),
    "event.too_many_days": _l("A meeting lasts at most %(days)s days."),
    "event.closes_at_zone": _l("A date and time with its time zone."),
    "event.closes_before_start": _l("Answers cannot close before the meeting starts."),
    "event.closes_too_late": _l("Answers close at most a year after the meeting."),
    "event.unknown_city": _l("Unknown city “%(city)s”."),
    "event.unknown_city_suggestions": _l("Unknown city “%(city)s”. Did you mean %(suggestions)s?"),
    "event.city_outside_mainland": _l("%(city)s is not in mainland China; the venue must be on a provincial grid."),
    "event.unknown_province": _l("Unknown province “%(province)s”."),
    "event.province_mismatch": _l("%(city)s is in %(province_name)s (%(province)s), not %(given)s."),
    "event.meeting_type": _l("Choose one of %(choices)s."),
    "event.between": _l("Between %(minimum)s and %(maximum)s."),
    "event.decimal": _l("Enter a number."),
    "event.finite": _l("Enter a finite number."),
    "event.negative": _l("Cannot be negative."),
    "event.too_large": _l("At most %(maximum)s."),
    "event.decimal_places": _l("At most %(places)s decimal places."),
    "event.estimate_needs_both": _l("An estimate needs both the floor area and the hours."),
    "event.boundary_unknown": _l("Unknown category “%(category)s”."),
    "event.waste_unknown": _l("Unknown waste stream or treatment “%(key)s”."),
}
messages.register(EVENT_MESSAGES)


class Problem(str):
    """A validation message that keeps its code and parameters: pages render it in the reader's language with
    core.messages.render; its text, which the API sends, is the English wording."""

    code: str
    params: dict

    def __new__(cls, code: str, **params):
        with force_locale("en"):
            problem = super().__new__(cls, messages.render(code, params))
        problem.code, problem.params = code, params
        return problem

    def format(self, *_args, **_kwargs) -> Problem:  # marshmallow formats its error_messages; this one is written
        return self


REQUIRED = Problem("event.required")


def _problem(code: str, **params) -> ma.ValidationError:
    return ma.ValidationError(Problem(code, **params))


def _filled(value: str) -> None:
    if not value.strip():
        raise _problem("event.required")


def _length(limit: int):
    def check(value: str) -> None:
        if len(value.strip()) > limit:
            raise _problem("event.too_long", limit=limit)

    return check


def _between(minimum: int, maximum: int):
    def check(value: int) -> None:
        if not minimum <= value <= maximum:
            raise _problem("event.between", minimum=Decimal(minimum), maximum=Decimal(maximum))

    return check


def _one_of(code: str, choices: tuple[str, ...], param: str):
    def check(value: str) -> None:
        if value not in choices:
            raise _problem(code, **{param: ", ".join(choices) if param == "choices" else str(value)[:40]})

    return check


def _within_event_dates(value: date) -> None:
    if not EARLIEST_EVENT_DATE <= value <= LATEST_EVENT_DATE:
        raise _problem("event.date_range", earliest=EARLIEST_EVENT_DATE.isoformat(),
                       latest=LATEST_EVENT_DATE.isoformat())


def _quantity_problem(value: Decimal) -> Problem | None:
    if not value.is_finite():
        return Problem("event.finite")
    if value < 0:
        return Problem("event.negative")
    if value > MAX_QUANTITY:
        return Problem("event.too_large", maximum=MAX_QUANTITY)
    if value.as_tuple().exponent < -MAX_DECIMAL_PLACES:
        return Problem("event.decimal_places", places=MAX_DECIMAL_PLACES)
    return None


def _quantity_rule(value: Decimal) -> None:
    problem = _quantity_problem(value)
    if problem is not None:
        raise ma.ValidationError(problem)


class _Day(ma.fields.Date):
    """A date; a datetime given for it counts as its day (a datetime does not compare with a date)."""

    def _deserialize(self, value, attr, data, **kwargs):
        day = super()._deserialize(value, attr, data, **kwargs)
        return day.date() if isinstance(day, datetime) else day


def _text(limit: int, *, required: bool = False) -> ma.fields.String:
    if required:
        return ma.fields.String(required=True, validate=[_filled, _length(limit)],
                                error_messages={"required": REQUIRED, "null": REQUIRED})
    return ma.fields.String(load_default="", validate=_length(limit))


def _quantity(description: str) -> ma.fields.Decimal:
    # NaN is let through to the rule, which names it in the reader's language.
    return ma.fields.Decimal(allow_none=True, load_default=None, allow_nan=True, as_string=True,
                             validate=_quantity_rule, metadata={"type": "string", "description": description})


def _meal_count() -> ma.fields.Integer:
    return ma.fields.Integer(allow_none=True, load_default=None, strict=True,
                             validate=_between(0, MAX_EVENT_MEALS),
                             metadata={"description": "meals of this kind served over the meeting"})


def _place(city: str, province: str | None) -> tuple[str, str, dict[str, Problem]]:
    """(city id, province code, problems by field) of a venue: a mainland city, in the province if one is given."""
    try:
        place = find_city(city.strip())
    except UnknownPlace as error:
        if error.suggestions:
            return "", "", {"city": Problem("event.unknown_city_suggestions", city=city.strip(),
                                            suggestions=", ".join(error.suggestions))}
        return "", "", {"city": Problem("event.unknown_city", city=city.strip())}
    if place.country != "CN" or not place.province:
        return "", "", {"city": Problem("event.city_outside_mainland", city=place.label)}
    if province:
        region = find_province(province)
        if region is None:
            return "", "", {"province": Problem("event.unknown_province", province=province[:40])}
        if region.code != place.province:
            return "", "", {"province": Problem(
                "event.province_mismatch", city=place.label, province=place.province,
                province_name=KNOWN_REGIONS[place.province].name_en, given=region.name_en, given_code=region.code)}
    return place.code, place.province, {}


def _waste_amount(value) -> Decimal | None:
    if isinstance(value, bool) or not isinstance(value, str | int | float | Decimal):
        return None
    try:
        return Decimal(value.strip() if isinstance(value, str) else str(value) if isinstance(value, float) else value)
    except InvalidOperation:
        return None


class EventCreateSchema(StrictSchema):
    """A meeting as the organiser describes it; loads into the event's column values (the city placed, the close
    time and boundary defaulted), with every bad field named at once."""

    check_calendar = False  # its own date rules (EARLIEST_EVENT_DATE..LATEST_EVENT_DATE) name each field's reason
    name_zh = _text(NAME_LENGTH)
    name_en = _text(NAME_LENGTH)
    starts_on = _Day(required=True, validate=_within_event_dates, error_messages={"required": REQUIRED,
                                                                                 "null": REQUIRED})
    ends_on = _Day(required=True, validate=_within_event_dates, error_messages={"required": REQUIRED,
                                                                               "null": REQUIRED})
    closes_at = ma.fields.AwareDateTime(
        allow_none=True, load_default=None, error_messages={"invalid_awareness": Problem("event.closes_at_zone")},
        metadata={"description": "when answers close (default: midnight after the last day, Beijing time)"})
    venue_name = _text(VENUE_LENGTH, required=True)
    city = _text(CITY_LENGTH, required=True)
    province = ma.fields.String(allow_none=True, load_default=None, validate=_length(PROVINCE_LENGTH),
                                metadata={"description": "ISO 3166-2 code (CN-GD); default: the city's"})
    expected_attendance = ma.fields.Integer(required=True, strict=True, validate=_between(1, MAX_ATTENDANCE),
                                            error_messages={"required": REQUIRED, "null": REQUIRED})
    actual_attendance = ma.fields.Integer(allow_none=True, load_default=None, strict=True,
                                          validate=_between(0, MAX_ATTENDANCE))
    meeting_type = ma.fields.String(load_default=MeetingType.conference.value,
                                    validate=_one_of("event.meeting_type", tuple(t.value for t in MeetingType),
                                                     "choices"))
    boundary = ma.fields.List(ma.fields.String(validate=_one_of("event.boundary_unknown", BOUNDARY_ORDER,
                                                                "category")),
                              load_default=list, validate=validate.Length(max=len(BOUNDARY_ORDER)),
                              metadata={"description": "counted categories (default: those of the meeting type)"})
    require_badge_codes = ma.fields.Boolean(load_default=False)
    waste_kg = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Raw(), load_default=dict,
                              metadata={"description": f"kg by stream.treatment, one of {', '.join(WASTE_KEYS)}"})
    electricity_kwh = _quantity("metered, kWh")
    floor_area_m2 = _quantity("m²")
    venue_hours = _quantity("hours the venue is used")
    natural_gas_m3 = _quantity("m³")
    diesel_kg = _quantity("generator diesel, kg")
    paper_kg = _quantity("kg")
    meals_vegan = _meal_count()
    meals_vegetarian = _meal_count()
    meals_poultry = _meal_count()
    meals_pork = _meal_count()
    meals_beef_lamb = _meal_count()
    meals_fish = _meal_count()

    @validates_schema(skip_on_field_errors=False)
    def _event_rules(self, data, **_kwargs):
        """The rules across fields, each checked only when the fields it reads were valid on their own."""
        problems: dict[str, list[Problem]] = {}

        def bad(name: str, problem: Problem) -> None:
            problems.setdefault(name, []).append(problem)

        if "name_zh" in data and "name_en" in data and not (data["name_zh"].strip() or data["name_en"].strip()):
            bad("name_zh", Problem("event.name_missing"))
        starts_on, ends_on = data.get("starts_on"), data.get("ends_on")
        if starts_on and ends_on:
            if ends_on < starts_on:
                bad("ends_on", Problem("event.ends_before_start"))
            elif (ends_on - starts_on).days >= MAX_EVENT_DAYS:
                bad("ends_on", Problem("event.too_many_days", days=MAX_EVENT_DAYS))
            else:
                closes_at = data.get("closes_at")
                if closes_at is not None and closes_at < datetime.combine(starts_on, time(0), tzinfo=EVENT_TIMEZONE):
                    bad("closes_at", Problem("event.closes_before_start"))
                elif closes_at is not None and closes_at > default_closes_at(ends_on) + timedelta(
                        days=MAX_CLOSE_DAYS_AFTER):
                    bad("closes_at", Problem("event.closes_too_late"))
        if data.get("city") and "province" in data and data["city"].strip():
            for name, problem in _place(data["city"], data["province"] or None)[2].items():
                bad(name, problem)
        if "floor_area_m2" in data and "venue_hours" in data and \
                (data["floor_area_m2"] is None) != (data["venue_hours"] is None):
            bad("venue_hours" if data["venue_hours"] is None else "floor_area_m2",
                Problem("event.estimate_needs_both"))
        for key, value in (data.get("waste_kg") or {}).items():
            name = f"waste_kg.{str(key)[:40]}"
            if key not in WASTE_KEYS:
                bad(name, Problem("event.waste_unknown", key=str(key)[:40]))
                continue
            amount = _waste_amount(value) if value not in (None, "") else Decimal(0)
            problem = Problem("event.decimal") if amount is None else _quantity_problem(amount)
            if problem is not None:
                bad(name, problem)
        if problems:
            raise ma.ValidationError(problems)

    @post_load
    def _columns(self, data, **_kwargs) -> dict:
        """The event's column values: names completed, the city placed, the meeting type's defaults filled in."""
        values = dict(data)
        for name in ("name_zh", "name_en", "venue_name", "city"):
            values[name] = values.get(name, "").strip()
        values["name_zh"] = values["name_zh"] or values["name_en"]
        values["name_en"] = values["name_en"] or values["name_zh"]
        values["city_code"], values["province"], _ = _place(values["city"], values.get("province") or None)
        meeting_type = values["meeting_type"] = MeetingType(values["meeting_type"])
        values["boundary"] = [c for c in BOUNDARY_ORDER if c in values["boundary"]] or \
            list(DEFAULT_BOUNDARY[meeting_type])
        closes_at = values["closes_at"]
        values["closes_at"] = closes_at.astimezone(UTC) if closes_at else default_closes_at(values["ends_on"])
        amounts = {key: _waste_amount(value) if value not in (None, "") else Decimal(0)
                   for key, value in values["waste_kg"].items()}
        # Zero and empty say the same: nothing of this stream.
        values["waste_kg"] = {key: format(amounts[key].normalize(), "f") for key in WASTE_KEYS if amounts.get(key)}
        return values

class EventSchema(ma.Schema):
    id = ma.fields.Integer()
    name_zh = ma.fields.String()
    name_en = ma.fields.String()
    starts_on = ma.fields.Date()
    ends_on = ma.fields.Date()
    closes_at = ma.fields.DateTime()
    venue_name = ma.fields.String()
    city = ma.fields.String()
    city_code = ma.fields.String()
    province = ma.fields.String()
    expected_attendance = ma.fields.Integer()
    actual_attendance = ma.fields.Integer(allow_none=True)
    meeting_type = ma.fields.Enum(MeetingType, by_value=True)
    boundary = ma.fields.List(ma.fields.String())
    require_badge_codes = ma.fields.Boolean()
    waste_kg = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.String())
    public_url = ma.fields.String(metadata={"description": "the link in the event's QR code"})
    created_at = ma.fields.DateTime()
    electricity_kwh = _decimal(allow_none=True)
    floor_area_m2 = _decimal(allow_none=True)
    venue_hours = _decimal(allow_none=True)
    natural_gas_m3 = _decimal(allow_none=True)
    diesel_kg = _decimal(allow_none=True)
    paper_kg = _decimal(allow_none=True)
    meals_vegan = ma.fields.Integer(allow_none=True)
    meals_vegetarian = ma.fields.Integer(allow_none=True)
    meals_poultry = ma.fields.Integer(allow_none=True)
    meals_pork = ma.fields.Integer(allow_none=True)
    meals_beef_lamb = ma.fields.Integer(allow_none=True)
    meals_fish = ma.fields.Integer(allow_none=True)


class AttendeeResponseSchema(ma.Schema):
    """One anonymised response: no name, no device key."""

    id = ma.fields.Integer()
    created_at = ma.fields.DateTime()
    updated_at = ma.fields.DateTime()
    stratum = ma.fields.Enum(Stratum, by_value=True)
    origin = ma.fields.Function(lambda response: response.answers.get("origin", ""))
    origin_code = ma.fields.String()
    travel_mode = ma.fields.String()
    answers = ma.fields.Dict(metadata={"description": "the validated answers (AttendeeAnswers)"})
    factor_set = ma.fields.String()
    total_kgco2e = _decimal()
    travel_kgco2e = _decimal()
    lodging_kgco2e = _decimal()
    meals_kgco2e = _decimal()
    badge = ma.fields.Function(lambda response: response.badge_code_id is not None,
                               metadata={"description": "answered with a badge code"})


class SnapshotSchema(ma.Schema):
    id = ma.fields.Integer()
    event_id = ma.fields.Integer()
    taken_at = ma.fields.DateTime()
    factor_set = ma.fields.String()
    # From the frozen document, which keeps every digit (a column reads back 28 significant digits).
    total_kgco2e = ma.fields.Function(lambda snapshot: snapshot.footprint["total_kgco2e"],
                                      metadata={"type": "string"})
    neutralisation_kgco2e = ma.fields.Function(lambda snapshot: snapshot.footprint["neutralisation_kgco2e"],
                                               metadata={"type": "string"})
    credits_needed_t = ma.fields.Integer()
    respondents = ma.fields.Integer()
    attendance = ma.fields.Integer()
    is_current = ma.fields.Boolean()
    superseded_by_id = ma.fields.Integer(allow_none=True)
    footprint = ma.fields.Nested(EventFootprintSchema)
    breakdown = ma.fields.Function(lambda snapshot: snapshot.footprint.get("breakdown", {}),
                                   metadata={"description": "kg by boundary category"})
    missing_inputs = ma.fields.Function(lambda snapshot: snapshot.footprint.get("missing_inputs", []),
                                        metadata={"description": "boundary items without the organiser's data"})
