"""Marshmallow schemas of footprint requests (validation in) and results (serialisation out)."""

from __future__ import annotations

from decimal import Decimal

import marshmallow as ma
from marshmallow import validate, validates_schema

from calculators.footprint import Message

MAX_LEG_KM = Decimal("25000")
MAX_NIGHTS = 365
MAX_ITEMS = 200
BIG = Decimal("1000000000")
# With at most 10^9 and 10 decimal places, a quantity has at most 19 significant digits: the calculators' exact
# arithmetic (calculators/footprint.py) stays exact, and "1e-130" is refused here instead of failing there.
MAX_DECIMAL_PLACES = 10
# Dates outside these years are typing errors; near 0001 and 9999 a day's arithmetic leaves the calendar.
MIN_YEAR, MAX_YEAR = 1900, 2999
MODES = ["flight", "rail", "coach", "bus", "metro", "taxi", "car", "motorbike"]
CABINS = ["economy", "premium_economy", "business", "first"]
RAIL_TYPES = ["high_speed", "conventional"]
CAR_FUELS = ["petrol", "diesel", "hybrid", "phev", "bev", "unknown"]
CAR_SIZES = ["small", "medium", "large", "average"]
MEAL_TYPES = ["vegan", "vegetarian", "poultry", "pork", "beef_lamb", "fish"]
MEETING_TYPES = ["conference", "exhibition", "training", "banquet", "hybrid"]
HOME_PERIODS = ["month", "year"]
MAX_MEALS = 100000
# Coded messages: the API sends their English text, pages render their codes in the page's language.
NOT_A_NUMBER = {"invalid": Message("calc.input.not_a_number", "Not a valid number."),
                "special": Message("calc.input.special_number",
                                   "Not a valid number (NaN and infinity are not accepted).")}
NOT_AN_INTEGER = {"invalid": Message("calc.input.not_an_integer", "Not a valid integer.")}


def _between(minimum: object, maximum: object) -> Message:
    return Message("calc.input.between", "must be between %(min)s and %(max)s", min=Decimal(minimum),
                   max=Decimal(maximum))


def _quantity(maximum: Decimal = BIG, metadata: dict | None = None, **kwargs) -> ma.fields.Decimal:
    """A non-negative finite decimal, documented as a decimal string (JSON numbers are accepted too)."""
    metadata = {"type": "string", "pattern": r"^[0-9]+(\.[0-9]+)?$",
                "description": f"a decimal from 0 to {maximum}", **(metadata or {})}

    # A plain function, not validate.Range: the OpenAPI type is a string, which has no minimum or maximum.
    def within_range(value: Decimal) -> None:
        if not 0 <= value <= maximum:
            raise ma.ValidationError(_between(0, maximum))
        if value.as_tuple().exponent < -MAX_DECIMAL_PLACES:
            raise ma.ValidationError(Message("calc.input.decimal_places", "at most %(places)s decimal places",
                                             places=MAX_DECIMAL_PLACES))

    return ma.fields.Decimal(allow_nan=False, validate=within_range, as_string=True, metadata=metadata,
                             error_messages=NOT_A_NUMBER, **kwargs)


def _count(maximum: int) -> ma.fields.Integer:
    """A whole number from 0 to `maximum` (meals), with coded messages."""
    return ma.fields.Integer(metadata={"default": 0}, error_messages=NOT_AN_INTEGER,
                             validate=validate.Range(min=0, max=maximum, error=_between(0, maximum)))


