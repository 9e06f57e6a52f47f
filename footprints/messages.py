"""The calculators' coded errors, notes and units, worded for pages in every language (see core.messages)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from core.messages import register

MESSAGES = {
    # Errors of the calculators (calculators/footprint.py, travel.py, units.py, personal.py).
    "calc.error": _l("this value cannot be computed"),
    "calc.unknown_place": _l("unknown airport or city '%(value)s'"),
    "calc.unknown_place_suggest": _l("unknown airport or city '%(value)s'; did you mean %(suggestions)s?"),
    "calc.too_precise": _l("%(a)s × %(b)s has more significant digits than can be computed exactly"),
    "calc.sum_too_precise": _l("a sum has more significant digits than can be computed exactly"),
    "calc.not_a_number": _l("expected a number, got %(value)s"),
    "calc.not_a_decimal": _l("'%(value)s' is not a decimal number"),
    "calc.not_finite": _l("%(value)s is not a finite number"),
    "calc.negative": _l("%(value)s is negative; quantities must be zero or more"),
    "calc.unknown_mode": _l("unknown mode '%(value)s' (known: %(known)s)"),
    "calc.unknown_cabin": _l("unknown cabin '%(value)s' (known: %(known)s)"),
    "calc.unknown_rail_type": _l("unknown rail type '%(value)s' (known: %(known)s)"),
    "calc.unknown_size": _l("unknown size '%(value)s' (known: %(known)s)"),
    "calc.unknown_fuel": _l("unknown fuel '%(value)s' (known: %(known)s)"),
    "calc.bad_occupancy": _l("occupancy must be a whole number of at least 1, not '%(value)s'"),
    "calc.need_distance": _l("give the distance in km, or both from and to"),
    "calc.same_city_flight": _l("a flight from %(origin)s to %(destination)s does not leave the city: choose "
                                "another destination"),
    "calc.no_hotel_factor": _l("no hotel factor for '%(country)s' in factor set %(version)s, and no stand-in is "
                               "named for it (countries with a factor: %(known)s)"),
    "calc.unknown_unit": _l("unknown unit '%(value)s' (known: %(known)s)"),
    "calc.unit_ambiguous_ml": _l("ambiguous unit 'ml': write ML for megalitres (million litres) or L for litres"),
    "calc.unit_mismatch": _l("cannot convert %(source)s (%(source_dimension)s) to %(target)s "
                             "(%(target_dimension)s)"),
    "calc.unknown_meal": _l("unknown meal type (known: %(known)s)"),
    "calc.unknown_food": _l("unknown food '%(value)s' (e.g. beef, pork, chicken, fish, rice, tofu, milk, eggs, or a "
                            "food factor id)"),
    "calc.food.median_refused": _l("the median food rows (med_*) are another method and are not mixed with the "
                                   "default mean set"),
    "calc.food.not_beef": _l("'%(value)s' is not a beef row of the default food set (choose %(default)s or "
                             "%(alternative)s)"),
    "calc.unknown_home_period": _l("unknown period '%(value)s' (known: %(known)s)"),
    # Form and API input checks (footprints/schemas.py).
    "calc.input.not_a_number": _l("Not a valid number."),
    "calc.input.not_an_integer": _l("Not a valid whole number."),
    "calc.input.special_number": _l("Not a valid number (NaN and infinity are not accepted)."),
    "calc.input.between": _l("must be between %(min)s and %(max)s"),
    "calc.input.decimal_places": _l("at most %(places)s decimal places"),
    # Notes of line items.
    "calc.flight.uplift": _l("8%% distance uplift is inside the DESNZ factor, not added again"),
    "calc.flight.rf_on": _l("with radiative forcing (DESNZ: +70%% on the CO2 component)"),
    "calc.flight.rf_off": _l("without radiative forcing: direct effects only (radiative forcing switched off)"),
    "calc.round_trip": _l("round trip: twice the one-way distance"),
    "calc.great_circle": _l("great-circle distance %(km)s km (%(origin)s – %(destination)s)"),
    "calc.no_detour": _l("great-circle (straight-line) distance, no detour factor applied: no citable road or rail "
                         "detour factor for China was found, so the real route is likely longer. Give the "
                         "distance in km when you know it."),
    "calc.distance_given": _l("distance as given: %(km)s km"),
    "calc.haul.uk_domestic": _l("haul: UK domestic (both ends in the UK; DESNZ 'Haul definition')"),
    "calc.haul.short": _l("haul: short-haul, to/from the UK within Europe (DESNZ 'Haul definition' territories)"),
    "calc.haul.long": _l("haul: long-haul, to/from the UK outside Europe (DESNZ 'Haul definition')"),
    "calc.haul.intl": _l("haul: international, to/from non-UK (DESNZ defines its bands for UK routes only; this "
                         "factor is its average of short- and long-haul)"),
    "calc.haul.cn": _l("haul: Chinese domestic flight, DESNZ 'international, to/from non-UK' factor (DESNZ "
                       "'domestic' means within the UK; the Chinese civil-aviation figure cn_air_flight is CO2 only, "
                       "without radiative forcing, and kept for comparison only)"),
    "calc.haul.distance": _l("haul: route given by distance only, assumed not to touch the UK: DESNZ "
                             "'international, to/from non-UK' factor"),
    "calc.cabin_stand_in": _l("stand-in: DESNZ publishes no %(cabin)s factor for this haul; its %(row)s factor "
                              "stands in"),
    "calc.cabin.economy": _l("economy"),
    "calc.cabin.premium_economy": _l("premium economy"),
    "calc.cabin.business": _l("business"),
    "calc.cabin.first": _l("first class"),
    "calc.cabin.avg": _l("average passenger"),
    "calc.ground.hsr": _l("China high-speed rail, full process (traction, stations, maintenance; construction "
                          "excluded), CO2 only"),
    "calc.ground.rail": _l("stand-in: DESNZ UK national rail for Chinese conventional rail (no per passenger-km "
                           "source was confirmed)"),
    "calc.ground.coach": _l("stand-in: DESNZ UK coach for intercity coaches in China (no Chinese per passenger-km "
                            "source was confirmed)"),
    "calc.ground.bus": _l("stand-in: DESNZ UK average local bus for urban buses in China (no Chinese per "
                          "passenger-km source was confirmed)"),
    "calc.ground.metro": _l("stand-in: DESNZ London Underground for metro in China (no Chinese per passenger-km "
                            "metro factor was confirmed)"),
    "calc.ground.tram": _l("stand-in: DESNZ UK light rail and tram for light rail and trams in China (no Chinese "
                           "source was confirmed)"),
    "calc.ground.taxi": _l("stand-in: DESNZ UK regular taxi, per passenger, for taxis in China (no Chinese source "
                           "was confirmed)"),
    "calc.car.stand_in": _l("stand-in: DESNZ UK car factor for cars in China (no Chinese source was confirmed); "
                            "DESNZ publishes cars per vehicle-km only"),
    "calc.car.electric": _l("DESNZ electric-car factors include the UK grid electricity used"),
    "calc.car.one_occupant": _l("per vehicle-km factor, one occupant: the whole vehicle's km"),
    "calc.car.share": _l("per vehicle-km factor ÷ occupancy %(occupancy)s: the quantity is this traveller's share, "
                         "%(km)s km ÷ %(occupancy)s"),
    "calc.motorbike": _l("DESNZ motorbike factor, per vehicle-km (no per passenger-km factor is published)"),
    "calc.hotel": _l("DESNZ hotel factor: average hotel of the country, per room per night whatever the number of "
                     "guests"),
    "calc.hotel_stand_in": _l("stand-in: DESNZ publishes no hotel factor for %(place)s; %(factor)s stands in (as "
                              "that row's note says)"),
    "calc.meal.ademe": _l("ADEME Base Carbone meal via Impact CO2 (the default meal set)"),
    "calc.meal.chinese_recipe": _l("Chinese recipe meal (the default meal set): grams from "
                                   "中国居民平衡膳食宝塔（2022） × Poore & Nemecek per-kg factors; the row lists its "
                                   "recipe"),
    "calc.meal.beef_for_lamb": _l("beef or lamb: the beef meal, the higher of the two (cn_meal.lamb is the lamb "
                                  "meal)"),
    "calc.meal.pork_stand_in": _l("stand-in: the default meal set publishes no pork meal; its chicken meal stands "
                                  "in (the row's note says so)"),
    "calc.meal.lamb_stand_in": _l("lamb: the beef meal stands in (the default meal set has no lamb meal)"),
    "calc.meal.fish": _l("fish meal: white fish, the higher of the set's two fish meals, so an unspecified fish "
                         "meal is not understated"),
    "calc.food.poore_nemecek": _l("Poore & Nemecek (2018) global mean, losses included (Our World in Data)"),
    "calc.food.beef_default": _l("beef: default row %(default)s (Poore & Nemecek mean: peer-reviewed, published "
                                 "boundary, one method for all foods); the 碳中惠 calculator's value (%(alternative)s, "
                                 "辽宁碳中汇 platform, about a fifth of it) can be chosen instead"),
    "calc.food.beef_alternative": _l("beef: alternative row %(alternative)s (碳中惠 calculator of the 辽宁碳中汇 "
                                     "platform, as reported by 辽宁日报) chosen instead of the default %(default)s; "
                                     "that calculator's method and boundary are unpublished, so its five-fold "
                                     "difference is unexplained"),
    "calc.grid.provincial": _l("MEE & NBS provincial average grid factor, location-based, CO2 only"),
    "calc.grid.national_no_province": _l("national average grid factor stands in: no province given"),
    "calc.grid.national_no_provincial": _l("national average grid factor stands in: no provincial factor is "
                                           "published for %(place)s"),
    "calc.fuel.cn": _l("Chinese stated CO2 coefficient (third-party document; attribution to GB/T 32150 not "
                       "confirmed), CO2 only"),
    "calc.fuel.oilfield_gas": _l("the source labels this row 油田天然气 (oilfield gas)"),
    "calc.home.month": _l("home energy of one month, as entered: not converted to a year"),
    "calc.home.year": _l("home energy of one year, as entered"),
}

register(MESSAGES)

