"""Travel line items: flights by haul, cabin and radiative forcing, ground modes, and unknown places."""

from __future__ import annotations

from decimal import Context, Decimal, localcontext

import pytest

from calculators.distance import distance_km, find_airport, find_city
from calculators.footprint import CalculationError, UnknownPlaceError
from calculators.personal import PersonalInput, personal_footprint
from calculators.travel import Leg, leg_item
from factors import default_factor_set

FS = default_factor_set()
# Great-circle distances from the distance module (haversine on the IUGG mean sphere, 0.1 km), pinned here so
# the worked examples below are arithmetic on printed numbers.
PEK_SHA_KM = Decimal("1076.5")
PVG_LHR_KM = Decimal("9241.4")


def test_the_pinned_distances_are_what_the_distance_module_computes():
    assert distance_km(find_airport("PEK"), find_airport("SHA")) == PEK_SHA_KM
    assert distance_km(find_airport("PVG"), find_airport("LHR")) == PVG_LHR_KM


def test_pek_to_sha_one_way_economy_with_rf_is_the_great_circle_times_the_desnz_non_uk_factor():
    item = leg_item(Leg(mode="flight", origin="PEK", destination="SHA"), FS)
    assert item.factor_id == "air.intl.economy.with_rf"
    assert item.quantity == Decimal("1076.5")
    assert item.kgco2e == Decimal("1076.5") * Decimal("0.13465")
    assert item.kgco2e == Decimal("144.950725")
    assert item.unit == "passenger.km"
    assert item.factor_unit == "kg CO2e/passenger.km"
    assert item.source_id == "desnz-2024-conversion-factors"
    assert any("8% distance uplift is inside the DESNZ factor" in note for note in item.notes)
    assert any("with radiative forcing" in note for note in item.notes)
    assert any("Chinese domestic flight" in note for note in item.notes)


def test_pvg_to_lhr_business_round_trip_is_long_haul_with_and_without_rf():
    with_rf = leg_item(Leg(mode="flight", origin="PVG", destination="LHR", cabin="business", round_trip=True), FS)
    without_rf = leg_item(Leg(mode="flight", origin="PVG", destination="LHR", cabin="business", round_trip=True),
                          FS, radiative_forcing=False)
    assert with_rf.factor_id == "air.long.business.with_rf"
    assert without_rf.factor_id == "air.long.business.without_rf"
    assert with_rf.quantity == 2 * Decimal("9241.4")
    assert with_rf.kgco2e == 2 * Decimal("9241.4") * Decimal("0.58028")
    assert with_rf.kgco2e == Decimal("10725.199184")
    assert without_rf.kgco2e == 2 * Decimal("9241.4") * Decimal("0.34252")
    assert without_rf.kgco2e == Decimal("6330.728656")
    assert any("without radiative forcing" in note for note in without_rf.notes)
    assert any("long-haul, to/from the UK outside Europe" in note for note in with_rf.notes)
    assert any("round trip" in note for note in with_rf.notes)


def test_500_km_of_high_speed_rail_uses_the_chinese_full_process_figure():
    item = leg_item(Leg(mode="rail", rail_type="high_speed", distance_km=Decimal("500")), FS)
    assert item.factor_id == "cn_hsr_full"
    assert item.kgco2e == Decimal("500") * Decimal("0.03048") == Decimal("15.24000")


def test_a_round_trip_is_exactly_twice_the_one_way():
    one_way = leg_item(Leg(mode="flight", origin="CAN", destination="PEK", cabin="premium_economy"), FS)
    both = leg_item(Leg(mode="flight", origin="CAN", destination="PEK", cabin="premium_economy",
                        round_trip=True), FS)
    assert both.kgco2e == 2 * one_way.kgco2e
    assert both.quantity == 2 * one_way.quantity


def test_uk_domestic_flights_use_the_average_passenger_factor_and_say_it_stands_in_for_the_cabin():
    item = leg_item(Leg(mode="flight", origin="LHR", destination="EDI", cabin="business"), FS)
    assert item.factor_id == "air.domestic.avg.with_rf"
    assert any("stand-in" in note and "business" in note for note in item.notes)


def test_short_haul_from_the_uk_has_no_premium_economy_so_economy_stands_in():
    item = leg_item(Leg(mode="flight", origin="LHR", destination="CDG", cabin="premium_economy"), FS)
    assert item.factor_id == "air.short.economy.with_rf"
    assert any("short-haul" in note for note in item.notes)
    assert any("premium economy" in note and "economy factor stands in" in note for note in item.notes)
    first = leg_item(Leg(mode="flight", origin="LHR", destination="CDG", cabin="first"), FS)
    assert first.factor_id == "air.short.business.with_rf"


