"""Ex-ante forestry sink estimates (IPCC Tier 1) for a plot or a project, exact in Decimal, each line citing its rows.

Gain method: removals = A × G_above × (1 + R) × CF × 44/12 per year, with G and R chosen per year by stand age
and above-ground biomass. Volume method: the change of stock V × BCEF_S × (1 + R) × CF × 44/12 between the
growing stock at the start and at the end of the crediting period. These are estimates before any monitoring,
not quantities under CCER-14-001-V01, whose equations are not reproduced here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction

from calculators.footprint import CalculationError, Message, Name
from factors.regions import find_province
from factors.sinks import CLIMATE_ZONES, ORIGINS, SPECIES_GROUPS, SinkLibrary, SinkParameter

MU_PER_HA = 15  # 1 公顷 = 15 亩 exactly
AREA_UNITS = ("ha", "mu")
METHODS = ("growth", "volume")
MAX_AREA_HA = Decimal(10_000_000)  # more than any single project: a typing error, not a forest
MAX_STAND_AGE = 200  # years; older stands are beyond every age class of the growth tables
MAX_CREDITING_YEARS = 60  # LY/T 2252-2014 allows crediting periods of 20 to 60 years
MAX_GROWING_STOCK = Decimal(2000)  # m³/ha
MAX_PERCENT = Decimal(100)
CO2_PER_C = Fraction(44, 12)
T_PLACES = 6  # tonnes to the gram
# Sanity band of mean removals, t CO2/ha/yr: China's forest biomass sink 2009–2018 ≈ 3.3 (Yang et al. 2022,
# Biogeosciences 19:2989); the lowest regional rate seen ≈ 0.7 (Qinghai–Tibet broadleaf, ChinaXiv 201605.00427);
# the highest the defaults allow in the humid subtropics ≈ 17 (8 × 1.23 × 0.47 × 44/12); with R = 0.246, the
# table's row above 125 t/ha, 8 × 1.246 × 0.47 × 44/12 = 17.18, so the band ends at 17.2.
BAND_NATIONAL = Decimal("3.3")
BAND_LOW = Decimal("0.7")
BAND_HIGH = Decimal("17.2")
# A project's rate beside the national one: a CCER afforestation project in 遂川, Jiangxi, 1.4万亩 (≈ 933 ha) and
# 8,000 t a year over a 20-year period, ≈ 8.6 t CO2/ha/yr (as reported; shown for comparison, not a bound).
BAND_PROJECT = Decimal("8.6")

# The service's own suggestion of a province's main FAO ecological zone, read from the zone map by eye: not a
# source. No citable province-to-zone table was found, so the zone is an input and this only fills its default.
# Provinces spanning several zones or covered by none of the tables' zones (Hainan, Tibet, Qinghai, Xinjiang,
# Gansu, Taiwan, Hong Kong, Macau) have no suggestion.
SUGGESTED_ZONES = {
    "CN-SH": "subtropical_humid", "CN-JS": "subtropical_humid", "CN-ZJ": "subtropical_humid",
    "CN-AH": "subtropical_humid", "CN-FJ": "subtropical_humid", "CN-JX": "subtropical_humid",
    "CN-HB": "subtropical_humid", "CN-HN": "subtropical_humid", "CN-GD": "subtropical_humid",
    "CN-GX": "subtropical_humid", "CN-CQ": "subtropical_humid", "CN-GZ": "subtropical_humid",
    "CN-SC": "subtropical_humid", "CN-YN": "subtropical_mountain",
    "CN-BJ": "temperate_continental", "CN-TJ": "temperate_continental", "CN-HE": "temperate_continental",
    "CN-SX": "temperate_continental", "CN-NM": "temperate_continental", "CN-LN": "temperate_continental",
    "CN-JL": "temperate_continental", "CN-HL": "temperate_continental", "CN-SD": "temperate_continental",
    "CN-HA": "temperate_continental", "CN-SN": "temperate_continental", "CN-NX": "temperate_continental",
}
PROVINCES = (*SUGGESTED_ZONES, "CN-HI", "CN-XZ", "CN-QH", "CN-XJ", "CN-GS")
PARAMETER_NAMES = {
    "carbon_fraction": Name("carbon fraction CF", "碳含量 CF"),
    "root_shoot_ratio": Name("root-to-shoot ratio R", "根茎比 R"),
    "bcef_s": Name("expansion factor BCEF_S", "生物量转换扩展因子 BCEF_S"),
    "growth_natural": Name("natural-forest growth", "天然林生长量"),
    "growth_plantation": Name("plantation growth", "人工林生长量"),
}
ZONE_NAMES = {
    "subtropical_humid": Name("subtropical humid forest", "亚热带湿润森林"),
    "subtropical_dry": Name("subtropical dry forest", "亚热带干旱森林"),
    "subtropical_mountain": Name("subtropical mountain system", "亚热带山地"),
    "temperate_continental": Name("temperate continental forest", "温带大陆性森林"),
    "temperate_mountain": Name("temperate mountain system", "温带山地"),
    "boreal": Name("boreal forest", "北方森林"),
}


@dataclass(frozen=True)
class SinkPlot:
    """One stand. `stand_age` is its age in whole years when the crediting period starts."""

    area: Decimal
    species_group: str
    origin: str
    stand_age: int
    crediting_years: int
    area_unit: str = "ha"
    province: str | None = None
    climate_zone: str | None = None
    method: str = "growth"
    growing_stock_start: Decimal | None = None  # m³/ha, volume method
    growing_stock_end: Decimal | None = None
    growth: Decimal | None = None  # t d.m./ha/yr measured on site, instead of the table's default
    root_shoot_ratio: Decimal | None = None  # instead of the table's default
    name: str = ""


@dataclass(frozen=True)
class SinkOptions:
    uncertainty_discount_pct: Decimal = Decimal(0)
    risk_buffer_pct: Decimal = Decimal(0)
    price_id: str | None = "ccer.2025_average"
    custom_price: Decimal | None = None  # CNY/t; wins over price_id


@dataclass(frozen=True)
class Parameter:
    """A value used in a line, and the row it came from (empty id when the user gave it)."""

    name: str
    value: Decimal
    row_id: str = ""
    source_ref: str = ""


@dataclass(frozen=True)
class SinkLine:
    """One removal (t CO2) of one plot in one crediting year or one stock, with what it was computed from."""

    plot: int
    year: int  # 1..crediting_years; 0 for the volume method's stock lines
    pool: str  # "above_ground" | "below_ground"
    stand_age: int
    tonnes_co2: Decimal
    parameters: tuple[Parameter, ...]
    formula: str


@dataclass
class PlotEstimate:
    index: int
    name: str
    area_ha: Fraction
    climate_zone: str
    method: str
    crediting_years: int
    lines: list[SinkLine] = field(default_factory=list)
    yearly: list[Decimal] = field(default_factory=list)  # removals per crediting year, t CO2

    @property
    def total(self) -> Decimal:
        return sum((line.tonnes_co2 for line in self.lines), Decimal(0))


@dataclass
class Valuation:
    price_id: str
    price: Decimal
    currency_per_t: str
    as_of: str
    source: str
    source_ref: str
    value_cny: Decimal


@dataclass(frozen=True)
class SanityBand:
    """The rates an estimate's mean is compared with, t CO2/ha/yr: outside low–high it warns."""

    low: Decimal = BAND_LOW
    high: Decimal = BAND_HIGH
    national: Decimal = BAND_NATIONAL
    project: Decimal = BAND_PROJECT


