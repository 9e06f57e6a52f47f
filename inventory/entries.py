"""One activity record's input: its fields, their checks, and its kg through calculators.enterprise.

Every way in (the page's form, the API, a CSV or XLSX row) gives a mapping of field -> text or value; `clean_entry`
checks it once and `compute_entry` turns it into the calculator's record and its line items. Nothing here converts
a unit or multiplies by a factor: the calculator does both (through calculators.units), and its refusals become
errors naming the field, the value and the reason.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Context, Decimal, Inexact, InvalidOperation, Overflow
from operator import itemgetter

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
    WaterUse,
    enterprise_footprint,
)
from calculators.footprint import CalculationError, divisions_cut, dsum, plain
from calculators.travel import CABINS, CAR_FUELS, MODES, RAIL_TYPES, VEHICLE_SIZES, Leg
from calculators.units import convert
from factors import FactorSet
from factors.model import FactorError
from inventory.models import ActivityKind, DataSource, Facility

# Data-quality grade of each way of obtaining a quantity (A best): a measured value beats a bill, a bill a
# survey, a survey an estimate, and an estimate a default value.
QUALITY_GRADES = {DataSource.metered: "A", DataSource.invoice: "B", DataSource.survey: "C",
                  DataSource.estimate: "D", DataSource.default: "E"}
GRADES = ("A", "B", "C", "D", "E")
INSTRUMENT_TYPES = ("gec", "green_power_trade", "ppa", "i_rec", "other")
MAX_QUANTITY = Decimal("1000000000000")  # 10^12 of any unit: more is a typing error
MAX_DECIMAL_PLACES = 10  # with the maximum above, at most 22 significant digits: exact in the calculator
# Units that count things rather than measure them: trips (commuting), nights (lodging), money (spend).
COUNT_UNITS = {"trip": "trip", "trips": "trip", "次": "trip", "人次": "trip", "night": "night", "nights": "night",
               "晚": "night", "间夜": "night"}
CURRENCY = re.compile(r"^[A-Z]{3}$")
MONTH = re.compile(r"^(\d{4})-(\d{1,2})(?:-01)?$")
MIN_YEAR, MAX_YEAR = 1990, 2999
# The calculator's options for every stored record: location-based Scope 2 in the total, market-based beside it.
OPTIONS = EnterpriseOptions()

# Every field of an entry, in the order of the template's columns, with its English and Chinese headers.
FIELDS: tuple[tuple[str, str], ...] = (
    ("facility", "设施"), ("month", "月份"), ("kind", "类别"), ("activity", "活动"), ("quantity", "数量"),
    ("unit", "单位"), ("data_source", "数据来源"), ("treatment", "处理方式"), ("recycled", "再生纸"),
    ("density_kg_per_l", "密度(kg/L)"), ("density_source", "密度来源"), ("green_kwh", "绿电电量(kWh)"),
    ("instrument_type", "绿电凭证类型"), ("certificate_id", "凭证编号"), ("origin", "出发地"),
    ("destination", "目的地"), ("distance_km", "距离(km)"), ("round_trip", "往返"), ("cabin", "舱位"),
    ("rail_type", "铁路类型"), ("car_fuel", "车辆燃料"), ("car_size", "车型"), ("occupancy", "乘员数"),
    ("currency", "币种"), ("evidence_note", "证据说明"), ("evidence_file", "证据文件"),
)
FIELD_NAMES = tuple(name for name, _zh in FIELDS)
TEXT_LIMITS = {"activity": 200, "treatment": 32, "density_source": 500, "instrument_type": 32,
               "certificate_id": 100, "origin": 100, "destination": 100, "evidence_note": 1000,
               "evidence_file": 255, "unit": 16, "currency": 3}

KIND_NAMES = {
    "燃料": ActivityKind.fuel, "固定燃烧": ActivityKind.fuel, "公司车辆": ActivityKind.vehicle,
    "车辆": ActivityKind.vehicle, "电力": ActivityKind.electricity, "外购电力": ActivityKind.electricity,
    "外购热力": ActivityKind.heat, "热力": ActivityKind.heat, "制冷剂": ActivityKind.refrigerant,
    "商务差旅": ActivityKind.business_travel, "差旅": ActivityKind.business_travel,
    "差旅住宿": ActivityKind.business_lodging, "员工通勤": ActivityKind.commuting, "通勤": ActivityKind.commuting,
    "废弃物": ActivityKind.waste, "水": ActivityKind.water, "用水": ActivityKind.water, "纸张": ActivityKind.paper,
    "采购支出": ActivityKind.purchased_goods_spend,
}
SOURCE_NAMES = {"计量": DataSource.metered, "仪表": DataSource.metered, "发票": DataSource.invoice,
                "账单": DataSource.invoice, "调查": DataSource.survey, "问卷": DataSource.survey,
                "估算": DataSource.estimate, "缺省值": DataSource.default, "默认值": DataSource.default}
_TRUE = {"1", "true", "yes", "y", "是", "✓"}
_FALSE = {"", "0", "false", "no", "n", "否"}
# The fields each kind needs besides facility, month, quantity, unit and data source.
NEEDS = {
    ActivityKind.fuel: ("activity",), ActivityKind.vehicle: ("activity",), ActivityKind.electricity: (),
    ActivityKind.heat: (), ActivityKind.refrigerant: ("activity",), ActivityKind.business_travel: ("activity",),
    ActivityKind.business_lodging: ("activity",), ActivityKind.commuting: ("activity", "distance_km"),
    ActivityKind.waste: ("activity", "treatment"), ActivityKind.water: ("activity",),
    ActivityKind.paper: ("activity",), ActivityKind.purchased_goods_spend: ("activity", "currency"),
}
# The calculator's field names (relative to one record) and the entry's field each one means.
_CALCULATOR_FIELDS = {
    "quantity": "quantity", "unit": "unit", "kg": "quantity", "nights": "quantity", "trips": "quantity",
    "amount": "quantity", "fuel": "activity", "gas": "activity", "material": "activity", "waste": "activity",
    "use": "activity", "country": "activity", "description": "activity", "treatment": "treatment",
    "green_kwh": "green_kwh", "density_kg_per_l": "density_kg_per_l", "province": "facility",
    "leg.mode": "activity", "leg.from": "origin", "leg.to": "destination", "leg.distance_km": "distance_km",
    "leg.cabin": "cabin", "leg.rail_type": "rail_type", "leg.car_fuel": "car_fuel", "leg.car_size": "car_size",
    "leg.occupancy": "occupancy", "leg": "activity", "gwp": "activity",
}


class EntryError(Exception):
    """Bad fields of one entry: {field: (value as given, reason)}."""

    def __init__(self, problems: dict[str, tuple[str, str]]):
        self.problems = problems
        super().__init__("; ".join(f"{field} {value!r}: {reason}" for field, (value, reason) in problems.items()))


@dataclass(frozen=True)
class Computed:
    """What a record's write stores beside its input: kg, scope and categories, and each line item."""

    factor_set: str
    scope: str
    ghg_category: str
    iso_category: int
    kgco2e: Decimal
    kgco2e_market: Decimal | None
    line_items: list


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # a spreadsheet's 12.0 for a typed 12
    return str(value).strip()


