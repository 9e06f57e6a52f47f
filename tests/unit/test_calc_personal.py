"""Personal footprints worked by hand from the factor rows: hotels, meals, food, home energy, the lifestyle estimate."""

from __future__ import annotations

from decimal import Decimal

import pytest

from calculators.footprint import CalculationError
from calculators.personal import (
    FoodItem,
    Home,
    LifestyleInput,
    Lodging,
    PersonalInput,
    PersonalOptions,
    annual_lifestyle_estimate,
    personal_footprint,
)
from calculators.travel import Leg
from factors import DEFAULT_VERSION, default_factor_set, load_factor_set

FS = default_factor_set()


def _only_item(person: PersonalInput):
    footprint = personal_footprint(person, FS)
    assert len(footprint.items) == 1
    return footprint.items[0]


def test_two_hotel_nights_in_china_use_the_desnz_china_row():
    item = _only_item(PersonalInput(lodging=(Lodging("CN", Decimal(2)),)))
    assert item.factor_id == "hotel.china"
    assert item.unit == "room.night"
    assert item.kgco2e == 2 * Decimal("53.5") == Decimal("107.0")


def test_hotel_nights_in_taiwan_use_the_china_row_as_the_named_stand_in():
    item = _only_item(PersonalInput(lodging=(Lodging("TW", Decimal(1)),)))
    assert item.factor_id == "hotel.china"
    assert any(note.startswith("stand-in:") and "Taiwan" in note for note in item.notes)


def test_hotel_nights_in_a_country_without_a_factor_or_named_stand_in_are_refused():
    with pytest.raises(CalculationError) as caught:
        personal_footprint(PersonalInput(lodging=(Lodging("AT", Decimal(1)),)), FS)
    assert caught.value.field == "lodging[0].country"


def test_three_meals_of_each_type_use_the_chinese_recipe_meals():
    meals = {"vegan": 3, "vegetarian": 3, "poultry": 3, "pork": 3, "beef_lamb": 3, "fish": 3}
    footprint = personal_footprint(PersonalInput(meals=meals), FS)
    by_factor = {item.factor_id: item.kgco2e for item in footprint.items}
    assert by_factor == {
        "cn_meal.vegan": 3 * Decimal("0.9093"),
        "cn_meal.vegetarian": 3 * Decimal("1.02605"),
        "cn_meal.poultry": 3 * Decimal("1.224125"),
        "cn_meal.pork": 3 * Decimal("1.315625"),
        "cn_meal.beef": 3 * Decimal("4.5845"),
        "cn_meal.fish": 3 * Decimal("1.365125"),
    }
    assert footprint.total_kgco2e == Decimal("31.274175")
    pork = next(item for item in footprint.items if item.factor_id == "cn_meal.pork")
    assert pork.factor_value != FS.get("cn_meal.poultry").kgco2e_per_unit
    assert not any("stand-in" in note for note in pork.notes)
    assert all(item.source_id == "cns-dietary-guidelines-2022" for item in footprint.items)


def test_meals_under_factor_set_2025_1_recompute_with_its_own_default_meal_rows():
    footprint = personal_footprint(PersonalInput(meals={"pork": 3, "vegetarian": 3}), load_factor_set("2025.1"))
    assert {item.factor_id: item.kgco2e for item in footprint.items} == {
        "meal.pork_standin": 3 * Decimal("1.58"), "ademe_repas_vegetarien": 3 * Decimal("0.51")}
    pork = next(item for item in footprint.items if item.factor_id == "meal.pork_standin")
    assert any(note.startswith("stand-in:") for note in pork.notes)


def test_one_kg_of_beef_uses_the_poore_nemecek_mean_by_default_and_says_so():
    item = _only_item(PersonalInput(food=(FoodItem("beef", Decimal(1)),)))
    assert item.factor_id == "beef_beef_herd"
    assert item.kgco2e == Decimal("1") * Decimal("99.48")
    assert any("default row beef_beef_herd" in note for note in item.notes)


def test_one_kg_of_beef_with_the_tanzhonghui_row_chosen_shows_the_alternative():
    options = PersonalOptions(beef_factor="food.beef_tanzhonghui")
    item = _only_item(PersonalInput(food=(FoodItem("牛肉", Decimal(1)),), options=options))
    assert item.factor_id == "food.beef_tanzhonghui"
    assert item.kgco2e == Decimal("1") * Decimal("20.82")
    assert any("alternative row food.beef_tanzhonghui" in note for note in item.notes)


