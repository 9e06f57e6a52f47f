"""The Footprint and LineItem result types: totals, serialisation, merging, errors and credits."""

from __future__ import annotations

from dataclasses import fields
from decimal import Decimal

from calculators.footprint import (
    CalculationError,
    Footprint,
    LineItem,
    UnknownPlaceError,
    ceil_tonnes,
    line_item,
    merge_items,
)

ARGS = ("meal", "Pork meals", "猪肉餐", Decimal(3), "meal", "meal.pork_standin", Decimal("1.58"), "kg CO2e/meal",
        Decimal("4.74"), "ademe-impactco2-repas", ("stand-in",), False)


def test_the_fast_constructor_builds_the_same_line_item_as_the_dataclass():
    assert line_item(*ARGS) == LineItem(*ARGS)
    assert set(vars(line_item(*ARGS))) == {f.name for f in fields(LineItem)}


def test_a_footprint_totals_its_items_and_rounds_only_the_credits_up():
    items = (line_item(*ARGS), line_item("food", "Beef", "牛肉", Decimal(10), "kg", "beef_beef_herd",
                                         Decimal("99.48"), "kg CO2e/kg", Decimal("994.80"), "owid", ()))
    footprint = Footprint("personal", "2025.1", items)
    assert footprint.total_kgco2e == Decimal("999.54")
    assert footprint.credits_needed_t == 1
    assert ceil_tonnes(Decimal("1000")) == 1
    assert ceil_tonnes(Decimal("1000.001")) == 2
    assert ceil_tonnes(Decimal(0)) == 0
    assert footprint.by_category() == {"meal": Decimal("4.74"), "food": Decimal("994.80")}


def test_to_dict_gives_decimals_as_plain_strings():
    item = line_item("electricity", "Electricity", "电力", Decimal("1.2E+6"), "kWh", "x", Decimal("0.5"),
                     "kg CO2e/kWh", Decimal("6.0E+5"), "s", (), iso_category=2, scope="2-location")
    result = Footprint("enterprise", "2025.1", (item,)).to_dict()
    assert result["total_kgco2e"] == "600000"
    assert result["credits_needed_t"] == 600
    assert result["items"][0]["quantity"] == "1200000"
    assert result["items"][0]["iso_category"] == "2"
    assert result["by_scope"] == {"2-location": "600000"}
    assert result["by_facility"] == {"": "600000"}


def test_merging_items_of_one_factor_keeps_quantity_times_factor_equal_to_the_kg():
    a = line_item("hotel", "Hotel", "酒店", Decimal(2), "room.night", "hotel.china", Decimal("53.5"), "u",
                  Decimal("107.0"), "desnz-2024", ("n1",))
    b = line_item("hotel", "Hotel", "酒店", Decimal(3), "room.night", "hotel.china", Decimal("53.5"), "u",
                  Decimal("160.5"), "desnz-2024", ("n1", "n2"), True)
    (merged,) = merge_items((a, b))
    assert merged.quantity == 5
    assert merged.kgco2e == Decimal("267.5") == merged.quantity * merged.factor_value
    assert merged.notes == ("n1", "n2")
    assert merged.estimated


def test_an_error_placed_inside_a_path_keeps_its_kind_and_details():
    error = UnknownPlaceError("from", "Shenzen", ("Shenzhen 深圳",)).at("legs[2]").at("responses[0]")
    assert isinstance(error, UnknownPlaceError)
    assert error.field == "responses[0].legs[2].from"
    assert error.value == "Shenzen"
    assert error.suggestions == ("Shenzhen 深圳",)
    assert str(error).startswith("responses[0].legs[2].from: unknown airport or city 'Shenzen'")
    assert CalculationError("", "no spend factor").at("records[3]").field == "records[3]"