def _decimal(raw: str, field: str, problems: dict, *, maximum: Decimal = MAX_QUANTITY) -> Decimal | None:
    try:
        value = Decimal(raw.replace(",", "")) if raw else None
    except InvalidOperation:
        problems[field] = (raw, "not a decimal number")
        return None
    if value is None:
        return None
    if not value.is_finite() or value < 0 or value > maximum:
        problems[field] = (raw, f"must be a number from 0 to {maximum}")
        return None
    if value.as_tuple().exponent < -MAX_DECIMAL_PLACES:
        problems[field] = (raw, f"at most {MAX_DECIMAL_PLACES} decimal places")
        return None
    return value


def _choice(raw: str, field: str, known: tuple[str, ...], problems: dict) -> str | None:
    if not raw:
        return None
    value = raw.strip().lower()
    if value not in known:
        problems[field] = (raw, f"one of {', '.join(known)}")
        return None
    return value


def parse_month(raw: str) -> date:
    """The first day of a month written YYYY-MM (or YYYY-MM-01); ValueError with the reason."""
    match = MONTH.match(raw.strip())
    if not match or not 1 <= int(match.group(2)) <= 12 or not MIN_YEAR <= int(match.group(1)) <= MAX_YEAR:
        raise ValueError(f"a month written YYYY-MM, in the years {MIN_YEAR} to {MAX_YEAR}")
    return date(int(match.group(1)), int(match.group(2)), 1)


