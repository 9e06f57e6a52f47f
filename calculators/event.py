"""Event footprints: the organiser's inputs, the attendees' responses, and an extrapolation to those who did not answer.

The extrapolation (`extrapolate`, pure arithmetic on plain numbers, so a database can hand it per-respondent
totals without loading every response):

- Respondent mean: the non-respondents' part is (attendance - respondents) × the respondents' mean.
- With a registration list (the origin stratum of every registrant, and of every respondent), each stratum
  is estimated on its own and thin strata are shrunk toward the meeting type's per-attendee default for that
  stratum: estimate = (sum of the stratum's respondents + k × default) / (n + k), i.e. a weight n / (n + k)
  on the respondents' mean, k = 10 unless the caller says otherwise.
- No respondents: the per-attendee default of the meeting type, built from factor rows and the assumptions in
  MEETING_PROFILES and STRATUM_TRAVEL (shown in the footprint's assumptions), marked "estimated default".
- The 90% interval of the non-respondents' part is a percentile bootstrap over respondents (resampled within
  each stratum), random.Random(seed) with a fixed default seed and 2,000 resamples. Above 5,000 respondents
  the bootstrap (which would take seconds in pure Python) is replaced by its normal approximation, and the
  result says so. The interval reflects sampling uncertainty only, not a bias in who answered.
- Neutralisation is conservative: the credits needed are computed from the total with the non-respondents'
  part taken at the upper end of its interval.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from functools import lru_cache
from itertools import chain
from types import MappingProxyType

from calculators.enterprise import (
    ElectricityUse,
    FuelUse,
    MaterialUse,
    WasteDisposal,
    electricity_item,
    fuel_item,
    material_item,
    waste_item,
)
from calculators.footprint import (
    ONE,
    ZERO,
    CalculationError,
    Extrapolation,
    Footprint,
    LineItem,
    StratumEstimate,
    div,
    dsum,
    factor_unit,
    merge_items,
    mul,
    scaled,
    sqrt,
    to_decimal,
)
from calculators.personal import (
    LONG_FLIGHT_KM,
    SHORT_FLIGHT_KM,
    Lodging,
    PersonalInput,
    PersonalOptions,
    meal_items,
    personal_items,
)
from calculators.travel import Leg
from factors import FactorSet

MEETING_TYPES = ("conference", "exhibition", "training", "banquet", "hybrid")
STRATA = ("same_city", "same_province", "other_province", "hk_mo_tw", "international")
UNKNOWN_STRATUM = "unknown"  # a registrant whose origin was not found: estimated with the meeting's mix
ALL = "all"  # the single stratum of the unstratified methods
DEFAULT_SEED = 2025
DEFAULT_SAMPLES = 2000
DEFAULT_SHRINKAGE_K = 10
BOOTSTRAP_MAX_RESPONDENTS = 5000
CONFIDENCE = Decimal("0.90")
# The standard normal quantile for 95%, Φ⁻¹(0.95), to double precision: the 90% two-sided interval.
Z_95 = Decimal("1.6448536269514722")
DEFAULT_MEAL = "pork"  # an attendee's own meal: pork is China's most eaten meat (its meal row is a stand-in)
NEUTRALISATION_BASIS = ("credits cover the total with the non-respondents' part taken at the upper end of its 90% "
                        "interval (never below the point estimate): total - point estimate + interval upper end "
                        "(conservative)")


@dataclass(frozen=True)
class MeetingProfile:
    """The stated assumptions behind a meeting type's per-attendee default."""

    shares: Mapping[str, Decimal]  # stratum -> share of attendees (sums to 1)
    nights: Decimal  # hotel nights of an attendee from outside the city
    own_meals: Decimal  # meals outside the organiser's catering, per attendee from outside the city
    note: str = ""


