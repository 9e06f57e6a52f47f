"""The shipped factor tables: coverage, sources, and values exactly as printed in the reference tables."""

from __future__ import annotations

import re
from decimal import Decimal
from urllib.parse import urlparse

from calculators.personal import MEAL_TYPES, meal_factor
from factors import CATEGORIES, DEFAULT_VERSION, default_factor_set, load_factor_set
from factors.display import is_float_artefact
from factors.regions import CN_GRIDS, CN_PROVINCES, KNOWN_REGIONS

PROVINCE_KEYS = (
    "beijing", "tianjin", "hebei", "shanxi", "inner_mongolia", "liaoning", "jilin", "heilongjiang",
    "shanghai", "jiangsu", "zhejiang", "anhui", "fujian", "jiangxi", "shandong", "henan", "hubei", "hunan",
    "guangdong", "guangxi", "hainan", "chongqing", "sichuan", "guizhou", "yunnan", "shaanxi", "gansu",
    "qinghai", "ningxia", "xinjiang",
)
CJK = re.compile(r"[\u4e00-\u9fff]")


def _value(factor_id: str) -> Decimal:
    return default_factor_set().get(factor_id).kgco2e_per_unit


def test_the_shipped_factor_set_loads_with_at_least_150_factors():
    assert len(default_factor_set().factors) >= 150


def test_every_category_has_rows():
    assert default_factor_set().categories() == CATEGORIES


def test_every_factor_cites_a_source_with_a_title_and_a_licence():
    factor_set = default_factor_set()
    for factor in factor_set.factors.values():
        assert factor_set.sources[factor.source_id] is factor.source
        assert factor.source.title and factor.source.licence
    assert factor_set.get("hotel.china").source.licence == "Open Government Licence v3.0"
    assert factor_set.get("beef_beef_herd").source.licence.startswith("CC BY 4.0")


def test_every_factor_has_a_chinese_and_an_english_label():
    for factor in default_factor_set().factors.values():
        assert CJK.search(factor.label_zh), factor.id
        assert factor.label_en.strip(), factor.id


def test_every_factor_fits_the_published_table_columns():
    # The sizes of the factorsets tables the CLI publishes into.
    for factor in default_factor_set().factors.values():
        assert len(factor.id) <= 100 and len(factor.activity) <= 64, factor.id
        assert len(factor.label_zh) <= 300 and len(factor.label_en) <= 300, factor.id
        assert len(factor.gases) <= 200, factor.id
    for source in default_factor_set().sources.values():
        assert len(source.publisher) <= 300 and len(source.licence) <= 200 and len(source.year) <= 16


def test_values_are_exactly_as_printed_in_the_reference():
    expected = {
        "air.intl.economy.with_rf": "0.13465",
        "air.intl.economy.without_rf": "0.07948",
        "air.long.first.with_rf": "0.8004",
        "air.domestic.avg.with_rf": "0.27257",
        "cn.elec.prov.guangdong.2023": "0.4419",
        "cn.elec.prov.sichuan.2023": "0.1564",
        "cn.elec.prov.beijing.2022": "0.5580",
        "cn.elec.prov.hunan.2022": "0.49",
        "cn.elec.prov.beijing.2021": "0.5688",
        "cn.elec.national_avg.2023": "0.5306",
        "cn.elec.national_avg_excl_market_nonfossil.2023": "0.6096",
        "cn.elec.national_fossil.2023": "0.8273",
        "cn.elec.region.east.2023": "0.5500",
        "cn.elec.region.north.2021": "0.712",
        "cn.elec.reporting_grid_avg.2022data": "0.5703",
        "beef_beef_herd": "99.48",
        "cn_meal.pork": "1.315625",
        "food.beef_tanzhonghui": "20.82",
        "palm_oil": "7.3",
        "land.rail.national": "0.03546",
        "land.bus.coach": "0.02717",
        "land.car.average.petrol.vkm": "0.1645",
        "hotel.china": "53.5",
        "hotel.uk_london": "11.5",
        "ademe_repas_boeuf": "7.26",
        "ngc_petitdej_lait_soja_cereales": "0.280",
        "gwp_ar5_hfc134a": "1300",
        "gwp_ar6_r1234yf": "0.501",
        "ipcc2006.co2.gas_diesel_oil": "74100",
        "waste.paper_board.paper.landfill": "1164.39015",
        "material.paper_board.paper.primary": "1339.31834",
        "water.treatment.million_litres": "185.7412",
    }
    for factor_id, printed in expected.items():
        assert str(_value(factor_id)) == printed, factor_id