def test_a_beef_choice_that_is_not_a_beef_row_is_refused():
    with pytest.raises(CalculationError) as caught:
        personal_footprint(PersonalInput(food=(FoodItem("beef", Decimal(1)),),
                                         options=PersonalOptions(beef_factor="rice")), FS)
    assert caught.value.field == "options.beef_factor"


@pytest.mark.parametrize(("alias", "factor_id"), [
    ("pork", "pig_meat"), ("chicken", "poultry_meat"), ("rice", "rice"), ("tofu", "tofu"), ("豆腐", "tofu"),
    ("milk", "milk"), ("Eggs", "eggs"), ("鸡蛋", "eggs"), ("lamb", "lamb_mutton"), ("cheese", "cheese"),
])
def test_food_aliases_reach_the_default_mean_rows(alias, factor_id):
    item = _only_item(PersonalInput(food=(FoodItem(alias, Decimal("0.5")),)))
    assert item.factor_id == factor_id
    assert item.kgco2e == Decimal("0.5") * FS.get(factor_id).kgco2e_per_unit


def test_median_food_rows_are_not_mixed_with_the_mean_set():
    with pytest.raises(CalculationError) as caught:
        personal_footprint(PersonalInput(food=(FoodItem("med_rice", Decimal(1)),)), FS)
    assert caught.value.field == "food[0].item"
    assert "median" in caught.value.message


def test_1000_kwh_in_guangdong_use_the_2023_provincial_factor():
    for province in ("CN-GD", "广东", "广东省", "Guangdong"):
        item = _only_item(PersonalInput(home=Home(province, electricity_kwh=Decimal(1000))))
        assert item.factor_id == "cn.elec.prov.guangdong.2023"
        assert item.kgco2e == Decimal("1000") * Decimal("0.4419") == Decimal("441.9000")


def test_electricity_without_a_provincial_factor_falls_back_to_the_national_average_and_says_why():
    tibet = _only_item(PersonalInput(home=Home("西藏", electricity_kwh=Decimal(100))))
    nowhere = _only_item(PersonalInput(home=Home("", electricity_kwh=Decimal(100))))
    for item in (tibet, nowhere):
        assert item.factor_id == "cn.elec.national_avg.2023"
        assert item.kgco2e == Decimal("100") * Decimal("0.5306")
    assert any("Tibet" in note for note in tibet.notes)
    assert any("no province given" in note for note in nowhere.notes)


def test_an_unknown_province_names_the_field():
    with pytest.raises(CalculationError) as caught:
        personal_footprint(PersonalInput(home=Home("Guangdnog", electricity_kwh=Decimal(1))), FS)
    assert caught.value.field == "home.province"
    assert "Guangdong" in caught.value.message


def test_100_m3_of_natural_gas_use_the_chinese_coefficient_per_m3():
    item = _only_item(PersonalInput(home=Home(natural_gas_m3=Decimal(100))))
    assert item.factor_id == "cn.fuel.natural_gas.ef"
    assert item.unit == "m3"
    assert item.kgco2e == Decimal("100") * Decimal("2.1622") == Decimal("216.2200")


def test_the_request_shape_of_issue_4_sums_its_worked_lines():
    person = PersonalInput(
        legs=(Leg(mode="flight", origin="PEK", destination="SHA", cabin="economy"),
              Leg(mode="rail", rail_type="high_speed", distance_km=Decimal("500"))),
        lodging=(Lodging("CN", Decimal(2)),),
        meals={"vegan": 0, "vegetarian": 3, "poultry": 0, "pork": 0, "beef_lamb": 0, "fish": 0},
        food=(FoodItem("beef", Decimal("1")),),
        home=Home("CN-GD", Decimal("1000"), Decimal("100")),
        options=PersonalOptions(radiative_forcing=True),
    )
    footprint = personal_footprint(person, FS)
    expected = (Decimal("1076.5") * Decimal("0.13465") + Decimal("500") * Decimal("0.03048")
                + 2 * Decimal("53.5") + 3 * Decimal("1.02605") + Decimal("99.48") + Decimal("1000") * Decimal("0.4419")
                + Decimal("100") * Decimal("2.1622"))
    assert footprint.total_kgco2e == expected == Decimal("1027.868875")
    assert footprint.credits_needed_t == 2
    assert footprint.factor_set == DEFAULT_VERSION
    assert footprint.by_category() == {
        "flight": Decimal("144.950725"), "rail": Decimal("15.24000"), "hotel": Decimal("107.0"),
        "meal": Decimal("3.07815"), "food": Decimal("99.48"), "electricity": Decimal("441.9000"),
        "fuel": Decimal("216.2200"),
    }


