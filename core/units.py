"""Unit codes of factors and line items ("passenger.km", "kg CO2e/room.night") as people read them, per language.

The codes stay in the data and the API; pages show them through these labels (Jinja filters `unit` and
`factor_unit`, registered by core.views), so that a Chinese page never shows "passenger.km". In a template, filter
variables only: Jinja folds a filter of a constant ('km'|unit) once, in the language of the first page rendered.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

# Every unit of factors.units.KNOWN_UNITS and the calculators' quantities; symbols read alike (kg, t, GJ) need none.
UNIT_LABELS = {
    "passenger.km": _l("passenger-km"),
    "vehicle.km": _l("vehicle-km"),
    "tonne.km": _l("tonne-km"),
    "room.night": _l("room-night"),
    "meal": _l("meal"),
    "attendee": _l("attendee"),
    "km": _l("km"),
    "kWh": _l("kWh"),
    "MWh": _l("MWh"),
    "L": _l("L"),
    "ML": _l("ML"),
    "m3": "m³",
    "m2": "m²",
}
_PER_KG = "kg CO2e/"


def unit_label(code: object) -> str:
    """The unit in the page's language; a code without a label (kg, t, GJ: symbols read alike) as it is."""
    label = UNIT_LABELS.get(str(code))
    return str(label) if label is not None else str(code)


def factor_unit_label(text: object) -> str:
    """ "kg CO2e/passenger.km" as "kg CO₂e/人·公里" on a Chinese page (calculators.footprint.factor_unit's form)."""
    text = str(text)
    if text.startswith(_PER_KG):
        return "kg CO₂e/" + unit_label(text.removeprefix(_PER_KG))
    return text.replace("CO2e", "CO₂e")
