"""Enterprise inventories: Scope 1, 2 and 3 lines with GHG Protocol and ISO 14064-1 categories, worked by hand."""

from __future__ import annotations

from decimal import Decimal

import pytest

from calculators.enterprise import (
    BusinessLodging,
    BusinessTravel,
    Commuting,
    ElectricityUse,
    EnterpriseInput,
    EnterpriseOptions,
    FuelUse,
    HeatPurchase,
    MaterialUse,
    PurchasedGoodsSpend,
    RefrigerantLeak,
    WasteDisposal,
    enterprise_footprint,
)
from calculators.footprint import CalculationError, UnknownPlaceError
from calculators.travel import Leg
from factors import default_factor_set

FS = default_factor_set()
SITE = {"facility": "Guangzhou office", "month": "2025-03"}


def _inventory(*records, **options):
    return enterprise_footprint(EnterpriseInput(records=records, options=EnterpriseOptions(**options)), FS)


def test_electricity_is_location_based_in_the_total_and_market_based_as_a_memo():
    footprint = _inventory(ElectricityUse(Decimal(1000), province="CN-GD", green_kwh=Decimal(400), **SITE))
    (location,) = footprint.items
    assert location.scope == "2-location" and location.iso_category == 2
    assert location.kgco2e == Decimal(1000) * Decimal("0.4419")
    green, residual = footprint.memo_items
    assert green.kgco2e == 0 and green.quantity == 400
    assert residual.factor_id == "cn.elec.national_avg_excl_market_nonfossil.2023"
    assert residual.kgco2e == Decimal(600) * Decimal("0.6096") == Decimal("365.7600")
    assert any("residual-mix stand-in" in note for note in residual.notes)
    assert footprint.total_kgco2e == Decimal("441.9000")
    assert footprint.by_scope() == {"2-location": Decimal("441.9000"), "2-market": Decimal("365.7600")}


def test_the_market_based_figure_can_be_the_one_in_the_total():
    footprint = _inventory(ElectricityUse(Decimal(1000), province="CN-GD", green_kwh=Decimal(400), **SITE),
                           scope2_total="market")
    assert footprint.total_kgco2e == Decimal(600) * Decimal("0.6096")
    assert [item.scope for item in footprint.memo_items] == ["2-location"]


def test_the_reporting_grid_factor_is_an_option():
    footprint = _inventory(ElectricityUse(Decimal(2), "MWh", **SITE), grid="reporting")
    assert footprint.items[0].factor_id == "cn.elec.reporting_grid_avg.2022data"
    assert footprint.total_kgco2e == Decimal(2000) * Decimal("0.5703")


def test_more_green_electricity_than_used_is_refused():
    with pytest.raises(CalculationError) as caught:
        _inventory(ElectricityUse(Decimal(10), green_kwh=Decimal(11), **SITE))
    assert caught.value.field == "records[0].green_kwh"


def test_fuels_use_the_chinese_coefficients_for_mass_and_volume_and_ipcc_for_energy():
    footprint = _inventory(
        FuelUse("natural_gas", Decimal(100), "m3", **SITE),
        FuelUse("diesel", Decimal(2), "t", mobile=True, **SITE),
        FuelUse("diesel", Decimal(430), "GJ", **SITE),
        FuelUse("raw_coal", Decimal(500), "kg", **SITE),
    )
    gas, trucks, generator, coal = footprint.items
    assert gas.kgco2e == Decimal(100) * Decimal("2.1622")
    assert (trucks.ghg_category, trucks.kgco2e) == ("1 Mobile combustion", Decimal(2000) * Decimal("3.0959"))
    assert generator.factor_id == "ipcc2006.co2.gas_diesel_oil"
    assert generator.quantity == Decimal("0.43")
    assert generator.kgco2e == Decimal("0.43") * Decimal(74100) == Decimal("31863.00")
    assert coal.kgco2e == Decimal(500) * Decimal("1.9003")
    assert {item.scope for item in footprint.items} == {"1"}
    assert {item.iso_category for item in footprint.items} == {1}