SANITY_BAND = SanityBand()


@dataclass
class SinkEstimate:
    plots: list[PlotEstimate]
    gross_t: Decimal
    uncertainty_t: Decimal
    buffer_t: Decimal
    net_t: Decimal
    net_credits: int  # whole tonnes, rounded down
    cumulative_t: list[Decimal]  # gross, by crediting year of the project
    mean_t_per_ha_yr: Decimal
    area_ha: Decimal
    notes: list[Message]
    warnings: list[Message]
    valuation: Valuation | None
    library_version: str
    library_hash: str
    uncertainty_discount_pct: Decimal = Decimal(0)
    risk_buffer_pct: Decimal = Decimal(0)
    band: SanityBand = SANITY_BAND

    @property
    def per_year_t(self) -> list[Decimal]:
        previous = Decimal(0)
        out = []
        for value in self.cumulative_t:
            out.append(value - previous)
            previous = value
        return out


def _round(value: Fraction, places: int = T_PLACES) -> Decimal:
    # round() on a Fraction is exact and rounds half to even.
    return Decimal(round(value * 10**places)).scaleb(-places)


def _error(field_name: str, code: str, template: str, **params) -> CalculationError:
    return CalculationError(field_name, Message(code, template, **params))


def _check(plot: SinkPlot) -> str:
    """The plot's climate zone, after every input was checked; errors name the field."""
    if not isinstance(plot.area, Decimal) or not plot.area.is_finite() or plot.area <= 0:
        raise _error("area", "sink.area_positive", "area must be more than 0, not %(value)s", value=str(plot.area))
    if plot.area_unit not in AREA_UNITS:
        raise _error("area_unit", "sink.unknown_choice", "unknown value '%(value)s' (known: %(known)s)",
                     value=plot.area_unit, known=", ".join(AREA_UNITS))
    if _area_ha(plot) > MAX_AREA_HA:
        raise _error("area", "sink.area_too_large", "an area of %(value)s ha is more than %(max)s ha",
                     value=str(_round(_area_ha(plot), 2)), max=str(MAX_AREA_HA))
    if plot.species_group not in SPECIES_GROUPS:
        raise _error("species_group", "sink.unknown_choice", "unknown value '%(value)s' (known: %(known)s)",
                     value=plot.species_group, known=", ".join(SPECIES_GROUPS))
    if plot.origin not in ORIGINS:
        raise _error("origin", "sink.unknown_choice", "unknown value '%(value)s' (known: %(known)s)",
                     value=plot.origin, known=", ".join(ORIGINS))
    if plot.method not in METHODS:
        raise _error("method", "sink.unknown_choice", "unknown value '%(value)s' (known: %(known)s)",
                     value=plot.method, known=", ".join(METHODS))
    if not 0 <= plot.stand_age <= MAX_STAND_AGE:
        raise _error("stand_age", "sink.out_of_range", "%(value)s is outside %(min)s–%(max)s",
                     value=plot.stand_age, min=0, max=MAX_STAND_AGE)
    if not 1 <= plot.crediting_years <= MAX_CREDITING_YEARS:
        raise _error("crediting_years", "sink.out_of_range", "%(value)s is outside %(min)s–%(max)s",
                     value=plot.crediting_years, min=1, max=MAX_CREDITING_YEARS)
    if plot.province is not None and plot.province not in PROVINCES:
        raise _error("province", "sink.unknown_choice", "unknown value '%(value)s' (known: %(known)s)",
                     value=plot.province, known=", ".join(PROVINCES))
    zone = plot.climate_zone or SUGGESTED_ZONES.get(plot.province or "")
    if zone is None:
        raise _error("climate_zone", "sink.need_zone", "give the climate zone: there is no suggestion for "
                     "province '%(value)s'", value=plot.province or "")
    if zone not in CLIMATE_ZONES:
        raise _error("climate_zone", "sink.unknown_choice", "unknown value '%(value)s' (known: %(known)s)",
                     value=zone, known=", ".join(CLIMATE_ZONES))
    for name in ("growth", "root_shoot_ratio"):
        value = getattr(plot, name)
        if value is not None and (not value.is_finite() or value <= 0 or value > 100):
            raise _error(name, "sink.out_of_range", "%(value)s is outside %(min)s–%(max)s",
                         value=str(value), min="0", max="100")
    if plot.method == "volume":
        for name in ("growing_stock_start", "growing_stock_end"):
            value = getattr(plot, name)
            if value is None:
                raise _error(name, "sink.volume_needs_stock", "the volume method needs the growing stock "
                             "(m³/ha) at the start and at the end of the crediting period")
            if not value.is_finite() or value < 0 or value > MAX_GROWING_STOCK:
                raise _error(name, "sink.out_of_range", "%(value)s is outside %(min)s–%(max)s",
                             value=str(value), min="0", max=str(MAX_GROWING_STOCK))
        if plot.growing_stock_end <= plot.growing_stock_start:
            raise _error("growing_stock_end", "sink.stock_not_growing", "the growing stock at the end (%(end)s "
                         "m³/ha) must be more than at the start (%(start)s m³/ha)",
                         end=str(plot.growing_stock_end), start=str(plot.growing_stock_start))
    return zone