def test_values_shifted_or_regrouped_from_the_printed_form_say_so_in_their_notes():
    factor_set = default_factor_set()
    assert _value("cn_hsr_full") == Decimal("0.03048")  # printed 30.48 gCO2 per passenger-km
    assert "g→kg" in factor_set.get("cn_hsr_full").notes
    assert _value("cn.heat.purchased_default") == Decimal("110")  # printed 0.11 tCO2/GJ
    assert "t→kg" in factor_set.get("cn.heat.purchased_default").notes
    assert _value("cn.fuel.diesel.ef") == Decimal("3.0959")  # printed "3.095 9" with a digit-group space
    assert "'3.095 9'" in factor_set.get("cn.fuel.diesel.ef").notes
    assert _value("gwp_ar6_r407c_verso") == Decimal("1907.93")  # printed "1.907,93"
    assert "1.907,93" in factor_set.get("gwp_ar6_r407c_verso").notes


def test_china_electricity_has_every_published_province_for_2021_to_2023_and_no_tibet():
    factor_set = default_factor_set()
    for year in ("2021", "2022", "2023"):
        for key in PROVINCE_KEYS:
            factor = factor_set.get(f"cn.elec.prov.{key}.{year}")
            assert factor.region in CN_PROVINCES and factor.valid_year == int(year) and factor.unit == "kWh"
        for kind in ("national_avg", "national_avg_excl_market_nonfossil", "national_fossil"):
            assert factor_set.get(f"cn.elec.{kind}.{year}").region == "CN"
        assert {f.region for f in factor_set.by_category("electricity")
                if f.id.startswith("cn.elec.region.") and f.valid_year == int(year)} == set(CN_GRIDS)
    covered = {f.region for f in factor_set.by_category("electricity")}
    assert set(CN_PROVINCES) - covered == {"CN-XZ"}


def test_the_2023_provincial_rows_are_the_default_and_say_they_come_from_a_single_reproduction():
    factor_set = default_factor_set()
    for key in PROVINCE_KEYS:
        notes = factor_set.get(f"cn.elec.prov.{key}.2023").notes
        assert notes.startswith("Default") and "single reproduction" in notes
    assert "Tibet" in factor_set.get("cn.elec.national_avg.2023").notes


def test_fuels_give_stated_co2_per_unit_for_the_six_chinese_fuels():
    units = {"natural_gas": "m3", "diesel": "kg", "gasoline": "kg", "lpg": "kg", "raw_coal": "kg",
             "fuel_oil": "kg"}
    for fuel, unit in units.items():
        factor = default_factor_set().get(f"cn.fuel.{fuel}.ef")
        assert (factor.category, factor.unit, factor.region) == ("fuel", unit, "CN")
        assert "low calorific value" in factor.notes


def test_refrigerants_default_to_ar5_with_ar6_alternatives():
    factor_set = default_factor_set()
    for gas in ("hfc134a", "hfc32", "hfc125", "hfc143a", "hcfc22", "sf6"):
        assert factor_set.get(f"gwp_ar5_{gas}").notes.startswith("Default")
        alternative = factor_set.get(f"gwp_ar6_{gas}").notes
        assert alternative.startswith(f"Alternative (AR6); the default for this gas is gwp_ar5_{gas}")
    assert all(f.unit == "kg" and f.activity == "leakage" for f in factor_set.by_category("refrigerant"))


def test_flights_cover_every_haul_and_cabin_with_and_without_rf_and_explain_uplift_and_rf():
    factor_set = default_factor_set()
    cabins = {"domestic": ["avg"], "short": ["avg", "economy", "business"],
              "long": ["avg", "economy", "premium_economy", "business", "first"],
              "intl": ["avg", "economy", "premium_economy", "business", "first"]}
    for haul, classes in cabins.items():
        for cabin in classes:
            for rf in ("with_rf", "without_rf"):
                factor = factor_set.get(f"air.{haul}.{cabin}.{rf}")
                assert factor.unit == "passenger.km" and factor.valid_year == 2024
                assert "8% distance uplift is already inside" in factor.notes
            assert "+70% on the CO2" in factor_set.get(f"air.{haul}.{cabin}.with_rf").notes