def test_litres_of_diesel_need_a_density_and_its_source():
    with pytest.raises(CalculationError) as caught:
        _inventory(FuelUse("diesel", Decimal(100), "L", **SITE))
    assert caught.value.field == "records[0].density_kg_per_l"
    footprint = _inventory(FuelUse("diesel", Decimal(1000), "L", density_kg_per_l=Decimal("0.84"),
                                   density_source="supplier's delivery note", **SITE))
    (item,) = footprint.items
    assert item.quantity == Decimal(1000) * Decimal("0.84")
    assert item.kgco2e == Decimal(840) * Decimal("3.0959")
    assert any("supplier's delivery note" in note for note in item.notes)


def test_refrigerant_leakage_is_kg_times_the_ar5_gwp_by_default():
    footprint = _inventory(RefrigerantLeak("R-134a", Decimal(5), **SITE), RefrigerantLeak("HFC-32", Decimal(2), **SITE))
    assert [item.factor_id for item in footprint.items] == ["gwp_ar5_hfc134a", "gwp_ar5_hfc32"]
    assert footprint.total_kgco2e == 5 * 1300 + 2 * 677
    assert footprint.items[0].ghg_category == "1 Fugitive emissions (refrigerant leakage)"


def test_a_blend_without_an_ar5_value_uses_its_default_row_and_says_so():
    footprint = _inventory(RefrigerantLeak("R-410A", Decimal(12), **SITE))
    (item,) = footprint.items
    assert item.factor_id == "gwp_ar6_r410a"
    assert item.kgco2e == 12 * 2255
    assert any("no AR5 value" in note for note in item.notes)


def test_ar6_gwps_are_an_option():
    footprint = _inventory(RefrigerantLeak("R-134a", Decimal(5), **SITE), gwp="AR6")
    assert footprint.total_kgco2e == 5 * 1530


def test_hcfc_22_is_reported_outside_the_scopes():
    footprint = _inventory(RefrigerantLeak("HCFC-22", Decimal(3), **SITE))
    assert footprint.items == ()
    (memo,) = footprint.memo_items
    assert memo.scope == "outside scopes"
    assert memo.kgco2e == 3 * 1760


def test_purchased_heat_is_scope_2_in_both_methods():
    footprint = _inventory(HeatPurchase(Decimal(800), **SITE))
    assert footprint.total_kgco2e == 800 * 110
    assert footprint.by_scope() == {"2-location": Decimal(88000), "2-market": Decimal(88000)}


def test_scope_3_waste_paper_travel_hotel_and_commuting_carry_their_categories():
    footprint = _inventory(
        WasteDisposal("commercial_industrial", "landfill", Decimal(500), **SITE),
        MaterialUse("paper", Decimal(40), **SITE),
        BusinessTravel(Leg(mode="flight", origin="PEK", destination="SHA", round_trip=True), **SITE),
        BusinessLodging("CN", Decimal(2), **SITE),
        Commuting(Leg(mode="metro", distance_km=Decimal(24)), trips=Decimal(420), **SITE),
    )
    waste, paper, flight, hotel, commute = footprint.items
    assert (waste.ghg_category, waste.iso_category) == ("3.5 Waste generated in operations", 4)
    assert waste.kgco2e == Decimal("0.5") * Decimal("520.3342")
    assert (paper.ghg_category, paper.iso_category) == ("3.1 Purchased goods and services", 4)
    assert paper.kgco2e == Decimal("0.04") * Decimal("1339.31834")
    assert (flight.ghg_category, flight.iso_category) == ("3.6 Business travel", 3)
    assert flight.kgco2e == 2 * Decimal("1076.5") * Decimal("0.13465")
    assert hotel.kgco2e == 2 * Decimal("53.5")
    assert (commute.ghg_category, commute.iso_category) == ("3.7 Employee commuting", 3)
    assert commute.quantity == 24 * 420
    assert commute.kgco2e == 24 * 420 * Decimal("0.0278")
    assert {item.scope for item in footprint.items} == {"3"}