def _area_ha(plot: SinkPlot) -> Fraction:
    area = Fraction(plot.area)
    return area / MU_PER_HA if plot.area_unit == "mu" else area


def _pick(library: SinkLibrary, parameter: str, *, zone: str, plot: SinkPlot, field_name: str,
          variable: str | None = None, value: Fraction | None = None, notes: dict) -> SinkParameter:
    """The best-ranked row whose condition holds; a planted stand falls back to its zone's natural rows."""
    for origin in _ORIGIN_ORDER[plot.origin]:
        for row in library.candidates(parameter, climate_zone=zone, origin=origin, species_group=plot.species_group):
            if row.condition is None or (row.condition.variable == variable and value is not None
                                         and row.condition.holds(Decimal(value.numerator) / value.denominator)):
                if origin != plot.origin and row.origin != "any":
                    _note(notes, "sink.natural_stands_in", "no %(parameter)s row for planted stands in this zone: "
                          "the natural-forest row %(row)s stands in", parameter=PARAMETER_NAMES[parameter], row=row.id)
                return row
    raise _error(field_name, "sink.no_default", "no IPCC default %(parameter)s for %(species)s, %(origin)s, in "
                 "zone %(zone)s; give a measured value or choose another zone or group",
                 parameter=PARAMETER_NAMES[parameter], species=plot.species_group, origin=plot.origin,
                 zone=ZONE_NAMES[zone])


