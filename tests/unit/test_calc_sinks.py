"""Sink estimates equal hand calculations from the cited IPCC rows, warn outside the band and refuse bad input."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from calculators.footprint import CalculationError
from calculators.sinks import SinkOptions, SinkPlot, estimate_sinks
from factors.sinks import default_sink_library

LIBRARY = default_sink_library()
SIX = Decimal("0.000001")


def t(value: Decimal) -> Decimal:
    """Tonnes to the gram, half to even, as the estimate rounds each line."""
    return value.quantize(SIX)


def plot(**overrides) -> SinkPlot:
    values = {"area": Decimal(100), "species_group": "other_conifer", "origin": "planted", "stand_age": 0,
              "crediting_years": 5, "province": "CN-JX"}
    values.update(overrides)
    return SinkPlot(**values)


def test_a_chinese_fir_plantation_in_jiangxi_equals_table_4_10_times_table_4_4_by_hand():
    estimate = estimate_sinks([plot()], LIBRARY, SinkOptions(price_id=None))
    # Table 4.10 subtropical humid Asia G = 8; Table 4.3 CF = 0.47; Table 4.4 (2019) subtropical humid Asia
    # natural R = 0.230 while above-ground biomass (8 a year) stays at or below 125 t/ha.
    above = t(Decimal(100) * Decimal("8") * Decimal("0.47") * 44 / 12)
    below = t(Decimal(100) * Decimal("8") * Decimal("0.230") * Decimal("0.47") * 44 / 12)
    assert above == Decimal("1378.666667") and below == Decimal("317.093333")
    assert estimate.gross_t == 5 * (above + below)
    assert estimate.cumulative_t[0] == above + below and estimate.cumulative_t[-1] == estimate.gross_t
    first = estimate.plots[0].lines[1]
    assert {p.row_id for p in first.parameters} == {"ipcc19.g_plant.subtrop_humid.all",
                                                     "ipcc19.r.subtrop_humid.nat.le125", "ipcc06.cf.all"}
    assert any(n.code == "sink.natural_stands_in" for n in estimate.notes)
    assert any(n.code == "sink.zone_suggested" for n in estimate.notes)
    assert estimate.notes[0].code == "sink.ex_ante" and "CCER-14-001-V01" in estimate.notes[0]
    assert not estimate.warnings


def test_a_natural_broadleaf_stand_in_guangxi_changes_growth_row_after_twenty_years():
    estimate = estimate_sinks([plot(province="CN-GX", species_group="other_broadleaf", origin="natural",
                                    stand_age=15, crediting_years=10, area=Decimal("12.5"))], LIBRARY)
    # Table 4.9 subtropical humid Asia secondary: 2.5 up to 20 years, 1.0 after; R 0.230 (biomass ≤ 125).
    young = t(Decimal("12.5") * Decimal("2.5") * Decimal("0.47") * 44 / 12) + t(
        Decimal("12.5") * Decimal("2.5") * Decimal("0.230") * Decimal("0.47") * 44 / 12)
    old = t(Decimal("12.5") * Decimal("1.0") * Decimal("0.47") * 44 / 12) + t(
        Decimal("12.5") * Decimal("1.0") * Decimal("0.230") * Decimal("0.47") * 44 / 12)
    assert estimate.per_year_t == [young] * 5 + [old] * 5
    assert estimate.gross_t == 5 * young + 5 * old
    ages = [line.stand_age for line in estimate.plots[0].lines if line.pool == "above_ground"]
    assert ages == list(range(16, 26))


def test_a_pine_stand_in_heilongjiang_by_volume_equals_the_stock_change_by_hand():
    estimate = estimate_sinks([plot(province="CN-HL", species_group="pine", area=Decimal(15), area_unit="mu",
                                    stand_age=10, crediting_years=20, method="volume",
                                    growing_stock_start=Decimal(30), growing_stock_end=Decimal(120))],
                              LIBRARY, SinkOptions(uncertainty_discount_pct=Decimal(10), risk_buffer_pct=Decimal(20)))
    # 15 亩 = 1 ha. Table 4.5 temperate pines: BCEF_S 1.0 at 21–40 m³/ha, 0.7 at 100–200; Table 4.4 (2019)
    # temperate Asia planted conifer (Luo et al.) R = 0.224 at ≤ 125 t/ha (30 and 84 t/ha here).
    cf, r = Decimal("0.47"), Decimal("0.224")
    start_above, start_below = t(30 * Decimal("1.0") * cf * 44 / 12), t(30 * Decimal("1.0") * r * cf * 44 / 12)
    end_above, end_below = t(120 * Decimal("0.7") * cf * 44 / 12), t(120 * Decimal("0.7") * r * cf * 44 / 12)
    gross = end_above + end_below - start_above - start_below
    assert estimate.gross_t == gross
    uncertainty = (gross * Decimal("0.10")).quantize(SIX)
    buffer = ((gross - uncertainty) * Decimal("0.20")).quantize(SIX)
    assert (estimate.uncertainty_t, estimate.buffer_t) == (uncertainty, buffer)
    assert estimate.net_t == gross - uncertainty - buffer and estimate.net_credits == int(estimate.net_t)
    assert estimate.valuation.value_cny == (estimate.net_t * Decimal("70.76")).quantize(Decimal("0.01"))
    assert estimate.valuation.as_of == "2025-12-31"
    assert sum(estimate.per_year_t) == gross and len(estimate.per_year_t) == 20
    rows = {p.row_id for line in estimate.plots[0].lines for p in line.parameters}
    assert {"ipcc06.bcef_s.temp.pine.21_40", "ipcc06.bcef_s.temp.pine.100_200",
            "ipcc19.r.temp_asia_luo.plant.conifer.le125"} <= rows


def test_fourteen_thousand_mu_are_exactly_fourteen_thousand_fifteenths_of_a_hectare():
    estimate = estimate_sinks([plot(area=Decimal(14000), area_unit="mu", crediting_years=1)], LIBRARY)
    above = t(Decimal(14000) * Decimal("8") * Decimal("0.47") * 44 / (12 * 15))
    assert estimate.plots[0].lines[0].tonnes_co2 == above == Decimal("12867.555556")


def test_a_eucalyptus_plantation_in_the_dry_subtropics_warns_above_the_band():
    estimate = estimate_sinks([plot(species_group="eucalyptus", climate_zone="subtropical_dry")], LIBRARY)
    assert [w.code for w in estimate.warnings] == ["sink.above_band"]
    slow = estimate_sinks([plot(province="CN-YN", origin="natural", stand_age=40, root_shoot_ratio=Decimal("0.2"))],
                          LIBRARY)
    assert [w.code for w in slow.warnings] == []  # 0.5 × 1.2 × 0.47 × 44/12 ≈ 1.03 is inside the band
    slower = estimate_sinks([plot(province="CN-YN", origin="natural", stand_age=40, growth=Decimal("0.3"),
                                  root_shoot_ratio=Decimal("0.2"))], LIBRARY)
    assert [w.code for w in slower.warnings] == ["sink.below_band"]


@pytest.mark.parametrize(("overrides", "field"), [
    ({"area": Decimal(0)}, "area"),
    ({"area": Decimal(-3)}, "area"),
    ({"stand_age": 500}, "stand_age"),
    ({"species_group": "baobab"}, "species_group"),
    ({"crediting_years": 0}, "crediting_years"),
    ({"province": "CN-HI"}, "climate_zone"),
    ({"province": "CN-YN"}, "species_group"),  # no default R in the subtropical mountains
    ({"method": "volume"}, "growing_stock_start"),
    ({"method": "volume", "growing_stock_start": Decimal(50), "growing_stock_end": Decimal(40)},
     "growing_stock_end"),
])
def test_impossible_input_is_refused_naming_the_field(overrides, field):
    with pytest.raises(CalculationError) as caught:
        estimate_sinks([plot(**overrides)], LIBRARY)
    assert caught.value.field == field


def test_a_bad_plot_of_a_project_is_named_by_its_index():
    with pytest.raises(CalculationError) as caught:
        estimate_sinks([plot(), plot(area=Decimal(0))], LIBRARY)
    assert caught.value.field == "plots[1].area"


areas = st.decimals(min_value=Decimal("0.01"), max_value=Decimal(100000), places=2)


@settings(max_examples=60, deadline=None)
@given(small=areas, extra=areas, years=st.integers(1, 60), age=st.integers(0, 120),
       group=st.sampled_from(["eucalyptus", "pine", "other_conifer", "quercus", "other_broadleaf"]),
       origin=st.sampled_from(["planted", "natural"]))
def test_removals_grow_with_area_and_the_totals_are_sums_of_lines(small, extra, years, age, group, origin):
    base = plot(area=small, crediting_years=years, stand_age=age, species_group=group, origin=origin)
    bigger = plot(area=small + extra, crediting_years=years, stand_age=age, species_group=group, origin=origin)
    a, b = estimate_sinks([base], LIBRARY), estimate_sinks([bigger], LIBRARY)
    assert Decimal(0) < a.gross_t <= b.gross_t
    assert a.gross_t == sum(line.tonnes_co2 for line in a.plots[0].lines) == a.cumulative_t[-1]
    assert all(x <= y for x, y in zip(a.cumulative_t, a.cumulative_t[1:], strict=False))
    assert a.net_t <= a.gross_t


def test_the_estimate_is_valued_at_a_dated_sourced_market_price_or_at_the_users_own():
    cea = estimate_sinks([plot()], LIBRARY, SinkOptions(price_id="cea.2024_close", risk_buffer_pct=Decimal(10)))
    assert (cea.valuation.price_id, cea.valuation.price, cea.valuation.as_of) == ("cea.2024_close",
                                                                                  Decimal("97.49"), "2024-12-31")
    assert cea.valuation.value_cny == (cea.net_t * Decimal("97.49")).quantize(Decimal("0.01"))
    assert "2024 year-end close" in cea.valuation.source_ref and cea.valuation.source
    own = estimate_sinks([plot()], LIBRARY, SinkOptions(custom_price=Decimal("100")))
    assert (own.valuation.price_id, own.valuation.value_cny) == ("custom", (own.net_t * 100).quantize(Decimal("0.01")))
    assert estimate_sinks([plot()], LIBRARY, SinkOptions(price_id=None)).valuation is None
    for options, field in ((SinkOptions(price_id="gold"), "price_id"), (SinkOptions(custom_price=Decimal(-1)),
                                                                          "custom_price")):
        with pytest.raises(CalculationError) as caught:
            estimate_sinks([plot()], LIBRARY, options)
        assert caught.value.field == field
