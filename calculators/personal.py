"""Personal footprints (travel, hotel nights, meals, food by the kg, home energy) and the annual lifestyle estimate.

Defaults (each line item names the row it used):

- Meals: the Chinese recipe meals (cn_meal.*, the default meal set): each row is a recipe of rice, vegetables,
  oil and the meal's protein, in grams from 中国居民平衡膳食宝塔（2022）, times the Poore & Nemecek per-kg rows.
  beef_lamb uses the beef meal (the higher of the two). ADEME Base Carbone and Nos Gestes Climat meals are
  alternative sets and are never mixed in.
- Food per kg: Poore & Nemecek (2018) means (with losses) via Our World in Data. Beef defaults to
  beef_beef_herd, as its row says (peer-reviewed, one method across all foods); the value of the 碳中惠
  calculator of the 辽宁碳中汇 platform (food.beef_tanzhonghui, 20.82) can be chosen with
  `options.beef_factor`. The median rows (med_*, only in 2025.1) are refused: the two sets are never mixed.
- Home electricity: the 2023 provincial grid factor, national average where none is published; natural gas:
  the Chinese coefficient per m3 (the row's own unit, so no conversion).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal
from functools import lru_cache
from types import MappingProxyType

from calculators.enterprise import electricity_item, fuel_item
from calculators.footprint import (
    ZERO,
    CalculationError,
    Footprint,
    LineItem,
    Message,
    factor_item,
    mul,
    scaled,
    to_decimal,
)
from calculators.travel import Leg, hotel_item, leg_item
from factors import Factor, FactorSet

MEAL_TYPES = ("vegan", "vegetarian", "poultry", "pork", "beef_lamb", "fish")
# meal type: (factor ids, the first one present in the factor set is used; English label; Chinese label). The
# Chinese recipe meals (cn_meal.*) are the default from 2025.2; the ADEME rows after them were 2025.1's
# default, so a footprint of 2025.1 recomputes as it was.
_MEALS: dict[str, tuple[tuple[str, ...], str, str]] = {
    "vegan": (("cn_meal.vegan", "impactco2_repas_vegetalien"), "Vegan meals", "纯素餐"),
    "vegetarian": (("cn_meal.vegetarian", "ademe_repas_vegetarien"), "Vegetarian meals", "素食餐"),
    "poultry": (("cn_meal.poultry", "ademe_repas_poulet"), "Poultry meals", "禽肉餐"),
    "pork": (("cn_meal.pork", "meal.pork_standin"), "Pork meals", "猪肉餐"),
    "beef_lamb": (("cn_meal.beef", "ademe_repas_boeuf"), "Beef or lamb meals", "牛羊肉餐"),
    "fish": (("cn_meal.fish", "impactco2_repas_poisson_blanc"), "Fish meals", "鱼肉餐"),
}
MEAL_NOTE = Message("calc.meal.chinese_recipe", "Chinese recipe meal (the default meal set): grams from "
                    "中国居民平衡膳食宝塔（2022） × Poore & Nemecek per-kg factors; the row lists its recipe")
_MEAL_SET_NOTES = {"cn_meal.": MEAL_NOTE,
                   "": Message("calc.meal.ademe", "ADEME Base Carbone meal via Impact CO2 (the default meal set)")}
_MEAL_ROW_NOTES: dict[str, tuple[Message, ...]] = {
    "cn_meal.beef": (Message("calc.meal.beef_for_lamb", "beef or lamb: the beef meal, the higher of the two "
                             "(cn_meal.lamb is the lamb meal)"),),
    "meal.pork_standin": (Message("calc.meal.pork_stand_in", "stand-in: the default meal set publishes no pork meal; "
                                  "its chicken meal stands in (the row's note says so)"),),
    "ademe_repas_boeuf": (Message("calc.meal.lamb_stand_in", "lamb: the beef meal stands in (the default meal set "
                                  "has no lamb meal)"),),
    "impactco2_repas_poisson_blanc": (Message("calc.meal.fish", "fish meal: white fish, the higher of the set's two "
                                              "fish meals, so an unspecified fish meal is not understated"),),
}


def meal_factor(factor_set: FactorSet, meal_type: str) -> Factor:
    """The factor of a meal type in this factor set: its default meal set's row."""
    spec = _MEALS.get(meal_type)
    if spec is None:
        raise CalculationError(str(meal_type), Message("calc.unknown_meal", "unknown meal type (known: %(known)s)",
                                                       known=", ".join(MEAL_TYPES)))
    for factor_id in spec[0]:
        if factor_id in factor_set.factors:
            return factor_set.factors[factor_id]
    return factor_set.get(spec[0][0])  # raises UnknownFactor naming the current default row


