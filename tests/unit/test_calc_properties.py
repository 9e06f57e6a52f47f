"""Properties every calculator keeps, checked on generated inputs: totals, monotonicity, symmetry, additivity."""

from __future__ import annotations

import math
from dataclasses import replace
from decimal import Context, Decimal, localcontext

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from calculators.enterprise import ElectricityUse, EnterpriseInput, FuelUse, WasteDisposal, enterprise_footprint
from calculators.event import EventInput, event_footprint
from calculators.footprint import Footprint
from calculators.personal import MEAL_TYPES, FoodItem, Home, Lodging, PersonalInput, personal_footprint
from calculators.travel import CABINS, CAR_FUELS, RAIL_TYPES, VEHICLE_SIZES, Leg, leg_item
from factors import default_factor_set

FS = default_factor_set()
PROPERTY = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def amounts(maximum: int, places: int = 3):
    return st.decimals(min_value=0, max_value=maximum, places=places, allow_nan=False, allow_infinity=False)


legs = st.builds(
    Leg, mode=st.sampled_from(["flight", "rail", "coach", "bus", "metro", "tram", "taxi", "car", "motorbike"]),
    distance_km=amounts(25000, 1), round_trip=st.booleans(), cabin=st.sampled_from(CABINS),
    rail_type=st.sampled_from(RAIL_TYPES), car_fuel=st.sampled_from(CAR_FUELS),
    car_size=st.sampled_from(VEHICLE_SIZES), occupancy=st.integers(1, 7),
)
# Origins and destinations in different cities: a flight that does not leave its city is refused.
routed_legs = st.builds(
    Leg, mode=st.just("flight"), origin=st.sampled_from(["PEK", "CAN", "LHR", "HKG", "上海", "Chengdu"]),
    destination=st.sampled_from(["CTU", "CDG", "EDI", "JFK", "北京", "Shenzhen"]), round_trip=st.booleans(),
    cabin=st.sampled_from(CABINS),
).filter(lambda leg: {leg.origin, leg.destination} not in ({"PEK", "北京"}, {"Chengdu", "CTU"}))
people = st.builds(
    PersonalInput,
    legs=st.lists(st.one_of(legs, routed_legs), max_size=4).map(tuple),
    lodging=st.lists(st.builds(Lodging, country=st.sampled_from(["CN", "HK", "TW", "GB", "JP", "US"]),
                               nights=st.integers(0, 30).map(Decimal)), max_size=2).map(tuple),
    meals=st.dictionaries(st.sampled_from(MEAL_TYPES), st.integers(0, 40)),
    food=st.lists(st.builds(FoodItem, item=st.sampled_from(["beef", "pork", "rice", "tofu", "milk", "eggs"]),
                            kg=amounts(100)), max_size=3).map(tuple),
    home=st.none() | st.builds(Home, province=st.sampled_from(["", "CN-GD", "北京", "西藏"]),
                               electricity_kwh=amounts(100000), natural_gas_m3=amounts(10000)),
)


def exact_sum(values) -> Decimal:
    with localcontext(Context(prec=200)):
        return sum(values, Decimal(0))


def assert_consistent(footprint: Footprint) -> None:
    assert footprint.total_kgco2e == exact_sum(item.kgco2e for item in footprint.items)
    assert footprint.credits_needed_t == math.ceil(footprint.neutralisation_kgco2e / 1000)
    with localcontext(Context(prec=200)):
        for item in footprint.items:
            assert item.kgco2e == item.quantity * item.factor_value
    assert exact_sum(footprint.by_category().values()) == footprint.total_kgco2e


@PROPERTY
@given(people)
def test_a_personal_total_is_the_exact_sum_of_its_items_and_the_credits_its_ceiling(person):
    footprint = personal_footprint(person, FS)
    assert_consistent(footprint)
    assert footprint.credits_needed_t == math.ceil(footprint.total_kgco2e / 1000)


@PROPERTY
@given(people, st.one_of(legs, routed_legs), st.sampled_from(MEAL_TYPES), amounts(50))
def test_adding_an_item_never_lowers_the_total(person, leg, meal, beef_kg):
    before = personal_footprint(person, FS).total_kgco2e
    meals = dict(person.meals)
    meals[meal] = meals.get(meal, 0) + 1
    for more in (replace(person, legs=(*person.legs, leg)), replace(person, meals=meals),
                 replace(person, food=(*person.food, FoodItem("beef", beef_kg)))):
        assert personal_footprint(more, FS).total_kgco2e >= before