_ORIGIN_ORDER = {"planted": ("planted", "natural"), "natural": ("natural",)}


def _note(notes: dict, code: str, template: str, **params) -> None:
    """Each note once: `notes` maps (code, parameters) to the message, in the order first written."""
    key = (code, *(str(value) for value in params.values()))
    if key not in notes:
        notes[key] = Message(code, template, **params)


def _param(name: str, row: SinkParameter | None, given: Decimal | None = None) -> Parameter:
    if row is None:
        return Parameter(name, given)
    return Parameter(name, row.value, row.id, row.source_ref)


def _growth_lines(index: int, plot: SinkPlot, zone: str, library: SinkLibrary, notes: dict) -> PlotEstimate:
    area = _area_ha(plot)
    cf_row = _pick(library, "carbon_fraction", zone=zone, plot=plot, field_name="climate_zone", notes=notes)
    cf = Fraction(cf_row.value)
    scale = area * cf * CO2_PER_C  # A × CF × 44/12, the same every year
    growth_parameter = "growth_plantation" if plot.origin == "planted" else "growth_natural"
    estimate = PlotEstimate(index, plot.name, area, zone, "growth", plot.crediting_years)

    def growth_at(age: int) -> tuple[Fraction, Parameter]:
        if plot.growth is not None:
            return Fraction(plot.growth), Parameter("G_above", plot.growth)
        row = _pick(library, growth_parameter, zone=zone, plot=plot, field_name="species_group",
                    variable="age", value=Fraction(age), notes=notes)
        return Fraction(row.value), _param("G_above", row)

    agb = sum((growth_at(age)[0] for age in range(1, plot.stand_age + 1)), Fraction(0))
    for year in range(1, plot.crediting_years + 1):
        age = plot.stand_age + year
        growth, g_param = growth_at(age)
        agb += growth
        if plot.root_shoot_ratio is not None:
            ratio, r_param = Fraction(plot.root_shoot_ratio), Parameter("R", plot.root_shoot_ratio)
        else:
            r_row = _pick(library, "root_shoot_ratio", zone=zone, plot=plot, field_name="species_group",
                          variable="agb", value=agb, notes=notes)
            ratio, r_param = Fraction(r_row.value), _param("R", r_row)
        cf_param = _param("CF", cf_row)
        above = _round(scale * growth)
        below = _round(scale * growth * ratio)
        estimate.lines.append(SinkLine(index, year, "above_ground", age, above, (g_param, cf_param),
                                       "A × G_above × CF × 44/12"))
        estimate.lines.append(SinkLine(index, year, "below_ground", age, below, (g_param, r_param, cf_param),
                                       "A × G_above × R × CF × 44/12"))
        estimate.yearly.append(above + below)
    _note(notes, "sink.agb_from_growth", "R is chosen by above-ground biomass taken as the sum of the yearly growth "
          "since planting (the service's assumption, not a table value)")
    return estimate