DEFAULT_BEEF = "beef_beef_herd"
ALTERNATIVE_BEEF = "food.beef_tanzhonghui"
_BEEF_CHOICES = {"": DEFAULT_BEEF, "poore_nemecek": DEFAULT_BEEF, "tanzhonghui": ALTERNATIVE_BEEF,
                 "碳中惠": ALTERNATIVE_BEEF, "碳中汇": ALTERNATIVE_BEEF}
FOOD_NOTE = Message("calc.food.poore_nemecek", "Poore & Nemecek (2018) global mean, losses included (Our World in "
                                              "Data)")
BEEF_DEFAULT_NOTE = Message("calc.food.beef_default", "beef: default row %(default)s (Poore & Nemecek mean: "
                            "peer-reviewed, published boundary, one method for all foods); the 碳中惠 calculator's "
                            "value (%(alternative)s, 辽宁碳中汇 platform, about a fifth of it) can be chosen instead",
                            default=DEFAULT_BEEF, alternative=ALTERNATIVE_BEEF)
BEEF_ALTERNATIVE_NOTE = Message("calc.food.beef_alternative", "beef: alternative row %(alternative)s (碳中惠 "
                                "calculator of the 辽宁碳中汇 platform, as reported by 辽宁日报) chosen instead of the "
                                "default %(default)s; that calculator's method and boundary are unpublished, so its "
                                "five-fold difference is unexplained", default=DEFAULT_BEEF,
                                alternative=ALTERNATIVE_BEEF)
# Everyday names for the default set's rows; the rows' ids and their English and Chinese labels also work.
_FOOD_ALIASES = {
    "beef": DEFAULT_BEEF, "牛肉": DEFAULT_BEEF, "lamb": "lamb_mutton", "mutton": "lamb_mutton",
    "pork": "pig_meat", "chicken": "poultry_meat", "poultry": "poultry_meat", "鸡肉": "poultry_meat",
    "fish": "fish_farmed", "鱼": "fish_farmed", "鱼肉": "fish_farmed", "prawns": "prawns_farmed",
    "shrimp": "prawns_farmed", "虾": "prawns_farmed", "egg": "eggs", "rice": "rice", "米": "rice",
    "soymilk": "soy_milk", "soy milk": "soy_milk", "豆浆": "soy_milk", "豆奶": "soy_milk", "wheat": "wheat_rye",
    "flour": "wheat_rye", "面粉": "wheat_rye", "potato": "potatoes", "tomato": "tomatoes", "西红柿": "tomatoes",
    "chocolate": "dark_chocolate", "巧克力": "dark_chocolate", "sugar": "cane_sugar", "糖": "cane_sugar",
    "apple": "apples", "banana": "bananas", "vegetables": "other_vegetables", "蔬菜": "other_vegetables",
    "fruit": "other_fruit", "水果": "other_fruit", "peanuts": "groundnuts", "beans": "other_pulses",
    "pulses": "other_pulses", "corn": "maize",
}


@dataclass(frozen=True)
class Lodging:
    country: str  # ISO 3166-1 alpha-2
    nights: Decimal


@dataclass(frozen=True)
class FoodItem:
    item: str  # an alias (beef, rice, 豆腐...) or a factor id of the default food set
    kg: Decimal