@PROPERTY
@given(st.one_of(legs, routed_legs), st.booleans())
def test_a_round_trip_is_twice_the_one_way(leg, radiative_forcing):
    one_way = leg_item(replace(leg, round_trip=False), FS, radiative_forcing=radiative_forcing)
    both = leg_item(replace(leg, round_trip=True), FS, radiative_forcing=radiative_forcing)
    with localcontext(Context(prec=200)):  # a car's share has 28 digits; its double needs more than 28
        assert both.kgco2e == 2 * one_way.kgco2e
        assert both.quantity == 2 * one_way.quantity
    assert both.factor_id == one_way.factor_id


def test_empty_inputs_are_zero():
    for footprint in (personal_footprint(PersonalInput(), FS), event_footprint(EventInput(), FS),
                      enterprise_footprint(EnterpriseInput(), FS)):
        assert footprint.items == ()
        assert footprint.total_kgco2e == 0
        assert footprint.credits_needed_t == 0
        assert footprint.by_category() == {}


organiser = st.fixed_dictionaries({
    "electricity": st.lists(st.builds(ElectricityUse, quantity=amounts(50000),
                                      province=st.sampled_from(["CN-BJ", "CN-SH", "广东", ""])), max_size=3),
    "fuels": st.lists(st.builds(FuelUse, fuel=st.sampled_from(["natural_gas"]), quantity=amounts(1000),
                                unit=st.just("m3")), max_size=2),
    "waste": st.lists(st.builds(WasteDisposal, waste=st.just("food"), treatment=st.sampled_from(["landfill",
                                                                                                 "composting"]),
                                quantity=amounts(500)), max_size=2),
    "catering": st.lists(st.tuples(st.sampled_from(MEAL_TYPES), st.integers(0, 300)), max_size=4),
})


def _event(parts: dict, responses: list[PersonalInput]) -> EventInput:
    catering: dict[str, int] = {}
    for meal, count in parts["catering"]:
        catering[meal] = catering.get(meal, 0) + count
    return EventInput(electricity=tuple(parts["electricity"]), fuels=tuple(parts["fuels"]),
                      waste=tuple(parts["waste"]), catering=catering, responses=tuple(responses),
                      attendance=len(responses))


@PROPERTY
@given(organiser, organiser, st.lists(people, max_size=6), st.integers(0, 6))
def test_splitting_an_events_inputs_in_two_and_summing_equals_the_whole(first, second, responses, cut):
    # Additive parts only: the organiser's inputs and the respondents' own lines. Everyone counted has
    # answered (attendance = responses), because the extrapolation to non-respondents is a mean times a
    # count, not additive, and the credits are whole tonnes rounded up per footprint.
    cut = min(cut, len(responses))
    whole_parts = {key: first[key] + second[key] for key in first}
    whole = event_footprint(_event(whole_parts, responses), FS)
    a = event_footprint(_event(first, responses[:cut]), FS)
    b = event_footprint(_event(second, responses[cut:]), FS)
    assert exact_sum((a.total_kgco2e, b.total_kgco2e)) == whole.total_kgco2e
    for footprint in (whole, a, b):
        assert_consistent(footprint)


@PROPERTY
@given(st.lists(st.builds(ElectricityUse, quantity=amounts(10**6), province=st.sampled_from(["CN-JS", "CN-YN"]),
                          green_kwh=st.just(Decimal(0)), facility=st.sampled_from(["A", "B"]),
                          month=st.sampled_from(["2025-01", "2025-02"])), max_size=5))
def test_an_enterprise_total_is_the_sum_by_facility_and_by_scope(records):
    footprint = enterprise_footprint(EnterpriseInput(records=tuple(records)), FS)
    assert_consistent(footprint)
    assert exact_sum(footprint.by_facility().values()) == footprint.total_kgco2e
    assert footprint.by_scope().get("2-location", Decimal(0)) == footprint.total_kgco2e
