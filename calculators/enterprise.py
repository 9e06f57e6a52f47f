"""Organisation inventories by GHG Protocol scope and ISO 14064-1 category, and the site lines events share.

The site-activity lines (grid electricity, fuels, purchased heat, refrigerants, materials, waste) are built
here once and used by homes (personal.py) and events (event.py) too.

Choices (also written into the line items):

- Location-based electricity uses the MEE & NBS 2023 provincial average, falling back to the 2023 national
  average where a province has none (Tibet) or none is given. The 0.5703 national grid factor that MEE prescribes
  for 2023-2025 enterprise reporting is an option (`grid="reporting"`), not the default, as its row says.
- Market-based electricity: kWh covered by green-electricity certificates or contracts count as zero-emission;
  the rest is multiplied by the national average excluding market-traded non-fossil power, the disclosed
  residual-mix stand-in. Both Scope 2 figures are reported; the total counts one (location-based by default)
  and the other is a memo item.
- Fuels use the Chinese stated CO2 coefficients (cn.fuel.*.ef) for physical quantities (m3 of gas, kg or t of
  liquid and solid fuels) and the IPCC 2006 defaults when the quantity is given as energy (GJ, TJ, kWh).
  Litres of a liquid fuel need a density, which no factor row publishes: the caller must give it with its
  source, and the line item shows both.
- Refrigerant leakage is kg × GWP100, AR5 by default (DESNZ's basis); for gases without an AR5 row the row
  named "Default" for that gas (AR6) is used and the note says so. HCFC-22 is a Montreal Protocol gas: the GHG
  Protocol reports it outside the scopes, so it is a memo item, not in the total.
- Purchased heat uses the 0.11 tCO2/GJ default; no contractual instrument exists for it, so the market-based
  figure repeats it.
- Water: supply is Scope 3 category 1 (a purchased good) and its treatment category 5 (waste generated in
  operations), by the DESNZ rows per cubic metre; both are ISO 14064-1 category 4.
- Scope 3 category 1 by spend is refused: no spend-based factor is published in the factor set. Category 1 by
  mass (paper bought) uses the DESNZ material rows.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, replace
from decimal import Decimal
from functools import lru_cache

from calculators.footprint import (
    ZERO,
    CalculationError,
    Footprint,
    LineItem,
    Message,
    Name,
    dsum,
    factor_item,
    factor_unit,
    mul,
    scaled,
    to_decimal,
)
from calculators.travel import Leg, hotel_item, leg_item
from calculators.units import convert, dimension, unit_symbol
from factors import Factor, FactorSet
from factors.regions import KNOWN_REGIONS, find_province

GRID_BASES = ("provincial", "reporting")
SCOPE2_METHODS = ("location", "market")
GWP_BASES = ("AR5", "AR4", "AR6")

ELECTRICITY_NOTE = Message("calc.grid.provincial", "MEE & NBS provincial average grid factor, location-based, CO2 "
                                                  "only")
NATIONAL_FALLBACK_NOTE = Message("calc.grid.national_no_province", "national average grid factor stands in: no "
                                                                   "province given")
REPORTING_NOTE = ("MEE's national grid factor for 2023-2025 enterprise reporting (2022 data), chosen by the "
                  "caller; not this service's default location-based factor")
RESIDUAL_NOTE = ("market-based: residual-mix stand-in, the national average excluding market-traded non-fossil "
                 "electricity (disclosed stand-in; China publishes no residual mix)")
GREEN_NOTE = ("market-based: electricity covered by green-electricity certificates or contracts counts as "
              "zero-emission (GHG Protocol Scope 2 Guidance)")


@dataclass(frozen=True)
class ElectricityUse:
    """Electricity bought from the grid; green_kwh of it covered by certificates or contracts."""

    quantity: Decimal
    unit: str = "kWh"
    province: str = ""  # ISO 3166-2 (CN-GD) or a Chinese or English name; "" for the national average
    green_kwh: Decimal = ZERO
    facility: str = ""
    month: str = ""


@dataclass(frozen=True)
class FuelUse:
    """Fuel burned: natural_gas, diesel, gasoline, lpg, raw_coal, fuel_oil (or bituminous_coal by energy)."""

    fuel: str
    quantity: Decimal
    unit: str
    mobile: bool = False  # vehicles (Scope 1 mobile combustion) rather than boilers and generators
    density_kg_per_l: Decimal | None = None  # needed for litres of a liquid fuel, with its source
    density_source: str = ""
    facility: str = ""
    month: str = ""


@dataclass(frozen=True)
class HeatPurchase:
    quantity: Decimal
    unit: str = "GJ"
    facility: str = ""
    month: str = ""


@dataclass(frozen=True)
class RefrigerantLeak:
    gas: str  # R-134a, HFC-32, R-410A, SF6...
    kg: Decimal
    facility: str = ""
    month: str = ""


@dataclass(frozen=True)
class MaterialUse:
    """Material bought: paper, board or mixed_paper (printed matter counts as paper)."""

    material: str
    quantity: Decimal
    unit: str = "kg"
    recycled: bool = False  # recycled-content paper (DESNZ closed-loop source)
    facility: str = ""
    month: str = ""


@dataclass(frozen=True)
class WasteDisposal:
    """Waste by stream (commercial_industrial, household_residual, food_drink, paper, board, mixed_paper,
    plastics) and treatment (landfill, combustion, composting, anaerobic_digestion, closed_loop, open_loop)."""

    waste: str
    treatment: str
    quantity: Decimal
    unit: str = "kg"
    facility: str = ""
    month: str = ""


@dataclass(frozen=True)
class WaterUse:
    """Water bought (`supply`) or sent to treatment (`treatment`), by volume."""

    use: str
    quantity: Decimal
    unit: str = "m3"
    facility: str = ""
    month: str = ""


@dataclass(frozen=True)
class BusinessTravel:
    leg: Leg
    facility: str = ""
    month: str = ""


@dataclass(frozen=True)
class BusinessLodging:
    country: str
    nights: Decimal
    facility: str = ""
    month: str = ""


@dataclass(frozen=True)
class Commuting:
    """Employee commuting: one leg, `trips` times (e.g. employees × working days in the month)."""

    leg: Leg
    trips: Decimal = Decimal(1)
    facility: str = ""
    month: str = ""


@dataclass(frozen=True)
class PurchasedGoodsSpend:
    """Spend on purchased goods and services (Scope 3 category 1 by spend)."""

    description: str
    amount: Decimal
    currency: str = "CNY"
    facility: str = ""
    month: str = ""


Record = (ElectricityUse | FuelUse | HeatPurchase | RefrigerantLeak | MaterialUse | WasteDisposal | WaterUse
          | BusinessTravel | BusinessLodging | Commuting | PurchasedGoodsSpend)


@dataclass(frozen=True)
class EnterpriseOptions:
    grid: str = "provincial"  # location-based factor: "provincial" (2023, default) or "reporting" (0.5703)
    scope2_total: str = "location"  # the Scope 2 method counted in the total; the other is a memo item
    gwp: str = "AR5"
    radiative_forcing: bool = True


@dataclass(frozen=True)
class EnterpriseInput:
    records: tuple[Record, ...] = ()
    options: EnterpriseOptions = EnterpriseOptions()


# Site-activity lines, shared by homes, events and organisations.


@dataclass(frozen=True)
class _ElectricityIndex:
    provincial: dict[str, Factor]  # ISO 3166-2 -> latest provincial row
    national: Factor
    residual: Factor
    reporting: Factor | None


@lru_cache(maxsize=8)
def _electricity_index(factor_set: FactorSet) -> _ElectricityIndex:
    # The latest year of each series, found once per factor set (a new set may add 2024 rows).
    latest: dict[str, Factor] = {}
    series: dict[str, Factor] = {}
    reporting = None
    for factor in factor_set.by_category("electricity"):
        if factor.id.startswith("cn.elec.prov."):
            best = latest.get(factor.region)
            if best is None or factor.valid_year > best.valid_year:
                latest[factor.region] = factor
        elif factor.id.startswith("cn.elec.reporting_grid_avg."):
            reporting = factor
        else:
            name = factor.id.rsplit(".", 1)[0]
            best = series.get(name)
            if best is None or factor.valid_year > best.valid_year:
                series[name] = factor
    return _ElectricityIndex(latest, series["cn.elec.national_avg"],
                             series["cn.elec.national_avg_excl_market_nonfossil"], reporting)


@lru_cache(maxsize=256)
def province_code(province: str) -> str:
    """ISO 3166-2 code of a Chinese province given by code or Chinese or English name; "" stays ""."""
    if not province or not province.strip():
        return ""
    region = find_province(province)
    if region is None:
        names = [r.code for r in KNOWN_REGIONS.values() if r.kind == "province"]
        names += [r.name_en for r in KNOWN_REGIONS.values() if r.kind == "province"]
        near = difflib.get_close_matches(province.strip(), names, n=3, cutoff=0.5)
        hint = f"; did you mean {', '.join(near)}?" if near else ""
        raise CalculationError("province", f"unknown province {province!r}{hint}")
    return region.code


def electricity_item(factor_set: FactorSet, quantity: object, unit: str = "kWh", province: str = "", *,
                     grid: str = "provincial") -> LineItem:
    """Location-based grid electricity."""
    kwh = _in_unit(quantity, unit, "kWh")
    index = _electricity_index(factor_set)
    code = province_code(province)
    if grid == "reporting":
        if index.reporting is None:
            raise CalculationError("grid", f"no reporting grid factor in factor set {factor_set.version}")
        factor, notes = index.reporting, (REPORTING_NOTE,)
    elif grid != "provincial":
        raise CalculationError("grid", f"unknown grid basis {grid!r} (known: {', '.join(GRID_BASES)})")
    elif code in index.provincial:
        factor, notes = index.provincial[code], (ELECTRICITY_NOTE,)
    else:
        note = NATIONAL_FALLBACK_NOTE if not code else Message(
            "calc.grid.national_no_provincial", "national average grid factor stands in: no provincial factor is "
            "published for %(place)s", place=Name(KNOWN_REGIONS[code].name_en, KNOWN_REGIONS[code].name_zh))
        factor, notes = index.national, (note,)
    where = KNOWN_REGIONS[code].name_en if code else "China"
    where_zh = KNOWN_REGIONS[code].name_zh if code else "全国"
    return factor_item(factor, kwh, f"Electricity, {where} grid", f"电力，{where_zh}电网", notes=notes)


def market_electricity_items(factor_set: FactorSet, quantity: object, unit: str = "kWh",
                             green_kwh: object = ZERO) -> tuple[LineItem, ...]:
    """Market-based grid electricity: green kWh at zero, the rest at the residual-mix stand-in."""
    kwh = _in_unit(quantity, unit, "kWh")
    green = to_decimal(green_kwh, "green_kwh")
    if green > kwh:
        raise CalculationError("green_kwh", f"green electricity {green} kWh exceeds the {kwh} kWh used")
    index = _electricity_index(factor_set)
    items = []
    if green:
        items.append(LineItem("electricity", "Electricity covered by green certificates or contracts",
                              "绿证或绿电合同覆盖的电力", green, "kWh", "", ZERO, factor_unit("kWh"), ZERO, "",
                              (GREEN_NOTE,)))
    items.append(factor_item(index.residual, dsum((kwh, -green)), "Electricity, residual mix (market-based)",
                             "电力，剩余组合（市场法）", notes=(RESIDUAL_NOTE,)))
    return tuple(items)


_FUELS = {
    # fuel: (row for physical quantities, its unit, IPCC 2006 row for energy quantities)
    "natural_gas": ("cn.fuel.natural_gas.ef", "m3", "ipcc2006.co2.natural_gas"),
    "diesel": ("cn.fuel.diesel.ef", "kg", "ipcc2006.co2.gas_diesel_oil"),
    "gasoline": ("cn.fuel.gasoline.ef", "kg", "ipcc2006.co2.motor_gasoline"),
    "lpg": ("cn.fuel.lpg.ef", "kg", "ipcc2006.co2.lpg"),
    "raw_coal": ("cn.fuel.raw_coal.ef", "kg", None),
    "fuel_oil": ("cn.fuel.fuel_oil.ef", "kg", "ipcc2006.co2.residual_fuel_oil"),
    "bituminous_coal": (None, None, "ipcc2006.co2.other_bituminous_coal"),
}
_FUEL_ALIASES = {"gas": "natural_gas", "天然气": "natural_gas", "柴油": "diesel", "petrol": "gasoline",
                 "汽油": "gasoline", "液化石油气": "lpg", "coal": "raw_coal", "原煤": "raw_coal", "燃料油": "fuel_oil"}
_FUEL_ZH = {"natural_gas": "天然气", "diesel": "柴油", "gasoline": "汽油", "lpg": "液化石油气", "raw_coal": "原煤",
            "fuel_oil": "燃料油", "bituminous_coal": "烟煤"}
CN_FUEL_NOTE = Message("calc.fuel.cn", "Chinese stated CO2 coefficient (third-party document; attribution to "
                                      "GB/T 32150 not confirmed), CO2 only")
OILFIELD_GAS_NOTE = Message("calc.fuel.oilfield_gas", "the source labels this row 油田天然气 (oilfield gas)")
IPCC_FUEL_NOTE = "IPCC 2006 default CO2 factor per TJ (net calorific value basis), CO2 only"


def fuel_item(factor_set: FactorSet, fuel: str, quantity: object, unit: str, *,
              density_kg_per_l: object = None, density_source: str = "") -> LineItem:
    """Fuel burned, by the Chinese coefficient (physical units) or the IPCC default (energy units)."""
    name = _FUEL_ALIASES.get(fuel.strip().casefold(), fuel.strip().casefold())
    if name not in _FUELS:
        raise CalculationError("fuel", f"unknown fuel {fuel!r} (known: {', '.join(_FUELS)})")
    physical_id, physical_unit, energy_id = _FUELS[name]
    amount = to_decimal(quantity, "quantity")
    symbol = unit_symbol(unit)
    kind = dimension(symbol)
    notes: list[str] = []
    if kind == "energy":
        if energy_id is None:
            raise CalculationError("unit", f"no energy-based factor for {name}; give it in kg or t")
        factor = factor_set.get(energy_id)
        value = convert(amount, symbol, "TJ")
        notes.append(IPCC_FUEL_NOTE)
    elif physical_id is None:
        raise CalculationError("unit", f"{name} needs an energy quantity (GJ or TJ)")
    else:
        factor = factor_set.get(physical_id)
        if kind == "volume" and physical_unit == "kg":
            value = _litres_to_kg(name, amount, symbol, density_kg_per_l, density_source, factor_set, notes)
        else:
            value = convert(amount, symbol, physical_unit)
        notes.append(CN_FUEL_NOTE)
        if name == "natural_gas":
            notes.append(OILFIELD_GAS_NOTE)
    return factor_item(factor, value, f"{name.replace('_', ' ').capitalize()} burned, {amount} {symbol}",
                       f"{_FUEL_ZH[name]}燃烧，{amount} {symbol}", notes=tuple(notes))


def _litres_to_kg(name: str, amount: Decimal, symbol: str, density: object, source: str,
                  factor_set: FactorSet, notes: list[str]) -> Decimal:
    if density is None or not source.strip():
        raise CalculationError("density_kg_per_l",
                               f"{name} in {symbol} needs its density in kg/L and the source of that density: "
                               f"factor set {factor_set.version} publishes {name} per kg and no density")
    kg_per_l = to_decimal(density, "density_kg_per_l")
    litres = convert(amount, symbol, "L")
    kg = mul(litres, kg_per_l)
    notes.append(f"{litres} L × {kg_per_l} kg/L = {kg} kg (density given by the caller: {source.strip()})")
    return kg


def heat_item(factor_set: FactorSet, quantity: object, unit: str = "GJ") -> LineItem:
    gj = _in_unit(quantity, unit, "GJ")
    factor = factor_set.get("cn.heat.purchased_default")
    return factor_item(factor, gj, "Purchased heat", "外购热力",
                       notes=("default factor for purchased heat when no measured value exists, CO2 only",))


_GAS_ALIASES = {"r134a": "hfc134a", "r32": "hfc32", "r125": "hfc125", "r143a": "hfc143a", "r22": "hcfc22",
                "propane": "r290", "co2": "r744", "hfo1234yf": "r1234yf", "sulphurhexafluoride": "sf6"}
MONTREAL_GASES = frozenset({"hcfc22"})


def refrigerant_gas(gas: str) -> str:
    key = "".join(ch for ch in gas.casefold() if ch.isalnum())
    return _GAS_ALIASES.get(key, key)


def refrigerant_item(factor_set: FactorSet, gas: str, kg: object, *, gwp: str = "AR5") -> LineItem:
    """kg of refrigerant leaked × its GWP100."""
    amount = to_decimal(kg, "kg")
    if gwp not in GWP_BASES:
        raise CalculationError("gwp", f"unknown GWP basis {gwp!r} (known: {', '.join(GWP_BASES)})")
    name = refrigerant_gas(gas)
    rows = _refrigerant_index(factor_set).get(name)
    if not rows:
        known = ", ".join(sorted(_refrigerant_index(factor_set)))
        raise CalculationError("gas", f"no GWP for {gas!r} in factor set {factor_set.version} "
                                              f"(known: {known})")
    wanted = f"gwp_{gwp.lower()}_{name}"
    factor = rows.get(wanted)
    notes = [f"kg leaked × GWP100 ({gwp})"]
    if factor is None:
        factor = next((f for f in rows.values() if f.notes.startswith("Default")), None)
        if factor is None:
            raise CalculationError("gwp", f"no {gwp} GWP for {gas!r} and no default row")
        notes = [f"kg leaked × GWP100; no {gwp} value for this gas in the factor set, so its default row "
                 f"({factor.id}) is used"]
    label = gas.strip()
    return factor_item(factor, amount, f"Refrigerant leakage, {label}", f"制冷剂泄漏，{label}", notes=tuple(notes))


@lru_cache(maxsize=8)
def _refrigerant_index(factor_set: FactorSet) -> dict[str, dict[str, Factor]]:
    index: dict[str, dict[str, Factor]] = {}
    for factor in factor_set.by_category("refrigerant"):
        # gwp_<basis>_<gas>[_<publisher>]: the publisher variants are alternatives, never chosen by name here.
        parts = factor.id.split("_")
        if len(parts) == 3:
            index.setdefault(parts[2], {})[factor.id] = factor
    return index


_MATERIALS = {"paper": "paper", "printed_matter": "paper", "纸": "paper", "board": "board", "cardboard": "board",
              "纸板": "board", "mixed_paper": "mixed"}


def material_item(factor_set: FactorSet, material: str, quantity: object, unit: str = "kg", *,
                  recycled: bool = False) -> LineItem:
    """Paper and board bought, by mass (no printing or badge factor is published)."""
    name = _MATERIALS.get(material.strip().casefold())
    if name is None:
        raise CalculationError("material", f"no material factor for {material!r} (known: "
                                                   f"{', '.join(_MATERIALS)}; no factor for printing or "
                                                   f"badges is published)")
    tonnes = _in_unit(quantity, unit, "t")
    factor = factor_set.get(f"material.paper_board.{name}.{'closed_loop_source' if recycled else 'primary'}")
    notes = ("DESNZ material use, primary production to point of sale" if not recycled else
             "DESNZ material use, recycled content (closed-loop source)",)
    return factor_item(factor, tonnes, f"{factor.label_en}", f"{factor.label_zh}", notes=notes)


_WASTE_STREAMS = {
    "commercial_industrial": "commercial_industrial", "commercial": "commercial_industrial",
    "household_residual": "household_residual", "residual": "household_residual",
    "food_drink": "food_drink", "food": "food_drink", "paper": "paper_board.paper", "board": "paper_board.board",
    "cardboard": "paper_board.board", "mixed_paper": "paper_board.mixed", "plastics": "plastics_average",
    "plastic": "plastics_average",
}
_TREATMENTS = {"landfill": "landfill", "combustion": "combustion", "incineration": "combustion",
               "composting": "composting", "anaerobic_digestion": "anaerobic_digestion",
               "closed_loop": "closed_loop", "open_loop": "open_loop"}


def waste_item(factor_set: FactorSet, waste: str, treatment: str, quantity: object, unit: str = "kg") -> LineItem:
    stream = _WASTE_STREAMS.get(waste.strip().casefold())
    if stream is None:
        raise CalculationError("waste", f"unknown waste stream {waste!r} "
                                                f"(known: {', '.join(_WASTE_STREAMS)})")
    how = _TREATMENTS.get(treatment.strip().casefold())
    factor = factor_set.factors.get(f"waste.{stream}.{how}") if how else None
    if factor is None:
        available = sorted(f.id.rsplit(".", 1)[1] for f in factor_set.by_category("waste")
                           if f.id.rsplit(".", 1)[0] == f"waste.{stream}")
        raise CalculationError("treatment", f"no factor for {waste} waste by {treatment!r} in factor set "
                                                    f"{factor_set.version} (available: {', '.join(available)})")
    tonnes = _in_unit(quantity, unit, "t")
    return factor_item(factor, tonnes, factor.label_en, factor.label_zh,
                       notes=("DESNZ waste disposal factor, per tonne",))


WATER_USES = ("supply", "treatment")
_WATER_ALIASES = {"供水": "supply", "用水": "supply", "污水处理": "treatment", "wastewater": "treatment"}


def water_item(factor_set: FactorSet, use: str, quantity: object, unit: str = "m3") -> LineItem:
    """Water supplied or treated, per cubic metre (DESNZ)."""
    name = _WATER_ALIASES.get(use.strip().casefold(), use.strip().casefold())
    if name not in WATER_USES:
        raise CalculationError("use", f"unknown water use {use!r} (known: {', '.join(WATER_USES)})")
    m3 = _in_unit(quantity, unit, "m3")
    factor = factor_set.get(f"water.{name}.m3")
    return factor_item(factor, m3, factor.label_en, factor.label_zh,
                       notes=(f"DESNZ water {name} factor, per cubic metre",))


def _in_unit(quantity: object, unit: str, target: str) -> Decimal:
    return convert(to_decimal(quantity, "quantity"), unit, target)


# The inventory.

_SCOPE1 = ("1", "1 Stationary combustion", 1)
_SCOPE1_MOBILE = ("1", "1 Mobile combustion", 1)
_SCOPE1_FUGITIVE = ("1", "1 Fugitive emissions (refrigerant leakage)", 1)
_OUTSIDE = ("outside scopes", "Montreal Protocol gas, reported outside the scopes (GHG Protocol)", 1)
_SCOPE2_LOCATION = ("2-location", "2 Purchased electricity, location-based", 2)
_SCOPE2_MARKET = ("2-market", "2 Purchased electricity, market-based", 2)
_HEAT_LOCATION = ("2-location", "2 Purchased heat", 2)
_HEAT_MARKET = ("2-market", "2 Purchased heat", 2)
_CAT1 = ("3", "3.1 Purchased goods and services", 4)
_CAT5 = ("3", "3.5 Waste generated in operations", 4)
_WATER_CATEGORIES = {"supply": _CAT1, "treatment": _CAT5}
_CAT6 = ("3", "3.6 Business travel", 3)
_CAT6_HOTEL = ("3", "3.6 Business travel (hotel stays)", 4)
_CAT7 = ("3", "3.7 Employee commuting", 3)


# The categories in Chinese, as the Chinese edition of the GHG Protocol names them (for pages and printed reports;
# the English name is the key the line items and the database keep). Inventory lines merge the two Scope 2
# methods under "2 Purchased electricity" and keep at most 64 characters of a name.
GHG_CATEGORY_ZH = {
    _SCOPE1[1]: "1 固定燃烧",
    _SCOPE1_MOBILE[1]: "1 移动燃烧",
    _SCOPE1_FUGITIVE[1]: "1 逸散排放（制冷剂泄漏）",
    _OUTSIDE[1]: "《蒙特利尔议定书》气体，在范围之外报告（温室气体核算体系）",
    _SCOPE2_LOCATION[1]: "2 外购电力（基于位置）",
    _SCOPE2_MARKET[1]: "2 外购电力（基于市场）",
    "2 Purchased electricity": "2 外购电力",
    _HEAT_LOCATION[1]: "2 外购热力",
    _CAT1[1]: "3.1 外购商品和服务",
    _CAT5[1]: "3.5 运营中产生的废弃物",
    _CAT6[1]: "3.6 商务差旅",
    _CAT6_HOTEL[1]: "3.6 商务差旅（酒店住宿）",
    _CAT7[1]: "3.7 员工通勤",
}


def ghg_category_zh(name: str) -> str:
    """A GHG Protocol category's Chinese name (the English one when it has none); `name` may be cut at 64."""
    if name in GHG_CATEGORY_ZH:
        return GHG_CATEGORY_ZH[name]
    return next((zh for english, zh in GHG_CATEGORY_ZH.items() if len(name) == 64 and english.startswith(name)),
                name)


