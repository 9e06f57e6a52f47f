"""Places for travel distances: the shipped city table and IATA airports, by Chinese or English name."""

from __future__ import annotations

import csv
import difflib
import math
import re
import unicodedata
from contextlib import suppress
from dataclasses import dataclass
from decimal import Decimal
from functools import cache, lru_cache
from pathlib import Path

import airportsdata

CITIES_CSV = Path(__file__).resolve().parent / "data" / "cities.csv"
MAX_SUGGESTIONS = 5
MAX_TYPEAHEAD = 8  # labels offered while an attendee types a place
# Division suffixes a user may add or leave out (北京市 / 北京, 喀什地区 / 喀什市 / 喀什); longest first.
_ZH_SUFFIXES = ("特别行政区", "自治州", "地区", "林区", "盟", "市")
# The same in romanised or English input (Beijing Shi, Kashgar Prefecture, Xilinguole Meng).
_LATIN_SUFFIXES = ("zizhizhou", "prefecture", "league", "diqu", "city", "meng", "shi")
# An airport's city is matched to a table city of that name only this close, so Yichun airport in Jiangxi
# is not labelled with Yichun in Heilongjiang.
_AIRPORT_CITY_RADIUS_KM = 150.0


@dataclass(frozen=True)
class Place:
    """A city from the table or an airport, at decimal-degree coordinates (datums: data/city_sources.md)."""

    kind: str  # "airport" | "city"
    code: str  # IATA code for airports, table id (cn-440100, gn-2643743) for cities
    name_zh: str  # empty for airports and for the few world cities without a sourced Chinese name
    name_en: str
    country: str  # ISO 3166-1 alpha-2
    province: str  # ISO 3166-2 (CN-GD) for mainland Chinese places, else empty
    lat: Decimal
    lon: Decimal
    pinyin: str = ""  # cities in Greater China: toneless pinyin of the short Chinese name ("yan bian")
    city: str = ""  # airports: the city served, as airportsdata names it
    city_zh: str = ""  # airports: that city's Chinese name when the city table has it nearby

    @property
    def label(self) -> str:
        """A bilingual label for lists and error messages: "Shanghai 上海", "PEK Beijing Capital ..."."""
        if self.kind == "airport":
            city = " ".join(part for part in (self.city, self.city_zh) if part)
            return f"{self.code} {self.name_en}" + (f" ({city})" if city else "")
        return " ".join(part for part in (self.name_en, _short_zh(self.name_zh, self.pinyin)) if part)


class UnknownPlace(ValueError):
    """No airport or city answers to `value`; `suggestions` holds up to five labels of near matches."""

    def __init__(self, value: str, suggestions: tuple[str, ...] | list[str] = ()) -> None:
        self.value = value
        self.suggestions = tuple(suggestions)
        hint = f"; did you mean {', '.join(self.suggestions)}?" if self.suggestions else ""
        super().__init__(f"unknown place {value!r}{hint}")


def normalize(text: str) -> str:
    """The lookup key: case, accents, tone marks, spaces, hyphens and apostrophes do not count.

    "Bèi-jīng", "BEI JING" and "beijing" all give "beijing"; Chinese characters are kept as they are.
    """
    decomposed = unicodedata.normalize("NFKD", unicodedata.normalize("NFKC", text).casefold())
    return "".join(ch for ch in decomposed if ch.isalnum() and not unicodedata.combining(ch))


def _short_zh(name_zh: str, pinyin: str = "") -> str:
    """延边朝鲜族自治州 -> 延边: the pinyin column spells the short name, one syllable per character."""
    syllables = len(pinyin.split())
    if 0 < syllables < len(name_zh):
        return name_zh[:syllables]
    for suffix in _ZH_SUFFIXES:
        if name_zh.endswith(suffix) and len(name_zh) - len(suffix) >= 2:
            return name_zh[: -len(suffix)]
    return name_zh


class _CityIndex:
    """Every city under every key it answers to, each key mapping to its cities in table (priority) order."""

    def __init__(self, rows: list[dict[str, str]]) -> None:
        self.cities: tuple[Place, ...] = tuple(_city_from_row(row) for row in rows)
        self.by_key: dict[str, list[Place]] = {}
        self.by_latin_name: dict[tuple[str, str], list[Place]] = {}
        for row, place in zip(rows, self.cities, strict=True):
            for key in _keys(row):
                bucket = self.by_key.setdefault(key, [])
                if place not in bucket:
                    bucket.append(place)
            for name in (row["name_en"], row["pinyin"]):
                if name:
                    self.by_latin_name.setdefault((row["country"], normalize(name)), []).append(place)
        self.keys = sorted(self.by_key)

    def get(self, key: str) -> Place | None:
        found = self.by_key.get(key)
        return found[0] if found else None


