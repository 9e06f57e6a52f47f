"""Unit conversions of activity quantities (distance, energy, mass, volume), exact wherever the definition is."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from calculators.footprint import CalculationError, Message, div, mul

# Each unit as a multiple of its dimension's base unit. Every multiple is an exact definition: the international
# mile is 1.609344 km, 1 kWh = 3.6 MJ = 0.0036 GJ. A conversion multiplies by the source unit's multiple (exact)
# and divides by the target's, which is exact unless the quotient has no finite decimal form (km to miles,
# GJ to kWh), then it is cut at 28 significant digits.
_UNITS: dict[str, tuple[str, Decimal]] = {
    "m": ("distance", Decimal("0.001")),
    "km": ("distance", Decimal(1)),
    "mi": ("distance", Decimal("1.609344")),
    "MJ": ("energy", Decimal("0.001")),
    "GJ": ("energy", Decimal(1)),
    "TJ": ("energy", Decimal(1000)),
    "kWh": ("energy", Decimal("0.0036")),
    "MWh": ("energy", Decimal("3.6")),
    "GWh": ("energy", Decimal(3600)),
    "g": ("mass", Decimal("0.001")),
    "kg": ("mass", Decimal(1)),
    "t": ("mass", Decimal(1000)),
    "L": ("volume", Decimal("0.001")),
    "m3": ("volume", Decimal(1)),
    "ML": ("volume", Decimal(1000)),
}
# Spellings people type, mapped to the symbols above (matched ignoring case).
_ALIASES = {
    "kilometre": "km", "kilometer": "km", "kilometres": "km", "kilometers": "km", "公里": "km", "千米": "km",
    "mile": "mi", "miles": "mi", "英里": "mi",
    "kwh": "kWh", "度": "kWh", "千瓦时": "kWh", "mwh": "MWh", "gwh": "GWh", "gj": "GJ", "tj": "TJ", "mj": "MJ",
    "kilogram": "kg", "kilograms": "kg", "千克": "kg", "公斤": "kg", "gram": "g", "grams": "g", "克": "g",
    "tonne": "t", "tonnes": "t", "吨": "t",
    "l": "L", "litre": "L", "liter": "L", "litres": "L", "liters": "L", "升": "L",
    "m³": "m3", "立方米": "m3",
}
_BY_FOLDED = {symbol.casefold(): symbol for symbol in _UNITS} | {k.casefold(): v for k, v in _ALIASES.items()}
# "ml" would be read as megalitre above; a millilitre is too easy to mean, so the ambiguity is refused instead.


def unit_symbol(unit: str, field: str = "unit") -> str:
    """The canonical symbol of `unit` ("kilograms" -> "kg"); CalculationError naming an unknown unit."""
    if unit in _UNITS:
        return unit
    if unit.strip() == "ml":
        raise CalculationError(field, Message("calc.unit_ambiguous_ml", "ambiguous unit 'ml': write ML for "
                                              "megalitres (million litres) or L for litres"))
    symbol = _BY_FOLDED.get(unit.strip().casefold())
    if symbol is None:
        raise CalculationError(field, Message("calc.unknown_unit", "unknown unit %(value)r (known: %(known)s)",
                                              value=unit, known=", ".join(_UNITS)))
    return symbol


def dimension(unit: str, field: str = "unit") -> str:
    """ "distance", "energy", "mass" or "volume"."""
    return _UNITS[unit_symbol(unit, field)][0]


def convert(value: Decimal, from_unit: str, to_unit: str, field: str = "unit") -> Decimal:
    """`value` in `from_unit` expressed in `to_unit`; CalculationError for unknown or incompatible units."""
    source, target = unit_symbol(from_unit, field), unit_symbol(to_unit, field)
    if source == target:
        return value
    (source_dimension, source_multiple), (target_dimension, target_multiple) = _UNITS[source], _UNITS[target]
    if source_dimension != target_dimension:
        raise CalculationError(field, Message("calc.unit_mismatch", "cannot convert %(source)s (%(source_dimension)s)"
                                              " to %(target)s (%(target_dimension)s)", source=source,
                                              source_dimension=source_dimension, target=target,
                                              target_dimension=target_dimension))
    return div(mul(value, source_multiple), target_multiple)


@dataclass(frozen=True)
class Quantity:
    """An amount with its unit, e.g. Quantity(Decimal("3"), "MWh")."""

    value: Decimal
    unit: str

    def to(self, unit: str, field: str = "unit") -> Quantity:
        return Quantity(convert(self.value, self.unit, unit, field), unit_symbol(unit, field))
