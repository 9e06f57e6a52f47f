"""The sink library: IPCC rows as printed, 碳普惠 rules, prices, and validation naming file and line."""

from __future__ import annotations

import shutil
from decimal import Decimal

import pytest

from factors import DEFAULT_DATA_DIR, FactorDataError, default_factor_set, load_factor_set
from factors.sinks import default_sink_library, load_sink_library, parse_condition


def test_every_ipcc_value_reads_exactly_as_the_table_prints_it():
    rows = default_sink_library().parameters
    printed = {
        "ipcc06.cf.all": "0.47",
        "ipcc19.r.subtrop_humid.nat.le125": "0.230", "ipcc19.r.subtrop_humid.nat.gt125": "0.246",
        "ipcc19.r.subtrop_dry.nat.le125": "0.440",
        "ipcc19.r.temp_cont.plant.broadleaf.le125": "0.303", "ipcc19.r.temp_cont.plant.broadleaf.gt125": "0.221",
        "ipcc19.r.temp_mount.nat.conifer.gt125": "0.240", "ipcc19.r.temp_mount.nat.broadleaf.le125": "0.500",
        "ipcc19.r.temp_asia_luo.plant.conifer.le125": "0.224", "ipcc19.r.temp_asia_luo.plant.conifer.gt125": "0.232",
        "ipcc19.r.temp_asia_luo.plant.broadleaf.le125": "0.307",
        "ipcc19.r.temp_asia_luo.plant.broadleaf.gt125": "0.248",
        "ipcc06.r.temp.conifer.lt50": "0.40", "ipcc06.r.temp.conifer.50_150": "0.29",
        "ipcc06.r.temp.quercus.gt70": "0.30", "ipcc06.r.temp.broadleaf.gt150": "0.24",
        "ipcc06.r.subtrop_dry.lt20": "0.56", "ipcc06.r.boreal.gt75": "0.24",
        "ipcc06.bcef_s.temp.hardwood.100_200": "1.05", "ipcc06.bcef_s.temp.pine.41_100": "0.75",
        "ipcc06.bcef_s.temp.other_conifer.le20": "3.0",
        "ipcc19.g_nat.subtrop_humid.le20": "2.5", "ipcc19.g_nat.subtrop_humid.gt20": "1.0",
        "ipcc19.g_nat.subtrop_mount.gt20": "0.5",
        "ipcc19.g_plant.subtrop_humid.all": "8", "ipcc19.g_plant.subtrop_dry.eucalyptus": "15",
        "ipcc19.g_plant.subtrop_dry.other": "7", "ipcc19.g_plant.subtrop_mount.eucalyptus": "3",
        "ipcc19.g_plant.subtrop_mount.other": "5",
    }
    for row_id, text in printed.items():
        assert str(rows[row_id].value) == text, row_id
    assert rows["ipcc19.g_plant.subtrop_dry.eucalyptus"].value_range == "5-25"
    for row in rows.values():
        assert "Table 4." in row.source_ref, row.id
        assert row.source.id in ("ipcc-2006-v4-ch4", "ipcc-2019-v4-ch4")
    assert "giacomo-gcad/carbon" in default_sink_library().parameters["ipcc19.r.subtrop_humid.nat.le125"]\
        .cross_checked_at


def test_points_rules_and_avoided_emissions_name_their_sources():
    rules = default_sink_library().inclusion
    assert rules["walk.steps_per_point"].value == 60 and rules["walk.daily_point_cap"].value == 300
    assert rules["cycle.points_per_minute"].value == 2 and rules["cycle.daily_point_cap"].value == 160
    assert rules["bus.points_per_trip"].value == 10 and "碳易行" in rules["bus.points_per_trip"].source_ref
    assert rules["metro.avoided_g_per_pkm"].value == Decimal("46.7")
    assert rules["bus.avoided_g_per_pkm"].value == Decimal("26.9")
    assert rules["metro.avoided_g_per_pkm"].source.year == "2021"
    prices = default_sink_library().prices
    assert prices["ccer.2025_average"].value == Decimal("70.76") and prices["ccer.2025_average"].as_of
    assert prices["cea.2025_average"].value == Decimal("62.36")


def test_conditions_are_intervals_with_their_printed_ends():
    middle = parse_condition("50<=agb<=150")
    assert middle.holds(Decimal(50)) and middle.holds(Decimal(150)) and not middle.holds(Decimal("150.1"))
    assert not parse_condition("agb>125").holds(Decimal(125)) and parse_condition("agb<=125").holds(Decimal(125))
    assert parse_condition("20<gs<=40").holds(Decimal("20.5")) and not parse_condition("20<gs<=40").holds(Decimal(20))
    with pytest.raises(ValueError, match="bad condition"):
        parse_condition("height>3")


def test_the_emission_factor_set_is_unchanged_by_the_sink_tables():
    # The sink tables live in a subfolder the factor loader does not read.
    assert "ipcc06.cf.all" not in default_factor_set().factors
    assert load_factor_set("2025.1").content_hash == (
        "8579a871dbf18a23eaac6e5f12463faae7c5a1328ba2af5ecf4d710639ab2455")


def test_a_bad_row_is_named_by_file_and_line(tmp_path):
    data = tmp_path / "data"
    shutil.copytree(DEFAULT_DATA_DIR, data)
    table = data / "2025.2" / "sinks" / "sink_parameters.csv"
    lines = table.read_text(encoding="utf-8").splitlines()
    lines[2] = lines[2].replace(",0.230,", ",-0.230,")
    lines[3] = lines[3].replace("subtropical_humid", "tropical_wet", 1)
    table.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(FactorDataError) as caught:
        load_sink_library("2025.2", data_dir=data)
    text = "\n".join(caught.value.errors)
    assert f"{table}:3: value '-0.230'" in text
    assert f"{table}:4: unknown climate_zone 'tropical_wet'" in text
