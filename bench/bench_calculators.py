"""Personal footprints per second in-process (10 line items), against bare Decimal arithmetic of 10 items."""

from __future__ import annotations

import time
from decimal import Decimal

from bench.common import report
from calculators.personal import FoodItem, Lodging, PersonalInput, personal_footprint
from calculators.travel import Leg
from factors import default_factor_set

TARGET_PER_SECOND = 20_000

PERSON = PersonalInput(
    legs=(Leg(mode="flight", origin="PEK", destination="SHA"),
          Leg(mode="flight", origin="SHA", destination="CAN", cabin="business"),
          Leg(mode="rail", rail_type="high_speed", distance_km=Decimal("500")),
          Leg(mode="taxi", distance_km=Decimal("18")),
          Leg(mode="metro", distance_km=Decimal("12"), round_trip=True)),
    lodging=(Lodging(country="CN", nights=Decimal(2)),),
    meals={"vegetarian": 3, "beef_lamb": 1},
    food=(FoodItem(item="beef", kg=Decimal("1")), FoodItem(item="rice", kg=Decimal("2"))),
)


def _rate(function, seconds: float = 2.0) -> float:
    count, started = 0, time.perf_counter()
    while (elapsed := time.perf_counter() - started) < seconds:
        for _ in range(200):
            function()
        count += 200
    return count / elapsed


def run() -> None:
    factor_set = default_factor_set()
    footprint = personal_footprint(PERSON, factor_set)
    items = len(footprint.items)
    quantities = [item.quantity for item in footprint.items]
    values = [item.factor_value for item in footprint.items]

    def bare_arithmetic():
        return sum((q * v for q, v in zip(quantities, values, strict=True)), Decimal(0))

    baseline = _rate(bare_arithmetic)
    rate = _rate(lambda: personal_footprint(PERSON, factor_set))
    report(f"personal footprints in-process ({items} line items)", rate, "footprints/s", baseline=baseline,
           baseline_name=f"{items} bare Decimal multiply-adds", target=f">= {TARGET_PER_SECOND:,}/s",
           ok=rate >= TARGET_PER_SECOND)
