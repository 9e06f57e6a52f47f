"""碳普惠 points: the sourced rates and caps, impossible days refused, an import counted once per day."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from calculators.footprint import CalculationError
from calculators.points import (
    MAX_CYCLING_MINUTES,
    MAX_STEPS,
    LowCarbonDay,
    day_points,
    merge_step_import,
    read_step_csv,
)
from factors.sinks import default_sink_library

LIBRARY = default_sink_library()
DAY = date(2025, 3, 1)


def test_twenty_thousand_steps_reach_the_cap_of_three_hundred_points():
    points = day_points(LowCarbonDay(DAY, steps=20_000), LIBRARY)
    assert points.walk == 300 and points.capped == ("walk",)
    assert day_points(LowCarbonDay(DAY, steps=6_059), LIBRARY).walk == 100  # 60 steps a point, rounded down


def test_thirty_minutes_of_cycling_give_sixty_points():
    points = day_points(LowCarbonDay(DAY, cycling_minutes=30), LIBRARY)
    assert points.cycle == 60 and points.capped == ()
    assert day_points(LowCarbonDay(DAY, cycling_minutes=200), LIBRARY).cycle == 160


def test_bus_and_metro_show_points_and_avoided_grams_from_their_rules():
    points = day_points(LowCarbonDay(DAY, bus_trips=2, bus_km=Decimal(10), metro_trips=1, metro_km=Decimal(20)),
                        LIBRARY)
    assert points.bus == 20 and points.metro == 0  # 碳易行: 10 a bus trip; no metro points rule was found
    assert points.avoided_g_co2 == Decimal(10) * Decimal("26.9") + Decimal(20) * Decimal("46.7")


def test_an_impossible_day_is_refused_naming_the_field():
    with pytest.raises(CalculationError) as caught:
        day_points(LowCarbonDay(DAY, steps=200_000), LIBRARY)
    assert caught.value.field == "steps" and "200000" in str(caught.value)


def test_the_same_import_twice_leaves_the_totals_unchanged():
    text = "date,steps\n2025-03-01,8000\n2025-03-02,12000\n2025-03-02,12500\n"
    once = merge_step_import({}, read_step_csv(text))
    twice = merge_step_import(once, read_step_csv(text))
    assert once == twice == {date(2025, 3, 1): 8000, date(2025, 3, 2): 12500}
    with pytest.raises(CalculationError, match="line 3"):
        read_step_csv("date,steps\n2025-03-01,8000\n2025-03-02,lots\n")


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.integers(0, MAX_STEPS), st.integers(0, MAX_CYCLING_MINUTES), st.integers(0, 30)),
                min_size=1, max_size=60))
def test_no_generated_day_ever_passes_a_cap(days):
    for offset, (steps, minutes, trips) in enumerate(days):
        points = day_points(LowCarbonDay(DAY + timedelta(days=offset), steps=steps, cycling_minutes=minutes,
                                         bus_trips=trips), LIBRARY)
        assert 0 <= points.walk <= 300 and 0 <= points.cycle <= 160
        assert points.walk == min(300, steps // 60) and points.cycle == min(160, minutes * 2)
