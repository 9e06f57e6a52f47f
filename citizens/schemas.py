"""Marshmallow schema of a citizen's low-carbon day, as the dashboard's form posts it."""

from __future__ import annotations

from decimal import Decimal

import marshmallow as ma
from marshmallow import validate

from calculators.footprint import Message
from footprints.schemas import NOT_A_NUMBER, NOT_AN_INTEGER

# Form bounds are wide on purpose: calculators.points refuses impossible days with its own message.
MAX_COUNT = 10_000_000
MAX_KM = Decimal(100_000)


def _count() -> ma.fields.Integer:
    return ma.fields.Integer(load_default=0, strict=False, error_messages=NOT_AN_INTEGER,
                             validate=validate.Range(0, MAX_COUNT, error=Message(
                                 "calc.input.between", "must be between %(min)s and %(max)s", min=0, max=MAX_COUNT)))


def _km() -> ma.fields.Decimal:
    return ma.fields.Decimal(load_default=Decimal(0), allow_nan=False, error_messages=NOT_A_NUMBER,
                             validate=validate.Range(Decimal(0), MAX_KM, error=Message(
                                 "calc.input.between", "must be between %(min)s and %(max)s", min=0, max=MAX_KM)))


class LowCarbonDaySchema(ma.Schema):
    """One day's walking steps, cycling minutes, and bus and metro rides (trips and kilometres)."""

    day = ma.fields.Date(required=True, error_messages={"invalid": Message("points.input.date",
                                                                           "not a date (2025-03-01)")})
    steps = _count()
    cycling_minutes = _count()
    bus_trips = _count()
    bus_km = _km()
    metro_trips = _count()
    metro_km = _km()