def test_empty_personal_input_is_zero_with_no_items():
    footprint = personal_footprint(PersonalInput(meals={"pork": 0}, lodging=(Lodging("CN", Decimal(0)),)), FS)
    assert footprint.items == ()
    assert footprint.total_kgco2e == 0
    assert footprint.credits_needed_t == 0


@pytest.mark.parametrize(("person", "field"), [
    (PersonalInput(meals={"durian": 1}), "meals.durian"),
    (PersonalInput(meals={"pork": -1}), "meals.pork"),
    (PersonalInput(food=(FoodItem("beef", Decimal("-2")),)), "food[0].kg"),
    (PersonalInput(food=(FoodItem("stardust", Decimal("1")),)), "food[0].item"),
    (PersonalInput(lodging=(Lodging("CN", Decimal("NaN")),)), "lodging[0].nights"),
    (PersonalInput(home=Home(electricity_kwh=Decimal("-5"))), "home.electricity_kwh"),
    (PersonalInput(legs=(Leg(mode="taxi", distance_km=Decimal(1)), Leg(mode="jetpack"))), "legs[1].mode"),
])
def test_bad_personal_inputs_raise_naming_the_json_path(person, field):
    with pytest.raises(CalculationError) as caught:
        personal_footprint(person, FS)
    assert caught.value.field == field


def test_the_lifestyle_estimate_is_built_from_factor_rows_and_states_its_assumptions():
    lifestyle = LifestyleInput(diet="vegetarian", commute_mode="metro", commute_km_per_day=Decimal(20),
                               commute_days_per_year=Decimal(250), short_flights_per_year=Decimal(2),
                               long_flights_per_year=Decimal(1), province="CN-BJ",
                               electricity_kwh_per_year=Decimal(2000), natural_gas_m3_per_year=Decimal(120))
    footprint = annual_lifestyle_estimate(lifestyle, FS)
    kg = {item.factor_id: item.kgco2e for item in footprint.items}
    assert kg["cn_meal.vegetarian"] == 14 * 52 * Decimal("1.02605")
    assert kg["land.rail.london_underground"] == Decimal(20) * 250 * Decimal("0.0278")
    flights = [item for item in footprint.items if item.category == "flight"]
    assert sorted(item.kgco2e for item in flights) == [2 * 2 * Decimal(1200) * Decimal("0.13465"),
                                                       2 * Decimal(8000) * Decimal("0.13465")]
    assert kg["cn.elec.prov.beijing.2023"] == 2000 * Decimal("0.5554")
    assert kg["cn.fuel.natural_gas.ef"] == 120 * Decimal("2.1622")
    assert footprint.total_kgco2e == sum(item.kgco2e for item in footprint.items)
    assert any("14 vegetarian main meals a week" in line for line in footprint.assumptions)
    assert any("1200 km each way" in line for line in footprint.assumptions)
    assert all(item.estimated for item in footprint.items if item.category in ("meal", "flight"))


def test_an_unknown_diet_is_refused():
    with pytest.raises(CalculationError) as caught:
        annual_lifestyle_estimate(LifestyleInput(diet="carnivore"), FS)
    assert caught.value.field == "diet"


@pytest.mark.parametrize(("period", "suffix", "suffix_zh"), [("month", " (one month)", "（一个月）"),
                                                             ("year", " (one year)", "（一年）")])
def test_home_energy_states_the_period_it_covers_without_converting_it(period, suffix, suffix_zh):
    home = Home(province="CN-GD", electricity_kwh=Decimal(300), natural_gas_m3=Decimal(10), period=period)
    items = personal_footprint(PersonalInput(home=home), FS).items
    assert [item.quantity for item in items] == [Decimal(300), Decimal(10)]
    assert all(item.activity.endswith(suffix) and item.activity_zh.endswith(suffix_zh) for item in items)
    assert all(item.notes[-1].code == f"calc.home.{period}" for item in items)


def test_an_unknown_home_period_is_refused_naming_the_field():
    with pytest.raises(CalculationError) as caught:
        personal_footprint(PersonalInput(home=Home(electricity_kwh=Decimal(1), period="week")), FS)
    assert caught.value.field == "home.period" and caught.value.code == "calc.unknown_home_period"