class StrictSchema(ma.Schema):
    """Unknown fields are errors, and every date or time lies between MIN_YEAR and MAX_YEAR (a schema with its own,
    narrower date rules, such as an event's, sets `check_calendar = False`)."""

    check_calendar = True

    class Meta:
        unknown = ma.RAISE

    @validates_schema
    def _dates_within_calendar(self, data, **_kwargs):
        if not self.check_calendar:
            return
        errors = {}
        for attribute, key in self._calendar_fields():
            value = data.get(attribute)
            if value is not None and not MIN_YEAR <= value.year <= MAX_YEAR:
                errors[key] = [f"must be in the years {MIN_YEAR} to {MAX_YEAR}"]
        if errors:
            raise ma.ValidationError(errors)

    def _calendar_fields(self) -> tuple[tuple[str, str], ...]:
        """(attribute, data key) of this instance's date and time fields, found once: most schemas have none, and
        a schema is loaded on every request (an instance's fields are fixed when it is built)."""
        found = self.__dict__.get("_calendar_field_keys")
        if found is None:
            found = self.__dict__["_calendar_field_keys"] = tuple(
                (field.attribute or name, field.data_key or name) for name, field in self.fields.items()
                if isinstance(field, ma.fields.Date | ma.fields.DateTime))
        return found


class LegSchema(StrictSchema):
    mode = ma.fields.String(required=True, validate=validate.OneOf(MODES))
    origin = ma.fields.String(data_key="from", validate=validate.Length(min=1, max=100))
    destination = ma.fields.String(data_key="to", validate=validate.Length(min=1, max=100))
    distance_km = _quantity(MAX_LEG_KM)
    cabin = ma.fields.String(metadata={"default": "economy"}, validate=validate.OneOf(CABINS))
    rail_type = ma.fields.String(metadata={"default": "high_speed"}, validate=validate.OneOf(RAIL_TYPES))
    car_fuel = ma.fields.String(metadata={"default": "unknown"}, validate=validate.OneOf(CAR_FUELS))
    car_size = ma.fields.String(metadata={"default": "average"}, validate=validate.OneOf(CAR_SIZES))
    occupancy = ma.fields.Integer(metadata={"default": 1}, validate=validate.Range(min=1, max=100))
    round_trip = ma.fields.Boolean(metadata={"default": False})

    @validates_schema
    def _distance_or_places(self, data, **_kwargs):
        has_places = "origin" in data and "destination" in data
        if "distance_km" not in data and not has_places:
            raise ma.ValidationError("give distance_km, or both from and to", field_name="distance_km")
        if data["mode"] == "flight" and not has_places and "distance_km" not in data:
            raise ma.ValidationError("a flight needs from and to (airport codes or cities)", field_name="from")


class LodgingSchema(StrictSchema):
    country = ma.fields.String(required=True, validate=validate.Regexp(r"^[A-Za-z]{2}$", error="an ISO 3166-1 "
                                                                                              "alpha-2 code"))
    nights = ma.fields.Integer(required=True, validate=validate.Range(min=0, max=MAX_NIGHTS))


class MealsSchema(StrictSchema):
    vegan = _count(MAX_MEALS)
    vegetarian = _count(MAX_MEALS)
    poultry = _count(MAX_MEALS)
    pork = _count(MAX_MEALS)
    beef_lamb = _count(MAX_MEALS)
    fish = _count(MAX_MEALS)


class FoodItemSchema(StrictSchema):
    item = ma.fields.String(required=True, validate=validate.Length(min=1, max=64))
    kg = _quantity(Decimal("100000"), required=True)


class HomeSchema(StrictSchema):
    province = ma.fields.String(validate=validate.Length(min=1, max=64))
    electricity_kwh = _quantity(metadata={"default": "0"})
    natural_gas_m3 = _quantity(metadata={"default": "0"})
    period = ma.fields.String(validate=validate.OneOf(HOME_PERIODS), metadata={
        "description": "what the quantities cover (month or year); stated on each line, not converted"})


class OptionsSchema(StrictSchema):
    radiative_forcing = ma.fields.Boolean(metadata={"default": True})
    beef_factor = ma.fields.String(validate=validate.Length(max=100), metadata={
        "description": "factor id to use for beef instead of the default row (e.g. food.beef_tanzhonghui)"})