def test_a_flight_between_two_non_uk_countries_uses_the_international_factor():
    item = leg_item(Leg(mode="flight", origin="HND", destination="PVG", cabin="first"), FS)
    assert item.factor_id == "air.intl.first.with_rf"
    assert any("international, to/from non-UK" in note for note in item.notes)


def test_a_flight_by_city_names_in_chinese_and_english_resolves_like_airports():
    item = leg_item(Leg(mode="flight", origin="广州", destination="Beijing"), FS)
    km = distance_km(find_city("广州"), find_city("北京"))
    assert item.quantity == km
    assert item.kgco2e == km * Decimal("0.13465")


def test_a_flight_given_by_distance_only_is_assumed_not_to_touch_the_uk():
    item = leg_item(Leg(mode="flight", distance_km=Decimal("1200"), round_trip=True), FS)
    assert item.factor_id == "air.intl.economy.with_rf"
    assert item.kgco2e == 2 * Decimal("1200") * Decimal("0.13465")
    assert any("distance only" in note for note in item.notes)


def test_rail_between_two_cities_is_the_great_circle_with_no_detour_factor_disclosed():
    item = leg_item(Leg(mode="rail", origin="上海", destination="北京"), FS)
    assert item.quantity == distance_km(find_city("上海"), find_city("北京")) == Decimal("1067.3")
    assert any("no detour factor applied" in note for note in item.notes)


@pytest.mark.parametrize(("mode", "factor_id"), [
    ("coach", "land.bus.coach"), ("bus", "land.bus.average_local"), ("metro", "land.rail.london_underground"),
    ("tram", "land.rail.light_rail_tram"), ("taxi", "land.taxi.regular.pkm"),
])
def test_ground_modes_without_a_chinese_factor_use_the_named_desnz_stand_in(mode, factor_id):
    item = leg_item(Leg(mode=mode, distance_km=Decimal("10")), FS)
    assert item.factor_id == factor_id
    assert item.kgco2e == Decimal("10") * FS.get(factor_id).kgco2e_per_unit
    assert any(note.startswith("stand-in:") for note in item.notes)


def test_conventional_rail_is_desnz_national_rail_as_a_disclosed_stand_in():
    item = leg_item(Leg(mode="rail", rail_type="conventional", distance_km=Decimal("300")), FS)
    assert item.factor_id == "land.rail.national"
    assert item.kgco2e == Decimal("300") * Decimal("0.03546")
    assert any("stand-in" in note and "conventional" in note for note in item.notes)


def test_a_shared_car_counts_the_travellers_share_of_the_vehicle_km():
    item = leg_item(Leg(mode="car", distance_km=Decimal("120"), car_fuel="petrol", car_size="medium",
                        occupancy=4), FS)
    assert item.factor_id == "land.car.medium.petrol.vkm"
    assert item.unit == "vehicle.km"
    assert item.quantity == Decimal("120") / 4 == Decimal("30")
    assert item.kgco2e == Decimal("30") * Decimal("0.17726")
    assert any("÷ occupancy 4" in note for note in item.notes)


def test_a_car_shared_by_three_keeps_quantity_times_factor_equal_to_the_kg():
    item = leg_item(Leg(mode="car", distance_km=Decimal("100"), occupancy=3), FS)
    # 100 ÷ 3 is cut at 28 digits; the product with the factor is then exact (wider than the default context).
    assert item.quantity == Decimal("33.33333333333333333333333333")
    with localcontext(Context(prec=60)):
        assert item.kgco2e == item.quantity * item.factor_value


def test_a_motorbike_uses_its_per_vehicle_km_factor():
    item = leg_item(Leg(mode="motorbike", distance_km=Decimal("40"), car_size="small"), FS)
    assert item.factor_id == "land.motorbike.small.vkm"
    assert item.kgco2e == Decimal("40") * Decimal("0.08319")


def test_an_unknown_airport_raises_with_the_value_and_suggestions():
    with pytest.raises(UnknownPlaceError) as caught:
        leg_item(Leg(mode="flight", origin="XQQ", destination="SHA"), FS)
    assert caught.value.field == "from"
    assert caught.value.value == "XQQ"
    assert "YQQ Comox Airport (Comox)" in caught.value.suggestions


def test_an_unknown_city_raises_with_suggestions_and_the_json_path_of_the_leg():
    person = PersonalInput(legs=(Leg(mode="rail", origin="上海", destination="Shenzen"),))
    with pytest.raises(UnknownPlaceError) as caught:
        personal_footprint(person, FS)
    assert caught.value.field == "legs[0].to"
    assert caught.value.value == "Shenzen"
    assert any("Shenzhen" in suggestion for suggestion in caught.value.suggestions)
    assert isinstance(caught.value, CalculationError)
    assert "legs[0].to" in str(caught.value)