def _shares(same_city: str, same_province: str, other_province: str, hk_mo_tw: str, international: str):
    values = tuple(Decimal(v) for v in (same_city, same_province, other_province, hk_mo_tw, international))
    return MappingProxyType(dict(zip(STRATA, values, strict=True)))


# No published per-attendee default exists (REFERENCE.md); these shares, nights and meals are this service's
# stated assumptions, shown with every footprint that uses them.
MEETING_PROFILES: Mapping[str, MeetingProfile] = MappingProxyType({
    "conference": MeetingProfile(_shares("0.40", "0.20", "0.30", "0.03", "0.07"), Decimal(2), Decimal(2)),
    "exhibition": MeetingProfile(_shares("0.60", "0.20", "0.15", "0.02", "0.03"), Decimal(1), Decimal(1)),
    "training": MeetingProfile(_shares("0.50", "0.30", "0.20", "0", "0"), Decimal(2), Decimal(2)),
    "banquet": MeetingProfile(_shares("0.80", "0.15", "0.05", "0", "0"), Decimal(1), Decimal(0),
                              "the banquet itself is the organiser's catering"),
    "hybrid": MeetingProfile(_shares("0.60", "0.20", "0.15", "0.02", "0.03"), Decimal(1), Decimal(1),
                             "in-person attendance only; online participants are outside the boundary"),
})
# Round-trip travel of a default attendee by stratum. other_province is half by high-speed rail (800 km each
# way) and half by air (1,200 km each way), written as the expected passenger-km of each mode.
STRATUM_TRAVEL: Mapping[str, tuple[Leg, ...]] = MappingProxyType({
    "same_city": (Leg(mode="metro", distance_km=Decimal(15), round_trip=True),),
    "same_province": (Leg(mode="rail", rail_type="high_speed", distance_km=Decimal(150), round_trip=True),),
    "other_province": (Leg(mode="rail", rail_type="high_speed", distance_km=Decimal(400), round_trip=True),
                       Leg(mode="flight", distance_km=SHORT_FLIGHT_KM / 2, round_trip=True)),
    "hk_mo_tw": (Leg(mode="flight", distance_km=Decimal(1500), round_trip=True),),
    "international": (Leg(mode="flight", distance_km=LONG_FLIGHT_KM, round_trip=True),),
})
STRATUM_TRAVEL_TEXT = {
    "same_city": "metro, 15 km each way",
    "same_province": "high-speed rail, 150 km each way",
    "other_province": (f"half by high-speed rail (800 km each way), half by economy flight "
                       f"({SHORT_FLIGHT_KM} km each way)"),
    "hk_mo_tw": "economy flight, 1500 km each way",
    "international": f"economy flight, {LONG_FLIGHT_KM} km each way",
}


@dataclass(frozen=True)
class VenueEstimate:
    """Venue electricity estimated from floor area × hours × an intensity the caller gives with its source.

    No citable kWh per m² per hour for Chinese event venues was found, so the service does not supply one.
    """

    floor_area_m2: Decimal
    hours: Decimal
    intensity_kwh_per_m2_h: Decimal
    intensity_source: str
    province: str = ""


@dataclass(frozen=True)
class RespondentTotals:
    """Responses already computed and summed elsewhere (a database), one total per respondent."""

    totals_kgco2e: tuple[Decimal, ...]
    strata: tuple[str, ...] = ()  # the origin stratum of each respondent, when known
    by_category_kgco2e: Mapping[str, Decimal] | None = None  # the same kg summed by category, for the lines
    factor_set: str = ""  # the version they were computed with


@dataclass(frozen=True)
class EventOptions:
    radiative_forcing: bool = True  # for the default attendee; responses carry their own options
    seed: int = DEFAULT_SEED
    bootstrap_samples: int = DEFAULT_SAMPLES
    shrinkage_k: int = DEFAULT_SHRINKAGE_K


