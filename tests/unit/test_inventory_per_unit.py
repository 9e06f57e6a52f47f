"""An import's per-unit results, scaled by each row's quantity, equal the calculator's own result for that row."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from factors import default_factor_set
from inventory.entries import EntryChecker, EntryError, PerUnitFootprints, compute_entry
from inventory.models import Facility

PROPERTY = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
FACILITIES = {f.name: f for f in (
    Facility(id=1, organisation_id=1, name="广州办公室", country="CN", province="CN-GD", facility_type="office"),
    Facility(id=2, organisation_id=1, name="北京工厂", country="CN", province="CN-BJ", facility_type="factory"),
    Facility(id=3, organisation_id=1, name="London", country="GB", province=None, facility_type="office"))}
# Shapes whose per-unit result is scaled: units converted exactly, labels that name the quantity, round trips.
SCALED = (
    {"kind": "electricity", "unit": "MWh", "data_source": "invoice"},
    {"kind": "electricity", "unit": "kWh", "data_source": "metered"},
    {"kind": "heat", "unit": "GJ", "data_source": "metered"},
    {"kind": "heat", "unit": "kWh", "data_source": "metered"},
    {"kind": "fuel", "activity": "natural_gas", "unit": "m3", "data_source": "metered"},
    {"kind": "fuel", "activity": "natural_gas", "unit": "GJ", "data_source": "metered"},
    {"kind": "fuel", "activity": "diesel", "unit": "L", "density_kg_per_l": "0.84", "density_source": "supplier",
     "data_source": "metered"},
    {"kind": "vehicle", "activity": "gasoline", "unit": "t", "data_source": "invoice"},
    {"kind": "refrigerant", "activity": "R-410A", "unit": "g", "data_source": "estimate"},
    {"kind": "refrigerant", "activity": "R-22", "unit": "kg", "data_source": "estimate"},
    {"kind": "business_travel", "activity": "flight", "unit": "mi", "origin": "PEK", "destination": "CAN",
     "cabin": "business", "data_source": "invoice"},
    {"kind": "business_travel", "activity": "rail", "unit": "km", "round_trip": "1", "data_source": "invoice"},
    {"kind": "business_lodging", "activity": "CN", "unit": "nights", "data_source": "invoice"},
    {"kind": "commuting", "activity": "metro", "unit": "trips", "distance_km": "12.3", "round_trip": "1",
     "data_source": "survey"},
    {"kind": "waste", "activity": "commercial_industrial", "treatment": "landfill", "unit": "t",
     "data_source": "default"},
    {"kind": "water", "activity": "supply", "unit": "L", "data_source": "metered"},
    {"kind": "paper", "activity": "paper", "unit": "kg", "recycled": "1", "data_source": "invoice"},
)
# Shapes computed row by row: green electricity (market-based kg are not proportional), a car shared by three
# (a division that does not terminate), a unit of the wrong dimension (the calculator's own error).
DIRECT = (
    {"kind": "electricity", "unit": "kWh", "green_kwh": "0.5", "instrument_type": "gec", "data_source": "invoice"},
    {"kind": "business_travel", "activity": "car", "unit": "km", "car_fuel": "diesel", "car_size": "large",
     "occupancy": "3", "data_source": "invoice"},
    {"kind": "water", "activity": "supply", "unit": "kWh", "data_source": "metered"},
)
NUMBERS = ("quantity", "kgco2e")
factor_set = default_factor_set()
computer = PerUnitFootprints(factor_set)
checker = EntryChecker(FACILITIES)


def _quantity_text(digits: int, places: int, scientific: bool) -> str:
    value = Decimal(digits).scaleb(-places)
    return f"{value:E}" if scientific else format(value, "f")


quantities = st.builds(_quantity_text, st.integers(0, 10 ** 12), st.integers(0, 10), st.booleans()).filter(
    lambda text: Decimal(text) <= 10 ** 12)


def _same(scaled, direct) -> None:
    assert (scaled.factor_set, scaled.scope, scaled.ghg_category, scaled.iso_category) == (
        direct.factor_set, direct.scope, direct.ghg_category, direct.iso_category)
    assert scaled.kgco2e == direct.kgco2e
    assert scaled.kgco2e_market == direct.kgco2e_market
    assert len(scaled.line_items) == len(direct.line_items)
    for ours, theirs in zip(scaled.line_items, direct.line_items, strict=True):
        assert {k: v for k, v in ours.items() if k not in NUMBERS} == {
            k: v for k, v in theirs.items() if k not in NUMBERS}
        assert all(Decimal(ours[name]) == Decimal(theirs[name]) for name in NUMBERS)


def _entry(shape: dict, facility: str, quantity: str) -> dict:
    return {**shape, "facility": facility, "month": "2025-06", "quantity": quantity}


@PROPERTY
@given(st.sampled_from(SCALED), st.sampled_from(sorted(FACILITIES)), quantities)
def test_a_scaled_per_unit_result_equals_the_direct_computation_for_any_quantity(shape, facility, quantity):
    values, row_shape = checker.clean(_entry(shape, facility, quantity))
    direct = compute_entry(values, values["facility"], factor_set)
    _same(computer.compute(values, values["facility"], row_shape), direct)
    if values["quantity"] and not (shape["kind"] == "electricity" and values["facility"].country != "CN"):
        assert computer.per_unit(values, values["facility"], row_shape) is not None


@pytest.mark.parametrize("shape", SCALED)
def test_every_exactly_scalable_shape_is_scaled_and_not_computed_row_by_row(shape):
    values, row_shape = checker.clean(_entry(shape, "北京工厂", "3"))
    assert computer.per_unit(values, values["facility"], row_shape) is not None


@pytest.mark.parametrize("shape", DIRECT)
def test_shapes_that_do_not_scale_exactly_are_computed_row_by_row_with_the_calculators_errors(shape):
    values, row_shape = checker.clean(_entry(shape, "北京工厂", "12.5"))
    assert computer.per_unit(values, values["facility"], row_shape) is None
    try:
        direct = compute_entry(values, values["facility"], factor_set)
    except EntryError as error:
        with pytest.raises(EntryError) as ours:
            computer.compute(values, values["facility"], row_shape)
        assert ours.value.problems == error.problems
        return
    _same(computer.compute(values, values["facility"], row_shape), direct)


def test_the_row_checks_of_a_known_shape_equal_clean_entry_and_a_bad_quantity_gets_its_errors():
    from inventory.entries import clean_entry

    fresh = EntryChecker(FACILITIES)
    for quantity in ("3", "4.25", " 1,000.5 "):
        ours, _shape = fresh.clean(_entry(SCALED[4], "广州办公室", quantity))
        assert ours == clean_entry(_entry(SCALED[4], "广州办公室", quantity), FACILITIES)
    with pytest.raises(EntryError) as refused:
        fresh.clean(_entry(SCALED[4], "广州办公室", "-2"))
    assert list(refused.value.problems) == ["quantity"]
