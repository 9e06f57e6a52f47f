"""The sink calculator's coded errors and notes, worded for pages in every language (see core.messages)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from core.messages import register

MESSAGES = {
    "sink.area_positive": _l("area must be more than 0, not %(value)s"),
    "sink.area_too_large": _l("an area of %(value)s ha is more than %(max)s ha"),
    "sink.unknown_choice": _l("unknown value '%(value)s' (known: %(known)s)"),
    "sink.out_of_range": _l("%(value)s is outside %(min)s–%(max)s"),
    "sink.need_zone": _l("give the climate zone: there is no suggestion for province '%(value)s'"),
    "sink.volume_needs_stock": _l("the volume method needs the growing stock (m³/ha) at the start and at the end "
                                  "of the crediting period"),
    "sink.stock_not_growing": _l("the growing stock at the end (%(end)s m³/ha) must be more than at the start "
                                 "(%(start)s m³/ha)"),
    "sink.no_default": _l("no IPCC default %(parameter)s for %(species)s, %(origin)s, in zone %(zone)s; give a "
                          "measured value or choose another zone or group"),
    "sink.no_plots": _l("give at least one plot"),
    "sink.ex_ante": _l("an ex-ante IPCC Tier 1 estimate of biomass removals, before any monitoring: not a "
                       "CCER-14-001-V01 quantity and not a credit"),
    "sink.zone_suggested": _l("climate zone %(zone)s suggested for %(province)s by the service (its own reading of "
                              "the zone map, not a source)"),
    "sink.natural_stands_in": _l("no %(parameter)s row for planted stands in this zone: the natural-forest row "
                                 "%(row)s stands in"),
    "sink.agb_from_growth": _l("R is chosen by above-ground biomass taken as the sum of the yearly growth since "
                               "planting (the service's assumption, not a table value)"),
    "sink.stock_step": _l("the expansion factor BCEF_S falls as the growing stock rises, so this stock change is "
                          "not a removal; check the growing stock"),
    "sink.volume_even": _l("the volume method gives the change over the whole period; the chart spreads it evenly "
                           "over the years"),
    "sink.given_values": _l("values given by the user replace the table defaults where given"),
    "sink.above_band": _l("%(rate)s t CO2/ha/yr is above %(high)s, the most the IPCC defaults give in China's "
                          "humid subtropics (national mean ≈ %(national)s)"),
    "sink.below_band": _l("%(rate)s t CO2/ha/yr is below %(low)s, the lowest regional rate reported in China "
                          "(national mean ≈ %(national)s)"),
    "sink.input.one_of": _l("must be one of: %(choices)s"),
    "sink.input.positive": _l("must be more than 0 and at most %(max)s"),
    "sink.input.need_age": _l("give the stand age, or the planting year and the first year of the crediting "
                              "period"),
    "sink.input.age_from_years": _l("the stand would be %(age)s years old (0 to %(max)s)"),
    "sink.input.plots": _l("give 1 to %(max)s plots"),
    "sink.input.need_price": _l("give the price in CNY per tonne"),
}
register(MESSAGES)