class PersonalFootprintRequestSchema(StrictSchema):
    legs = ma.fields.List(ma.fields.Nested(LegSchema), load_default=list, validate=validate.Length(max=MAX_ITEMS))
    lodging = ma.fields.List(ma.fields.Nested(LodgingSchema), load_default=list,
                             validate=validate.Length(max=MAX_ITEMS))
    meals = ma.fields.Nested(MealsSchema, load_default=dict)
    food = ma.fields.List(ma.fields.Nested(FoodItemSchema), load_default=list, validate=validate.Length(max=MAX_ITEMS))
    home = ma.fields.Nested(HomeSchema)
    options = ma.fields.Nested(OptionsSchema, load_default=dict)


class LineItemSchema(ma.Schema):
    category = ma.fields.String()
    activity = ma.fields.String()
    activity_zh = ma.fields.String()
    quantity = ma.fields.String()
    unit = ma.fields.String()
    factor_id = ma.fields.String()
    factor_value = ma.fields.String()
    factor_unit = ma.fields.String()
    kgco2e = ma.fields.String()
    source_id = ma.fields.String()
    notes = ma.fields.List(ma.fields.String())
    estimated = ma.fields.Boolean()
    scope = ma.fields.String(allow_none=True)
    ghg_category = ma.fields.String(allow_none=True)
    iso_category = ma.fields.String(allow_none=True)
    facility = ma.fields.String(allow_none=True)
    month = ma.fields.String(allow_none=True)


class FootprintSchema(ma.Schema):
    kind = ma.fields.String()
    neutralisation_kgco2e = ma.fields.String()
    factor_set = ma.fields.String()
    total_kgco2e = ma.fields.String()
    credits_needed_t = ma.fields.Integer()
    by_category = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.String())
    items = ma.fields.List(ma.fields.Nested(LineItemSchema))
    assumptions = ma.fields.List(ma.fields.String())


class ElectricitySchema(StrictSchema):
    quantity = _quantity(required=True)
    unit = ma.fields.String(load_default="kWh", validate=validate.OneOf(["kWh", "MWh"]))
    province = ma.fields.String(load_default="", validate=validate.Length(max=64))
    green_kwh = _quantity(load_default=Decimal("0"), metadata={"description": "kWh covered by green certificates"})


class VenueEstimateSchema(StrictSchema):
    floor_area_m2 = _quantity(required=True)
    hours = _quantity(Decimal("8784"), required=True)
    intensity_kwh_per_m2_h = _quantity(Decimal("100"), required=True)
    intensity_source = ma.fields.String(required=True, validate=validate.Length(min=3, max=500))
    province = ma.fields.String(load_default="", validate=validate.Length(max=64))


FUELS = ["natural_gas", "diesel", "gasoline", "lpg", "raw_coal", "fuel_oil", "bituminous_coal"]


class FuelSchema(StrictSchema):
    fuel = ma.fields.String(required=True, validate=validate.OneOf(FUELS))
    quantity = _quantity(required=True)
    unit = ma.fields.String(required=True, validate=validate.Length(min=1, max=8))
    mobile = ma.fields.Boolean(load_default=False)
    density_kg_per_l = _quantity(Decimal("10"))
    density_source = ma.fields.String(load_default="", validate=validate.Length(max=500))


class MaterialSchema(StrictSchema):
    material = ma.fields.String(required=True, validate=validate.Length(min=1, max=32))
    quantity = _quantity(required=True)
    unit = ma.fields.String(load_default="kg", validate=validate.Length(min=1, max=8))
    recycled = ma.fields.Boolean(load_default=False)


class WasteSchema(StrictSchema):
    waste = ma.fields.String(required=True, validate=validate.Length(min=1, max=32))
    treatment = ma.fields.String(required=True, validate=validate.Length(min=1, max=32))
    quantity = _quantity(required=True)
    unit = ma.fields.String(load_default="kg", validate=validate.Length(min=1, max=8))


STRATA = ["same_city", "same_province", "other_province", "hk_mo_tw", "international", "unknown"]