def enterprise_footprint(inventory: EnterpriseInput, factor_set: FactorSet) -> Footprint:
    """Scope 1, 2 and 3 line items of an organisation's activity records."""
    options = inventory.options
    if options.scope2_total not in SCOPE2_METHODS:
        raise CalculationError("options.scope2_total", f"unknown Scope 2 method {options.scope2_total!r} "
                                                       f"(known: {', '.join(SCOPE2_METHODS)})")
    items: list[LineItem] = []
    memo: list[LineItem] = []
    for index, record in enumerate(inventory.records):
        try:
            _check_record(record)
            for item, in_total in _record_items(record, factor_set, options):
                (items if in_total else memo).append(item)
        except CalculationError as error:
            raise error.at(f"records[{index}]") from None
    assumptions = (
        f"Scope 2 in the total: {options.scope2_total}-based; the other method is reported as memo items",
        f"location-based grid factor: {options.grid}",
        f"refrigerant GWP basis: {options.gwp}",
        f"flights {'with' if options.radiative_forcing else 'without'} radiative forcing",
    )
    return Footprint("enterprise", factor_set.version, tuple(items), assumptions, memo_items=tuple(memo))


def _record_items(record: Record, factor_set: FactorSet, options: EnterpriseOptions):
    """(item, counted in the total) pairs for one record."""
    if isinstance(record, ElectricityUse):
        location = electricity_item(factor_set, record.quantity, record.unit, record.province, grid=options.grid)
        market = market_electricity_items(factor_set, record.quantity, record.unit, record.green_kwh)
        location_counts = options.scope2_total == "location"
        yield _scoped(location, _SCOPE2_LOCATION, record), location_counts
        for item in market:
            yield _scoped(item, _SCOPE2_MARKET, record), not location_counts
    elif isinstance(record, HeatPurchase):
        heat = heat_item(factor_set, record.quantity, record.unit)
        location_counts = options.scope2_total == "location"
        yield _scoped(heat, _HEAT_LOCATION, record), location_counts
        yield _scoped(heat, _HEAT_MARKET, record, ("no contractual instrument for heat: the market-based "
                                                   "figure uses the same default factor",)), not location_counts
    elif isinstance(record, FuelUse):
        item = fuel_item(factor_set, record.fuel, record.quantity, record.unit,
                         density_kg_per_l=record.density_kg_per_l, density_source=record.density_source)
        yield _scoped(item, _SCOPE1_MOBILE if record.mobile else _SCOPE1, record), True
    elif isinstance(record, RefrigerantLeak):
        item = refrigerant_item(factor_set, record.gas, record.kg, gwp=options.gwp)
        if refrigerant_gas(record.gas) in MONTREAL_GASES:
            yield _scoped(item, _OUTSIDE, record), False
        else:
            yield _scoped(item, _SCOPE1_FUGITIVE, record), True
    elif isinstance(record, MaterialUse):
        item = material_item(factor_set, record.material, record.quantity, record.unit, recycled=record.recycled)
        yield _scoped(item, _CAT1, record), True
    elif isinstance(record, WasteDisposal):
        item = waste_item(factor_set, record.waste, record.treatment, record.quantity, record.unit)
        yield _scoped(item, _CAT5, record), True
    elif isinstance(record, WaterUse):
        item = water_item(factor_set, record.use, record.quantity, record.unit)
        yield _scoped(item, _WATER_CATEGORIES[item.factor_id.split(".")[1]], record), True
    elif isinstance(record, BusinessTravel):
        yield _scoped(_leg(record.leg, factor_set, options), _CAT6, record), True
    elif isinstance(record, BusinessLodging):
        item = hotel_item(factor_set, record.country, record.nights)
        yield _scoped(item, _CAT6_HOTEL, record, ("hotel stay: a service used, ISO 14064-1 category 4; the GHG "
                                                  "Protocol counts it in category 6",)), True
    elif isinstance(record, Commuting):
        trips = to_decimal(record.trips, "trips")
        item = _leg(record.leg, factor_set, options)
        item = scaled(item, trips, notes=(*item.notes, f"× {trips} trips"))
        yield _scoped(item, _CAT7, record), True
    elif isinstance(record, PurchasedGoodsSpend):
        raise CalculationError("amount", f"no spend-based emission factor is published in factor set "
                                                 f"{factor_set.version}: record purchased goods by quantity "
                                                 f"(e.g. paper in kg) instead")
    else:
        raise CalculationError("", f"unknown record type {type(record).__name__}")


def _scoped(item: LineItem, scope: tuple[str, str, int], record: Record, extra_notes: tuple[str, ...] = ()):
    return replace(item, scope=scope[0], ghg_category=scope[1], iso_category=scope[2],
                   facility=record.facility, month=record.month, notes=item.notes + extra_notes)


def _leg(leg: Leg, factor_set: FactorSet, options: EnterpriseOptions) -> LineItem:
    try:
        return leg_item(leg, factor_set, radiative_forcing=options.radiative_forcing)
    except CalculationError as error:
        raise error.at("leg") from None


def _check_record(record: Record) -> None:
    if not record.facility or not record.facility.strip():
        raise CalculationError("facility", "each record names its facility")
    month = record.month
    ok = (len(month) == 7 and month[4] == "-" and month[:4].isdigit() and month[5:].isdigit()
          and 1 <= int(month[5:]) <= 12)
    if not ok:
        raise CalculationError("month", f"month must be YYYY-MM, not {month!r}")