def clean_entry(raw: Mapping[str, object], facilities: Mapping[str, Facility]) -> dict:
    """The entry's values, typed and checked; EntryError naming every bad field with its value and reason.

    `facilities` maps each facility's name (and its id, as text) to the facility of the acting organisation: a
    facility of another organisation is not in it and is named as unknown.
    """
    text = dict.fromkeys(FIELD_NAMES, "")
    for name, value in raw.items():
        if name in text:
            text[name] = value.strip() if type(value) is str else _text(value)
    problems: dict[str, tuple[str, str]] = {}
    values: dict = {}
    facility = facilities.get(text["facility"])
    if facility is None:
        problems["facility"] = (text["facility"], "no such facility in this organisation" if text["facility"]
                                else "required")
    else:
        values["facility_id"] = facility.id
    try:
        values["month"] = parse_month(text["month"])
    except ValueError as error:
        problems["month"] = (text["month"], str(error) if text["month"] else "required")
    kind_text = text["kind"]
    kind = KIND_NAMES.get(kind_text) or (ActivityKind(kind_text.lower()) if kind_text.lower() in
                                         ActivityKind.__members__ else None)
    if kind is None:
        problems["kind"] = (kind_text, f"one of {', '.join(k.value for k in ActivityKind)}" if kind_text
                            else "required")
    values["kind"] = kind
    source_text = text["data_source"]
    source = SOURCE_NAMES.get(source_text) or (DataSource(source_text.lower()) if source_text.lower() in
                                               DataSource.__members__ else None)
    if source is None:
        problems["data_source"] = (source_text, f"one of {', '.join(s.value for s in DataSource)}"
                                   if source_text else "required")
    else:
        values["data_source"] = source
        values["quality_grade"] = QUALITY_GRADES[source]
    for name, limit in TEXT_LIMITS.items():
        if len(text[name]) > limit:
            problems[name] = (text[name][:40] + "…", f"at most {limit} characters")
        values[name] = text[name] or None
    values["activity"] = text["activity"]
    quantity = _decimal(text["quantity"], "quantity", problems)
    if quantity is None and "quantity" not in problems:
        problems["quantity"] = ("", "required")
    values["quantity"] = quantity
    if not text["unit"]:
        problems.setdefault("unit", ("", "required"))
    values["unit"] = text["unit"]
    for name in ("density_kg_per_l", "green_kwh", "distance_km"):
        values[name] = _decimal(text[name], name, problems)
    for name in ("recycled", "round_trip"):
        flag = text[name].lower()
        if flag not in _TRUE | _FALSE:
            problems[name] = (text[name], "yes or no (1/0, 是/否)")
        values[name] = flag in _TRUE
    values["cabin"] = _choice(text["cabin"], "cabin", CABINS, problems)
    values["rail_type"] = _choice(text["rail_type"], "rail_type", RAIL_TYPES, problems)
    values["car_fuel"] = _choice(text["car_fuel"], "car_fuel", CAR_FUELS, problems)
    values["car_size"] = _choice(text["car_size"], "car_size", VEHICLE_SIZES, problems)
    values["instrument_type"] = _choice(text["instrument_type"], "instrument_type", INSTRUMENT_TYPES, problems)
    if text["occupancy"]:
        if not text["occupancy"].isdigit() or not 1 <= int(text["occupancy"]) <= 100:
            problems["occupancy"] = (text["occupancy"], "a whole number from 1 to 100")
        else:
            values["occupancy"] = int(text["occupancy"])
    values.setdefault("occupancy", None)
    if text["currency"] and not CURRENCY.match(text["currency"]):
        problems["currency"] = (text["currency"], "an ISO 4217 code such as CNY")
    if kind is not None:
        for name in NEEDS[kind]:
            if not text[name] and name not in problems:
                problems[name] = ("", f"required for {kind.value}")
        if kind in (ActivityKind.business_travel, ActivityKind.commuting) and text["activity"] \
                and text["activity"].lower() not in MODES:
            problems.setdefault("activity", (text["activity"], f"a travel mode: one of {', '.join(MODES)}"))
        if kind is not ActivityKind.electricity and (values["green_kwh"] is not None or values["instrument_type"]
                                                     or values["certificate_id"]):
            problems.setdefault("green_kwh", (text["green_kwh"], "green-electricity instruments apply to "
                                                                 "electricity only"))
        if kind is ActivityKind.electricity and values["green_kwh"] and not values["instrument_type"]:
            problems.setdefault("instrument_type", ("", "required with green_kwh: gec, green_power_trade, ppa, "
                                                        "i_rec or other"))
    if problems:
        raise EntryError(problems)
    if kind in (ActivityKind.business_travel, ActivityKind.commuting):
        values["activity"] = values["activity"].lower()
    values["facility"] = facility
    return values