HOME_PERIODS = ("month", "year")
# The period is stated on the line, not converted: a month of home energy stays a month, beside trips and meals
# that are counted as they were entered.
_HOME_PERIODS = {
    "month": (" (one month)", "（一个月）", Message("calc.home.month", "home energy of one month, as entered: not "
                                                                 "converted to a year")),
    "year": (" (one year)", "（一年）", Message("calc.home.year", "home energy of one year, as entered")),
}


@dataclass(frozen=True)
class Home:
    province: str = ""  # ISO 3166-2 (CN-GD) or a Chinese or English name; "" for the national average
    electricity_kwh: Decimal = ZERO
    natural_gas_m3: Decimal = ZERO
    period: str = ""  # "month" or "year": what the quantities cover, stated on each line; "" says nothing


@dataclass(frozen=True)
class PersonalOptions:
    radiative_forcing: bool = True
    beef_factor: str = ""  # "" (default row), a beef factor id, or "tanzhonghui"


@dataclass(frozen=True)
class PersonalInput:
    legs: tuple[Leg, ...] = ()
    lodging: tuple[Lodging, ...] = ()
    meals: Mapping[str, int] = field(default_factory=lambda: MappingProxyType({}))  # meal type -> count
    food: tuple[FoodItem, ...] = ()
    home: Home | None = None
    options: PersonalOptions = PersonalOptions()


def personal_footprint(person: PersonalInput, factor_set: FactorSet) -> Footprint:
    return Footprint("personal", factor_set.version, personal_items(person, factor_set))


def personal_items(person: PersonalInput, factor_set: FactorSet) -> tuple[LineItem, ...]:
    """The line items of one person's input; errors name fields such as "legs[0].from"."""
    items: list[LineItem] = []
    rf = person.options.radiative_forcing
    for index, leg in enumerate(person.legs):
        try:
            items.append(leg_item(leg, factor_set, radiative_forcing=rf))
        except CalculationError as error:
            raise error.at(f"legs[{index}]") from None
    for index, stay in enumerate(person.lodging):
        try:
            if to_decimal(stay.nights, "nights"):
                items.append(hotel_item(factor_set, stay.country, stay.nights))
        except CalculationError as error:
            raise error.at(f"lodging[{index}]") from None
    if person.meals:
        try:
            items.extend(meal_items(person.meals, factor_set))
        except CalculationError as error:
            raise error.at("meals") from None
    if person.food:
        try:
            beef = _beef_row(person.options.beef_factor, factor_set)
        except CalculationError as error:
            raise error.at("options") from None
        for index, food in enumerate(person.food):
            try:
                item = food_item(factor_set, food.item, food.kg, beef=beef)
            except CalculationError as error:
                raise error.at(f"food[{index}]") from None
            if item.quantity:
                items.append(item)
    if person.home is not None:
        try:
            items.extend(home_items(person.home, factor_set))
        except CalculationError as error:
            raise error.at("home") from None
    return tuple(items)


def meal_items(meals: Mapping[str, object], factor_set: FactorSet) -> list[LineItem]:
    """One line per meal type with a count above zero; errors name the meal type."""
    items = []
    for meal_type, count in meals.items():
        factor = meal_factor(factor_set, meal_type)
        quantity = to_decimal(count, meal_type)
        if quantity:
            _ids, label, label_zh = _MEALS[meal_type]
            set_note = _MEAL_SET_NOTES["cn_meal." if factor.id.startswith("cn_meal.") else ""]
            items.append(factor_item(factor, quantity, label, label_zh,
                                     notes=(set_note, *_MEAL_ROW_NOTES.get(factor.id, ()))))
    return items


