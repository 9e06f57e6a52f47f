"""The factor loader: validation with precise file:line errors, immutability, hashing, search and diff."""

from __future__ import annotations

import csv
import dataclasses
import shutil
from decimal import Decimal
from pathlib import Path

import pytest

from factors import (
    DEFAULT_DATA_DIR,
    DEFAULT_VERSION,
    FactorDataError,
    FactorError,
    UnknownCategory,
    UnknownFactor,
    UnknownVersion,
    available_versions,
    default_factor_set,
    load_factor_set,
)
from factors.diff import diff_factor_sets
from factors.loader import FACTOR_COLUMNS, SOURCE_COLUMNS

SOURCE = ["src", "A title", "A publisher", "2024", "https://example.org", "not stated", "", "", ""]


def _row(factor_id: str, **changes: str) -> list[str]:
    values = {
        "id": factor_id, "category": "food", "activity": "consumption", "label_zh": "牛肉",
        "label_en": "Beef", "unit": "kg", "kgco2e_per_unit": "1.5", "gases": "CO2e", "region": "GLOBAL",
        "valid_year": "2024", "source_id": "src", "source_ref": "table 1", "notes": "", "cross_checked_at": "",
    }
    values.update(changes)
    return [values[c] for c in FACTOR_COLUMNS]


def _write_csv(path: Path, rows: list[list[str]], line_ending: str = "\n") -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as stream:
        csv.writer(stream, lineterminator=line_ending).writerows(rows)