def _leg(values: Mapping, distance: Decimal | None) -> Leg:
    return Leg(mode=values["activity"], origin=values.get("origin") or "",
               destination=values.get("destination") or "", distance_km=distance,
               round_trip=bool(values.get("round_trip")), cabin=values.get("cabin") or "economy",
               rail_type=values.get("rail_type") or "high_speed", car_fuel=values.get("car_fuel") or "unknown",
               car_size=values.get("car_size") or "average", occupancy=values.get("occupancy") or 1)


def _count(values: Mapping, wanted: str) -> Decimal:
    if COUNT_UNITS.get(values["unit"].strip().lower()) != wanted:
        raise CalculationError("unit", f"{values['kind'].value} is counted in {wanted}s, not {values['unit']!r}")
    return values["quantity"]


def calculator_record(values: Mapping, facility: Facility):
    """The calculators.enterprise record of a cleaned entry."""
    kind, quantity, unit = values["kind"], values["quantity"], values["unit"]
    site = {"facility": facility.name, "month": values["month"].strftime("%Y-%m")}
    activity = values["activity"]
    if kind is ActivityKind.electricity:
        return ElectricityUse(quantity, unit, facility.province or "" if facility.country == "CN" else "",
                              values.get("green_kwh") or Decimal(0), **site)
    if kind in (ActivityKind.fuel, ActivityKind.vehicle):
        return FuelUse(activity, quantity, unit, mobile=kind is ActivityKind.vehicle,
                       density_kg_per_l=values.get("density_kg_per_l"),
                       density_source=values.get("density_source") or "", **site)
    if kind is ActivityKind.heat:
        return HeatPurchase(quantity, unit, **site)
    if kind is ActivityKind.refrigerant:
        return RefrigerantLeak(activity, convert(quantity, unit, "kg"), **site)
    if kind is ActivityKind.paper:
        return MaterialUse(activity, quantity, unit, recycled=bool(values.get("recycled")), **site)
    if kind is ActivityKind.waste:
        return WasteDisposal(activity, values.get("treatment") or "", quantity, unit, **site)
    if kind is ActivityKind.water:
        return WaterUse(activity, quantity, unit, **site)
    if kind is ActivityKind.business_travel:
        # The quantity is the leg's one-way distance, in any distance unit.
        return BusinessTravel(_leg(values, convert(quantity, unit, "km")), **site)
    if kind is ActivityKind.business_lodging:
        return BusinessLodging(activity, _count(values, "night"), **site)
    if kind is ActivityKind.commuting:
        # A survey's count of trips, each the given distance (both ways when round_trip).
        return Commuting(_leg(values, values.get("distance_km")), _count(values, "trip"), **site)
    return PurchasedGoodsSpend(activity, quantity, values.get("currency") or unit, **site)