def test_land_travel_has_rail_high_speed_rail_coach_bus_metro_taxi_cars_and_motorbikes():
    factor_set = default_factor_set()
    for factor_id in ("land.rail.national", "land.rail.international", "land.rail.light_rail_tram",
                      "land.rail.london_underground", "cn_hsr_full"):
        assert factor_set.get(factor_id).category == "rail"
    for factor_id in ("land.bus.coach", "land.bus.average_local", "land.taxi.regular.pkm",
                      "land.taxi.regular.vkm", "land.motorbike.average.vkm"):
        assert factor_set.get(factor_id).category == "road"
    for size in ("small", "medium", "large", "average"):
        for fuel in ("petrol", "diesel", "hybrid", "phev", "bev", "unknown"):
            assert factor_set.get(f"land.car.{size}.{fuel}.vkm").unit == "vehicle.km"
    assert "stand-in" in factor_set.get("land.rail.london_underground").notes


def test_hotels_are_per_room_night_by_country_with_london_separate():
    hotels = default_factor_set().by_category("hotel")
    assert len(hotels) == 39
    assert all(f.unit == "room.night" for f in hotels)
    assert all(KNOWN_REGIONS[f.region].kind in ("country", "subdivision") for f in hotels)
    assert {f.region for f in hotels} >= {"CN", "HK", "GB", "GB-LND", "US", "JP"}


def test_the_default_version_is_2025_2_and_2025_1_is_unchanged():
    assert DEFAULT_VERSION == "2025.2"
    # 2025.1 is published: its content hash may never change (the bibliography grew beside it, not in it).
    assert load_factor_set("2025.1").content_hash == (
        "8579a871dbf18a23eaac6e5f12463faae7c5a1328ba2af5ecf4d710639ab2455")


# Hosts of mirrors, copies and code repositories where values were read: never a factor's source.
NOT_SOURCES = ("github.com", "netlify.app", "book118.com", "szcbn.com", "daydaynews.cc", "tanpaifang.com",
               "rcees.cas.cn", "burntheplanet.com", "163.com", "reportify.ai")


def test_every_source_is_a_primary_publication_and_mirrors_are_only_cross_checks():
    factor_set = default_factor_set()
    for source in {f.source for f in factor_set.factors.values()}:
        host = urlparse(source.url).netloc
        assert not any(host.endswith(name) for name in NOT_SOURCES), (source.id, source.url)
        assert source.publisher and source.title and source.year and source.licence, source.id
    beef = factor_set.get("beef_beef_herd").source
    assert beef.url == "https://doi.org/10.1126/science.aaq0216" and "360(6392)" in beef.document_number
    assert "njsuthe/GhGlabeling" in beef.cross_checked_at and "ghg-per-kg-poore" in beef.table_ref
    assert factor_set.get("cn.elec.national_avg.2023").source.document_number.startswith("公告2025年第47号")
    assert "szcbn.com" in factor_set.get("cn.elec.national_avg.2021").source.cross_checked_at
    assert "openclimatedata" in factor_set.get("gwp_ar5_hfc134a").cross_checked_at
    for factor in factor_set.factors.values():
        assert "Where seen" not in factor.notes, factor.id


def test_no_value_of_the_default_set_is_a_float_artefact_and_the_median_rows_are_gone():
    factor_set = default_factor_set()
    assert not [f.id for f in factor_set.factors.values() if is_float_artefact(f.kgco2e_per_unit)]
    assert not [f.id for f in factor_set.factors.values() if f.id.startswith("med_")]
    assert is_float_artefact(load_factor_set("2025.1").get("med_beef_beef_herd").kgco2e_per_unit)


RECIPE = re.compile(r"([0-9]+(?:\.[0-9]+)?) g ([a-z_]+)")


