"""The units a factor may be expressed per (the denominator of kg CO2e per unit)."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import NamedTuple


class UnitInfo(NamedTuple):
    label_zh: str
    label_en: str


KNOWN_UNITS: Mapping[str, UnitInfo] = MappingProxyType({
    "kWh": UnitInfo("千瓦时", "kilowatt-hour"),
    "MWh": UnitInfo("兆瓦时", "megawatt-hour"),
    "GJ": UnitInfo("吉焦", "gigajoule"),
    "TJ": UnitInfo("太焦", "terajoule"),
    "m3": UnitInfo("立方米", "cubic metre"),
    "L": UnitInfo("升", "litre"),
    "ML": UnitInfo("百万升", "megalitre (million litres)"),
    "kg": UnitInfo("千克", "kilogram"),
    "t": UnitInfo("吨", "tonne"),
    "passenger.km": UnitInfo("人·公里", "passenger-kilometre"),
    "vehicle.km": UnitInfo("车·公里", "vehicle-kilometre"),
    "tonne.km": UnitInfo("吨·公里", "tonne-kilometre"),
    "room.night": UnitInfo("间·夜", "room-night"),
    "meal": UnitInfo("餐", "meal"),
})