def _stock(area: Fraction, volume: Decimal, plot: SinkPlot, zone: str, library: SinkLibrary, notes: dict,
           field_name: str) -> tuple[Fraction, Fraction, tuple[Parameter, ...], tuple[Parameter, ...]]:
    cf_row = _pick(library, "carbon_fraction", zone=zone, plot=plot, field_name="climate_zone", notes=notes)
    bcef_row = _pick(library, "bcef_s", zone=zone, plot=plot, field_name=field_name, variable="gs",
                     value=Fraction(volume), notes=notes)
    agb = Fraction(volume) * Fraction(bcef_row.value)
    if plot.root_shoot_ratio is not None:
        ratio, r_param = Fraction(plot.root_shoot_ratio), Parameter("R", plot.root_shoot_ratio)
    else:
        r_row = _pick(library, "root_shoot_ratio", zone=zone, plot=plot, field_name=field_name, variable="agb",
                      value=agb, notes=notes)
        ratio, r_param = Fraction(r_row.value), _param("R", r_row)
    cf = Fraction(cf_row.value)
    v_param = Parameter("V", volume)
    above = area * agb * cf * CO2_PER_C
    below = area * agb * ratio * cf * CO2_PER_C
    return (above, below, (v_param, _param("BCEF_S", bcef_row), _param("CF", cf_row)),
            (v_param, _param("BCEF_S", bcef_row), r_param, _param("CF", cf_row)))


def _volume_lines(index: int, plot: SinkPlot, zone: str, library: SinkLibrary, notes: dict) -> PlotEstimate:
    area = _area_ha(plot)
    estimate = PlotEstimate(index, plot.name, area, zone, "volume", plot.crediting_years)
    start = _stock(area, plot.growing_stock_start, plot, zone, library, notes, "growing_stock_start")
    end = _stock(area, plot.growing_stock_end, plot, zone, library, notes, "growing_stock_end")
    last_age = plot.stand_age + plot.crediting_years
    formula = "A × V × BCEF_S × CF × 44/12", "A × V × BCEF_S × R × CF × 44/12"
    estimate.lines += [
        SinkLine(index, 0, "above_ground", plot.stand_age, -_round(start[0]), start[2], formula[0]),
        SinkLine(index, 0, "below_ground", plot.stand_age, -_round(start[1]), start[3], formula[1]),
        SinkLine(index, 0, "above_ground", last_age, _round(end[0]), end[2], formula[0]),
        SinkLine(index, 0, "below_ground", last_age, _round(end[1]), end[3], formula[1]),
    ]
    total = estimate.total
    # Spread evenly over the years for the chart; the last year takes the rounding so the years sum to the total.
    share = _round(Fraction(total) / plot.crediting_years)
    estimate.yearly = [share] * (plot.crediting_years - 1) + [total - share * (plot.crediting_years - 1)]
    if total <= 0:
        _note(notes, "sink.stock_step", "the expansion factor BCEF_S falls as the growing stock rises, so this "
              "stock change is not a removal; check the growing stock")
    _note(notes, "sink.volume_even", "the volume method gives the change over the whole period; the chart spreads "
          "it evenly over the years")
    return estimate