@pytest.mark.parametrize(("leg", "field"), [
    (Leg(mode="boat", distance_km=Decimal("1")), "mode"),
    (Leg(mode="flight", origin="PEK", destination="SHA", cabin="suite"), "cabin"),
    (Leg(mode="rail", rail_type="maglev", distance_km=Decimal("1")), "rail_type"),
    (Leg(mode="car", distance_km=Decimal("1"), car_fuel="hydrogen"), "car_fuel"),
    (Leg(mode="car", distance_km=Decimal("1"), occupancy=0), "occupancy"),
    (Leg(mode="taxi"), "distance_km"),
    (Leg(mode="taxi", origin="北京"), "to"),
    (Leg(mode="taxi", distance_km=Decimal("-1")), "distance_km"),
    (Leg(mode="taxi", distance_km=Decimal("NaN")), "distance_km"),
    (Leg(mode="taxi", distance_km=Decimal("Infinity")), "distance_km"),
])
def test_bad_legs_raise_a_calculation_error_naming_the_field(leg, field):
    with pytest.raises(CalculationError) as caught:
        leg_item(leg, FS)
    assert caught.value.field == field


def test_a_train_between_airport_codes_is_labelled_by_city_never_by_code():
    item = leg_item(Leg(mode="rail", origin="PVG", destination="CAN"), FS)
    assert item.activity_zh == "高铁 上海 → 广州，单程"
    assert item.activity == "High-speed rail Shanghai → Guangzhou, one way"
    assert "PVG" not in item.activity + item.activity_zh and "CAN" not in item.activity + item.activity_zh


def test_flights_are_labelled_domestic_or_international_by_where_they_go():
    domestic = leg_item(Leg(mode="flight", origin="PEK", destination="SHA"), FS)
    international = leg_item(Leg(mode="flight", origin="北京", destination="London"), FS)
    by_distance = leg_item(Leg(mode="flight", distance_km=Decimal(900)), FS)
    assert domestic.activity_zh.startswith("国内航班 PEK → SHA") and domestic.activity.startswith("Domestic flight")
    assert international.activity_zh.startswith("国际航班 北京 → 伦敦")
    assert international.activity.startswith("International flight Beijing → London")
    assert by_distance.activity_zh.startswith("航班，") and by_distance.activity.startswith("Flight, ")


@pytest.mark.parametrize(("origin", "destination"), [("SHA", "SHA"), ("PEK", "PKX"), ("北京", "PEK"),
                                                     ("Shanghai", "上海")])
def test_a_flight_that_does_not_leave_its_city_is_refused_on_the_destination(origin, destination):
    with pytest.raises(CalculationError) as caught:
        leg_item(Leg(mode="flight", origin=origin, destination=destination, distance_km=Decimal(30)), FS)
    assert caught.value.field == "to" and caught.value.code == "calc.same_city_flight"
    assert "does not leave the city" in caught.value.message


def test_two_cities_that_share_a_romanisation_are_not_one_city():
    item = leg_item(Leg(mode="flight", origin="苏州", destination="宿州"), FS)
    assert item.activity_zh.startswith("国内航班 苏州 → 宿州")


def test_a_ground_trip_by_great_circle_says_so_with_a_coded_note():
    item = leg_item(Leg(mode="rail", origin="上海", destination="广州"), FS)
    assert item.quantity == Decimal("1211.9")
    codes = [note.code for note in item.notes]
    assert codes[:2] == ["calc.great_circle", "calc.no_detour"]
    assert item.notes[0].params["km"] == Decimal("1211.9")
    assert item.notes[0] == "great-circle distance 1211.9 km (Shanghai 上海 – Guangzhou 广州)"


def test_errors_keep_their_english_message_and_carry_a_code_with_parameters():
    with pytest.raises(UnknownPlaceError) as caught:
        leg_item(Leg(mode="flight", origin="PEK", destination="Shangai"), FS)
    error = caught.value
    assert error.code == "calc.unknown_place_suggest" and error.params["value"] == "Shangai"
    assert "Shanghai 上海" in error.params["suggestions"]
    assert error.message.startswith("unknown airport or city 'Shangai'; did you mean Shanghai 上海")
    with pytest.raises(CalculationError) as caught:
        leg_item(Leg(mode="flight", origin="PEK", destination="SHA", cabin="sleeper"), FS)
    assert caught.value.code == "calc.unknown_cabin" and caught.value.params["value"] == "sleeper"
    assert caught.value.message == ("unknown cabin 'sleeper' (known: economy, premium_economy, business, first)")
