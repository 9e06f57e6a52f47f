"""Marshmallow schemas of footprint requests (validation in) and results (serialisation out)."""

from __future__ import annotations

from decimal import Decimal

import marshmallow as ma
from marshmallow import validate, validates_schema

MAX_LEG_KM = Decimal("25000")
MAX_NIGHTS = 365
MAX_ITEMS = 200
BIG = Decimal("1000000000")
MODES = ["flight", "rail", "coach", "bus", "metro", "taxi", "car", "motorbike"]
CABINS = ["economy", "premium_economy", "business", "first"]
RAIL_TYPES = ["high_speed", "conventional"]
CAR_FUELS = ["petrol", "diesel", "hybrid", "phev", "bev", "unknown"]
CAR_SIZES = ["small", "medium", "large", "average"]
MEAL_TYPES = ["vegan", "vegetarian", "poultry", "pork", "beef_lamb", "fish"]
MEETING_TYPES = ["conference", "exhibition", "training", "banquet", "hybrid"]


def _quantity(maximum: Decimal = BIG, **kwargs) -> ma.fields.Decimal:
    """A non-negative finite decimal, sent as a string (numbers are accepted too)."""
    return ma.fields.Decimal(allow_nan=False, validate=validate.Range(min=0, max=maximum), as_string=True,
                             **kwargs)


class StrictSchema(ma.Schema):
    class Meta:
        unknown = ma.RAISE


class LegSchema(StrictSchema):
    mode = ma.fields.String(required=True, validate=validate.OneOf(MODES))
    origin = ma.fields.String(data_key="from", validate=validate.Length(min=1, max=100))
    destination = ma.fields.String(data_key="to", validate=validate.Length(min=1, max=100))
    distance_km = _quantity(MAX_LEG_KM)
    cabin = ma.fields.String(load_default="economy", validate=validate.OneOf(CABINS))
    rail_type = ma.fields.String(load_default="high_speed", validate=validate.OneOf(RAIL_TYPES))
    car_fuel = ma.fields.String(load_default="unknown", validate=validate.OneOf(CAR_FUELS))
    car_size = ma.fields.String(load_default="average", validate=validate.OneOf(CAR_SIZES))
    occupancy = ma.fields.Integer(load_default=1, validate=validate.Range(min=1, max=100))
    round_trip = ma.fields.Boolean(load_default=False)

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
    vegan = ma.fields.Integer(load_default=0, validate=validate.Range(min=0, max=100000))
    vegetarian = ma.fields.Integer(load_default=0, validate=validate.Range(min=0, max=100000))
    poultry = ma.fields.Integer(load_default=0, validate=validate.Range(min=0, max=100000))
    pork = ma.fields.Integer(load_default=0, validate=validate.Range(min=0, max=100000))
    beef_lamb = ma.fields.Integer(load_default=0, validate=validate.Range(min=0, max=100000))
    fish = ma.fields.Integer(load_default=0, validate=validate.Range(min=0, max=100000))


class FoodItemSchema(StrictSchema):
    item = ma.fields.String(required=True, validate=validate.Length(min=1, max=64))
    kg = _quantity(Decimal("100000"), required=True)


class HomeSchema(StrictSchema):
    province = ma.fields.String(validate=validate.Length(min=1, max=64))
    electricity_kwh = _quantity(load_default=Decimal("0"))
    natural_gas_m3 = _quantity(load_default=Decimal("0"))


class OptionsSchema(StrictSchema):
    radiative_forcing = ma.fields.Boolean(load_default=True)
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


class FootprintSchema(ma.Schema):
    kind = ma.fields.String()
    factor_set = ma.fields.String()
    total_kgco2e = ma.fields.String()
    credits_needed_t = ma.fields.Integer()
    by_category = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.String())
    items = ma.fields.List(ma.fields.Nested(LineItemSchema))
    assumptions = ma.fields.List(ma.fields.String())