@dataclass(frozen=True)
class EventInput:
    meeting_type: str = "conference"
    attendance: int = 0  # expected or actual; a registration list, when given, is the population instead
    venue_country: str = "CN"  # where default attendees sleep
    electricity: tuple[ElectricityUse, ...] = ()
    venue_estimate: VenueEstimate | None = None
    fuels: tuple[FuelUse, ...] = ()  # natural gas, diesel generators...
    catering: Mapping[str, int] = field(default_factory=lambda: MappingProxyType({}))  # meal type -> count
    materials: tuple[MaterialUse, ...] = ()
    waste: tuple[WasteDisposal, ...] = ()
    responses: tuple[PersonalInput, ...] = ()
    response_strata: tuple[str, ...] = ()  # one per response when a registration list is used
    respondent_totals: RespondentTotals | None = None
    registrants_by_stratum: Mapping[str, int] | None = None
    options: EventOptions = EventOptions()


def event_footprint(event: EventInput, factor_set: FactorSet) -> Footprint:
    """The organiser's lines, the respondents' lines, and the extrapolated non-respondents."""
    if event.meeting_type not in MEETING_PROFILES:
        raise CalculationError("meeting_type", f"unknown meeting type {event.meeting_type!r} "
                                               f"(known: {', '.join(MEETING_TYPES)})")
    items = list(organiser_items(event, factor_set))
    computed = []
    for index, response in enumerate(event.responses):
        try:
            computed.append(personal_items(response, factor_set))
        except CalculationError as error:
            raise error.at(f"responses[{index}]") from None
    totals = [dsum(item.kgco2e for item in response) for response in computed]
    items.extend(merge_items(chain.from_iterable(computed), ", attendee responses", "，参会者填报", factor_set))
    strata = list(event.response_strata)
    if strata and len(strata) != len(event.responses):
        raise CalculationError("response_strata", f"{len(strata)} strata for {len(event.responses)} responses")
    if event.respondent_totals is not None:
        stored = event.respondent_totals
        items.extend(_stored_response_items(stored))
        totals.extend(to_decimal(v, f"respondent_totals.totals_kgco2e[{i}]")
                      for i, v in enumerate(stored.totals_kgco2e))
        if stored.strata and len(stored.strata) != len(stored.totals_kgco2e):
            raise CalculationError("respondent_totals.strata", "one stratum per respondent total")
        strata.extend(stored.strata)

    extrapolation, lines, assumptions = _attendees(event, factor_set, totals, strata)
    items.extend(lines)
    return Footprint("event", factor_set.version, tuple(items), assumptions, extrapolation)


def organiser_items(event: EventInput, factor_set: FactorSet) -> list[LineItem]:
    """Venue energy, catering, materials and waste: additive, so two halves sum to the whole."""
    items: list[LineItem] = []
    for name, records, build in (
        ("electricity", event.electricity,
         lambda use: electricity_item(factor_set, use.quantity, use.unit, use.province)),
        ("fuels", event.fuels,
         lambda use: fuel_item(factor_set, use.fuel, use.quantity, use.unit, density_kg_per_l=use.density_kg_per_l,
                               density_source=use.density_source)),
        ("materials", event.materials,
         lambda use: material_item(factor_set, use.material, use.quantity, use.unit, recycled=use.recycled)),
        ("waste", event.waste,
         lambda use: waste_item(factor_set, use.waste, use.treatment, use.quantity, use.unit)),
    ):
        for index, record in enumerate(records):
            try:
                items.append(build(record))
            except CalculationError as error:
                raise error.at(f"{name}[{index}]") from None
    try:
        if event.venue_estimate is not None:
            items.append(_venue_estimate_item(event.venue_estimate, factor_set))
    except CalculationError as error:
        raise error.at("venue_estimate") from None
    try:
        meals = meal_items(event.catering, factor_set)
    except CalculationError as error:
        raise error.at("catering") from None
    items.extend(replace(item, activity=f"Catering: {item.activity}", activity_zh=f"餐饮：{item.activity_zh}")
                 for item in meals)
    return items