class EventOptionsSchema(StrictSchema):
    radiative_forcing = ma.fields.Boolean(load_default=True)
    # The interval is computed in closed form: seed and bootstrap_samples are accepted and change nothing.
    seed = ma.fields.Integer(load_default=2025, validate=validate.Range(min=0, max=2**31 - 1),
                             metadata={"description": "accepted for compatibility; unused"})
    bootstrap_samples = ma.fields.Integer(load_default=2000, validate=validate.Range(min=100, max=10000),
                                          metadata={"description": "accepted for compatibility; unused"})
    shrinkage_k = ma.fields.Integer(load_default=10, validate=validate.Range(min=0, max=1000),
                                    metadata={"description": "n0: the meeting type's default weighs as this many "
                                                             "answers"})


# The cost of an event footprint grows with the attendees' items (legs, hotel stays, food) and with bootstrap
# resamples × respondents; these bound one request to about a second of CPU (a 4.5 MB request took 4 s).
MAX_EVENT_RESPONSES = 2000
MAX_EVENT_RESPONSE_ITEMS = 5000
MAX_BOOTSTRAP_DRAWS = 4_000_000
_RESPONSE_ITEM_LISTS = ("legs", "lodging", "food")


class EventFootprintRequestSchema(StrictSchema):
    meeting_type = ma.fields.String(load_default="conference", validate=validate.OneOf(MEETING_TYPES))
    attendance = ma.fields.Integer(load_default=0, validate=validate.Range(min=0, max=1_000_000))
    venue_country = ma.fields.String(load_default="CN", validate=validate.Regexp(r"^[A-Za-z]{2}$"))
    electricity = ma.fields.List(ma.fields.Nested(ElectricitySchema), load_default=list,
                                 validate=validate.Length(max=MAX_ITEMS))
    venue_estimate = ma.fields.Nested(VenueEstimateSchema)
    fuels = ma.fields.List(ma.fields.Nested(FuelSchema), load_default=list, validate=validate.Length(max=MAX_ITEMS))
    catering = ma.fields.Nested(MealsSchema, load_default=dict)
    materials = ma.fields.List(ma.fields.Nested(MaterialSchema), load_default=list,
                               validate=validate.Length(max=MAX_ITEMS))
    waste = ma.fields.List(ma.fields.Nested(WasteSchema), load_default=list, validate=validate.Length(max=MAX_ITEMS))
    responses = ma.fields.List(ma.fields.Nested(PersonalFootprintRequestSchema), load_default=list,
                               validate=validate.Length(max=MAX_EVENT_RESPONSES), metadata={"description": (
                                   f"attendees' answers; at most {MAX_EVENT_RESPONSES}, with at most "
                                   f"{MAX_EVENT_RESPONSE_ITEMS} legs, lodging and food items in all")})
    response_strata = ma.fields.List(ma.fields.String(validate=validate.OneOf(STRATA)), load_default=list,
                                     validate=validate.Length(max=MAX_EVENT_RESPONSES))
    registrants_by_stratum = ma.fields.Dict(keys=ma.fields.String(validate=validate.OneOf(STRATA)),
                                            values=ma.fields.Integer(validate=validate.Range(min=0, max=1_000_000)))
    options = ma.fields.Nested(EventOptionsSchema, load_default=dict, metadata={"description": (
        f"options.bootstrap_samples × the number of responses is at most {MAX_BOOTSTRAP_DRAWS:,}")})

    @ma.pre_load
    def _bounded_cost(self, data, **_kwargs):
        # Counted on the raw JSON, before hundreds of thousands of nested items would be validated one by one.
        if not isinstance(data, dict) or not isinstance(data.get("responses"), list):
            return data
        responses = data["responses"]
        if len(responses) > MAX_EVENT_RESPONSES:
            raise ma.ValidationError({"responses": [f"at most {MAX_EVENT_RESPONSES} responses per request"]})
        items = sum(len(response.get(name)) for response in responses if isinstance(response, dict)
                    for name in _RESPONSE_ITEM_LISTS if isinstance(response.get(name), list))
        if items > MAX_EVENT_RESPONSE_ITEMS:
            raise ma.ValidationError({"responses": [
                f"at most {MAX_EVENT_RESPONSE_ITEMS} legs, lodging and food items in all responses ({items} given)"]})
        return data

    @validates_schema
    def _bounded_bootstrap(self, data, **_kwargs):
        samples = data.get("options", {}).get("bootstrap_samples", 0)
        if samples * len(data.get("responses", ())) > MAX_BOOTSTRAP_DRAWS:
            raise ma.ValidationError(
                f"bootstrap_samples × responses must be at most {MAX_BOOTSTRAP_DRAWS:,}; with "
                f"{len(data['responses'])} responses, at most {MAX_BOOTSTRAP_DRAWS // len(data['responses'])} samples",
                field_name="options.bootstrap_samples")


