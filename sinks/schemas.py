"""Marshmallow schemas of a sink estimate request (form, API and CLI load through it) and of its result."""

from __future__ import annotations

from decimal import Decimal

import marshmallow as ma
from marshmallow import validate, validates_schema

from calculators.footprint import Message
from calculators.sinks import (
    AREA_UNITS,
    MAX_AREA_HA,
    MAX_CREDITING_YEARS,
    MAX_GROWING_STOCK,
    MAX_STAND_AGE,
    METHODS,
    MU_PER_HA,
    PROVINCES,
)
from factors.sinks import CLIMATE_ZONES, ORIGINS, SPECIES_GROUPS
from footprints.schemas import NOT_A_NUMBER, NOT_AN_INTEGER

MAX_PLOTS = 1000
PRICE_CHOICES = ("ccer.2025_average", "cea.2025_average", "cea.2024_close", "custom", "none")
MAX_PLACES = 6
MIN_YEAR, MAX_YEAR = 1900, 2999


def _between(minimum: object, maximum: object) -> Message:
    return Message("calc.input.between", "must be between %(min)s and %(max)s", min=Decimal(minimum),
                   max=Decimal(maximum))


def _one_of(choices) -> validate.OneOf:
    return validate.OneOf(choices, error=Message("sink.input.one_of", "must be one of: %(choices)s",
                                                 choices=", ".join(choices)))


def _decimal(minimum: Decimal, maximum: Decimal, *, positive: bool = False, description: str = "",
             **kwargs) -> ma.fields.Decimal:
    def within(value: Decimal) -> None:
        if value < minimum or value > maximum or (positive and value == 0):
            raise ma.ValidationError(Message("sink.input.positive", "must be more than 0 and at most %(max)s",
                                             max=maximum) if positive else _between(minimum, maximum))
        if value.as_tuple().exponent < -MAX_PLACES:
            raise ma.ValidationError(Message("calc.input.decimal_places", "at most %(places)s decimal places",
                                             places=MAX_PLACES))

    description = description or f"a decimal {'above' if positive else 'from'} {minimum} to {maximum}"
    return ma.fields.Decimal(allow_nan=False, as_string=True, validate=within, error_messages=NOT_A_NUMBER,
                             metadata={"type": "string", "pattern": r"^[0-9]+(\.[0-9]+)?$",
                                       "description": description}, **kwargs)


def _integer(minimum: int, maximum: int, **kwargs) -> ma.fields.Integer:
    return ma.fields.Integer(strict=False, validate=validate.Range(minimum, maximum, error=_between(minimum, maximum)),
                             error_messages=NOT_AN_INTEGER, **kwargs)


class SinkPlotSchema(ma.Schema):
    """One stand: where, what, how old, for how long."""

    name = ma.fields.String(load_default="", validate=validate.Length(max=100))
    # The larger bound is in 亩; the calculator checks the area in hectares against MAX_AREA_HA.
    area = _decimal(Decimal(0), MAX_AREA_HA * MU_PER_HA, positive=True, required=True)
    area_unit = ma.fields.String(load_default="ha", validate=_one_of(AREA_UNITS),
                                 metadata={"description": "ha, or mu (亩; 15 亩 = 1 ha exactly)"})
    province = ma.fields.String(load_default=None, allow_none=True, validate=_one_of(PROVINCES),
                                metadata={"description": "GB/T 2260 code such as CN-JX; suggests a climate zone"})
    climate_zone = ma.fields.String(load_default=None, allow_none=True, validate=_one_of(CLIMATE_ZONES),
                                    metadata={"description": "FAO ecological zone; wins over the province's "
                                              "suggestion, which is the service's assumption"})
    species_group = ma.fields.String(required=True, validate=_one_of(SPECIES_GROUPS))
    origin = ma.fields.String(load_default="planted", validate=_one_of(ORIGINS))
    stand_age = _integer(0, MAX_STAND_AGE, load_default=None, allow_none=True,
                         metadata={"description": "age in whole years when the crediting period starts"})
    planting_year = _integer(MIN_YEAR, MAX_YEAR, load_default=None, allow_none=True)
    start_year = _integer(MIN_YEAR, MAX_YEAR, load_default=None, allow_none=True,
                          metadata={"description": "the first year of the crediting period (with planting_year)"})
    crediting_years = _integer(1, MAX_CREDITING_YEARS, load_default=20)
    method = ma.fields.String(load_default="growth", validate=_one_of(METHODS))
    growing_stock_start = _decimal(Decimal(0), MAX_GROWING_STOCK, load_default=None, allow_none=True)
    growing_stock_end = _decimal(Decimal(0), MAX_GROWING_STOCK, load_default=None, allow_none=True)
    growth = _decimal(Decimal(0), Decimal(100), positive=True, load_default=None, allow_none=True,
                      description="measured above-ground growth, t d.m./ha/yr, instead of the table's default")
    root_shoot_ratio = _decimal(Decimal(0), Decimal(100), positive=True, load_default=None, allow_none=True)

    @validates_schema
    def _age(self, data, **_kwargs):
        if data.get("stand_age") is not None:
            return
        planted, start = data.get("planting_year"), data.get("start_year")
        if planted is None or start is None:
            raise ma.ValidationError(Message("sink.input.need_age", "give the stand age, or the planting year and "
                                             "the first year of the crediting period"), "stand_age")
        if not 0 <= start - planted <= MAX_STAND_AGE:
            raise ma.ValidationError(Message("sink.input.age_from_years", "the stand would be %(age)s years old "
                                             "(0 to %(max)s)", age=start - planted, max=MAX_STAND_AGE),
                                     "planting_year")
        data["stand_age"] = start - planted