def _venue_estimate_item(estimate: VenueEstimate, factor_set: FactorSet) -> LineItem:
    if not estimate.intensity_source or not estimate.intensity_source.strip():
        raise CalculationError("intensity_source", "an estimated venue electricity needs the source of its "
                                                   "intensity (no citable default is published)")
    area = to_decimal(estimate.floor_area_m2, "floor_area_m2")
    hours = to_decimal(estimate.hours, "hours")
    intensity = to_decimal(estimate.intensity_kwh_per_m2_h, "intensity_kwh_per_m2_h")
    kwh = mul(mul(area, hours), intensity)
    item = electricity_item(factor_set, kwh, "kWh", estimate.province)
    note = (f"estimated: {area} m² × {hours} h × {intensity} kWh/(m²·h) = {kwh} kWh; intensity given by the "
            f"caller, source: {estimate.intensity_source.strip()}")
    return replace(item, activity=f"Venue electricity (estimated), {item.activity}",
                   activity_zh=f"场馆用电（估算），{item.activity_zh}", notes=(*item.notes, note), estimated=True)


def _stored_response_items(stored: RespondentTotals) -> list[LineItem]:
    count = len(stored.totals_kgco2e)
    version = f" with factor set {stored.factor_set}" if stored.factor_set else ""
    note = f"sum of {count} stored response footprints computed{version}"
    if stored.by_category_kgco2e is None:
        parts = {"attendees": dsum(to_decimal(v, "respondent_totals.totals_kgco2e")
                                   for v in stored.totals_kgco2e)}
    else:
        parts = {name: to_decimal(kg, f"respondent_totals.by_category_kgco2e.{name}")
                 for name, kg in stored.by_category_kgco2e.items()}
        total = dsum(to_decimal(v, "respondent_totals.totals_kgco2e") for v in stored.totals_kgco2e)
        if dsum(parts.values()) != total:
            raise CalculationError("respondent_totals.by_category_kgco2e",
                                   f"the category sums ({dsum(parts.values())}) differ from the respondents' "
                                   f"totals ({total})")
    return [LineItem(name, f"Attendee responses (stored): {name}", f"参会者填报（已汇总）：{name}", kg, "kg CO2e", "",
                     ONE, factor_unit("kg CO2e"), kg, "", (note,)) for name, kg in parts.items() if kg]


# The attendees who did not answer.


def _attendees(event: EventInput, factor_set: FactorSet, totals: list[Decimal], strata: list[str]):
    options = event.options
    registrants = event.registrants_by_stratum
    respondents = len(totals)
    if registrants is not None:
        population = dsum(to_decimal(v, f"registrants_by_stratum.{s}") for s, v in registrants.items())
    else:
        population = to_decimal(event.attendance, "attendance")
    if not population and not respondents:
        return None, [], ()
    rf = options.radiative_forcing
    profile = MEETING_PROFILES[event.meeting_type]
    stratified = registrants is not None
    if stratified and len(strata) != respondents:
        raise CalculationError("response_strata", "with a registration list every response needs its origin "
                                                  "stratum")
    # The defaults are built only when they are used: a venue abroad may lack a hotel factor.
    needs_default = population > respondents and (stratified or not respondents)
    defaults = _stratum_defaults(factor_set, event.meeting_type, event.venue_country, rf) if needs_default else {}
    overall = _mixture(profile, defaults) if defaults else None
    if stratified:
        by_stratum = ({**defaults, UNKNOWN_STRATUM: overall} if defaults else None)
        extrapolation = extrapolate(totals, strata=strata, registrants_by_stratum=registrants,
                                    default_kgco2e_by_stratum=by_stratum, shrinkage_k=options.shrinkage_k,
                                    samples=options.bootstrap_samples, seed=options.seed)
    else:
        extrapolation = extrapolate(totals, population, default_kgco2e=overall, samples=options.bootstrap_samples,
                                    seed=options.seed)
    lines: list[LineItem] = []
    used_default = False
    for estimate in extrapolation.strata:
        if not estimate.non_respondents:
            continue
        if estimate.respondents == 0 and estimate.stratum == ALL:
            used_default = True
            for stratum in STRATA:
                share = profile.shares[stratum]
                if share:
                    lines.extend(_default_lines(factor_set, event, stratum, mul(estimate.non_respondents, share)))
        elif estimate.respondents == 0 and estimate.stratum != UNKNOWN_STRATUM:
            used_default = True
            lines.extend(_default_lines(factor_set, event, estimate.stratum, estimate.non_respondents))
        else:
            used_default = used_default or estimate.weight != ONE
            lines.append(extrapolated_line(estimate, extrapolation))
    assumptions = (_profile_assumptions(event.meeting_type, profile) if used_default else ())
    return extrapolation, lines, assumptions


