"""The organiser's inputs of a meeting: the fixed vocabularies, their units and the factor each one will use."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from decimal import Decimal

from calculators.personal import meal_factor
from factors import Factor, FactorSet, UnknownFactor


class MeetingType(enum.StrEnum):
    conference = "conference"
    exhibition = "exhibition"
    training = "training"
    banquet = "banquet"
    hybrid = "hybrid"


class BoundaryCategory(enum.StrEnum):
    """A part of a meeting's footprint that its boundary may count."""

    venue_energy = "venue_energy"
    catering = "catering"
    materials = "materials"
    waste = "waste"
    attendee_travel = "attendee_travel"
    attendee_lodging = "attendee_lodging"


BOUNDARY_ORDER: tuple[str, ...] = tuple(c.value for c in BoundaryCategory)
_EVERYTHING = frozenset(BOUNDARY_ORDER)
# What each type counts when the organiser ticks nothing: a banquet or a one-day training rarely lodges
# its guests; everything else counts the full boundary that the MEE 2019 large-event guidance describes.
DEFAULT_BOUNDARY: dict[MeetingType, tuple[str, ...]] = {
    MeetingType.conference: BOUNDARY_ORDER,
    MeetingType.exhibition: BOUNDARY_ORDER,
    MeetingType.hybrid: BOUNDARY_ORDER,
    MeetingType.training: tuple(c for c in BOUNDARY_ORDER if c != "attendee_lodging"),
    MeetingType.banquet: tuple(c for c in BOUNDARY_ORDER if c not in {"attendee_lodging", "materials"}),
}

MEAL_TYPES: tuple[str, ...] = ("vegan", "vegetarian", "poultry", "pork", "beef_lamb", "fish")

# Waste streams a meeting produces and the treatments the factor table has for each; the factor of a
# (stream, treatment) pair is `waste.<stream>.<treatment>`, per tonne.
WASTE_STREAMS: dict[str, tuple[str, ...]] = {
    "commercial_industrial": ("landfill", "combustion"),
    "food_drink": ("landfill", "combustion", "composting", "anaerobic_digestion"),
    "paper_board.mixed": ("landfill", "combustion", "composting", "closed_loop"),
    "plastics_average": ("landfill", "combustion", "open_loop", "closed_loop"),
}
WASTE_KEYS: tuple[str, ...] = tuple(f"{s}.{t}" for s, ts in WASTE_STREAMS.items() for t in ts)

# Diesel is asked for in kg, the unit of its factor: no density (kg per litre) with a citable source is in
# the factor library, and the density on the organiser's fuel receipt is better than any default.
KG_PER_TONNE = Decimal(1000)

GAS_FACTOR = "cn.fuel.natural_gas.ef"
DIESEL_FACTOR = "cn.fuel.diesel.ef"
PAPER_FACTOR = "material.paper_board.paper.primary"
NATIONAL_ELECTRICITY = "cn.elec.national_avg"

# The numeric inputs stored as columns of Event: name -> unit as shown to people.
QUANTITY_UNITS: dict[str, str] = {
    "electricity_kwh": "kWh",
    "floor_area_m2": "m²",
    "venue_hours": "h",
    "natural_gas_m3": "m³",
    "diesel_kg": "kg",
    "paper_kg": "kg",
}
MEAL_COLUMNS: dict[str, str] = {f"meals_{m}": m for m in MEAL_TYPES}


@dataclass(frozen=True)
class FactorHint:
    """What an input field tells its user: the factor it will use, its value and source, and any conversion."""

    factor: Factor
    # "", "kg_to_t" (entered in kg, factor per tonne), "diesel_kg" (diesel, asked in kg) or "estimate" (floor area
    # and hours, from which the calculator estimates the kWh that the grid factor then applies to)
    conversion: str = ""

    @property
    def value(self) -> Decimal:
        return self.factor.kgco2e_per_unit

    @property
    def unit(self) -> str:
        return self.factor.unit


def electricity_factor(factor_set: FactorSet, province: str | None) -> Factor:
    """The latest provincial grid average for `province`, else the latest national average.

    Tibet has no published provincial factor, so its venues fall back to the national average.
    """
    provincial = [f for f in factor_set.by_category("electricity")
                  if province and f.region == province and f.id.startswith("cn.elec.prov.")]
    if provincial:
        return max(provincial, key=lambda f: f.valid_year)
    national = [f for f in factor_set.by_category("electricity") if f.id.startswith(NATIONAL_ELECTRICITY + ".")]
    if not national:
        raise UnknownFactor(NATIONAL_ELECTRICITY, factor_set.version)
    return max(national, key=lambda f: f.valid_year)


def factor_hints(factor_set: FactorSet, province: str | None) -> dict[str, FactorHint]:
    """The factor behind each input field, keyed by the field's name (waste fields by `waste.<key>`)."""
    electricity = electricity_factor(factor_set, province)
    hints = {
        "electricity_kwh": FactorHint(electricity),
        "floor_area_m2": FactorHint(electricity, "estimate"),
        "venue_hours": FactorHint(electricity, "estimate"),
        "natural_gas_m3": FactorHint(factor_set.get(GAS_FACTOR)),
        "diesel_kg": FactorHint(factor_set.get(DIESEL_FACTOR), "diesel_kg"),
        "paper_kg": FactorHint(factor_set.get(PAPER_FACTOR), "kg_to_t"),
    }
    for column, meal in MEAL_COLUMNS.items():
        hints[column] = FactorHint(meal_factor(factor_set, meal))  # the calculators' own row, so hints and sums agree
    for key in WASTE_KEYS:
        hints[f"waste.{key}"] = FactorHint(factor_set.get(f"waste.{key}"), "kg_to_t")
    return hints