def food_item(factor_set: FactorSet, item: str, kg: object, *, beef: Factor | None = None) -> LineItem:
    """kg of one food, by the default (Poore & Nemecek mean) set; beef by `beef` when given."""
    quantity = to_decimal(kg, "kg")
    factor = _food_index(factor_set).get(item.strip().casefold())
    if factor is None:
        if item.strip().startswith("med_"):
            raise CalculationError("item", Message("calc.food.median_refused", "the median food rows (med_*) are "
                                                   "another method and are not mixed with the default mean set"))
        raise CalculationError("item", Message("calc.unknown_food", "unknown food %(value)r (e.g. beef, pork, "
                                               "chicken, fish, rice, tofu, milk, eggs, or a food factor id)",
                                               value=item))
    notes = (FOOD_NOTE,)
    if factor.id == DEFAULT_BEEF:
        factor = beef or factor
        notes = (FOOD_NOTE, BEEF_DEFAULT_NOTE) if factor.id == DEFAULT_BEEF else (BEEF_ALTERNATIVE_NOTE,)
    elif factor.id == ALTERNATIVE_BEEF:
        notes = (BEEF_ALTERNATIVE_NOTE,)
    return factor_item(factor, quantity, f"{factor.label_en}, {quantity} kg", f"{factor.label_zh}，{quantity}千克",
                       notes=notes)


@lru_cache(maxsize=8)
def _food_index(factor_set: FactorSet) -> dict[str, Factor]:
    # Built once per factor set: every key a person may type for a row of the default (mean) food set.
    index: dict[str, Factor] = {}
    for factor in factor_set.by_category("food"):
        if factor.id.startswith("med_"):
            continue
        for key in (factor.id, factor.label_en, factor.label_zh):
            index.setdefault(key.casefold(), factor)
    for alias, factor_id in _FOOD_ALIASES.items():
        if factor_id in factor_set.factors:
            index[alias.casefold()] = factor_set.factors[factor_id]
    return index


def _beef_row(choice: str, factor_set: FactorSet) -> Factor:
    factor_id = _BEEF_CHOICES.get(choice.strip().casefold(), choice.strip())
    factor = factor_set.factors.get(factor_id)
    if factor is None or factor.category != "food" or "beef" not in factor.id or factor.id.startswith("med_"):
        raise CalculationError("beef_factor", Message("calc.food.not_beef", "%(value)r is not a beef row of the "
                                                      "default food set (choose %(default)s or %(alternative)s)",
                                                      value=choice, default=DEFAULT_BEEF,
                                                      alternative=ALTERNATIVE_BEEF))
    return factor


def home_items(home: Home, factor_set: FactorSet) -> list[LineItem]:
    """Home electricity by the province's grid and natural gas by the m3; errors name the home's fields."""
    if home.period and home.period not in _HOME_PERIODS:
        raise CalculationError("period", Message("calc.unknown_home_period", "unknown period %(value)r (known: "
                                                 "%(known)s)", value=home.period, known=", ".join(HOME_PERIODS)))
    items = []
    kwh = to_decimal(home.electricity_kwh, "electricity_kwh")
    if kwh:
        items.append(electricity_item(factor_set, kwh, "kWh", home.province))
    gas = to_decimal(home.natural_gas_m3, "natural_gas_m3")
    if gas:
        items.append(fuel_item(factor_set, "natural_gas", gas, "m3"))
    if home.period:
        suffix, suffix_zh, note = _HOME_PERIODS[home.period]
        items = [replace(item, activity=item.activity + suffix, activity_zh=item.activity_zh + suffix_zh,
                         notes=(*item.notes, note)) for item in items]
    return items


# The annual lifestyle estimate.

DIETS = ("vegan", "vegetarian", "low_meat", "omnivore", "high_meat")
# Main meals (lunch and dinner) in a week by diet: stated assumptions, not published figures. Breakfasts are
# not counted: the meal factors are for main meals.
WEEKLY_MEALS: dict[str, dict[str, int]] = {
    "vegan": {"vegan": 14},
    "vegetarian": {"vegetarian": 14},
    "low_meat": {"vegetarian": 9, "pork": 2, "poultry": 2, "fish": 1},
    "omnivore": {"vegetarian": 5, "pork": 4, "poultry": 2, "fish": 2, "beef_lamb": 1},
    "high_meat": {"vegetarian": 2, "pork": 6, "poultry": 3, "fish": 1, "beef_lamb": 2},
}
WEEKS_PER_YEAR = 52
# Assumed one-way distances of the flights a person counts per year, shared with the event defaults.
SHORT_FLIGHT_KM = Decimal(1200)  # a typical Chinese domestic flight (Beijing-Shanghai is 1,076 km)
LONG_FLIGHT_KM = Decimal(8000)  # an intercontinental flight (London-Beijing is 8,153 km)