def _keys(row: dict[str, str]) -> set[str]:
    short = _short_zh(row["name_zh"], row["pinyin"])
    keys = {row["id"], row["name_zh"], short, row["name_en"], row["pinyin"], row["pinyin"].replace("ü", "v")}
    if row["name_zh"].endswith("自治州"):
        keys.add(short + "州")  # 延边州, 凉山州: the usual short form of an autonomous prefecture
    keys = {normalize(k) for k in keys if k}
    # "New York City" is also "New York".
    keys |= {k[: -len("city")] for k in keys if k.endswith("city") and len(k) > len("city") + 2}
    return keys


def _city_from_row(row: dict[str, str]) -> Place:
    return Place(
        kind="city", code=row["id"], name_zh=row["name_zh"], name_en=row["name_en"], country=row["country"],
        province=row["province"], lat=Decimal(row["lat"]), lon=Decimal(row["lon"]), pinyin=row["pinyin"],
    )


@lru_cache(maxsize=1)
def _city_index() -> _CityIndex:
    with CITIES_CSV.open(encoding="utf-8", newline="") as f:
        return _CityIndex(list(csv.DictReader(f)))


@lru_cache(maxsize=1)
def _airport_table() -> dict[str, dict]:
    return airportsdata.load("IATA")


@lru_cache(maxsize=1)
def _airports_by_city() -> dict[str, list[str]]:
    by_city: dict[str, list[str]] = {}
    for code, airport in sorted(_airport_table().items()):
        if airport["city"]:
            by_city.setdefault(normalize(airport["city"]), []).append(code)
    return by_city


def all_cities() -> tuple[Place, ...]:
    """Every city of the table, in priority order."""
    return _city_index().cities


def find_city(text: str) -> Place:
    """The city named `text` in Chinese, English or pinyin; raises UnknownPlace with suggestions.

    Where one name fits several cities (苏州 and 宿州 are both "Suzhou") the first in table order wins:
    mainland municipalities, Hong Kong and Macau, then prefecture-level divisions, directly administered
    county-level cities, Taiwan and world cities, each group larger first (tools/build_cities.py writes the
    table in this order; see calculators/data/city_sources.md).
    """
    index = _city_index()
    key = normalize(text)
    for candidate in _candidate_keys(key):
        place = index.get(candidate)
        if place is not None:
            return place
    raise UnknownPlace(text, _city_suggestions(key))


def _candidate_keys(key: str) -> list[str]:
    candidates = [key]
    for suffix in (*_ZH_SUFFIXES, *_LATIN_SUFFIXES):
        if key.endswith(suffix) and len(key) > len(suffix) + 1:
            candidates.append(key[: -len(suffix)])
    return candidates


def _city_suggestions(key: str) -> list[str]:
    if not key:
        return []
    index = _city_index()
    near: list[str] = []
    if not key.isascii():
        # A mistyped character often sounds right (北经 for 北京), so also look the input up by its pinyin.
        from pypinyin import lazy_pinyin  # loads large dictionaries: only when a Chinese name was not found

        spoken = normalize("".join(lazy_pinyin(key)))
        near += [spoken] if spoken in index.by_key else []
        near += difflib.get_close_matches(spoken, index.keys, n=MAX_SUGGESTIONS, cutoff=0.8)
    # Chinese names are two or three characters, so one wrong character already halves the similarity.
    cutoff = 0.6 if key.isascii() else 0.5
    near += difflib.get_close_matches(key, index.keys, n=MAX_SUGGESTIONS * 4, cutoff=cutoff)
    labels: list[str] = []
    for candidate in near:
        label = index.by_key[candidate][0].label
        if label not in labels:
            labels.append(label)
    return labels[:MAX_SUGGESTIONS]


def find_airport(code: str) -> Place:
    """The airport with IATA code `code` (any case); raises UnknownPlace with suggestions."""
    wanted = code.strip().upper()
    airport = _airport_table().get(wanted) if len(wanted) == 3 else None
    if airport is None:
        raise UnknownPlace(code, _airport_suggestions(code))
    return _airport_place(wanted)