def estimate_sinks(plots: Sequence[SinkPlot], library: SinkLibrary, options: SinkOptions | None = None
                   ) -> SinkEstimate:
    """The ex-ante estimate of a project of one or more plots; CalculationError names the bad field by path."""
    options = options or SinkOptions()
    if not plots:
        raise _error("plots", "sink.no_plots", "give at least one plot")
    for name in ("uncertainty_discount_pct", "risk_buffer_pct"):
        value = getattr(options, name)
        if not value.is_finite() or not 0 <= value < MAX_PERCENT:
            raise _error(name, "sink.out_of_range", "%(value)s is outside %(min)s–%(max)s", value=str(value),
                         min="0", max="99.99")
    notes: dict[tuple, Message] = {}
    _note(notes, "sink.ex_ante", "an ex-ante IPCC Tier 1 estimate of biomass removals, before any monitoring: not "
          "a CCER-14-001-V01 quantity and not a credit")
    warnings: list[Message] = []
    estimates = []
    for index, plot in enumerate(plots):
        try:
            zone = _check(plot)
            if plot.climate_zone is None:
                region = find_province(plot.province or "")
                province = Name(region.name_en, region.short_zh) if region else plot.province
                _note(notes, "sink.zone_suggested", "climate zone %(zone)s suggested for %(province)s by the "
                      "service (its own reading of the zone map, not a source)", zone=ZONE_NAMES[zone],
                      province=province)
            build = _volume_lines if plot.method == "volume" else _growth_lines
            estimates.append(build(index, plot, zone, library, notes))
        except CalculationError as error:
            raise error.at(f"plots[{index}]") if len(plots) > 1 else error from None
        if plot.growth is not None or plot.root_shoot_ratio is not None:
            _note(notes, "sink.given_values", "values given by the user replace the table defaults where given")
    years = max(p.crediting_years for p in plots)
    cumulative, running = [], Decimal(0)
    for year in range(years):
        running += sum((p.yearly[year] for p in estimates if year < len(p.yearly)), Decimal(0))
        cumulative.append(running)
    gross = sum((p.total for p in estimates), Decimal(0))
    uncertainty = _round(Fraction(gross) * Fraction(options.uncertainty_discount_pct) / 100)
    buffer = _round(Fraction(gross - uncertainty) * Fraction(options.risk_buffer_pct) / 100)
    net = gross - uncertainty - buffer
    area = sum((p.area_ha for p in estimates), Fraction(0))
    hectare_years = sum((p.area_ha * p.crediting_years for p in estimates), Fraction(0))
    mean = _round(Fraction(gross) / hectare_years, 3)
    if mean > BAND_HIGH:
        warnings.append(Message("sink.above_band", "%(rate)s t CO2/ha/yr is above %(high)s, the most the IPCC "
                                "defaults give in China's humid subtropics (national mean ≈ %(national)s)",
                                rate=mean, high=BAND_HIGH, national=BAND_NATIONAL))
    elif mean < BAND_LOW:
        warnings.append(Message("sink.below_band", "%(rate)s t CO2/ha/yr is below %(low)s, the lowest regional rate "
                                "reported in China (national mean ≈ %(national)s)",
                                rate=mean, low=BAND_LOW, national=BAND_NATIONAL))
    return SinkEstimate(
        plots=estimates, gross_t=gross, uncertainty_t=uncertainty, buffer_t=buffer, net_t=net,
        net_credits=max(int(net), 0), cumulative_t=cumulative, mean_t_per_ha_yr=mean, area_ha=_round(area, 4),
        notes=list(notes.values()), warnings=warnings, valuation=_valuation(net, options, library),
        library_version=library.version, library_hash=library.content_hash,
        uncertainty_discount_pct=options.uncertainty_discount_pct, risk_buffer_pct=options.risk_buffer_pct)


def _valuation(net: Decimal, options: SinkOptions, library: SinkLibrary) -> Valuation | None:
    if options.custom_price is not None:
        price = options.custom_price
        if not price.is_finite() or price < 0 or price > 100_000:
            raise _error("custom_price", "sink.out_of_range", "%(value)s is outside %(min)s–%(max)s",
                         value=str(price), min="0", max="100000")
        return Valuation("custom", price, "CNY/t", "", "", "", _round(Fraction(net) * Fraction(price), 2))
    if options.price_id is None:
        return None
    if options.price_id not in library.prices:
        raise _error("price_id", "sink.unknown_choice", "unknown value '%(value)s' (known: %(known)s)",
                     value=options.price_id, known=", ".join(["custom", *library.prices]))
    row = library.prices[options.price_id]
    return Valuation(row.id, row.value, row.unit, row.as_of, row.source.title, row.source_ref,
                     _round(Fraction(net) * Fraction(row.value), 2))