@dataclass(frozen=True)
class LifestyleInput:
    """What a citizen fills in for a yearly estimate."""

    diet: str = "omnivore"
    commute_mode: str = ""  # a travel mode (metro, bus, car...), "" for none
    commute_km_per_day: Decimal = ZERO  # both directions
    commute_days_per_year: Decimal = ZERO
    car_fuel: str = "unknown"
    car_size: str = "average"
    occupancy: int = 1
    short_flights_per_year: Decimal = ZERO  # round trips
    long_flights_per_year: Decimal = ZERO  # round trips
    province: str = ""
    electricity_kwh_per_year: Decimal = ZERO
    natural_gas_m3_per_year: Decimal = ZERO
    radiative_forcing: bool = True


def annual_lifestyle_estimate(lifestyle: LifestyleInput, factor_set: FactorSet) -> Footprint:
    """A year's footprint from diet, commute, flights and home energy: factor rows and the stated assumptions."""
    if lifestyle.diet not in WEEKLY_MEALS:
        raise CalculationError("diet", f"unknown diet {lifestyle.diet!r} (known: {', '.join(DIETS)})")
    weekly = WEEKLY_MEALS[lifestyle.diet]
    meals = {meal: count * WEEKS_PER_YEAR for meal, count in weekly.items()}
    items = [replace(item, estimated=True) for item in meal_items(meals, factor_set)]
    pattern = ", ".join(f"{count} {meal}" for meal, count in weekly.items())
    assumptions = [f"diet '{lifestyle.diet}': {pattern} main meals a week, {WEEKS_PER_YEAR} weeks a year; "
                   f"breakfasts not counted"]
    km_per_day = to_decimal(lifestyle.commute_km_per_day, "commute_km_per_day")
    days = to_decimal(lifestyle.commute_days_per_year, "commute_days_per_year")
    if lifestyle.commute_mode and km_per_day and days:
        leg = Leg(mode=lifestyle.commute_mode, distance_km=mul(km_per_day, days), car_fuel=lifestyle.car_fuel,
                  car_size=lifestyle.car_size, occupancy=lifestyle.occupancy)
        try:
            items.append(leg_item(leg, factor_set, radiative_forcing=lifestyle.radiative_forcing))
        except CalculationError as error:
            raise error.at("commute") from None
        assumptions.append(f"commute by {lifestyle.commute_mode}: {km_per_day} km a day (both ways) × {days} days")
    for name, count, km in (("short", lifestyle.short_flights_per_year, SHORT_FLIGHT_KM),
                            ("long", lifestyle.long_flights_per_year, LONG_FLIGHT_KM)):
        trips = to_decimal(count, f"{name}_flights_per_year")
        if trips:
            leg = Leg(mode="flight", distance_km=km, round_trip=True)
            item = leg_item(leg, factor_set, radiative_forcing=lifestyle.radiative_forcing)
            items.append(scaled(item, trips, activity=f"{name.capitalize()} flights: {trips} round trip(s)",
                                activity_zh=f"{'短途' if name == 'short' else '长途'}航班：{trips}次往返",
                                estimated=True))
            assumptions.append(f"a {name} flight: economy, {km} km each way, round trip")
    home = Home(lifestyle.province, to_decimal(lifestyle.electricity_kwh_per_year, "electricity_kwh_per_year"),
                to_decimal(lifestyle.natural_gas_m3_per_year, "natural_gas_m3_per_year"))
    items.extend(home_items(home, factor_set))
    return Footprint("personal", factor_set.version, tuple(items), tuple(assumptions))
