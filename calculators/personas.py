"""Reference personas (citizens, attendees, meetings, companies) whose pinned totals are compared across sets."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from types import MappingProxyType

from calculators.enterprise import (
    BusinessLodging,
    BusinessTravel,
    Commuting,
    ElectricityUse,
    EnterpriseInput,
    FuelUse,
    HeatPurchase,
    MaterialUse,
    RefrigerantLeak,
    WasteDisposal,
    enterprise_footprint,
)
from calculators.event import EventInput, event_footprint
from calculators.footprint import Footprint
from calculators.personal import (
    FoodItem,
    Home,
    LifestyleInput,
    Lodging,
    PersonalInput,
    annual_lifestyle_estimate,
    personal_footprint,
)
from calculators.travel import Leg
from factors import FactorSet

D = Decimal


def _attendee(origin: str, mode: str, nights: int, meals: dict[str, int], cabin: str = "economy") -> PersonalInput:
    """An attendee of a meeting in Beijing travelling from `origin`."""
    if mode == "metro":
        legs = (Leg(mode="metro", distance_km=D(15), round_trip=True),)
    elif mode == "flight":
        legs = (Leg(mode="flight", origin=origin, destination="PEK", cabin=cabin, round_trip=True),
                Leg(mode="taxi", distance_km=D(30), round_trip=True))
    else:
        legs = (Leg(mode="rail", rail_type="high_speed", origin=origin, destination="北京", round_trip=True),
                Leg(mode="metro", distance_km=D(12), round_trip=True))
    lodging = (Lodging("CN", D(nights)),) if nights else ()
    return PersonalInput(legs=legs, lodging=lodging, meals=meals)


# The kinds of attendee a Beijing conference hears from, cycled to make its 120 responses.
_RESPONSE_KINDS = (
    _attendee("北京", "metro", 0, {}),
    _attendee("北京", "metro", 0, {"vegetarian": 1}),
    _attendee("天津", "rail", 1, {"pork": 1}),
    _attendee("上海", "rail", 2, {"pork": 1, "vegetarian": 1}),
    _attendee("CAN", "flight", 2, {"poultry": 1, "fish": 1}),
    _attendee("CTU", "flight", 2, {"pork": 2}),
    _attendee("HKG", "flight", 3, {"fish": 1, "vegetarian": 1}),
    _attendee("LHR", "flight", 4, {"beef_lamb": 1, "vegetarian": 2}),
)
_STRATUM_OF_KIND = ("same_city", "same_city", "other_province", "other_province", "other_province",
                    "other_province", "hk_mo_tw", "international")


def _company_records() -> tuple:
    records = []
    for facility, province, kwh, origin in (("Shenzhen office", "CN-GD", D(18000), "SZX"),
                                            ("Chengdu office", "四川", D(9500), "CTU")):
        for month in ("2025-01", "2025-02", "2025-03"):
            records += [
                ElectricityUse(kwh, province=province, facility=facility, month=month),
                Commuting(Leg(mode="metro", distance_km=D(24)), trips=D(20 * 21), facility=facility, month=month),
                WasteDisposal("commercial_industrial", "landfill", D(300), facility=facility, month=month),
                MaterialUse("paper", D(40), facility=facility, month=month),
            ]
        records += [
            FuelUse("natural_gas", D(350), "m3", facility=facility, month="2025-01"),
            BusinessTravel(Leg(mode="flight", origin=origin, destination="PEK", round_trip=True), facility=facility,
                           month="2025-02"),
            BusinessTravel(Leg(mode="rail", origin="深圳" if origin == "SZX" else "成都",
                               destination="广州" if origin == "SZX" else "重庆", round_trip=True),
                           facility=facility, month="2025-03"),
            BusinessLodging("CN", D(2), facility=facility, month="2025-02"),
        ]
    return tuple(records)


PERSONAS: Mapping[str, object] = MappingProxyType({
    "beijing_metro_commuter": LifestyleInput(
        diet="omnivore", commute_mode="metro", commute_km_per_day=D(30), commute_days_per_year=D(250),
        short_flights_per_year=D(1), province="CN-BJ", electricity_kwh_per_year=D(2400),
        natural_gas_m3_per_year=D(300)),
    "guangzhou_vegetarian_household": LifestyleInput(
        diet="vegetarian", commute_mode="bus", commute_km_per_day=D(16), commute_days_per_year=D(240),
        province="广东", electricity_kwh_per_year=D(3200)),
    "citizen_kitchen_week": PersonalInput(
        food=(FoodItem("beef", D(1)), FoodItem("rice", D(5)), FoodItem("pork", D(2)), FoodItem("milk", D(4)),
              FoodItem("eggs", D(1)), FoodItem("tofu", D("0.5"))),
        home=Home("CN-GD", D(70), D(4))),
    "shanghai_attendee_by_hsr": PersonalInput(
        legs=(Leg(mode="rail", rail_type="high_speed", origin="上海", destination="北京", round_trip=True),
              Leg(mode="metro", distance_km=D(20), round_trip=True)),
        lodging=(Lodging("CN", D(2)),), meals={"vegetarian": 2, "pork": 2}),
    "guangzhou_attendee_flying_pek": PersonalInput(
        legs=(Leg(mode="flight", origin="CAN", destination="PEK", round_trip=True),
              Leg(mode="taxi", distance_km=D(30), round_trip=True)),
        lodging=(Lodging("CN", D(2)),), meals={"poultry": 2, "fish": 1, "pork": 1}),
    "london_attendee": PersonalInput(
        legs=(Leg(mode="flight", origin="LHR", destination="PEK", round_trip=True),
              Leg(mode="taxi", distance_km=D(25), round_trip=True)),
        lodging=(Lodging("CN", D(4)),), meals={"beef_lamb": 1, "vegetarian": 3, "pork": 2}),
    "conference_300_with_120_responses": EventInput(
        meeting_type="conference", attendance=300,
        electricity=(ElectricityUse(D(12000), province="CN-BJ"),),
        fuels=(FuelUse("natural_gas", D(400), "m3"),),
        catering={"vegetarian": 200, "pork": 250, "poultry": 150, "fish": 100, "beef_lamb": 50, "vegan": 50},
        materials=(MaterialUse("paper", D(150)),),
        waste=(WasteDisposal("commercial_industrial", "landfill", D(800)),
               WasteDisposal("food_drink", "composting", D(300))),
        responses=tuple(_RESPONSE_KINDS[i % len(_RESPONSE_KINDS)] for i in range(120))),
    "banquet_200_no_responses": EventInput(
        meeting_type="banquet", attendance=200,
        electricity=(ElectricityUse(D(900), province="CN-GD"),),
        catering={"beef_lamb": 60, "fish": 60, "poultry": 40, "vegetarian": 40},
        waste=(WasteDisposal("food_drink", "landfill", D(150)),)),
    "expo_with_registration_list": EventInput(
        meeting_type="exhibition",
        electricity=(ElectricityUse(D(30000), province="北京"),),
        materials=(MaterialUse("board", D(400)), MaterialUse("paper", D(250), recycled=True)),
        waste=(WasteDisposal("plastics", "combustion", D(200)),),
        responses=tuple(_RESPONSE_KINDS[i % len(_RESPONSE_KINDS)] for i in range(40)),
        response_strata=tuple(_STRATUM_OF_KIND[i % len(_STRATUM_OF_KIND)] for i in range(40)),
        registrants_by_stratum={"same_city": 500, "same_province": 40, "other_province": 300, "hk_mo_tw": 20,
                                "international": 40, "unknown": 10}),
    "small_company_two_facilities": EnterpriseInput(records=_company_records()),
    "factory_with_refrigerant_leakage": EnterpriseInput(records=(
        ElectricityUse(D(1200), "MWh", province="CN-JS", green_kwh=D(400000), facility="Suzhou plant",
                       month="2025-06"),
        FuelUse("natural_gas", D(50000), "m3", facility="Suzhou plant", month="2025-06"),
        FuelUse("raw_coal", D(200), "t", facility="Suzhou plant", month="2025-06"),
        FuelUse("diesel", D(8), "t", mobile=True, facility="Suzhou plant", month="2025-06"),
        HeatPurchase(D(800), facility="Suzhou plant", month="2025-06"),
        RefrigerantLeak("R-410A", D(12), facility="Suzhou plant", month="2025-06"),
        RefrigerantLeak("R-134a", D(5), facility="Suzhou plant", month="2025-06"),
        RefrigerantLeak("HCFC-22", D(3), facility="Suzhou plant", month="2025-06"),
        WasteDisposal("commercial_industrial", "combustion", D(12), "t", facility="Suzhou plant", month="2025-06"),
    )),
})


def footprint_of(persona: object, factor_set: FactorSet) -> Footprint:
    """The footprint of any calculator input."""
    if isinstance(persona, PersonalInput):
        return personal_footprint(persona, factor_set)
    if isinstance(persona, LifestyleInput):
        return annual_lifestyle_estimate(persona, factor_set)
    if isinstance(persona, EventInput):
        return event_footprint(persona, factor_set)
    if isinstance(persona, EnterpriseInput):
        return enterprise_footprint(persona, factor_set)
    raise TypeError(f"not a calculator input: {type(persona).__name__}")


def persona_totals(factor_set: FactorSet) -> dict[str, Decimal]:
    """Each persona's total kg CO2e under `factor_set` (what `flask factors diff` compares between versions)."""
    return {name: footprint_of(persona, factor_set).total_kgco2e for name, persona in PERSONAS.items()}
