"""Unit conversions: exact definitions, unknown and incompatible units, and agreement of both sides."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from calculators.footprint import CalculationError
from calculators.units import Quantity, convert, unit_symbol

AMOUNTS = st.decimals(min_value=0, max_value=10**9, places=4, allow_nan=False, allow_infinity=False)


def test_the_exact_definitions_convert_exactly():
    assert convert(Decimal(1), "mi", "km") == Decimal("1.609344")
    assert convert(Decimal(1), "kWh", "GJ") == Decimal("0.0036")
    assert convert(Decimal(3), "MWh", "kWh") == Decimal(3000)
    assert convert(Decimal("2.5"), "t", "kg") == Decimal(2500)
    assert convert(Decimal(750), "g", "kg") == Decimal("0.75")
    assert convert(Decimal(1500), "L", "m3") == Decimal("1.5")
    assert convert(Decimal(7), "TJ", "GJ") == Decimal(7000)


def test_a_conversion_without_a_finite_decimal_is_cut_at_28_digits():
    assert convert(Decimal(1), "GJ", "kWh") == Decimal("277.7777777777777777777777778")
    assert convert(Decimal(1), "km", "mi") == Decimal("0.6213711922373339696174341844")


def test_spellings_people_type_are_understood():
    assert unit_symbol("Kilograms") == "kg"
    assert unit_symbol("度") == "kWh"
    assert unit_symbol("tonnes") == "t"
    assert Quantity(Decimal(2), "MWh").to("kWh") == Quantity(Decimal(2000), "kWh")


def test_an_unknown_unit_is_named_in_the_error():
    with pytest.raises(CalculationError) as caught:
        convert(Decimal(1), "furlong", "km")
    assert "furlong" in caught.value.message
    assert caught.value.field == "unit"


def test_millilitres_and_megalitres_are_not_guessed():
    with pytest.raises(CalculationError) as caught:
        convert(Decimal(1), "ml", "L")
    assert "ambiguous" in caught.value.message


def test_units_of_different_dimensions_do_not_convert():
    with pytest.raises(CalculationError) as caught:
        convert(Decimal(1), "kWh", "kg")
    assert "energy" in caught.value.message and "mass" in caught.value.message


@settings(max_examples=80)
@given(AMOUNTS)
def test_km_and_miles_agree(miles):
    km = convert(miles, "mi", "km")
    assert km == miles * Decimal("1.609344")
    assert abs(convert(km, "km", "mi") - miles) <= Decimal("1E-18") * max(miles, Decimal(1))


@settings(max_examples=80)
@given(AMOUNTS)
def test_kwh_and_mwh_agree(mwh):
    kwh = convert(mwh, "MWh", "kWh")
    assert kwh == mwh * 1000
    assert convert(kwh, "kWh", "MWh") == mwh


@settings(max_examples=80)
@given(AMOUNTS)
def test_kg_and_tonnes_agree(tonnes):
    kg = convert(tonnes, "t", "kg")
    assert kg == tonnes * 1000
    assert convert(kg, "kg", "t") == tonnes