def test_every_chinese_meal_recomputes_exactly_from_its_recipe_and_names_its_grams_source():
    factor_set = default_factor_set()
    meals = [f for f in factor_set.by_category("meal") if f.id.startswith("cn_meal.")]
    assert len(meals) >= 7
    for meal in meals:
        recipe = RECIPE.findall(meal.source_ref)
        assert recipe and recipe[0][1] in ("rice", "wheat_rye"), meal.id
        total = sum(Decimal(grams) / 1000 * factor_set.get(food).kgco2e_per_unit for grams, food in recipe)
        assert meal.kgco2e_per_unit == total, meal.id
        assert all(factor_set.get(food).source_id.startswith("poore-nemecek-2018") for _g, food in recipe)
        assert meal.source_id == "cns-dietary-guidelines-2022" and meal.region == "CN"
        assert "中国居民平衡膳食宝塔（2022）" in meal.source_ref and "derivation" in meal.notes
        for grams, food in recipe:
            assert f"{food} {grams} g: " in meal.notes, (meal.id, food)  # each gram figure says where it is from
    assert "中国营养学会" in factor_set.get("cn_meal.pork").source.publisher


def test_the_default_meals_are_the_chinese_recipes_with_a_real_pork_meal_and_ademe_as_alternative():
    factor_set = default_factor_set()
    defaults = {meal: meal_factor(factor_set, meal) for meal in MEAL_TYPES}
    assert {meal: f.id for meal, f in defaults.items()} == {
        "vegan": "cn_meal.vegan", "vegetarian": "cn_meal.vegetarian", "poultry": "cn_meal.poultry",
        "pork": "cn_meal.pork", "beef_lamb": "cn_meal.beef", "fish": "cn_meal.fish"}
    assert all(f.notes.startswith("Default") for f in defaults.values())
    assert "meal.pork_standin" not in factor_set.factors
    assert "pig_meat" in defaults["pork"].source_ref and "poultry_meat" not in defaults["pork"].source_ref
    assert defaults["pork"].kgco2e_per_unit != defaults["poultry"].kgco2e_per_unit
    for factor_id in ("ademe_repas_boeuf", "ademe_repas_vegetarien", "ademe_repas_poulet",
                      "impactco2_repas_vegetalien", "impactco2_repas_poisson_blanc"):
        factor = factor_set.get(factor_id)
        assert factor.notes.startswith("Alternative meal set") and "cn_meal" in factor.notes, factor_id
    assert factor_set.get("ademe_repas_boeuf").source.id == "ademe-base-carbone-repas"
    for factor in factor_set.search("ngc_", category="meal"):
        assert "Alternative method" in factor.notes and "not mix" in factor.notes


def test_both_beef_rows_are_shown_with_the_default_named_and_why_they_differ():
    factor_set = default_factor_set()
    default, alternative = factor_set.get("beef_beef_herd"), factor_set.get("food.beef_tanzhonghui")
    assert (default.kgco2e_per_unit, alternative.kgco2e_per_unit) == (Decimal("99.48"), Decimal("20.82"))
    assert default.notes.startswith("Default beef row") and "peer-reviewed" in default.notes
    assert "food.beef_tanzhonghui" in default.notes and "unpublished" in default.notes
    assert alternative.notes.startswith("Alternative beef row, not the default") and "unpublished" in alternative.notes
    # The calculator is 碳中惠; the platform it belongs to is 辽宁碳中汇 (as 辽宁日报 printed them).
    assert "碳中汇平台" in alternative.label_zh and "碳中惠计算器" in alternative.label_zh
    assert "碳中惠 calculator" in alternative.label_en and "碳中汇 platform" in alternative.label_en
    assert "辽宁日报" in alternative.source.title and alternative.source.document_number == "辽宁日报, 2022-11-15"
    assert "中林双碳月刊" in alternative.source_ref and "p. 7" in alternative.source_ref


def test_waste_paper_and_water_have_their_treatments_and_units():
    factor_set = default_factor_set()
    assert {f.unit for f in factor_set.by_category("waste")} == {"t"}
    assert {f.id.rsplit(".", 1)[1] for f in factor_set.by_category("waste")} >= {"landfill", "combustion",
                                                                                "composting", "closed_loop"}
    assert factor_set.get("material.paper_board.paper.primary").unit == "t"
    assert (factor_set.get("water.supply.m3").unit, factor_set.get("water.treatment.m3").unit) == ("m3", "m3")


def test_valid_years_are_data_years_within_the_sources_range():
    assert all(2006 <= f.valid_year <= 2025 for f in default_factor_set().factors.values())
