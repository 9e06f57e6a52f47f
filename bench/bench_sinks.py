"""Sink estimates per second in-process for a 1,000-plot project, against bare Decimal arithmetic of its lines."""

from __future__ import annotations

import time
from decimal import Decimal

from bench.common import report
from calculators.sinks import SinkPlot, estimate_sinks
from factors.sinks import default_sink_library

PLOTS = 1000
YEARS = 20
GROUPS = ("other_conifer", "pine", "other_broadleaf", "eucalyptus")


def _project() -> list[SinkPlot]:
    return [SinkPlot(area=Decimal(10 + i % 50), area_unit="mu" if i % 2 else "ha", species_group=GROUPS[i % 4],
                     origin="planted" if i % 3 else "natural", stand_age=i % 30, crediting_years=YEARS,
                     province=("CN-JX", "CN-GD", "CN-HN")[i % 3]) for i in range(PLOTS)]


def _rate(function, seconds: float = 3.0) -> float:
    count, started = 0, time.perf_counter()
    while (elapsed := time.perf_counter() - started) < seconds or count == 0:
        function()
        count += 1
    return count / elapsed


def run() -> None:
    library = default_sink_library()
    plots = _project()
    lines = sum(len(p.lines) for p in estimate_sinks(plots, library).plots)
    factors = [(Decimal(10 + i % 50), Decimal(8), Decimal("1.23")) for i in range(lines // 2)]

    def bare_arithmetic():
        return sum((a * g * r * Decimal("0.47") * 44 / 12 for a, g, r in factors), Decimal(0))

    baseline = _rate(bare_arithmetic)
    rate = _rate(lambda: estimate_sinks(plots, library))
    report(f"sink estimates in-process ({PLOTS:,} plots × {YEARS} years, {lines:,} lines)", rate, "projects/s",
           baseline=baseline, baseline_name=f"{lines // 2:,} bare Decimal A×G×(1+R)×CF×44/12")
    report("sink estimates in-process, per plot", rate * PLOTS, "plots/s", baseline=baseline * PLOTS,
           baseline_name="the same bare arithmetic per project, × plots")
