"""Marshmallow schemas of meetings: an attendee's answers (validation in) and the API's events, responses, snapshots."""

from __future__ import annotations

from decimal import Decimal

import marshmallow as ma
from marshmallow import validate

from footprints.schemas import CABINS, CAR_FUELS, MEAL_TYPES, EventFootprintSchema, StrictSchema
from meetings.inputs import BOUNDARY_ORDER, WASTE_KEYS, MeetingType
from meetings.models import Stratum

# How an attendee came, as the phone form asks it; meetings.responses turns each into a calculator leg.
TRAVEL_MODES = ("flight", "high_speed_rail", "rail", "coach", "car", "taxi", "bus", "metro", "motorbike",
                "walk_cycle")
LOCAL_MODES = ("taxi", "bus", "metro", "walk_cycle")  # modes nobody takes for a trip between cities
MAX_NIGHTS = 60
MAX_MEALS = 30
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
    vegan = ma.fields.Integer(load_default=0, validate=validate.Range(min=0, max=MAX_MEALS), strict=True)
    vegetarian = ma.fields.Integer(load_default=0, validate=validate.Range(min=0, max=MAX_MEALS), strict=True)
    poultry = ma.fields.Integer(load_default=0, validate=validate.Range(min=0, max=MAX_MEALS), strict=True)
    pork = ma.fields.Integer(load_default=0, validate=validate.Range(min=0, max=MAX_MEALS), strict=True)
    beef_lamb = ma.fields.Integer(load_default=0, validate=validate.Range(min=0, max=MAX_MEALS), strict=True)
    fish = ma.fields.Integer(load_default=0, validate=validate.Range(min=0, max=MAX_MEALS), strict=True)


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


def _meal_count() -> ma.fields.Integer:
    return ma.fields.Integer(allow_none=True, strict=True, validate=validate.Range(min=0, max=10_000_000))


class EventCreateSchema(StrictSchema):
    """A new meeting; meetings.service checks the rules (dates in order, a known city...) and names each bad field."""

    name_zh = ma.fields.String(load_default="", validate=validate.Length(max=200))
    name_en = ma.fields.String(load_default="", validate=validate.Length(max=200))
    starts_on = ma.fields.Date(required=True)
    ends_on = ma.fields.Date(required=True)
    closes_at = ma.fields.AwareDateTime(metadata={"description": "when answers close (default: midnight after the "
                                                                 "last day, Beijing time)"})
    venue_name = ma.fields.String(required=True, validate=validate.Length(min=1, max=200))
    city = ma.fields.String(required=True, validate=validate.Length(min=1, max=100))
    province = ma.fields.String(validate=validate.Length(max=64))
    expected_attendance = ma.fields.Integer(required=True, strict=True,
                                            validate=validate.Range(min=1, max=1_000_000))
    actual_attendance = ma.fields.Integer(allow_none=True, strict=True, validate=validate.Range(min=0, max=1_000_000))
    meeting_type = ma.fields.String(load_default=MeetingType.conference.value,
                                    validate=validate.OneOf([t.value for t in MeetingType]))
    boundary = ma.fields.List(ma.fields.String(validate=validate.OneOf(BOUNDARY_ORDER)),
                              validate=validate.Length(max=len(BOUNDARY_ORDER)))
    require_badge_codes = ma.fields.Boolean(load_default=False)
    waste_kg = ma.fields.Dict(keys=ma.fields.String(validate=validate.OneOf(WASTE_KEYS)),
                              values=ma.fields.Decimal(allow_nan=False, as_string=True))
    electricity_kwh = _decimal(allow_none=True, metadata={"type": "string", "description": "metered, kWh"})
    floor_area_m2 = _decimal(allow_none=True, metadata={"type": "string", "description": "m²"})
    venue_hours = _decimal(allow_none=True, metadata={"type": "string", "description": "hours the venue is used"})
    natural_gas_m3 = _decimal(allow_none=True, metadata={"type": "string", "description": "m³"})
    diesel_kg = _decimal(allow_none=True, metadata={"type": "string", "description": "generator diesel, kg"})
    paper_kg = _decimal(allow_none=True, metadata={"type": "string", "description": "kg"})
    meals_vegan = _meal_count()
    meals_vegetarian = _meal_count()
    meals_poultry = _meal_count()
    meals_pork = _meal_count()
    meals_beef_lamb = _meal_count()
    meals_fish = _meal_count()


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