def compute_entry(values: Mapping, facility: Facility, factor_set: FactorSet) -> Computed:
    """The kg of a cleaned entry through calculators.enterprise; EntryError naming the field the calculator refused."""
    try:
        footprint = enterprise_footprint(EnterpriseInput((calculator_record(values, facility),), OPTIONS),
                                         factor_set)
    except CalculationError as error:
        raise _entry_error(error, values) from None
    except FactorError as error:
        raise EntryError({"activity": (values.get("activity") or "", str(error).strip('"'))}) from None
    items = (*footprint.items, *footprint.memo_items)
    first = items[0]
    if first.scope.startswith("2"):
        location = [i for i in items if i.scope == "2-location"]
        market = [i for i in items if i.scope == "2-market"]
        scope, category = "2", location[0].ghg_category.removesuffix(", location-based")
        kg, kg_market = dsum(i.kgco2e for i in location), dsum(i.kgco2e for i in market)
    else:
        scope = "outside" if first.scope == "outside scopes" else first.scope
        category, kg, kg_market = first.ghg_category, dsum(i.kgco2e for i in items), None
    return Computed(factor_set.version, scope, category[:64], first.iso_category, kg, kg_market,
                    [_line(item, factor_set.version) for item in items])


def _line(item, version: str) -> dict:
    return {"scope": item.scope, "activity": item.activity, "quantity": plain(item.quantity), "unit": item.unit,
            "factor_id": item.factor_id, "factor_value": plain(item.factor_value), "factor_unit": item.factor_unit,
            "kgco2e": plain(item.kgco2e), "source_id": item.source_id, "factor_set": version}


def _entry_error(error: CalculationError, values: Mapping) -> EntryError:
    path = error.field.removeprefix("records[0]").lstrip(".")
    field = _CALCULATOR_FIELDS.get(path, "quantity" if not path else path.split(".")[-1])
    if field not in FIELD_NAMES:
        field = "activity"
    value = values.get(field)
    if field == "facility":
        value = values["facility"].province if values.get("facility") else ""
    shown = plain(value) if isinstance(value, Decimal) else ("" if value is None else str(value))
    return EntryError({field: (shown, str(error.message))})


# Many entries at once (an import): the same checks and the same kg, each input shape worked out once.

# The fields that make an entry's shape: everything but the facility, the month and the quantity.
SHAPE_FIELDS = tuple(name for name in FIELD_NAMES if name not in ("facility", "month", "quantity"))


