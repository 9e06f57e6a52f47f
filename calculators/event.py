"""Event footprints: the organiser's inputs, the attendees' responses, and an estimate for those who did not answer.

The estimate of the non-respondents (`extrapolate`, pure arithmetic on plain numbers, so a database can hand it
per-respondent totals without loading every response) is a conjugate normal model per stratum:

- Strata: with a registration list, the origin strata of the registrants (each respondent's stratum known);
  without one, a single stratum of all attendees.
- Prior: the meeting type's assumed attendee (MEETING_PROFILES, STRATUM_TRAVEL, built from factor rows and shown
  in the footprint's assumptions). Its mean m0 is the stratum's default kg; its spread s0² is the variance of
  one attendee's kg under those assumptions: the mixture of the stratum's assumed ways of travel (STRATUM_MODES;
  without strata, the mixture of all strata by their shares), each attendee's kg spread evenly between 0 and
  twice the figure of their way of travel (their distance, nights and meals are not known), so
  s0² = Σ w·(4/3)·d² - m0². The prior on the stratum's mean kg is normal with mean m0 and variance s0²/n0: it
  weighs as much as n0 answers (n0 = 10 unless the caller says otherwise).
- Posterior: the mean is (n0·m0 + Σ answers) / (n0 + n), a weight n / (n + n0) on the answers' mean; one
  attendee's variance is the prior's pooled with the answers', s² = (n0·s0² + Σ(y - ȳ)²) / (n0 + n - 1)
  (n0 with no answer: one answer alone says nothing of the spread).
- The non-respondents' total of a stratum, M = population - n attendees: mean M × posterior mean, variance
  M²·s²/(n0 + n) (the mean is uncertain) + M·s² (the attendees differ from one another); strata add.
- The 90% interval is the normal one, mean ± 1.645 standard deviations (the lower end floored at 0); its upper
  end is the 95th percentile, a one-sided 95% bound. The interval has a positive width whenever some attendees
  did not answer; it says nothing about a bias in who answered.
- Neutralisation is conservative: the credits needed are computed from the total with the non-respondents'
  part taken at the upper end of its interval. Answers like the default narrow the interval, so on average the
  credits needed fall as answers come in, and a handful of answers cannot outweigh the prior.

The method and assumptions are also given as Notes (codes and parameters), which pages render in their language.
"""

from __future__ import annotations

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
    Note,
    StratumEstimate,
    div,
    dsum,
    factor_unit,
    merge_items,
    mul,
    scaled,
    sqrt,
    sum_and_squares,
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
DEFAULT_SEED = 2025  # accepted for compatibility: the interval is computed in closed form, nothing is drawn
DEFAULT_SAMPLES = 2000
DEFAULT_SHRINKAGE_K = 10  # n0: the prior of a stratum's mean weighs as much as this many answers
CONFIDENCE = Decimal("0.90")
# The standard normal quantile for 95%, Φ⁻¹(0.95), to double precision: the 90% two-sided interval.
Z_95 = Decimal("1.6448536269514722")
DEFAULT_MEAL = "pork"  # an attendee's own meal: pork is China's most eaten meat (its meal row is a stand-in)
NEUTRALISATION_BASIS = ("credits cover the total with the non-respondents' part taken at the upper end of its 90% "
                        "interval, its 95th percentile (never below the point estimate): total - point estimate + "
                        "interval upper end (conservative)")