def test_spend_based_purchases_are_refused_because_no_spend_factor_is_published():
    with pytest.raises(CalculationError) as caught:
        _inventory(PurchasedGoodsSpend("office furniture", Decimal(12000), **SITE))
    assert caught.value.field == "records[0].amount"
    assert "no spend-based emission factor is published" in caught.value.message


def test_totals_are_grouped_by_facility_and_month():
    footprint = _inventory(
        ElectricityUse(Decimal(100), province="CN-BJ", facility="Beijing", month="2025-01"),
        ElectricityUse(Decimal(100), province="CN-SC", facility="Chengdu", month="2025-01"),
        ElectricityUse(Decimal(50), province="CN-BJ", facility="Beijing", month="2025-02"),
    )
    assert footprint.by_facility() == {"Beijing": Decimal(150) * Decimal("0.5554"),
                                       "Chengdu": Decimal(100) * Decimal("0.1564")}
    assert [item.month for item in footprint.items] == ["2025-01", "2025-01", "2025-02"]


@pytest.mark.parametrize(("record", "field"), [
    (ElectricityUse(Decimal(1), facility="", month="2025-01"), "records[0].facility"),
    (ElectricityUse(Decimal(1), facility="A", month="2025-13"), "records[0].month"),
    (ElectricityUse(Decimal(1), facility="A", month="25-01"), "records[0].month"),
    (FuelUse("plutonium", Decimal(1), "kg", **SITE), "records[0].fuel"),
    (FuelUse("diesel", Decimal(1), "parsec", **SITE), "records[0].unit"),
    (RefrigerantLeak("R-999", Decimal(1), **SITE), "records[0].gas"),
    (WasteDisposal("food", "closed_loop", Decimal(1), **SITE), "records[0].treatment"),
    (MaterialUse("badges", Decimal(1), **SITE), "records[0].material"),
])
def test_bad_records_raise_naming_the_field(record, field):
    with pytest.raises(CalculationError) as caught:
        _inventory(record)
    assert caught.value.field == field


def test_an_unknown_airport_in_business_travel_names_the_record_and_the_leg():
    with pytest.raises(UnknownPlaceError) as caught:
        _inventory(BusinessTravel(Leg(mode="flight", origin="PEK", destination="XQQ"), **SITE))
    assert caught.value.field == "records[0].leg.to"


def test_water_supply_is_category_1_and_its_treatment_category_5_by_the_cubic_metre():
    from calculators.enterprise import WaterUse

    footprint = _inventory(WaterUse("supply", Decimal(2), "ML", **SITE), WaterUse("污水处理", Decimal(50), **SITE))
    supply, treatment = footprint.items
    assert supply.factor_id == "water.supply.m3" and supply.quantity == Decimal(2000)
    assert supply.kgco2e == Decimal(2000) * FS.get("water.supply.m3").kgco2e_per_unit
    assert supply.ghg_category == "3.1 Purchased goods and services" and supply.iso_category == 4
    assert treatment.ghg_category == "3.5 Waste generated in operations"
    assert treatment.kgco2e == Decimal(50) * Decimal("0.18574")
    with pytest.raises(CalculationError) as error:
        _inventory(WaterUse("rain", Decimal(1), **SITE))
    assert error.value.field == "records[0].use"


def test_every_ghg_category_has_its_chinese_name_also_when_cut_at_64_characters():
    from calculators import enterprise

    categories = {value[1] for name, value in vars(enterprise).items()
                  if name.startswith("_") and isinstance(value, tuple) and len(value) == 3
                  and isinstance(value[1], str) and isinstance(value[2], int)}
    assert len(categories) >= 12
    for category in categories:
        chinese = enterprise.ghg_category_zh(category)
        assert chinese != category and any("\u4e00" <= c <= "\u9fff" for c in chinese), category
        assert enterprise.ghg_category_zh(category[:64]) == chinese
    assert enterprise.ghg_category_zh("2 Purchased electricity") == "2 外购电力"
    assert enterprise.ghg_category_zh("9 Something else") == "9 Something else"