RECORD_TYPES = ["electricity", "fuel", "heat", "refrigerant", "material", "waste", "business_travel",
                "business_lodging", "commuting", "purchased_goods_spend"]
# The fields each record type needs; the schema documents every field once, and this says which apply.
RECORD_REQUIRED = {
    "electricity": ("quantity",), "fuel": ("fuel", "quantity", "unit"), "heat": ("quantity",),
    "refrigerant": ("gas", "kg"), "material": ("material", "quantity"), "waste": ("waste", "treatment", "quantity"),
    "business_travel": ("leg",), "business_lodging": ("country", "nights"), "commuting": ("leg",),
    "purchased_goods_spend": ("description", "amount"),
}


class EnterpriseRecordSchema(StrictSchema):
    type = ma.fields.String(required=True, validate=validate.OneOf(RECORD_TYPES))
    facility = ma.fields.String(required=True, validate=validate.Length(min=1, max=100))
    month = ma.fields.String(required=True, validate=validate.Regexp(r"^\d{4}-(0[1-9]|1[0-2])$", error="YYYY-MM"))
    quantity = _quantity()
    unit = ma.fields.String(validate=validate.Length(min=1, max=8))
    province = ma.fields.String(validate=validate.Length(max=64))
    green_kwh = _quantity()
    fuel = ma.fields.String(validate=validate.OneOf(FUELS))
    mobile = ma.fields.Boolean()
    density_kg_per_l = _quantity(Decimal("10"))
    density_source = ma.fields.String(validate=validate.Length(max=500))
    gas = ma.fields.String(validate=validate.Length(min=1, max=32))
    kg = _quantity()
    material = ma.fields.String(validate=validate.Length(min=1, max=32))
    recycled = ma.fields.Boolean()
    waste = ma.fields.String(validate=validate.Length(min=1, max=32))
    treatment = ma.fields.String(validate=validate.Length(min=1, max=32))
    leg = ma.fields.Nested(LegSchema)
    trips = _quantity(Decimal("10000000"))
    country = ma.fields.String(validate=validate.Regexp(r"^[A-Za-z]{2}$"))
    nights = _quantity(Decimal(MAX_NIGHTS))
    description = ma.fields.String(validate=validate.Length(min=1, max=200))
    amount = _quantity()
    currency = ma.fields.String(validate=validate.Regexp(r"^[A-Z]{3}$"))

    @validates_schema
    def _fields_of_type(self, data, **_kwargs):
        needed = RECORD_REQUIRED.get(data.get("type"), ())
        missing = {name: ["required for a record of type " + data["type"]] for name in needed if name not in data}
        if missing:
            raise ma.ValidationError(missing)


class EnterpriseOptionsSchema(StrictSchema):
    grid = ma.fields.String(load_default="provincial", validate=validate.OneOf(["provincial", "reporting"]))
    scope2_total = ma.fields.String(load_default="location", validate=validate.OneOf(["location", "market"]))
    gwp = ma.fields.String(load_default="AR5", validate=validate.OneOf(["AR4", "AR5", "AR6"]))
    radiative_forcing = ma.fields.Boolean(load_default=True)