# The names of the strata in line items (English, Chinese).
STRATUM_NAMES = MappingProxyType({
    "same_city": ("same-city", "同城"), "same_province": ("same-province", "同省"),
    "other_province": ("other-province", "外省"), "hk_mo_tw": ("Hong Kong, Macau and Taiwan", "港澳台"),
    "international": ("international", "国外"), UNKNOWN_STRATUM: ("origin not recognised", "来源无法识别"),
    ALL: ("all", "全部参会者"),
})


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
# The ways of travel each stratum's default mixes, with their shares (the mean of these is STRATUM_TRAVEL): the
# spread between them is part of the prior's spread.
STRATUM_MODES: Mapping[str, tuple[tuple[Decimal, tuple[Leg, ...]], ...]] = MappingProxyType({
    **{stratum: ((ONE, legs),) for stratum, legs in STRATUM_TRAVEL.items() if stratum != "other_province"},
    "other_province": ((Decimal("0.5"), (Leg(mode="rail", rail_type="high_speed", distance_km=Decimal(800),
                                             round_trip=True),)),
                       (Decimal("0.5"), (Leg(mode="flight", distance_km=SHORT_FLIGHT_KM, round_trip=True),))),
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
    # Accepted for compatibility with clients of the former bootstrap; the interval is now computed in closed form.
    seed: int = DEFAULT_SEED
    bootstrap_samples: int = DEFAULT_SAMPLES
    shrinkage_k: int = DEFAULT_SHRINKAGE_K  # n0, the prior's weight in answers


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


@dataclass(frozen=True)
class Prior:
    """What the stated assumptions say about one attendee of a stratum: the mean kg and the variance of one's kg."""

    mean_kgco2e: Decimal
    variance: Decimal  # kg², one attendee's spread (not the mean's)


ATTENDEE_PARTS = ("travel", "lodging", "meals")


def attendee_part(item: LineItem) -> str:
    """The part of an attendee's footprint a line belongs to: hotel nights, meals, or travel."""
    return "lodging" if item.category == "hotel" else "meals" if item.category == "meal" else "travel"


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
    # The priors are built only when they are used: a venue abroad may lack a hotel factor.
    needs_prior = population > respondents
    priors = (stratum_priors(factor_set, event.meeting_type, event.venue_country, rf) if needs_prior else None)
    if stratified:
        extrapolation = extrapolate(totals, strata=strata, registrants_by_stratum=registrants,
                                    priors_by_stratum=priors, prior_weight=options.shrinkage_k)
    else:
        extrapolation = extrapolate(totals, population, prior=priors[ALL] if priors else None,
                                    prior_weight=options.shrinkage_k)
    if priors:
        extrapolation = replace(extrapolation, notes=profile_notes(event.meeting_type, options.shrinkage_k))
    lines: list[LineItem] = []
    for estimate in extrapolation.strata:
        if not estimate.non_respondents:
            continue
        if estimate.respondents == 0 and estimate.stratum == ALL:
            for stratum in STRATA:
                share = profile.shares[stratum]
                if share:
                    lines.extend(_default_lines(factor_set, event, stratum, mul(estimate.non_respondents, share)))
        elif estimate.respondents == 0 and estimate.stratum != UNKNOWN_STRATUM:
            lines.extend(_default_lines(factor_set, event, estimate.stratum, estimate.non_respondents))
        else:
            lines.append(extrapolated_line(estimate, extrapolation))
    return extrapolation, lines, tuple(note.text for note in extrapolation.notes)


def extrapolated_line(estimate: StratumEstimate, extrapolation: Extrapolation) -> LineItem:
    """The line of one stratum's non-respondents: their count × the per-attendee estimate, flagged estimated."""
    name, name_zh = STRATUM_NAMES[estimate.stratum]
    if estimate.respondents == 0:
        basis = "no respondents in this stratum: the meeting type's default"
    elif estimate.weight == ONE:
        basis = f"mean of {estimate.respondents} respondents"
    else:
        basis = (f"mean of {estimate.respondents} respondents combined with the default "
                 f"{estimate.default_kgco2e} kg, weight {estimate.weight} on the respondents")
    notes = (f"estimated: {extrapolation.method}; {basis}",
             f"90% interval of the non-respondents' part: {extrapolation.low_kgco2e} to "
             f"{extrapolation.high_kgco2e} kg ({extrapolation.interval_method})")
    return LineItem("extrapolation", f"Attendees who did not answer, {name} attendees (extrapolated)",
                    f"未填报参会者（外推），{name_zh}", estimate.non_respondents, "attendee", "",
                    estimate.per_attendee_kgco2e, "kg CO2e/attendee", estimate.kgco2e, "", notes, True)


def _default_lines(factor_set: FactorSet, event: EventInput, stratum: str, attendees: Decimal) -> list[LineItem]:
    note = f"estimated default for a {event.meeting_type}: see the footprint's assumptions"
    count = f"{attendees.normalize():f}"  # 300 × 0.40 is 120.00 attendees; the label says 120
    name, name_zh = STRATUM_NAMES[stratum]
    return [scaled(item, attendees, activity=f"{item.activity} × {count} {name} attendees (estimated default)",
                   activity_zh=f"{item.activity_zh} × {count}人（{name_zh}，估算默认值）",
                   notes=(note, *item.notes), estimated=True)
            for item in _default_items(factor_set, event.meeting_type, stratum, event.venue_country,
                                       event.options.radiative_forcing)]


def default_attendee(meeting_type: str, stratum: str, venue_country: str = "CN", radiative_forcing: bool = True,
                     legs: tuple[Leg, ...] | None = None) -> PersonalInput:
    """The assumed travel (`legs`, else the stratum's mix), nights and own meals of one attendee of this type."""
    profile = MEETING_PROFILES[meeting_type]
    local = stratum == "same_city"
    lodging = () if local or not profile.nights else (Lodging(venue_country, profile.nights),)
    meals = {} if local or not profile.own_meals else {DEFAULT_MEAL: profile.own_meals}
    return PersonalInput(legs=STRATUM_TRAVEL[stratum] if legs is None else legs, lodging=lodging, meals=meals,
                         options=PersonalOptions(radiative_forcing=radiative_forcing))


def _attendee_items(factor_set: FactorSet, attendee: PersonalInput) -> tuple[LineItem, ...]:
    try:
        return personal_items(attendee, factor_set)
    except CalculationError as error:
        # The only input of a default attendee is the venue's country (for the hotel nights).
        raise CalculationError("venue_country", f"the default attendee cannot be computed: {error}") from None


@lru_cache(maxsize=256)
def _default_items(factor_set: FactorSet, meeting_type: str, stratum: str, venue_country: str,
                   radiative_forcing: bool) -> tuple[LineItem, ...]:
    return _attendee_items(factor_set, default_attendee(meeting_type, stratum, venue_country, radiative_forcing))


@lru_cache(maxsize=256)
def stratum_priors(factor_set: FactorSet, meeting_type: str, venue_country: str = "CN",
                   radiative_forcing: bool = True, parts: tuple[str, ...] = ATTENDEE_PARTS) -> Mapping[str, Prior]:
    """The prior of each stratum, and of the meeting's whole mix (ALL, also used for UNKNOWN_STRATUM).

    Only the lines of `parts` (travel, lodging, meals) are counted, so a boundary without lodging leaves the
    hotel nights out of the prior too. Mean Σ w·d over the stratum's ways of travel, variance Σ w·(4/3)·d² - mean²
    (each attendee's kg evenly spread between 0 and twice the figure of their way of travel).
    """
    profile = MEETING_PROFILES[meeting_type]
    four_thirds_of = {}  # stratum -> (mean, second moment)
    for stratum in STRATA:
        weighted, squares = [], []
        for share, legs in STRATUM_MODES[stratum]:
            attendee = default_attendee(meeting_type, stratum, venue_country, radiative_forcing, legs)
            kg = dsum(item.kgco2e for item in _attendee_items(factor_set, attendee) if attendee_part(item) in parts)
            weighted.append(mul(share, kg))
            squares.append(mul(share, mul(kg, kg)))
        four_thirds_of[stratum] = (dsum(weighted), div(mul(Decimal(4), dsum(squares)), Decimal(3)))
    priors = {stratum: Prior(mean, _variance(second, mean)) for stratum, (mean, second) in four_thirds_of.items()}
    mean = dsum(mul(profile.shares[s], four_thirds_of[s][0]) for s in STRATA)
    second = dsum(mul(profile.shares[s], four_thirds_of[s][1]) for s in STRATA)
    priors[ALL] = priors[UNKNOWN_STRATUM] = Prior(mean, _variance(second, mean))
    return MappingProxyType(priors)


def _variance(second_moment: Decimal, mean: Decimal) -> Decimal:
    # E[y²] was cut at 28 digits: never let that make a variance negative.
    return max(ZERO, dsum((second_moment, -mul(mean, mean))))


def meeting_default_kgco2e(factor_set: FactorSet, meeting_type: str, venue_country: str = "CN",
                           radiative_forcing: bool = True) -> Decimal:
    """The per-attendee default of a meeting type: its strata's defaults weighted by their shares."""
    return stratum_priors(factor_set, meeting_type, venue_country, radiative_forcing)[ALL].mean_kgco2e


def profile_notes(meeting_type: str, prior_weight: int = DEFAULT_SHRINKAGE_K) -> tuple[Note, ...]:
    """The stated assumptions behind a meeting type's prior, as codes with parameters and English text."""
    profile = MEETING_PROFILES[meeting_type]
    percents = {s: mul(profile.shares[s], Decimal(100)).normalize() for s in STRATA}
    shares = ", ".join(f"{s} {profile.shares[s]}" for s in STRATA)
    rail, flight = (legs[0].distance_km for _share, legs in STRATUM_MODES["other_province"])
    notes = [
        Note("event_assumed_shares", {"meeting_type": meeting_type, **percents},
             f"per-attendee default for a {meeting_type} (no published figure exists; these are this service's "
             f"stated assumptions): shares of attendees by origin: {shares}"),
        Note("event_travel_same_city", {"km": STRATUM_TRAVEL["same_city"][0].distance_km},
             f"same_city attendees travel by {STRATUM_TRAVEL_TEXT['same_city']}, round trip"),
        Note("event_travel_same_province", {"km": STRATUM_TRAVEL["same_province"][0].distance_km},
             f"same_province attendees travel by {STRATUM_TRAVEL_TEXT['same_province']}, round trip"),
        Note("event_travel_other_province", {"rail_km": rail, "flight_km": flight},
             f"other_province attendees travel {STRATUM_TRAVEL_TEXT['other_province']}, round trip"),
        Note("event_travel_hk_mo_tw", {"km": STRATUM_TRAVEL["hk_mo_tw"][0].distance_km},
             f"hk_mo_tw attendees travel by {STRATUM_TRAVEL_TEXT['hk_mo_tw']}, round trip"),
        Note("event_travel_international", {"km": STRATUM_TRAVEL["international"][0].distance_km},
             f"international attendees travel by {STRATUM_TRAVEL_TEXT['international']}, round trip"),
        Note("event_assumed_stay", {"nights": profile.nights, "meals": profile.own_meals},
             f"attendees from outside the city stay {profile.nights} hotel night(s) in the venue's country and eat "
             f"{profile.own_meals} meal(s) outside the organiser's catering ({DEFAULT_MEAL} meal); local "
             f"attendees neither"),
        Note("event_assumed_spread", {"prior_weight": prior_weight},
             f"one attendee's kg within an assumed way of travel is taken as evenly spread between 0 and twice the "
             f"assumed figure (distance, nights and meals are not known); the prior on the mean weighs as much as "
             f"{prior_weight} answers"),
    ]
    if profile.note:
        notes.append(Note(f"event_profile_{meeting_type}", {}, profile.note))
    return tuple(notes)


def extrapolate(respondent_totals: Sequence[Decimal], attendance: object = None, *,
                strata: Sequence[str] | None = None, registrants_by_stratum: Mapping[str, object] | None = None,
                prior: Prior | None = None, priors_by_stratum: Mapping[str, Prior] | None = None,
                prior_weight: int = DEFAULT_SHRINKAGE_K) -> Extrapolation:
    """The non-respondents' estimate and its 90% interval, from one total per respondent (plain numbers).

    Without `registrants_by_stratum`: one stratum of `attendance` attendees with `prior`. With it (and `strata`,
    one per respondent): by stratum, each with its prior from `priors_by_stratum`. The module's docstring gives
    the model; `prior_weight` is n0. A prior is needed wherever some attendees did not answer.
    """
    values = list(respondent_totals)
    # 100,000 stored totals are Decimals already: checked in bulk, and one by one (naming the bad one) otherwise.
    if not (all(type(v) is Decimal and v.is_finite() for v in values) and (not values or min(values) >= 0)):
        values = [to_decimal(v, f"respondent_totals[{i}]") for i, v in enumerate(values)]
    if isinstance(prior_weight, bool) or not isinstance(prior_weight, int) or prior_weight < 0:
        raise CalculationError("shrinkage_k", "the prior's weight n0 must be a whole number of 0 or more")
    if registrants_by_stratum is not None:
        groups = _stratified_groups(values, strata, registrants_by_stratum, priors_by_stratum)
        method = Note("event_stratified", {"prior_weight": prior_weight},
                      "stratified by origin (registration list): in each stratum the respondents' mean is combined "
                      f"with the meeting type's default for that stratum, the default weighing as {prior_weight} "
                      "answers")
    else:
        if attendance is None:
            raise CalculationError("attendance", "give the attendance, or a registration list")
        population = to_decimal(attendance, "attendance")
        if len(values) > population:
            raise CalculationError("attendance", f"{len(values)} responses exceed the attendance of {population}")
        if population > len(values) and prior is None:
            raise CalculationError("respondent_totals", "no prior (per-attendee default) for the non-respondents")
        groups = [_Group(ALL, population, values, prior)]
        if values:
            method = Note("event_answers_and_default", {"respondents": len(values), "prior_weight": prior_weight},
                          f"the mean of {len(values)} respondents combined with the meeting type's per-attendee "
                          f"default, the default weighing as {prior_weight} answers")
        else:
            method = Note("event_default_only", {"prior_weight": prior_weight},
                          "meeting type's per-attendee default (no respondents), with the spread of its stated "
                          "assumptions")
    estimates = [_estimate(group, prior_weight) for group in groups]
    point = dsum(e.kgco2e for e in estimates)
    variance = dsum(mul(e.part_sd_kgco2e, e.part_sd_kgco2e) for e in estimates)
    margin = mul(Z_95, sqrt(variance)) if variance else ZERO
    low, high = max(ZERO, dsum((point, -margin))), dsum((point, margin))
    if any(e.non_respondents for e in estimates):
        interval = Note("event_interval_normal", {"prior_weight": prior_weight, "z": Z_95},
                        f"normal prior on each stratum's mean kg per attendee (the default, weighing as "
                        f"{prior_weight} answers) updated by the answers; the non-respondents' total has variance "
                        f"M²·s²/(n0 + n) + M·s²; interval = estimate ± {Z_95} standard deviations (lower end "
                        f"floored at 0), its upper end the 95th percentile")
    else:
        interval = Note("event_interval_all_answered", {}, "none: every attendee answered")
    shrinkage = ("per-attendee estimate of a stratum = (n0 × default + sum of its respondents' kg) / (n0 + n): weight "
                 f"n/(n+n0) on the respondents' mean, n0 = {prior_weight}; one attendee's variance s² = "
                 "(n0 × prior variance + Σ(y - mean)²) / (n0 + max(n - 1, 0))")
    population = dsum(group.population for group in groups)
    coverage = div(Decimal(len(values)), population) if population else ZERO
    return Extrapolation(method.text, population, len(values), coverage, point, low, high, interval.text,
                         CONFIDENCE, 0, None, shrinkage, tuple(estimates), NEUTRALISATION_BASIS, method, interval)


@dataclass(frozen=True)
class _Group:
    stratum: str
    population: Decimal
    values: list[Decimal]
    prior: Prior | None


def _stratified_groups(values: list[Decimal], strata: Sequence[str] | None, registrants: Mapping[str, object],
                       priors: Mapping[str, Prior] | None) -> list[_Group]:
    known = (*STRATA, UNKNOWN_STRATUM)
    strata = list(strata or ())
    if len(strata) != len(values):
        raise CalculationError("strata", f"{len(strata)} strata for {len(values)} respondents")
    by_stratum: dict[str, list[Decimal]] = {}
    for i, (stratum, value) in enumerate(zip(strata, values, strict=True)):
        if stratum not in known:
            raise CalculationError(f"strata[{i}]", f"unknown stratum {stratum!r} (known: {', '.join(known)})")
        by_stratum.setdefault(stratum, []).append(value)
    for stratum in registrants:
        if stratum not in known:
            raise CalculationError(f"registrants_by_stratum.{stratum}", f"unknown stratum (known: {', '.join(known)})")
    groups = []
    for stratum in known:
        population = to_decimal(registrants.get(stratum, 0), f"registrants_by_stratum.{stratum}")
        members = by_stratum.get(stratum, [])
        if len(members) > population:
            raise CalculationError(f"registrants_by_stratum.{stratum}",
                                   f"{len(members)} respondents exceed the {population} registrants of this stratum")
        prior = priors.get(stratum) if priors else None
        if prior is None and population > len(members):
            raise CalculationError(f"registrants_by_stratum.{stratum}", "no per-attendee default for this stratum")
        if population:
            groups.append(_Group(stratum, population, members, prior))
    return groups


def _estimate(group: _Group, prior_weight: int) -> StratumEstimate:
    n, total, squares = sum_and_squares(group.values)
    mean = div(total, Decimal(n)) if n else None
    non_respondents = dsum((group.population, Decimal(-n)))
    prior = group.prior
    if prior is None:  # everyone of the stratum answered: nothing to estimate
        return StratumEstimate(group.stratum, group.population, n, mean, None, ONE, mean or ZERO, ZERO, ZERO)
    # With n0 = 0 the answers alone decide; with no answers either, the default counts as one answer.
    n0 = prior_weight if prior_weight or n else 1
    weights = Decimal(n0 + n)
    per_attendee = div(dsum((mul(Decimal(n0), prior.mean_kgco2e), total)), weights)
    deviations = max(ZERO, dsum((squares, -div(mul(total, total), Decimal(n))))) if n else ZERO
    # Degrees of freedom: n0 from the prior, n - 1 from the answers (one answer says nothing of the spread).
    freedom = n0 + max(n - 1, 0)
    variance = (div(dsum((mul(Decimal(n0), prior.variance), deviations)), Decimal(freedom)) if freedom
                else prior.variance)
    m = non_respondents
    part_variance = dsum((div(mul(mul(m, m), variance), weights), mul(m, variance)))
    return StratumEstimate(
        group.stratum, group.population, n, mean, prior.mean_kgco2e, div(Decimal(n), weights), per_attendee,
        m, mul(m, per_attendee), n0, sqrt(prior.variance), sqrt(variance), sqrt(part_variance))


def margin_after(extrapolation: Extrapolation, more: int) -> Decimal:
    """The interval's half-width if `more` answers came in, spread over the strata like the non-respondents, and
    with the spread of the answers so far (the estimate's own expectation of them)."""
    waiting = dsum(e.non_respondents for e in extrapolation.strata)
    terms = []
    for e in extrapolation.strata:
        if not e.non_respondents:
            continue
        extra = div(mul(Decimal(more), e.non_respondents), waiting)
        m = dsum((e.non_respondents, -extra))
        variance = mul(e.sd_kgco2e, e.sd_kgco2e)
        answered = dsum((Decimal(e.prior_weight + e.respondents), extra))
        terms.append(dsum((div(mul(mul(m, m), variance), answered), mul(m, variance))))
    total = dsum(terms)
    return mul(Z_95, sqrt(total)) if total else ZERO


def answers_to_halve_interval(extrapolation: Extrapolation) -> int | None:
    """How many more answers, like those so far, would halve the interval's width; None if everyone answered."""
    waiting = dsum(e.non_respondents for e in extrapolation.strata)
    now = margin_after(extrapolation, 0)
    if not waiting or not now:
        return None
    low, high = 1, int(waiting.to_integral_value(rounding="ROUND_CEILING"))
    while low < high:  # the margin falls with every answer: the first count at or under half of it
        middle = (low + high) // 2
        if mul(Decimal(2), margin_after(extrapolation, middle)) <= now:
            high = middle
        else:
            low = middle + 1
    return low
