"""碳普惠 points of a citizen's low-carbon day and its estimated avoided emissions, from sourced rules; pure.

Walking and cycling earn points by the 碳中惠 rules with their daily caps; a bus trip earns the 碳易行 points;
bus and metro kilometres avoid the Shenzhen methodology's grams per passenger-km. Walking and cycling show no
avoided emissions: no citable factor was found. A day outside the plausibility bounds is refused, not capped.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_FLOOR, Decimal

from calculators.footprint import CalculationError, Message
from factors.sinks import SinkLibrary

# Plausibility bounds of one person's day (the service's limits, not sourced rules): beyond these a day is a
# typing or device error, e.g. 200,000 steps (about 140 km on foot).
MAX_STEPS = 100_000
MAX_CYCLING_MINUTES = 16 * 60
MAX_RIDES = 30
MAX_RIDE_KM = Decimal(200)


@dataclass(frozen=True)
class LowCarbonDay:
    day: date
    steps: int = 0
    cycling_minutes: int = 0
    bus_trips: int = 0
    bus_km: Decimal = Decimal(0)
    metro_trips: int = 0
    metro_km: Decimal = Decimal(0)


@dataclass(frozen=True)
class DayPoints:
    day: date
    walk: int
    cycle: int
    bus: int
    metro: int
    avoided_g_co2: Decimal  # grams, estimated
    capped: tuple[str, ...]  # actions whose daily cap was reached
    rules: tuple[str, ...]  # the rule ids used

    @property
    def total(self) -> int:
        return self.walk + self.cycle + self.bus + self.metro


def _bounded(field_name: str, value, maximum) -> None:
    if value < 0 or value > maximum:
        raise CalculationError(field_name, Message(
            "points.impossible_day", "%(value)s is not a possible day (0 to %(max)s)", value=value, max=maximum))


def day_points(day: LowCarbonDay, library: SinkLibrary) -> DayPoints:
    """The points and avoided grams of one day; CalculationError names an impossible field."""
    _bounded("steps", day.steps, MAX_STEPS)
    _bounded("cycling_minutes", day.cycling_minutes, MAX_CYCLING_MINUTES)
    _bounded("bus_trips", day.bus_trips, MAX_RIDES)
    _bounded("metro_trips", day.metro_trips, MAX_RIDES)
    _bounded("bus_km", day.bus_km, MAX_RIDE_KM * MAX_RIDES)
    _bounded("metro_km", day.metro_km, MAX_RIDE_KM * MAX_RIDES)
    rule = library.rule
    capped = []
    walk = int((Decimal(day.steps) / rule("walk.steps_per_point").value).to_integral_value(rounding=ROUND_FLOOR))
    if walk >= rule("walk.daily_point_cap").value:
        walk, capped = int(rule("walk.daily_point_cap").value), [*capped, "walk"]
    cycle = int(day.cycling_minutes * rule("cycle.points_per_minute").value)
    if cycle >= rule("cycle.daily_point_cap").value:
        cycle, capped = int(rule("cycle.daily_point_cap").value), [*capped, "cycle"]
    bus = int(day.bus_trips * rule("bus.points_per_trip").value)
    avoided = day.bus_km * rule("bus.avoided_g_per_pkm").value + day.metro_km * rule("metro.avoided_g_per_pkm").value
    rules = ("walk.steps_per_point", "walk.daily_point_cap", "cycle.points_per_minute", "cycle.daily_point_cap",
             "bus.points_per_trip", "bus.avoided_g_per_pkm", "metro.avoided_g_per_pkm")
    return DayPoints(day.day, walk, cycle, bus, 0, avoided, tuple(capped), rules)


def merge_step_import(existing: Mapping[date, int], rows: Iterable[tuple[date, int]]) -> dict[date, int]:
    """Steps by day after an import: a day in the file replaces that day's steps, so importing twice changes
    nothing; two rows for one day in one file keep the larger count (step counters export running totals)."""
    merged = dict(existing)
    seen: dict[date, int] = {}
    for day, steps in rows:
        seen[day] = max(steps, seen.get(day, 0))
    merged.update(seen)
    return merged


def read_step_csv(text: str) -> list[tuple[date, int]]:
    """Rows of a step-counter export (`date,steps`, a header allowed); errors name the line."""
    rows = []
    for number, line in enumerate(text.splitlines(), start=1):
        cells = [c.strip() for c in line.split(",")]
        if not line.strip() or (number == 1 and not cells[0][:1].isdigit()):
            continue
        try:
            day, steps = date.fromisoformat(cells[0]), int(cells[1])
        except (ValueError, IndexError):
            raise CalculationError(f"line {number}", Message(
                "points.bad_csv_line", "line %(line)s: expected a date (2025-03-01) and a whole number of steps",
                line=number)) from None
        if not 0 <= steps <= MAX_STEPS:
            raise CalculationError(f"line {number}", Message(
                "points.impossible_steps", "line %(line)s: %(value)s steps is not a possible day (0 to %(max)s)",
                line=number, value=steps, max=MAX_STEPS))
        rows.append((day, steps))
    return rows