def extrapolated_line(estimate: StratumEstimate, extrapolation: Extrapolation) -> LineItem:
    """The line of one stratum's non-respondents: their count × the per-attendee estimate, flagged estimated."""
    who = "all attendees" if estimate.stratum == ALL else f"{estimate.stratum} attendees"
    if estimate.respondents == 0:
        basis = "no respondents in this stratum: the meeting type's default mix"
    elif estimate.weight == ONE:
        basis = f"mean of {estimate.respondents} respondents"
    else:
        basis = (f"mean of {estimate.respondents} respondents shrunk toward the default "
                 f"{estimate.default_kgco2e} kg with weight {estimate.weight}")
    notes = (f"estimated: {extrapolation.method}; {basis}",
             f"90% interval of the non-respondents' part: {extrapolation.low_kgco2e} to "
             f"{extrapolation.high_kgco2e} kg ({extrapolation.interval_method})")
    return LineItem("extrapolation", f"Attendees who did not answer, {who} (extrapolated)",
                    f"未填报参会者（外推），{estimate.stratum}", estimate.non_respondents, "attendee", "",
                    estimate.per_attendee_kgco2e, "kg CO2e/attendee", estimate.kgco2e, "", notes, True)


def _default_lines(factor_set: FactorSet, event: EventInput, stratum: str, attendees: Decimal) -> list[LineItem]:
    note = f"estimated default for a {event.meeting_type}: see the footprint's assumptions"
    count = f"{attendees.normalize():f}"  # 300 × 0.40 is 120.00 attendees; the label says 120
    return [scaled(item, attendees, activity=f"{item.activity} × {count} {stratum} attendees (estimated default)",
                   activity_zh=f"{item.activity_zh} × {count}人（{stratum}，估算默认值）",
                   notes=(note, *item.notes), estimated=True)
            for item in _default_items(factor_set, event.meeting_type, stratum, event.venue_country,
                                       event.options.radiative_forcing)]


def default_attendee(meeting_type: str, stratum: str, venue_country: str = "CN",
                     radiative_forcing: bool = True) -> PersonalInput:
    """The assumed travel, nights and own meals of one attendee of this meeting type from this stratum."""
    profile = MEETING_PROFILES[meeting_type]
    local = stratum == "same_city"
    lodging = () if local or not profile.nights else (Lodging(venue_country, profile.nights),)
    meals = {} if local or not profile.own_meals else {DEFAULT_MEAL: profile.own_meals}
    return PersonalInput(legs=STRATUM_TRAVEL[stratum], lodging=lodging, meals=meals,
                         options=PersonalOptions(radiative_forcing=radiative_forcing))


@lru_cache(maxsize=256)
def _default_items(factor_set: FactorSet, meeting_type: str, stratum: str, venue_country: str,
                   radiative_forcing: bool) -> tuple[LineItem, ...]:
    attendee = default_attendee(meeting_type, stratum, venue_country, radiative_forcing)
    try:
        return personal_items(attendee, factor_set)
    except CalculationError as error:
        # The only input of a default attendee is the venue's country (for the hotel nights).
        raise CalculationError("venue_country", f"the default attendee cannot be computed: {error}") from None