class SinkEstimateRequestSchema(ma.Schema):
    plots = ma.fields.List(ma.fields.Nested(SinkPlotSchema), required=True,
                           validate=validate.Length(1, MAX_PLOTS, error=Message(
                               "sink.input.plots", "give 1 to %(max)s plots", max=MAX_PLOTS)))
    uncertainty_discount_pct = _decimal(Decimal(0), Decimal("99.99"), load_default=Decimal(0))
    risk_buffer_pct = _decimal(Decimal(0), Decimal("99.99"), load_default=Decimal(0))
    price = ma.fields.String(load_default="ccer.2025_average", validate=_one_of(PRICE_CHOICES))
    custom_price = _decimal(Decimal(0), Decimal(100000), load_default=None, allow_none=True,
                            description="CNY per t, with price = custom")

    @validates_schema
    def _custom(self, data, **_kwargs):
        if data.get("price") == "custom" and data.get("custom_price") is None:
            raise ma.ValidationError(Message("sink.input.need_price", "give the price in CNY per tonne"),
                                     "custom_price")


class ParameterSchema(ma.Schema):
    name = ma.fields.String()
    value = ma.fields.Decimal(as_string=True)
    row_id = ma.fields.String(metadata={"description": "the sink-library row; empty when the user gave the value"})
    source_ref = ma.fields.String()


class SinkLineSchema(ma.Schema):
    plot = ma.fields.Integer()
    year = ma.fields.Integer(metadata={"description": "crediting year; 0 for a stock line of the volume method"})
    pool = ma.fields.String()
    stand_age = ma.fields.Integer()
    tonnes_co2 = ma.fields.Decimal(as_string=True)
    formula = ma.fields.String()
    parameters = ma.fields.List(ma.fields.Nested(ParameterSchema))


class MessageSchema(ma.Schema):
    code = ma.fields.String()
    message = ma.fields.String()
    params = ma.fields.Dict()


class ValuationSchema(ma.Schema):
    price_id = ma.fields.String()
    price = ma.fields.Decimal(as_string=True)
    unit = ma.fields.String()
    as_of = ma.fields.String()
    source = ma.fields.String()
    source_ref = ma.fields.String()
    value_cny = ma.fields.Decimal(as_string=True)


class SanityBandSchema(ma.Schema):
    """The rates the mean is compared with, t CO2/ha/yr."""

    low = ma.fields.Decimal(as_string=True, metadata={"description": "below it the estimate warns"})
    high = ma.fields.Decimal(as_string=True, metadata={"description": "above it the estimate warns"})
    national = ma.fields.Decimal(as_string=True, metadata={
        "description": "China's forest biomass sink 2009-2018 (Yang et al. 2022, Biogeosciences 19:2989)"})
    project = ma.fields.Decimal(as_string=True, metadata={
        "description": "a CCER afforestation project in Suichuan, Jiangxi (8,000 t a year on about 933 ha)"})


class SinkEstimateSchema(ma.Schema):
    kind = ma.fields.String(metadata={"description": "always ex_ante_estimate: not a CCER quantity"})
    gross_t_co2 = ma.fields.Decimal(as_string=True)
    uncertainty_t_co2 = ma.fields.Decimal(as_string=True)
    buffer_t_co2 = ma.fields.Decimal(as_string=True)
    net_t_co2 = ma.fields.Decimal(as_string=True)
    net_credits = ma.fields.Integer(metadata={"description": "whole tonnes, rounded down"})
    area_ha = ma.fields.Decimal(as_string=True)
    mean_t_co2_per_ha_yr = ma.fields.Decimal(as_string=True)
    per_year_t_co2 = ma.fields.List(ma.fields.Decimal(as_string=True))
    cumulative_t_co2 = ma.fields.List(ma.fields.Decimal(as_string=True))
    lines = ma.fields.List(ma.fields.Nested(SinkLineSchema))
    sanity_band = ma.fields.Nested(SanityBandSchema)
    notes = ma.fields.List(ma.fields.Nested(MessageSchema))
    warnings = ma.fields.List(ma.fields.Nested(MessageSchema))
    valuation = ma.fields.Nested(ValuationSchema, allow_none=True)
    library_version = ma.fields.String()
    library_hash = ma.fields.String()


class ExAnteRegistrationSchema(ma.Schema):
    """Registering an estimate's expected credits: which ledger project, and the calendar year of crediting year 1."""

    project_id = ma.fields.Integer(required=True, strict=False, error_messages=NOT_AN_INTEGER,
                                   validate=validate.Range(1, 2**31 - 1, error=_between(1, 2**31 - 1)))
    first_year = _integer(1990, 2100, required=True)


class ExPostReplacementSchema(ma.Schema):
    """The ex-post block a registry issued in place of an estimate's ex-ante blocks (CCER: with its interval)."""

    serial_text = ma.fields.String(required=True, validate=validate.Length(1, 300))
    vintage = _integer(1990, 2100, load_default=None, allow_none=True)
    serial_start = _integer(0, 2**63 - 1, load_default=None, allow_none=True)
    serial_end = _integer(0, 2**63 - 1, load_default=None, allow_none=True)
    quantity = _integer(1, 2**63 - 1, load_default=None, allow_none=True)
    reason = ma.fields.String(load_default="", validate=validate.Length(max=300))
