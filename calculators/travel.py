"""Travel line items: flights by airport or city, rail, coach, bus, metro, tram, taxi, car and motorbike.

Choices (each is also written into the line item's notes):

- Flights use the DESNZ 2024 factors (REFERENCE.md). Their 8% distance uplift for indirect routing is already
  inside the factor, so the great-circle distance is multiplied by it and nothing is added.
- Haul follows DESNZ's own definition, which is by territory, not by distance: both ends in the UK (or Guernsey,
  Jersey, Isle of Man) is "domestic"; one end in the UK and the other in a territory of the 'Haul definition'
  sheet's Short Haul list is "short-haul"; one end in the UK and the other anywhere else is "long-haul"; a flight
  that does not touch the UK uses the "international, to/from non-UK" factors (DESNZ: an average of short- and
  long-haul). A flight given only by distance is assumed not to touch the UK.
- Chinese domestic flights therefore use "international, to/from non-UK": DESNZ "domestic" means within the UK.
  The Chinese civil-aviation figure (cn_air_flight, 95.3 g CO2 per passenger-km) is CO2 only, without radiative
  forcing or stated uplift, and its row says it is not the default; it is kept for comparison only.
- Cabin classes DESNZ does not publish for a haul are stood in for, and the note says by which: UK domestic has
  only an average-passenger factor; short-haul has no premium economy (economy stands in) and no first class
  (business stands in).
- Radiative forcing is on by default (the "with RF" rows: DESNZ adds 70% to the CO2 component) and can be
  switched off (the "without RF" rows); the line item always says which.
- Ground travel between two named places uses the great-circle distance with no detour factor: no citable
  road or rail detour (circuity) factor for China was found, so none is invented, and the note says the real
  route is likely longer. Give `distance_km` when the route distance is known.
- Chinese high-speed rail uses the Beijing Jiaotong University figure (cn_hsr_full). For conventional rail,
  coach, bus, metro, tram, taxi and car no Chinese per passenger-km source was confirmed; the DESNZ rows whose
  notes name them as stand-ins are used and the line item says so.
- Labels: a flight is "domestic" when both ends are in one country, else "international", and keeps the airport
  codes it was given; a ground trip is labelled by its cities, never by an airport code (a train from PVG to CAN
  is Shanghai → Guangzhou). A flight that does not leave its city (SHA to SHA, PEK to PKX) is refused.
- Notes and errors are Messages (calculators.footprint): English text with a code and parameters, which pages
  render in their own language.
- Car and motorbike factors are per vehicle-km. A car's km are shared by its occupants: the quantity is the
  traveller's share, distance ÷ occupancy, in vehicle-km.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache

from calculators.distance import (
    Place,
    UnknownPlace,
    distance_km,
    find_airport,
    find_city,
    normalize,
    resolve_place,
)
from calculators.footprint import (
    CalculationError,
    LineItem,
    Message,
    Name,
    UnknownPlaceError,
    div,
    factor_item,
    mul,
    to_decimal,
)
from factors import Factor, FactorSet
from factors.regions import KNOWN_REGIONS

MODES = ("flight", "rail", "coach", "bus", "metro", "tram", "taxi", "car", "motorbike")
CABINS = ("economy", "premium_economy", "business", "first")
RAIL_TYPES = ("high_speed", "conventional")
CAR_FUELS = ("petrol", "diesel", "hybrid", "phev", "bev", "unknown")
VEHICLE_SIZES = ("small", "medium", "large", "average")

# DESNZ 2024 full set, sheet 'Haul definition': the four Domestic territories, and the 47 Short Haul
# territories as ISO 3166-1 alpha-2 codes (Kosovo as XK, the code in common use; it has no ISO code).
UK_DOMESTIC = frozenset({"GB", "GG", "IM", "JE"})
SHORT_HAUL_FROM_UK = frozenset({
    "AL", "DZ", "AT", "BY", "BE", "BA", "BG", "HR", "CY", "CZ", "DK", "EG", "EE", "FO", "FI", "FR", "DE", "GI",
    "GR", "GL", "HU", "IS", "IE", "IT", "XK", "LV", "LY", "LT", "LU", "MK", "MT", "ME", "MA", "NL", "NO", "PL",
    "PT", "RO", "RS", "SK", "SI", "ES", "SE", "CH", "TN", "TR", "EH",
})

TWO = Decimal(2)
CABIN_ZH = {"economy": "经济舱", "premium_economy": "超级经济舱", "business": "公务舱", "first": "头等舱"}

# Notes and errors are Messages: English text with a code and parameters that pages render in their language.
UPLIFT_NOTE = Message("calc.flight.uplift", "8% distance uplift is inside the DESNZ factor, not added again")
RF_ON_NOTE = Message("calc.flight.rf_on", "with radiative forcing (DESNZ: +70% on the CO2 component)")
RF_OFF_NOTE = Message("calc.flight.rf_off", "without radiative forcing: direct effects only (radiative forcing "
                                            "switched off)")
ROUND_TRIP_NOTE = Message("calc.round_trip", "round trip: twice the one-way distance")
NO_DETOUR_NOTE = Message("calc.no_detour", "great-circle distance, no detour factor applied (no citable "
                                           "road/rail detour factor for China was found), so the real route is "
                                           "likely longer")
_HAUL_NOTES = {
    "domestic": Message("calc.haul.uk_domestic", "haul: UK domestic (both ends in the UK; DESNZ 'Haul "
                                                 "definition')"),
    "short": Message("calc.haul.short", "haul: short-haul, to/from the UK within Europe (DESNZ 'Haul definition' "
                                        "territories)"),
    "long": Message("calc.haul.long", "haul: long-haul, to/from the UK outside Europe (DESNZ 'Haul definition')"),
    "intl": Message("calc.haul.intl", "haul: international, to/from non-UK (DESNZ defines its bands for UK routes "
                                      "only; this factor is its average of short- and long-haul)"),
    "cn": Message("calc.haul.cn", "haul: Chinese domestic flight, DESNZ 'international, to/from non-UK' factor "
                                  "(DESNZ 'domestic' means within the UK; the Chinese civil-aviation figure "
                                  "cn_air_flight is CO2 only, without radiative forcing, and kept for comparison "
                                  "only)"),
    "distance": Message("calc.haul.distance", "haul: route given by distance only, assumed not to touch the UK: "
                                              "DESNZ 'international, to/from non-UK' factor"),
}
# Flight labels by haul: both ends in one country is a domestic flight; a route given by distance says neither.
_FLIGHT_LABELS = {"domestic": ("Domestic flight", "国内航班"), "cn": ("Domestic flight", "国内航班"),
                  "short": ("International flight", "国际航班"), "long": ("International flight", "国际航班"),
                  "intl": ("International flight", "国际航班"), "distance": ("Flight", "航班")}
# (row used, note) for the cabin classes a haul lacks.
_CABIN_STAND_INS = {
    ("domestic", "economy"): "avg", ("domestic", "premium_economy"): "avg", ("domestic", "business"): "avg",
    ("domestic", "first"): "avg", ("short", "premium_economy"): "economy", ("short", "first"): "business",
}
CABIN_NAMES = {cabin: Message(f"calc.cabin.{cabin}", cabin.replace("_", " ")) for cabin in CABINS}
_ROW_NAMES = {"avg": Message("calc.cabin.avg", "average passenger"), "economy": CABIN_NAMES["economy"],
              "business": CABIN_NAMES["business"]}

# Ground modes: (factor id, note). The notes repeat what the rows' own notes say about standing in.
_GROUND = {
    ("rail", "high_speed"): ("cn_hsr_full", Message("calc.ground.hsr", "China high-speed rail, full process "
                                                    "(traction, stations, maintenance; construction excluded), CO2 "
                                                    "only")),
    ("rail", "conventional"): ("land.rail.national", Message("calc.ground.rail", "stand-in: DESNZ UK national rail "
                                                             "for Chinese conventional rail (no per passenger-km "
                                                             "source was confirmed)")),
    ("coach", ""): ("land.bus.coach", Message("calc.ground.coach", "stand-in: DESNZ UK coach for intercity coaches "
                                              "in China (no Chinese per passenger-km source was confirmed)")),
    ("bus", ""): ("land.bus.average_local", Message("calc.ground.bus", "stand-in: DESNZ UK average local bus for "
                                                    "urban buses in China (no Chinese per passenger-km source was "
                                                    "confirmed)")),
    ("metro", ""): ("land.rail.london_underground", Message("calc.ground.metro", "stand-in: DESNZ London "
                                                            "Underground for metro (地铁) in China (no Chinese per "
                                                            "passenger-km metro factor was confirmed)")),
    ("tram", ""): ("land.rail.light_rail_tram", Message("calc.ground.tram", "stand-in: DESNZ UK light rail and "
                                                        "tram for light rail and trams in China (no Chinese source "
                                                        "was confirmed)")),
    ("taxi", ""): ("land.taxi.regular.pkm", Message("calc.ground.taxi", "stand-in: DESNZ UK regular taxi, per "
                                                    "passenger, for taxis in China (no Chinese source was "
                                                    "confirmed)")),
}
_MODE_LABELS = {
    ("rail", "high_speed"): ("High-speed rail", "高铁"), ("rail", "conventional"): ("Conventional rail", "普速列车"),
    ("coach", ""): ("Coach", "长途客车"), ("bus", ""): ("Bus", "公交车"), ("metro", ""): ("Metro", "地铁"),
    ("tram", ""): ("Tram / light rail", "有轨电车/轻轨"), ("taxi", ""): ("Taxi", "出租车"),
    ("car", ""): ("Car", "小汽车"), ("motorbike", ""): ("Motorbike", "摩托车"),
}
CAR_STAND_IN_NOTE = Message("calc.car.stand_in", "stand-in: DESNZ UK car factor for cars in China (no Chinese "
                                                 "source was confirmed); DESNZ publishes cars per vehicle-km only")
ELECTRIC_CAR_NOTE = Message("calc.car.electric", "DESNZ electric-car factors include the UK grid electricity used")
MOTORBIKE_NOTE = Message("calc.motorbike", "DESNZ motorbike factor, per vehicle-km (no per passenger-km factor is "
                                           "published)")
CAR_ONE_OCCUPANT_NOTE = Message("calc.car.one_occupant", "per vehicle-km factor, one occupant: the whole "
                                                         "vehicle's km")


def _unknown(code: str, what: str, value: object, known: tuple[str, ...]) -> Message:
    return Message(code, "unknown %(what)s %(value)r (known: %(known)s)", what=what, value=value,
                   known=", ".join(known))


@dataclass(frozen=True)
class Leg:
    """One journey: by origin and destination (IATA codes or city names) or by distance."""

    mode: str  # one of MODES
    origin: str = ""
    destination: str = ""
    distance_km: Decimal | None = None  # the route distance when known; else great circle between the places
    round_trip: bool = False
    cabin: str = "economy"  # flights
    rail_type: str = "high_speed"  # rail
    car_fuel: str = "unknown"  # car
    car_size: str = "average"  # car; also the motorbike's size
    occupancy: int = 1  # car: people sharing it, the traveller included


@dataclass(frozen=True)
class Route:
    origin: Place
    destination: Place
    km: Decimal
    label: str
    label_zh: str
    distance_note: str


@dataclass(frozen=True)
class _LegSpec:
    """What a leg needs from the factor set and how it is described: the same for every traveller on it."""

    factor_id: str
    quantity: Decimal
    unit: str | None
    activity: str
    activity_zh: str
    notes: tuple[str, ...]


def leg_item(leg: Leg, factor_set: FactorSet, *, radiative_forcing: bool = True) -> LineItem:
    """The line item of one leg (a round trip's quantity is twice the one-way distance).

    Errors name fields relative to the leg ("from", "cabin"); callers place them with CalculationError.at().
    """
    try:
        spec = _leg_spec(leg, radiative_forcing)
    except TypeError:  # a field value that cannot be hashed (a list, a signalling NaN): compute it uncached
        spec = _leg_spec.__wrapped__(leg, radiative_forcing)
    return factor_item(factor_set.get(spec.factor_id), spec.quantity, spec.activity, spec.activity_zh,
                       unit=spec.unit, notes=spec.notes)


def route(origin: str, destination: str, *, flight: bool) -> Route:
    """The two places and their great-circle distance; UnknownPlaceError naming "from" or "to"."""
    try:
        return _route(origin, destination, flight)
    except _UnknownEnd as error:
        raise UnknownPlaceError("from" if error.end == 0 else "to", error.place.value,
                                error.place.suggestions) from None


class _UnknownEnd(Exception):
    def __init__(self, end: int, place: UnknownPlace):
        self.end = end
        self.place = place


@lru_cache(maxsize=8192)
def _route(origin: str, destination: str, flight: bool) -> Route:
    # Cached: the same few routes come up again and again (a meeting's attendees, a citizen's commute).
    places = []
    for end, text in enumerate((origin, destination)):
        try:
            places.append(resolve_place(text) if flight else _ground_place(text))
        except UnknownPlace as error:
            raise _UnknownEnd(end, _with_airport_suggestions(text, error)) from None
    start, end_place = places
    km = distance_km(start, end_place)
    # Flights are labelled by airport code where one was given; ground trips by city (a train from PVG to CAN
    # is Shanghai → Guangzhou), except a ride to an airport of the same city, which names the airport.
    by_city = not flight and not _same_city(start, end_place)
    return Route(start, end_place, km, f"{_name(start, by_city)} → {_name(end_place, by_city)}",
                 f"{_name_zh(start, by_city)} → {_name_zh(end_place, by_city)}",
                 Message("calc.great_circle", "great-circle distance %(km)s km (%(origin)s – %(destination)s)",
                         km=km, origin=start.label, destination=end_place.label))


def _with_airport_suggestions(text: str, error: UnknownPlace) -> UnknownPlace:
    # A mistyped airport code (PEX for PEK) is looked up as a city; offer the airports it resembles too.
    wanted = text.strip()
    if len(wanted) != 3 or not wanted.isascii() or not wanted.isalpha():
        return error
    try:
        find_airport(wanted)
    except UnknownPlace as airport_error:
        merged = tuple(dict.fromkeys((*airport_error.suggestions, *error.suggestions)))
        return UnknownPlace(error.value, merged[:len(airport_error.suggestions) + 2])
    return error


def _ground_place(text: str) -> Place:
    # A city first: a few Chinese city names are also three-letter airport codes.
    try:
        return find_city(text)
    except UnknownPlace:
        wanted = text.strip()
        if len(wanted) == 3 and wanted.isascii() and wanted.isalpha():
            try:
                return find_airport(wanted)
            except UnknownPlace:
                pass
        raise


def _name(place: Place, by_city: bool = False) -> str:
    if place.kind == "airport":
        return place.city or place.name_en if by_city else place.code
    return place.name_en


def _name_zh(place: Place, by_city: bool = False) -> str:
    if place.kind == "airport":
        return place.city_zh or place.city or place.name_en if by_city else place.code
    return place.label.removeprefix(place.name_en).strip() or place.name_en


def _same_city(a: Place, b: Place) -> bool:
    """Both ends in one city: the same place, two airports of one city, or a city and one of its airports."""
    if a.code == b.code:
        return True
    return _city_identity(a) == _city_identity(b)


def _city_identity(place: Place) -> tuple[str, str, str]:
    # The Chinese name keeps apart cities that share a romanisation (苏州 and 宿州 are both Suzhou).
    if place.kind == "airport":
        return place.country, normalize(place.city or place.code), place.city_zh
    return place.country, normalize(place.name_en), _name_zh(place)


@lru_cache(maxsize=16384)
def _leg_spec(leg: Leg, radiative_forcing: bool) -> _LegSpec:
    # Cached by the (frozen, hashable) leg: a footprint recomputes only the product with the factor.
    if leg.mode == "flight":
        return _flight(leg, radiative_forcing)
    if leg.mode not in MODES:
        raise CalculationError("mode", _unknown("calc.unknown_mode", "mode", leg.mode, MODES))
    return _ground(leg)


def _haul(route_: Route | None) -> str:
    if route_ is None:
        return "distance"
    a, b = route_.origin.country, route_.destination.country
    if a in UK_DOMESTIC and b in UK_DOMESTIC:
        return "domestic"
    if a in UK_DOMESTIC or b in UK_DOMESTIC:
        other = b if a in UK_DOMESTIC else a
        return "short" if other in SHORT_HAUL_FROM_UK else "long"
    if a == "CN" and b == "CN":
        return "cn"
    return "intl"


def _leg_distance(leg: Leg, flight: bool) -> tuple[Decimal, Route | None, list[str]]:
    route_ = route(leg.origin, leg.destination, flight=flight) if leg.origin and leg.destination else None
    if leg.distance_km is not None:
        km = to_decimal(leg.distance_km, "distance_km")
        return km, route_, [Message("calc.distance_given", "distance as given: %(km)s km", km=km)]
    if route_ is not None:
        return route_.km, route_, [route_.distance_note] if flight else [route_.distance_note, NO_DETOUR_NOTE]
    field = "distance_km" if not (leg.origin or leg.destination) else ("to" if leg.origin else "from")
    raise CalculationError(field, Message("calc.need_distance", "give distance_km, or both from and to"))


def _trip(leg: Leg, km: Decimal, notes: list[str]) -> tuple[Decimal, str, str]:
    if leg.round_trip:
        notes.append(ROUND_TRIP_NOTE)
        return mul(km, TWO), "round trip", "往返"
    return km, "one way", "单程"


def _flight(leg: Leg, radiative_forcing: bool) -> _LegSpec:
    if leg.cabin not in CABINS:
        raise CalculationError("cabin", _unknown("calc.unknown_cabin", "cabin", leg.cabin, CABINS))
    km, route_, notes = _leg_distance(leg, True)
    if route_ is not None and _same_city(route_.origin, route_.destination):
        raise CalculationError("to", Message("calc.same_city_flight", "a flight from %(origin)s to %(destination)s "
                                             "does not leave the city: choose another destination",
                                             origin=route_.origin.label, destination=route_.destination.label))
    haul = _haul(route_)
    row = _CABIN_STAND_INS.get((haul, leg.cabin), leg.cabin)
    notes += [UPLIFT_NOTE, RF_ON_NOTE if radiative_forcing else RF_OFF_NOTE, _HAUL_NOTES[haul]]
    if row != leg.cabin:
        notes.append(Message("calc.cabin_stand_in", "stand-in: DESNZ publishes no %(cabin)s factor for this "
                             "haul; its %(row)s factor stands in", cabin=CABIN_NAMES[leg.cabin],
                             row=_ROW_NAMES[row]))
    band = "intl" if haul in ("cn", "intl", "distance") else haul
    quantity, trip, trip_zh = _trip(leg, km, notes)
    where = f" {route_.label}" if route_ else ""
    where_zh = f" {route_.label_zh}" if route_ else ""
    label, label_zh = _FLIGHT_LABELS[haul]
    return _LegSpec(f"air.{band}.{row}.{'with_rf' if radiative_forcing else 'without_rf'}", quantity, None,
                    f"{label}{where}, {leg.cabin.replace('_', ' ')}, {trip}",
                    f"{label_zh}{where_zh}，{CABIN_ZH[leg.cabin]}，{trip_zh}", tuple(notes))


def _ground(leg: Leg) -> _LegSpec:
    mode = leg.mode
    variant = ""
    if mode == "rail":
        if leg.rail_type not in RAIL_TYPES:
            raise CalculationError("rail_type", _unknown("calc.unknown_rail_type", "rail type", leg.rail_type,
                                                         RAIL_TYPES))
        variant = leg.rail_type
    km, route_, notes = _leg_distance(leg, False)
    unit = None
    if mode == "car":
        # The share is taken of the one-way distance and then doubled, so a round trip is exactly twice it.
        factor_id, km, unit = _car(leg, km, notes)
    elif mode == "motorbike":
        factor_id = f"land.motorbike.{_size(leg)}.vkm"
        notes.append(MOTORBIKE_NOTE)
    else:
        factor_id, note = _GROUND[(mode, variant)]
        notes.append(note)
    quantity, trip, trip_zh = _trip(leg, km, notes)
    label, label_zh = _MODE_LABELS[(mode, variant)]
    where = f" {route_.label}" if route_ else ""
    where_zh = f" {route_.label_zh}" if route_ else ""
    return _LegSpec(factor_id, quantity, unit, f"{label}{where}, {trip}", f"{label_zh}{where_zh}，{trip_zh}",
                    tuple(notes))


def _size(leg: Leg) -> str:
    if leg.car_size not in VEHICLE_SIZES:
        raise CalculationError("car_size", _unknown("calc.unknown_size", "size", leg.car_size, VEHICLE_SIZES))
    return leg.car_size


def _car(leg: Leg, km: Decimal, notes: list[str]) -> tuple[str, Decimal, str]:
    if leg.car_fuel not in CAR_FUELS:
        raise CalculationError("car_fuel", _unknown("calc.unknown_fuel", "fuel", leg.car_fuel, CAR_FUELS))
    occupancy = leg.occupancy
    if isinstance(occupancy, bool) or not isinstance(occupancy, int) or occupancy < 1:
        raise CalculationError("occupancy", Message("calc.bad_occupancy", "occupancy must be a whole number of at "
                                                    "least 1, not %(value)r", value=occupancy))
    factor_id = f"land.car.{_size(leg)}.{leg.car_fuel}.vkm"
    notes.append(CAR_STAND_IN_NOTE)
    if leg.car_fuel in ("bev", "phev"):
        notes.append(ELECTRIC_CAR_NOTE)
    if occupancy == 1:
        notes.append(CAR_ONE_OCCUPANT_NOTE)
        return factor_id, km, "vehicle.km"
    notes.append(Message("calc.car.share", "per vehicle-km factor ÷ occupancy %(occupancy)s: the quantity is this "
                         "traveller's share, %(km)s km ÷ %(occupancy)s", occupancy=occupancy, km=km))
    return factor_id, div(km, Decimal(occupancy)), "vehicle.km"


# Countries DESNZ leaves empty whose stand-in a hotel row's note names: hotel.china's note says it stands in
# for Macau, China and Taiwan, China.
_HOTEL_STAND_INS = {"MO": "CN", "TW": "CN"}
HOTEL_NOTE = Message("calc.hotel", "DESNZ hotel factor: average hotel of the country, per room per night whatever "
                                   "the number of guests")


def hotel_item(factor_set: FactorSet, country: str, nights: object) -> LineItem:
    """Hotel nights in `country` (ISO 3166-1 alpha-2, or a country name DESNZ uses)."""
    quantity = to_decimal(nights, "nights")
    code = _country_code(country)
    index = _hotel_index(factor_set)
    notes = [HOTEL_NOTE]
    factor = index.get(code)
    if factor is None and code in _HOTEL_STAND_INS:
        factor = index.get(_HOTEL_STAND_INS[code])
        if factor is not None:
            region = KNOWN_REGIONS.get(code)
            notes.append(Message("calc.hotel_stand_in", "stand-in: DESNZ publishes no hotel factor for "
                                 "%(place)s; %(factor)s stands in (as that row's note says)",
                                 place=Name(region.name_en, region.name_zh) if region else code,
                                 factor=Name(factor.label_en, factor.label_zh)))
    if factor is None:
        raise CalculationError("country", Message(
            "calc.no_hotel_factor", "no hotel factor for %(country)r in factor set %(version)s, and no stand-in is "
            "named for it (countries with a factor: %(known)s)", country=country, version=factor_set.version,
            known=", ".join(sorted(index))))
    where = KNOWN_REGIONS[code].name_en if code in KNOWN_REGIONS else code
    where_zh = KNOWN_REGIONS[code].name_zh if code in KNOWN_REGIONS else code
    return factor_item(factor, quantity, f"Hotel, {where}, {quantity} night(s)", f"酒店住宿，{where_zh}，{quantity}晚",
                       notes=tuple(notes))


def _country_code(country: str) -> str:
    wanted = country.strip()
    if wanted.upper() in KNOWN_REGIONS:
        return wanted.upper()
    folded = wanted.casefold()
    for region in KNOWN_REGIONS.values():
        if folded in (region.name_en.casefold(), region.name_zh):
            return region.code
    return wanted.upper()


@lru_cache(maxsize=8)
def _hotel_index(factor_set: FactorSet) -> dict[str, Factor]:
    # One hotel row per region in a factor set; built once per set, not per night booked.
    return {factor.region: factor for factor in factor_set.by_category("hotel")}
