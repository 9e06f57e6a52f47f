"""Publishing factor sets: idempotent, immutable once published, and bad files refused with file:line."""

from __future__ import annotations

import shutil

import pytest

from errors import Conflict
from factors import load_factor_set
from factors.loader import DEFAULT_DATA_DIR
from factorsets import service


def _copy_data(tmp_path):
    target = tmp_path / "data"
    shutil.copytree(DEFAULT_DATA_DIR, target)
    return target


def test_publishing_the_same_version_again_changes_nothing(session):
    result = service.publish_factor_set(session=session, factor_set=load_factor_set())
    assert result.created is False
    assert result.factor_count == len(load_factor_set().factors)


def test_a_published_version_whose_files_changed_is_refused(session, tmp_path):
    service.publish_factor_set(session=session, factor_set=load_factor_set("2025.1"))
    data = _copy_data(tmp_path)
    path = data / "2025.1" / "water.csv"
    lines = path.read_text().splitlines()
    header, first = lines[0].split(","), lines[1].split(",")
    value_index = header.index("kgco2e_per_unit")
    first[value_index] = "9" + first[value_index]
    lines[1] = ",".join(first)
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(Conflict, match="immutable"):
        service.publish_factor_set(session=session, factor_set=load_factor_set("2025.1", data_dir=data))
    page = service.search_factors(session=session, version="2025.1", category="water")
    assert {str(f.kgco2e_per_unit) for f, _s in page.items} == {
        str(f.kgco2e_per_unit) for f in load_factor_set("2025.1").by_category("water")}


def test_the_load_command_reports_each_bad_row_and_exits_non_zero(app, tmp_path):
    data = _copy_data(tmp_path)
    path = data / "2025.1" / "water.csv"
    lines = path.read_text().splitlines()
    header = lines[0].split(",")
    bad = lines[1].split(",")
    bad[header.index("unit")] = "furlongs"
    lines[1] = ",".join(bad)
    path.write_text("\n".join(lines) + "\n")
    result = app.test_cli_runner().invoke(args=["factors", "load", "--data-dir", str(data)])
    assert result.exit_code != 0
    assert f"{path}:2:" in result.output and "furlongs" in result.output


def test_the_list_command_names_an_unknown_version(app):
    result = app.test_cli_runner().invoke(args=["factors", "list", "--version", "9999.9"])
    assert result.exit_code != 0 and "9999.9" in result.output


def test_the_diff_command_shows_changed_factors_and_how_each_persona_moves(app, tmp_path):
    data = _copy_data(tmp_path)
    shutil.copytree(data / "2025.2", data / "2025.3")
    path = data / "2025.3" / "land_travel.csv"
    text = path.read_text()
    path.write_text(text.replace(",0.03048,", ",0.06096,"))
    result = app.test_cli_runner().invoke(args=["factors", "diff", "2025.2", "2025.3", "--data-dir", str(data)])
    assert result.exit_code == 0, result.output
    assert "~ cn_hsr_full: 0.03048 -> 0.06096 (+100.00%)" in result.output
    assert "0 added, 0 removed, 1 changed" in result.output
    hsr_line = next(line for line in result.output.splitlines() if "shanghai_attendee_by_hsr" in line)
    metro_line = next(line for line in result.output.splitlines() if "beijing_metro_commuter" in line)
    assert "(+0.00%)" not in hsr_line and "(+0.00%)" in metro_line


def test_the_load_command_publishes_every_version_and_keeps_each_ones_own_sources(app, session):
    result = app.test_cli_runner().invoke(args=["factors", "load"])
    assert result.exit_code == 0, result.output
    assert "factor set 2025.1: 412 factors, published" in result.output
    assert "factor set 2025.2" in result.output and "already published, unchanged" in result.output
    old = service.get_factor(session=session, version="2025.1", factor_id="beef_beef_herd")
    new = service.get_factor(session=session, version="2025.2", factor_id="beef_beef_herd")
    assert old[1].source_id == "owid-poore-nemecek-ghg-per-kg" and old[1].cross_checked_at == ""
    assert new[1].source_id == "poore-nemecek-2018" and new[1].url == "https://doi.org/10.1126/science.aaq0216"
    assert "njsuthe/GhGlabeling" in new[1].cross_checked_at and new[1].document_number
    assert "nightingale-owid" in new[0].cross_checked_at
    again = app.test_cli_runner().invoke(args=["factors", "load"])
    assert again.exit_code == 0 and again.output.count("already published, unchanged") == 2


def test_the_list_command_prints_values_as_printed_never_as_float_artefacts(app):
    result = app.test_cli_runner().invoke(args=["factors", "list", "--version", "2025.1", "--category", "food"])
    assert result.exit_code == 0, result.output
    beef = next(line for line in result.output.splitlines() if line.startswith("med_beef_beef_herd "))
    assert " 59.6 kgCO2e/kg" in beef and "59.59999" not in result.output
