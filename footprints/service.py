"""Compute footprints from validated request data: build calculator inputs, run them, name bad fields."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal

from calculators.enterprise import (
    BusinessLodging,
    BusinessTravel,
    Commuting,
    ElectricityUse,
    EnterpriseInput,
    EnterpriseOptions,
    FuelUse,
    HeatPurchase,
    MaterialUse,
    PurchasedGoodsSpend,
    RefrigerantLeak,
    WasteDisposal,
    enterprise_footprint,
)
from calculators.event import EventInput, EventOptions, VenueEstimate, event_footprint
from calculators.footprint import CalculationError, Footprint, UnknownPlaceError
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
from errors import ValidationError
from factors import FactorSet, default_factor_set
from factors.model import FactorError

ZERO = Decimal(0)


def leg_from(data: Mapping) -> Leg:
    return Leg(mode=data["mode"], origin=data.get("origin", ""), destination=data.get("destination", ""),
               distance_km=data.get("distance_km"), round_trip=data.get("round_trip", False),
               cabin=data.get("cabin", "economy"), rail_type=data.get("rail_type", "high_speed"),
               car_fuel=data.get("car_fuel", "unknown"), car_size=data.get("car_size", "average"),
               occupancy=data.get("occupancy", 1))


def personal_input_from(data: Mapping) -> PersonalInput:
    home = data.get("home")
    options = data.get("options") or {}
    return PersonalInput(
        legs=tuple(leg_from(leg) for leg in data.get("legs", ())),
        lodging=tuple(Lodging(country=x["country"].upper(), nights=Decimal(x["nights"]))
                      for x in data.get("lodging", ())),
        meals={meal: count for meal, count in (data.get("meals") or {}).items() if count},
        food=tuple(FoodItem(item=x["item"], kg=x["kg"]) for x in data.get("food", ())),
        home=Home(province=home.get("province", ""), electricity_kwh=home.get("electricity_kwh", ZERO),
                  natural_gas_m3=home.get("natural_gas_m3", ZERO), period=home.get("period", "")) if home else None,
        options=PersonalOptions(radiative_forcing=options.get("radiative_forcing", True),
                                beef_factor=options.get("beef_factor", "")),
    )


def event_input_from(data: Mapping) -> EventInput:
    estimate = data.get("venue_estimate")
    options = data.get("options") or {}
    return EventInput(
        meeting_type=data.get("meeting_type", "conference"),
        attendance=data.get("attendance", 0),
        venue_country=data.get("venue_country", "CN").upper(),
        electricity=tuple(ElectricityUse(**x) for x in data.get("electricity", ())),
        venue_estimate=VenueEstimate(**estimate) if estimate else None,
        fuels=tuple(FuelUse(**x) for x in data.get("fuels", ())),
        catering={meal: count for meal, count in (data.get("catering") or {}).items() if count},
        materials=tuple(MaterialUse(**x) for x in data.get("materials", ())),
        waste=tuple(WasteDisposal(**x) for x in data.get("waste", ())),
        responses=tuple(personal_input_from(x) for x in data.get("responses", ())),
        response_strata=tuple(data.get("response_strata", ())),
        registrants_by_stratum=data.get("registrants_by_stratum") or None,
        options=EventOptions(**options),
    )


def _common(record: Mapping) -> dict:
    return {"facility": record.get("facility", ""), "month": record.get("month", "")}


def _pick(record: Mapping, *names: str) -> dict:
    return {name: record[name] for name in names if name in record}


RECORD_BUILDERS: dict[str, Callable[[Mapping], object]] = {
    "electricity": lambda r: ElectricityUse(**_pick(r, "quantity", "unit", "province", "green_kwh"), **_common(r)),
    "fuel": lambda r: FuelUse(**_pick(r, "fuel", "quantity", "unit", "mobile", "density_kg_per_l", "density_source"),
                              **_common(r)),
    "heat": lambda r: HeatPurchase(**_pick(r, "quantity", "unit"), **_common(r)),
    "refrigerant": lambda r: RefrigerantLeak(**_pick(r, "gas", "kg"), **_common(r)),
    "material": lambda r: MaterialUse(**_pick(r, "material", "quantity", "unit", "recycled"), **_common(r)),
    "waste": lambda r: WasteDisposal(**_pick(r, "waste", "treatment", "quantity", "unit"), **_common(r)),
    "business_travel": lambda r: BusinessTravel(leg=leg_from(r["leg"]), **_common(r)),
    "business_lodging": lambda r: BusinessLodging(country=r["country"].upper(), nights=r["nights"], **_common(r)),
    "commuting": lambda r: Commuting(leg=leg_from(r["leg"]), trips=r.get("trips", Decimal(1)), **_common(r)),
    "purchased_goods_spend": lambda r: PurchasedGoodsSpend(**_pick(r, "description", "amount", "currency"),
                                                           **_common(r)),
}


def enterprise_input_from(data: Mapping) -> EnterpriseInput:
    return EnterpriseInput(
        records=tuple(RECORD_BUILDERS[record["type"]](record) for record in data["records"]),
        options=EnterpriseOptions(**(data.get("options") or {})),
    )


CALCULATORS: dict[str, tuple[Callable[[Mapping], object], Callable[[object, FactorSet], Footprint]]] = {
    "personal": (personal_input_from, personal_footprint),
    "event": (event_input_from, event_footprint),
    "enterprise": (enterprise_input_from, enterprise_footprint),
    "lifestyle": (lambda data: LifestyleInput(**data), annual_lifestyle_estimate),
}


def compute_footprint(kind: str, data: Mapping, factor_set: FactorSet | None = None) -> Footprint:
    """The footprint of validated request data; a value the calculator cannot use is a ValidationError."""
    build, calculate = CALCULATORS[kind]
    factor_set = factor_set or default_factor_set()
    try:
        return calculate(build(data), factor_set)
    except UnknownPlaceError as error:
        raise ValidationError(error.message, fields={error.field: [error.message]},
                              code="unknown_place") from None
    except CalculationError as error:
        raise ValidationError(str(error), fields={error.field or "_schema": [error.message]}) from None
    except FactorError as error:
        raise ValidationError(str(error).strip('"'), fields={"_schema": [str(error).strip('"')]}) from None