class EntryChecker:
    """clean_entry for many entries of one organisation, each shape checked once.

    An entry whose shape was clean before needs only its facility, month and quantity checked; any other entry
    (a new shape, a cell that is not text, any problem at all) goes through clean_entry itself, so that its errors
    are exactly clean_entry's.
    """

    def __init__(self, facilities: Mapping[str, Facility]):
        self.facilities = facilities
        self._shapes: dict[tuple, dict] = {}
        self._months: dict[str, date] = {}

    def clean(self, raw: Mapping[str, object]) -> tuple[dict, tuple | None]:
        """(clean_entry's values, the entry's shape, or None when it has none that can be reused)."""
        get = raw.get
        try:
            shape = _shape_of(raw)
        except KeyError:  # a file without some optional column
            shape = tuple([get(name, "") for name in SHAPE_FIELDS])
        try:
            template = self._shapes.get(shape)
            month = self._months.get(get("month"))
        except TypeError:  # a value that cannot be a key (a list): clean_entry names it
            template = shape = None
        if template is not None:
            facility = self.facilities.get(_plain_text(get("facility")))
            quantity_text = get("quantity")
            if facility is not None and month is not None and type(quantity_text) is str:
                problems: dict = {}
                quantity = _decimal(quantity_text.strip(), "quantity", problems)
                if quantity is not None:
                    values = template.copy()
                    values["facility_id"], values["facility"] = facility.id, facility
                    values["month"], values["quantity"] = month, quantity
                    return values, shape
        values = clean_entry(raw, self.facilities)
        month_text = get("month")
        if type(month_text) is str:
            self._months.setdefault(month_text, values["month"])
        if shape is not None and all(value is None or type(value) is str for value in shape):
            self._shapes.setdefault(shape, {name: value for name, value in values.items()
                                            if name not in ("facility_id", "facility", "month", "quantity")})
            return values, shape
        return values, None


_shape_of = itemgetter(*SHAPE_FIELDS)


def scalable_quantity(raw: object) -> Decimal | None:
    """The quantity of a cell that clean_entry accepts and that is not zero (a result for one unit scales to it);
    None for any other cell."""
    if type(raw) is not str:
        return None
    problems: dict = {}
    quantity = _decimal(raw.strip(), "quantity", problems)
    return quantity or None


def _plain_text(value: object) -> str:
    return value.strip() if type(value) is str else _text(value)


# A product of a quantity (at most 22 significant digits) and a per-unit value, exact: Inexact is trapped at a
# precision no such product reaches.
_times = Context(prec=120, traps=[Inexact, InvalidOperation, Overflow]).multiply


class _PerUnit:
    """An entry's Computed for a quantity of 1, to be scaled: kg and line quantities are proportional to it, and a
    line whose label names the quantity ("Diesel burned, 1 kg") names the entry's instead."""

    def __init__(self, computed: Computed, labels: list[tuple[str, str] | None]):
        self.computed = computed
        self.lines = tuple((line, Decimal(line["quantity"]), Decimal(line["kgco2e"]), label)
                           for line, label in zip(computed.line_items, labels, strict=True))

    def kg(self, quantity: Decimal) -> tuple[Decimal, Decimal | None]:
        """The kg (and market-based kg) of `quantity`."""
        unit = self.computed
        return (_times(quantity, unit.kgco2e),
                None if unit.kgco2e_market is None else _times(quantity, unit.kgco2e_market))

    def scaled_lines(self, quantity: Decimal) -> list[tuple[dict, Decimal, Decimal, str]]:
        """(the line for one unit, its quantity and kg for `quantity`, its label) of each line item."""
        return [(line, _times(quantity, line_quantity), _times(quantity, kg),
                 line["activity"] if label is None else f"{label[0]}{quantity}{label[1]}")
                for line, line_quantity, kg, label in self.lines]

    def scaled(self, quantity: Decimal) -> Computed:
        unit = self.computed
        kg, kg_market = self.kg(quantity)
        lines = [{**line, "activity": activity, "quantity": plain(line_quantity), "kgco2e": plain(line_kg)}
                 for line, line_quantity, line_kg, activity in self.scaled_lines(quantity)]
        return Computed(unit.factor_set, unit.scope, unit.ghg_category, unit.iso_category, kg, kg_market, lines)


# The quantities a shape is computed for: the first is the one it is scaled from, the others check the scaling.
_PROBES = (Decimal(1), Decimal("7.3"), Decimal("12.05"))
_PROPORTIONAL = ("quantity", "kgco2e")