def _stratum_defaults(factor_set: FactorSet, meeting_type: str, venue_country: str,
                      radiative_forcing: bool) -> dict[str, Decimal]:
    return {stratum: dsum(item.kgco2e for item in _default_items(factor_set, meeting_type, stratum,
                                                                 venue_country, radiative_forcing))
            for stratum in STRATA}


def meeting_default_kgco2e(factor_set: FactorSet, meeting_type: str, venue_country: str = "CN",
                           radiative_forcing: bool = True) -> Decimal:
    """The per-attendee default of a meeting type: its strata's defaults weighted by their shares."""
    profile = MEETING_PROFILES[meeting_type]
    return _mixture(profile, _stratum_defaults(factor_set, meeting_type, venue_country, radiative_forcing))


def _mixture(profile: MeetingProfile, defaults: Mapping[str, Decimal]) -> Decimal:
    return dsum(mul(profile.shares[s], defaults[s]) for s in STRATA)


def _profile_assumptions(meeting_type: str, profile: MeetingProfile) -> tuple[str, ...]:
    shares = ", ".join(f"{s} {profile.shares[s]}" for s in STRATA)
    lines = [
        f"per-attendee default for a {meeting_type} (no published figure exists; these are this service's stated "
        f"assumptions): shares of attendees by origin: {shares}",
        *(f"{s} attendees travel by {STRATUM_TRAVEL_TEXT[s]}, round trip" for s in STRATA),
        f"attendees from outside the city stay {profile.nights} hotel night(s) in the venue's country and eat "
        f"{profile.own_meals} meal(s) outside the organiser's catering ({DEFAULT_MEAL} meal); local attendees "
        f"neither",
    ]
    if profile.note:
        lines.append(profile.note)
    return tuple(lines)


def extrapolate(respondent_totals: Sequence[Decimal], attendance: object = None, *,
                strata: Sequence[str] | None = None, registrants_by_stratum: Mapping[str, object] | None = None,
                default_kgco2e: Decimal | None = None,
                default_kgco2e_by_stratum: Mapping[str, Decimal] | None = None,
                shrinkage_k: int = DEFAULT_SHRINKAGE_K, samples: int = DEFAULT_SAMPLES,
                seed: int = DEFAULT_SEED) -> Extrapolation:
    """The non-respondents' estimate and its 90% interval, from one total per respondent (plain numbers).

    Without `registrants_by_stratum`: the respondent mean times (attendance - respondents), or `default_kgco2e`
    per attendee when no one answered. With it (and `strata`, one per respondent): by stratum, each shrunk
    toward `default_kgco2e_by_stratum` with weight n / (n + shrinkage_k).
    """
    values = [to_decimal(v, f"respondent_totals[{i}]") for i, v in enumerate(respondent_totals)]
    if isinstance(samples, bool) or not isinstance(samples, int) or samples < 1:
        raise CalculationError("bootstrap_samples", "the number of bootstrap resamples must be at least 1")
    if isinstance(shrinkage_k, bool) or not isinstance(shrinkage_k, int) or shrinkage_k < 0:
        raise CalculationError("shrinkage_k", "the shrinkage constant k must be a whole number of 0 or more")
    if registrants_by_stratum is not None:
        groups = _stratified_groups(values, strata, registrants_by_stratum, default_kgco2e_by_stratum,
                                    shrinkage_k)
        k = shrinkage_k
        method = ("stratified by origin (registration list); each stratum's respondent mean shrunk toward the "
                  "meeting type's default for that stratum")
        shrinkage = (f"per-attendee estimate of a stratum = (sum of its respondents' kg + k × default) / (n + k): "
                     f"weight n/(n+k) on the respondents' mean, k = {k}")
    else:
        if attendance is None:
            raise CalculationError("attendance", "give the attendance, or a registration list")
        population = to_decimal(attendance, "attendance")
        if len(values) > population:
            raise CalculationError("attendance", f"{len(values)} responses exceed the attendance of {population}")
        if not values and default_kgco2e is None:
            raise CalculationError("respondent_totals", "no respondents and no per-attendee default")
        groups = [_Group(ALL, population, values, None if values else default_kgco2e)]
        k = 0
        method = "respondent mean" if values else "meeting type's per-attendee default (no respondents)"
        shrinkage = ""
    estimates = [_estimate(group, k) for group in groups]
    point = dsum(e.kgco2e for e in estimates)
    low, high, interval_method, used_samples = _interval(groups, estimates, point, k, samples, seed)
    population = dsum(group.population for group in groups)
    coverage = div(Decimal(len(values)), population) if population else ZERO
    return Extrapolation(method, population, len(values), coverage, point, low, high, interval_method, CONFIDENCE,
                         used_samples, seed if used_samples else None, shrinkage, tuple(estimates),
                         NEUTRALISATION_BASIS)