def _read_csv(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8", newline="") as stream:
        return list(csv.reader(stream))


def _small_set(root: Path, rows: list[list[str]], version: str = DEFAULT_VERSION) -> Path:
    _write_csv(root / "sources.csv", [list(SOURCE_COLUMNS), SOURCE])
    _write_csv(root / version / "food.csv", [list(FACTOR_COLUMNS), *rows])
    return root


def _copy_shipped_data(tmp_path: Path) -> Path:
    return Path(shutil.copytree(DEFAULT_DATA_DIR, tmp_path / "data"))


def _errors(data_dir: Path, version: str = DEFAULT_VERSION) -> list[str]:
    with pytest.raises(FactorDataError) as caught:
        load_factor_set(version, data_dir=data_dir)
    return caught.value.errors


def test_a_table_corrupted_four_ways_gives_one_precise_error_per_bad_row(tmp_path):
    data_dir = _copy_shipped_data(tmp_path)
    table = data_dir / DEFAULT_VERSION / "food.csv"
    rows = _read_csv(table)
    unit, value, source = (FACTOR_COLUMNS.index(c) for c in ("unit", "kgco2e_per_unit", "source_id"))
    rows[1][unit] = "kgs"  # line 2
    rows[2][value] = "-4.67"  # line 3
    rows[3][source] = "no-such-source"  # line 4
    rows[4][0] = rows[1][0]  # line 5 repeats the id of line 2
    _write_csv(table, rows)

    errors = _errors(data_dir)

    assert len(errors) == 4
    assert errors[0].startswith(f"{table}:2: unknown unit 'kgs' (known: kWh, MWh, GJ")
    assert errors[1] == f"{table}:3: kgco2e_per_unit '-4.67' is not a finite positive decimal"
    assert errors[2] == f"{table}:4: unknown source 'no-such-source' (not in sources.csv)"
    assert errors[3] == f"{table}:5: duplicate id '{rows[1][0]}' (first used at {table}:2)"


def test_a_missing_column_is_reported_once_on_the_header_line(tmp_path):
    data_dir = _copy_shipped_data(tmp_path)
    table = data_dir / DEFAULT_VERSION / "water.csv"
    notes = FACTOR_COLUMNS.index("notes")
    _write_csv(table, [row[:notes] + row[notes + 1:] for row in _read_csv(table)])

    assert _errors(data_dir) == [f"{table}:1: missing required column(s): notes"]


def test_columns_in_the_wrong_order_are_a_wrong_header(tmp_path):
    data_dir = _small_set(tmp_path, [])
    table = data_dir / DEFAULT_VERSION / "food.csv"
    header = list(FACTOR_COLUMNS)
    header[0], header[1] = header[1], header[0]
    _write_csv(table, [header])

    [error] = _errors(data_dir)
    assert error.startswith(f"{table}:1: wrong header: expected id,category,")


def test_every_kind_of_bad_field_is_named_with_its_value(tmp_path):
    data_dir = _small_set(tmp_path, [
        _row("ok.row"),
        _row("bad.category", category="snacks"),
        _row("bad.region", region="CN-ZZ"),
        _row("bad.year", valid_year="n/a"),
        _row("bad.value", kgco2e_per_unit="1e-3"),
        _row("zero.value", kgco2e_per_unit="0"),
        _row("missing.label", label_zh=""),
        _row("Bad Id"),
    ])
    table = data_dir / DEFAULT_VERSION / "food.csv"

    assert _errors(data_dir) == [
        f"{table}:3: unknown category 'snacks' (known: electricity, fuel, heat, refrigerant, flight, rail, "
        "road, hotel, meal, food, material, waste, water)",
        f"{table}:4: unknown region 'CN-ZZ' (see factors.regions.KNOWN_REGIONS)",
        f"{table}:5: bad valid_year 'n/a' (expected a four-digit year)",
        f"{table}:6: kgco2e_per_unit '1e-3' is not a finite positive decimal",
        f"{table}:7: kgco2e_per_unit '0' is not a finite positive decimal",
        f"{table}:8: missing required field 'label_zh'",
        f"{table}:9: bad id 'Bad Id' (lower-case letters, digits, '.', '_' and '-' only)",
    ]


def test_two_problems_in_one_row_are_one_error_naming_both(tmp_path):
    data_dir = _small_set(tmp_path, [_row("two.problems", unit="kgs", region="Mars")])

    [error] = _errors(data_dir)
    assert "unknown unit 'kgs'" in error and "unknown region 'Mars'" in error


def test_errors_from_every_file_are_collected_before_raising(tmp_path):
    data_dir = _copy_shipped_data(tmp_path)
    for name in ("hotels.csv", "water.csv"):
        table = data_dir / DEFAULT_VERSION / name
        rows = _read_csv(table)
        rows[2][FACTOR_COLUMNS.index("unit")] = "bucket"
        _write_csv(table, rows)

    errors = _errors(data_dir)

    assert [e.split(": ")[0] for e in errors] == [
        f"{data_dir / DEFAULT_VERSION / 'hotels.csv'}:3",
        f"{data_dir / DEFAULT_VERSION / 'water.csv'}:3",
    ]


def test_line_numbers_are_physical_lines_even_after_a_multi_line_field(tmp_path):
    rows = [_row("two.lines", notes="first line\nsecond line"), _row("bad", unit="x")]
    data_dir = _small_set(tmp_path, rows)

    [error] = _errors(data_dir)
    assert error.startswith(f"{data_dir / DEFAULT_VERSION / 'food.csv'}:4: unknown unit 'x'")


def test_a_bad_source_row_is_reported_without_repeating_it_for_its_factors(tmp_path):
    data_dir = _small_set(tmp_path, [_row("uses.src")])
    sources = data_dir / "sources.csv"
    _write_csv(sources, [list(SOURCE_COLUMNS), SOURCE[:3] + ["circa 2020"] + SOURCE[4:], SOURCE])

    assert _errors(data_dir) == [
        f"{sources}:2: bad year 'circa 2020' (expected a year such as 2024, or 'not stated')",
        f"{sources}:3: duplicate source id 'src' (first used at {sources}:2)",
    ]


def test_values_are_kept_exactly_as_printed(tmp_path):
    data_dir = _small_set(tmp_path, [_row("trailing.zeros", kgco2e_per_unit="0.5500"),
                                     _row("float.artefact", kgco2e_per_unit="59.599999999999994")])
    factor_set = load_factor_set(data_dir=data_dir)

    assert str(factor_set.get("trailing.zeros").kgco2e_per_unit) == "0.5500"
    assert factor_set.get("float.artefact").kgco2e_per_unit == Decimal("59.599999999999994")


def test_an_unknown_factor_id_raises_unknown_factor_naming_the_id():
    with pytest.raises(UnknownFactor) as caught:
        default_factor_set().get("air.to.the.moon")

    assert isinstance(caught.value, KeyError) and isinstance(caught.value, FactorError)
    assert "air.to.the.moon" in str(caught.value) and DEFAULT_VERSION in str(caught.value)


def test_an_unknown_version_names_the_available_ones(tmp_path):
    with pytest.raises(UnknownVersion, match="2099.9.*2025.1"):
        load_factor_set("2099.9")


def test_available_versions_lists_version_directories_oldest_first(tmp_path):
    for version in ("2025.10", "2025.2", "2024.1"):
        _small_set(tmp_path, [_row("x")], version=version)
    (tmp_path / "notes").mkdir()

    assert available_versions(tmp_path) == ("2024.1", "2025.2", "2025.10")
    assert DEFAULT_VERSION in available_versions()


def test_a_factor_set_cannot_be_changed():
    factor_set = default_factor_set()
    with pytest.raises(TypeError):
        factor_set.factors["new"] = factor_set.get("hotel.china")  # type: ignore[index]
    with pytest.raises(dataclasses.FrozenInstanceError):
        factor_set.version = "2000.1"  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        factor_set.get("hotel.china").kgco2e_per_unit = Decimal("1")  # type: ignore[misc]


def test_the_default_factor_set_is_loaded_once():
    assert default_factor_set() is default_factor_set()
    assert default_factor_set().version == DEFAULT_VERSION


def test_the_content_hash_ignores_line_endings_but_not_values(tmp_path):
    data_dir = _copy_shipped_data(tmp_path)
    original = load_factor_set(data_dir=data_dir).content_hash
    table = data_dir / DEFAULT_VERSION / "meals.csv"
    rows = _read_csv(table)
    _write_csv(table, rows, line_ending="\r\n")

    assert load_factor_set(data_dir=data_dir).content_hash == original == default_factor_set().content_hash

    rows[1][FACTOR_COLUMNS.index("kgco2e_per_unit")] += "1"
    _write_csv(table, rows)
    assert load_factor_set(data_dir=data_dir).content_hash != original


def test_search_ignores_case_and_looks_at_ids_labels_and_activity():
    factor_set = default_factor_set()

    assert "beef_beef_herd" in {f.id for f in factor_set.search("BEEF", category="food")}
    assert "beef_beef_herd" in {f.id for f in factor_set.search("牛肉")}
    assert {f.category for f in factor_set.search("room_night")} == {"hotel"}
    assert {f.id for f in factor_set.search("economy international with rf")} >= {"air.intl.economy.with_rf"}
    assert all(f.category == "meal" for f in factor_set.search("", category="meal"))


def test_categories_are_listed_in_their_fixed_order_and_unknown_ones_are_refused():
    factor_set = default_factor_set()

    assert factor_set.categories()[:3] == ("electricity", "fuel", "heat")
    with pytest.raises(UnknownCategory, match="snacks"):
        factor_set.by_category("snacks")


def test_the_diff_lists_added_removed_and_changed_factors_with_the_relative_change(tmp_path):
    rows = [_row("same"), _row("reprinted", kgco2e_per_unit="0.55"), _row("changes", kgco2e_per_unit="2"),
            _row("removed")]
    _small_set(tmp_path, rows, version="2025.1")
    _small_set(tmp_path, [_row("same"), _row("reprinted", kgco2e_per_unit="0.5500"),
                          _row("changes", kgco2e_per_unit="2.5"), _row("added")], version="2025.2")

    old, new = (load_factor_set(version, data_dir=tmp_path) for version in ("2025.1", "2025.2"))
    diff = diff_factor_sets(old, new)

    assert (diff.old_version, diff.new_version) == ("2025.1", "2025.2")
    assert diff.added == ("added",)
    assert diff.removed == ("removed",)
    [change] = diff.changed
    assert (change.id, change.old_value, change.new_value) == ("changes", Decimal("2"), Decimal("2.5"))
    assert change.relative_change == Decimal("0.25")
    assert not diff.is_empty


def test_a_version_compared_with_itself_has_an_empty_diff():
    factor_set = default_factor_set()

    assert diff_factor_sets(factor_set, factor_set).is_empty


def test_a_table_written_before_the_cross_check_column_loads_and_hashes_as_if_the_column_were_empty(tmp_path):
    legacy_columns = [c for c in FACTOR_COLUMNS if c != "cross_checked_at"]
    legacy = _small_set(tmp_path / "legacy", [])
    _write_csv(legacy / DEFAULT_VERSION / "food.csv", [legacy_columns, _row("beef")[:-1]])
    current = _small_set(tmp_path / "current", [_row("beef")])
    old, new = load_factor_set(data_dir=legacy), load_factor_set(data_dir=current)
    assert old.get("beef").cross_checked_at == "" and old.content_hash == new.content_hash
    checked = _small_set(tmp_path / "checked", [_row("beef", cross_checked_at="a mirror")])
    assert load_factor_set(data_dir=checked).get("beef").cross_checked_at == "a mirror"
    assert load_factor_set(data_dir=checked).content_hash != new.content_hash


def test_a_filled_source_metadata_column_changes_the_hash_and_an_empty_one_does_not(tmp_path):
    plain = _small_set(tmp_path / "plain", [_row("beef")])
    legacy = _small_set(tmp_path / "legacy", [_row("beef")])
    _write_csv(legacy / "sources.csv", [list(SOURCE_COLUMNS[:6]), SOURCE[:6]])
    documented = _small_set(tmp_path / "documented", [_row("beef")])
    _write_csv(documented / "sources.csv", [list(SOURCE_COLUMNS), SOURCE[:6] + ["doi:10.1/x", "Table 2", ""]])
    hashes = [load_factor_set(data_dir=d).content_hash for d in (plain, legacy, documented)]
    assert hashes[0] == hashes[1] != hashes[2]
    source = load_factor_set(data_dir=documented).get("beef").source
    assert (source.document_number, source.table_ref, source.cross_checked_at) == ("doi:10.1/x", "Table 2", "")