class EnterpriseFootprintRequestSchema(StrictSchema):
    records = ma.fields.List(ma.fields.Nested(EnterpriseRecordSchema), required=True,
                             validate=validate.Length(max=5000))
    options = ma.fields.Nested(EnterpriseOptionsSchema, load_default=dict)


class StratumSchema(ma.Schema):
    stratum = ma.fields.String()
    population = ma.fields.String()
    respondents = ma.fields.Integer()
    respondent_mean_kgco2e = ma.fields.String(allow_none=True)
    default_kgco2e = ma.fields.String(allow_none=True)
    weight = ma.fields.String()
    per_attendee_kgco2e = ma.fields.String()
    non_respondents = ma.fields.String()
    kgco2e = ma.fields.String()
    prior_weight = ma.fields.Integer(metadata={"description": "n0: the prior weighs as much as this many answers"})
    prior_sd_kgco2e = ma.fields.String(allow_none=True)
    sd_kgco2e = ma.fields.String()
    part_sd_kgco2e = ma.fields.String()


class NoteSchema(ma.Schema):
    code = ma.fields.String()
    params = ma.fields.Dict(keys=ma.fields.String())
    text = ma.fields.String(metadata={"description": "in English"})


class ExtrapolationSchema(ma.Schema):
    method = ma.fields.String()
    attendance = ma.fields.String()
    respondents = ma.fields.Integer()
    coverage = ma.fields.String()
    point_kgco2e = ma.fields.String()
    low_kgco2e = ma.fields.String()
    high_kgco2e = ma.fields.String()
    interval_method = ma.fields.String()
    confidence = ma.fields.String()
    samples = ma.fields.Integer()
    seed = ma.fields.Integer(allow_none=True)
    shrinkage = ma.fields.String()
    strata = ma.fields.List(ma.fields.Nested(StratumSchema))
    neutralisation_basis = ma.fields.String()
    method_code = ma.fields.String(allow_none=True)
    method_params = ma.fields.Dict(keys=ma.fields.String())
    interval_code = ma.fields.String(allow_none=True)
    interval_params = ma.fields.Dict(keys=ma.fields.String())
    notes = ma.fields.List(ma.fields.Nested(NoteSchema), metadata={"description": "the stated assumptions"})


class EventFootprintSchema(FootprintSchema):
    extrapolation = ma.fields.Nested(ExtrapolationSchema, allow_none=True)


class EnterpriseFootprintSchema(FootprintSchema):
    by_scope = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.String())
    by_facility = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.String())
    memo_items = ma.fields.List(ma.fields.Nested(LineItemSchema))


class LifestyleRequestSchema(StrictSchema):
    diet = ma.fields.String(load_default="omnivore", validate=validate.OneOf(
        ["vegan", "vegetarian", "low_meat", "omnivore", "high_meat"]))
    commute_mode = ma.fields.String(load_default="", validate=validate.OneOf(["", *MODES[1:]]))
    commute_km_per_day = _quantity(Decimal("1000"), metadata={"description": "both directions"})
    commute_days_per_year = _quantity(Decimal("366"))
    car_fuel = ma.fields.String(validate=validate.OneOf(CAR_FUELS))
    car_size = ma.fields.String(validate=validate.OneOf(CAR_SIZES))
    occupancy = ma.fields.Integer(validate=validate.Range(min=1, max=100))
    short_flights_per_year = _quantity(Decimal("365"), metadata={"description": "round trips"})
    long_flights_per_year = _quantity(Decimal("365"), metadata={"description": "round trips"})
    province = ma.fields.String(validate=validate.Length(max=64))
    electricity_kwh_per_year = _quantity()
    natural_gas_m3_per_year = _quantity()
    radiative_forcing = ma.fields.Boolean()