@dataclass(frozen=True)
class _Group:
    stratum: str
    population: Decimal
    values: list[Decimal]
    default: Decimal | None


def _stratified_groups(values: list[Decimal], strata: Sequence[str] | None, registrants: Mapping[str, object],
                       defaults: Mapping[str, Decimal] | None, k: int) -> list[_Group]:
    known = (*STRATA, UNKNOWN_STRATUM)
    strata = list(strata or ())
    if len(strata) != len(values):
        raise CalculationError("strata", f"{len(strata)} strata for {len(values)} respondents")
    by_stratum: dict[str, list[Decimal]] = {}
    for i, (stratum, value) in enumerate(zip(strata, values, strict=True)):
        if stratum not in known:
            raise CalculationError(f"strata[{i}]", f"unknown stratum {stratum!r} (known: {', '.join(known)})")
        by_stratum.setdefault(stratum, []).append(value)
    groups = []
    for stratum in known:
        count = registrants.get(stratum, 0)
        population = to_decimal(count, f"registrants_by_stratum.{stratum}")
        members = by_stratum.get(stratum, [])
        if len(members) > population:
            raise CalculationError(f"registrants_by_stratum.{stratum}",
                                   f"{len(members)} respondents exceed the {population} registrants of this stratum")
        default = defaults.get(stratum) if defaults else None
        if default is None and population > len(members) and (k or not members):
            raise CalculationError(f"registrants_by_stratum.{stratum}", "no per-attendee default for this stratum")
        if population:
            groups.append(_Group(stratum, population, members, default))
    for stratum in registrants:
        if stratum not in known:
            raise CalculationError(f"registrants_by_stratum.{stratum}", f"unknown stratum (known: {', '.join(known)})")
    return groups


def _per_attendee(total: Decimal, n: int, default: Decimal | None, k: int) -> Decimal:
    # (sum + k × default) / (n + k): the respondent mean when k = 0, the default when n = 0.
    if n == 0:
        return default if default is not None else ZERO
    if k == 0 or default is None:
        return div(total, Decimal(n))
    return div(dsum((total, mul(Decimal(k), default))), Decimal(n + k))


def _estimate(group: _Group, k: int) -> StratumEstimate:
    n = len(group.values)
    total = dsum(group.values)
    effective_k = k if group.default is not None else 0
    per_attendee = _per_attendee(total, n, group.default, effective_k)
    weight = ONE if n and not effective_k else (div(Decimal(n), Decimal(n + effective_k)) if n else ZERO)
    non_respondents = dsum((group.population, Decimal(-n)))
    return StratumEstimate(group.stratum, group.population, n, div(total, Decimal(n)) if n else None,
                           group.default if (effective_k or not n) else None, weight, per_attendee,
                           non_respondents, mul(non_respondents, per_attendee))