def _label(one: str, other: str, times: Decimal) -> tuple[str, str] | None:
    """(before, after) when `one` is before + "1" + after and `other` is before + str(times) + after."""
    index = one.find("1")
    while index >= 0:
        before, after = one[:index], one[index + 1:]
        if other == f"{before}{times}{after}":
            return before, after
        index = one.find("1", index + 1)
    return None


def _scales_to(per_unit: _PerUnit, other: Computed, times: Decimal) -> bool:
    """Whether scaling `per_unit` by `times` gives `other`: the same texts and factors, the same kg and quantities."""
    scaled = per_unit.scaled(times)
    if (scaled.factor_set, scaled.scope, scaled.ghg_category, scaled.iso_category) != (
            other.factor_set, other.scope, other.ghg_category, other.iso_category):
        return False
    if scaled.kgco2e != other.kgco2e or scaled.kgco2e_market != other.kgco2e_market:
        return False
    if len(scaled.line_items) != len(other.line_items):
        return False
    for a, b in zip(scaled.line_items, other.line_items, strict=True):
        if any(a[name] != b[name] for name in a if name not in _PROPORTIONAL):
            return False
        if any(Decimal(a[name]) != Decimal(b[name]) for name in _PROPORTIONAL):
            return False
    return True


class PerUnitFootprints:
    """compute_entry for many entries: each input shape computed once for one unit, then scaled by the quantity.

    The calculator multiplies a quantity by constants (a unit's size, a factor), so the kg of q units are q times
    the kg of one, exactly in Decimal. A shape is scaled only when that is seen to hold: its computation cut no
    division (calculators.footprint.div stops a non-terminating quotient at 28 digits, and a cut quotient times q
    is not the cut of q times the dividend), and a second quantity gives the same lines with kg and quantities
    scaled alike. Anything else (green electricity, whose market-based kg are not proportional to the kWh, a zero
    quantity, a shape the calculator refuses) is computed entry by entry, with compute_entry's own errors.
    """

    def __init__(self, factor_set: FactorSet):
        self.factor_set = factor_set
        self._per_unit: dict[tuple, _PerUnit | None] = {}

    def compute(self, values: Mapping, facility: Facility, shape: tuple | None) -> Computed:
        """compute_entry's Computed for the entry (of `shape`, as EntryChecker gave it)."""
        per_unit = self.per_unit(values, facility, shape)
        if per_unit is None:
            return compute_entry(values, facility, self.factor_set)
        return per_unit.scaled(values["quantity"])

    def per_unit(self, values: Mapping, facility: Facility, shape: tuple | None) -> _PerUnit | None:
        """The per-unit result to scale for this entry, or None when it is computed on its own."""
        if shape is None or not values["quantity"] or values.get("green_kwh"):
            return None
        # Only electricity depends on the site (its province picks the grid factor).
        key = (shape, facility.country, facility.province) if values["kind"] is ActivityKind.electricity else shape
        try:
            return self._per_unit[key]
        except KeyError:
            per_unit = self._per_unit[key] = self._probe(values, facility)
            return per_unit

    def _probe(self, values: Mapping, facility: Facility) -> _PerUnit | None:
        cuts = divisions_cut()
        try:
            one, *others = [compute_entry({**values, "quantity": probe}, facility, self.factor_set)
                            for probe in _PROBES]
        except (EntryError, CalculationError):
            return None
        if divisions_cut() != cuts or len(one.line_items) != len(others[0].line_items):
            return None
        labels = [None if a["activity"] == b["activity"] else _label(a["activity"], b["activity"], _PROBES[1])
                  for a, b in zip(one.line_items, others[0].line_items, strict=True)]
        per_unit = _PerUnit(one, labels)
        if not all(_scales_to(per_unit, other, probe) for other, probe in zip(others, _PROBES[1:], strict=True)):
            return None
        return per_unit