@cache
def _airport_place(code: str) -> Place:
    airport = _airport_table()[code]
    lat, lon = Decimal(str(airport["lat"])), Decimal(str(airport["lon"]))
    city = _city_of_airport(airport, lat, lon)
    return Place(
        kind="airport", code=code, name_zh="", name_en=airport["name"], country=airport["country"],
        province=city.province if city else "", lat=lat, lon=lon,
        city=airport["city"], city_zh=_short_zh(city.name_zh, city.pinyin) if city else "",
    )


def _city_of_airport(airport: dict, lat: Decimal, lon: Decimal) -> Place | None:
    same_name = _city_index().by_latin_name.get((airport["country"], normalize(airport["city"])), [])
    near = [(_rough_km(lat, lon, c.lat, c.lon), i, c) for i, c in enumerate(same_name)]
    near = [item for item in near if item[0] <= _AIRPORT_CITY_RADIUS_KM]
    return min(near)[2] if near else None


def _rough_km(lat1: Decimal, lon1: Decimal, lat2: Decimal, lon2: Decimal) -> float:
    """Equirectangular distance, within 1 % of the great circle at the radius that matters here.

    It keeps this module free of calculators.distance, which imports this one.
    """
    mean_lat = math.radians((float(lat1) + float(lat2)) / 2)
    dx = math.radians(float(lon2) - float(lon1)) * math.cos(mean_lat)
    dy = math.radians(float(lat2) - float(lat1))
    return 6371.0 * math.hypot(dx, dy)


def _airport_suggestions(text: str) -> list[str]:
    table = _airport_table()
    codes = list(_airports_by_city().get(normalize(text), []))
    wanted = text.strip().upper()
    if len(wanted) == 3:
        codes += difflib.get_close_matches(wanted, sorted(table), n=MAX_SUGGESTIONS, cutoff=0.6)
    labels: list[str] = []
    for code in codes:
        label = _airport_place(code).label
        if label not in labels:
            labels.append(label)
    return labels[:MAX_SUGGESTIONS]


def resolve_place(text: str) -> Place:
    """An airport when `text` is an existing three-letter IATA code (PEK, pvg), otherwise a city by name."""
    wanted = text.strip()
    if len(wanted) == 3 and wanted.isascii() and wanted.isalpha() and wanted.upper() in _airport_table():
        return find_airport(wanted)
    return find_city(text)


@lru_cache(maxsize=1)
def _cities_by_label() -> dict[str, Place]:
    by_label: dict[str, Place] = {}
    for place in all_cities():
        by_label.setdefault(place.label, place)
    return by_label


@lru_cache(maxsize=1)
def _city_keys() -> tuple[tuple[tuple[str, ...], str], ...]:
    """Every city's lookup keys (Chinese, English, pinyin) with its label, in the table's priority order."""
    rows = []
    for place in all_cities():
        short_zh = place.label.removeprefix(place.name_en).strip()
        keys = {normalize(k) for k in (place.name_zh, short_zh, place.name_en, place.pinyin) if k}
        rows.append((tuple(sorted(keys)), place.label))
    return tuple(rows)


def resolve_label(text: str) -> Place:
    """A city or airport by name, IATA code or its label (what a suggestion carries); UnknownPlace with the
    closest matches, a mistyped airport code's look-alike airports first."""
    wanted = (text or "").strip()
    labelled = _cities_by_label().get(wanted)
    if labelled is not None:
        return labelled
    airport = re.match(r"([A-Z]{3}) ", wanted)
    if airport:
        try:
            place = find_airport(airport.group(1))
        except UnknownPlace:
            pass
        else:
            if place.label == wanted:
                return place
    try:
        return resolve_place(wanted)
    except UnknownPlace as error:
        suggestions = list(error.suggestions)
        if len(wanted) == 3 and wanted.isascii() and wanted.isalpha():
            # A mistyped airport code: offer the airports it resembles first.
            try:
                find_airport(wanted)
            except UnknownPlace as airport_error:
                suggestions = list(dict.fromkeys((*airport_error.suggestions, *suggestions)))
        raise UnknownPlace(wanted, tuple(suggestions)) from None


def suggest_places(query: str, limit: int = MAX_TYPEAHEAD) -> list[str]:
    """Labels of cities whose name starts with `query` (and the airport of a three-letter code), best first."""
    key = normalize(query or "")[:40]
    if not key:
        return []
    found: list[str] = []
    if len(key) == 3 and key.isascii() and key.isalpha():
        with suppress(UnknownPlace):
            found.append(find_airport(key).label)
    for keys, label in _city_keys():
        if any(k.startswith(key) for k in keys) and label not in found:
            found.append(label)
            if len(found) >= limit:
                break
    return found