def _interval(groups: list[_Group], estimates: list[StratumEstimate], point: Decimal, k: int, samples: int,
              seed: int) -> tuple[Decimal, Decimal, str, int]:
    respondents = sum(len(group.values) for group in groups)
    if not respondents:
        return point, point, "none: no respondents, so the default has no sampling interval", 0
    if not any(e.non_respondents for e in estimates):
        return point, point, "none: every attendee answered", 0
    if respondents > BOOTSTRAP_MAX_RESPONDENTS:
        return _normal_interval(groups, estimates, point, k)
    return _bootstrap_interval(groups, estimates, k, samples, seed)


def _bootstrap_interval(groups: list[_Group], estimates: list[StratumEstimate], k: int, samples: int,
                        seed: int) -> tuple[Decimal, Decimal, str, int]:
    # Resampled sums are added as integers (the values scaled by a common power of ten): exact, and fast enough
    # for 2,000 resamples of a few thousand respondents.
    places = max((-v.as_tuple().exponent for group in groups for v in group.values), default=0)
    places = max(places, 0)
    rng = random.Random(seed)
    scaled_groups = [[int(v.scaleb(places)) for v in group.values] for group in groups]
    replicates = []
    for _ in range(samples):
        parts = []
        for group, ints, estimate in zip(groups, scaled_groups, estimates, strict=True):
            n = len(ints)
            if not n or not estimate.non_respondents:
                parts.append(estimate.kgco2e)
                continue
            resampled = Decimal(sum(rng.choices(ints, k=n))).scaleb(-places)
            if group.default is not None and k:
                resampled = dsum((resampled, mul(Decimal(k), group.default)))
                n += k
            # One division per replicate: (non-respondents × resampled sum) / n.
            parts.append(div(mul(estimate.non_respondents, resampled), Decimal(n)))
        replicates.append(dsum(parts))
    replicates.sort()
    # The 5th and 95th percentiles as order statistics ⌈0.05·B⌉ and ⌈0.95·B⌉, in integers (no float rounding).
    low_rank, high_rank = -(-samples * 5 // 100), -(-samples * 95 // 100)
    low, high = replicates[low_rank - 1], replicates[high_rank - 1]
    method = (f"percentile bootstrap over respondents (resampled within each stratum), {samples} resamples, "
              f"random.Random({seed}); the interval is the {low_rank}th and {high_rank}th of the sorted "
              f"resampled estimates")
    return low, high, method, samples


def _normal_interval(groups: list[_Group], estimates: list[StratumEstimate], point: Decimal,
                     k: int) -> tuple[Decimal, Decimal, str, int]:
    # The bootstrap variance of a resampled sum of n values is n × (their variance with divisor n).
    variance_terms = []
    for group, estimate in zip(groups, estimates, strict=True):
        n = len(group.values)
        if not n or not estimate.non_respondents:
            continue
        mean = div(dsum(group.values), Decimal(n))
        deviations = [dsum((v, -mean)) for v in group.values]
        spread = div(dsum(mul(d, d) for d in deviations), Decimal(n))
        effective_k = k if group.default is not None else 0
        coefficient = div(estimate.non_respondents, Decimal(n + effective_k))
        variance_terms.append(mul(mul(coefficient, coefficient), mul(Decimal(n), spread)))
    margin = sqrt(mul(mul(Z_95, Z_95), dsum(variance_terms)))  # z × sd, with the one cut in the square root
    low = max(ZERO, dsum((point, -margin)))
    high = dsum((point, margin))
    method = (f"normal approximation to the bootstrap (more than {BOOTSTRAP_MAX_RESPONDENTS} respondents): "
              f"point ± {Z_95} × the bootstrap standard deviation, floored at 0")
    return low, high, method, 0
