"""The sink estimator page: one plot's ex-ante removals, their cited IPCC rows and a chart of the years."""

from __future__ import annotations

import marshmallow as ma
from flask import Blueprint, render_template, request
from flask_babel import gettext as _

import sinks.messages  # noqa: F401  (registers the sink calculator's coded messages)
from calculators.sinks import AREA_UNITS, METHODS, PROVINCES, SUGGESTED_ZONES
from core.messages import render_text
from errors import ValidationError, json_paths
from factors.regions import find_province
from factors.sinks import CLIMATE_ZONES, ORIGINS, SPECIES_GROUPS, default_sink_library
from sinks import estimates
from sinks.chart import cumulative_chart
from sinks.schemas import PRICE_CHOICES, SinkEstimateRequestSchema

bp = Blueprint("sinks", __name__)
PLOT_FIELDS = ("area", "area_unit", "province", "climate_zone", "species_group", "origin", "stand_age",
               "crediting_years", "method", "growing_stock_start", "growing_stock_end")
OPTION_FIELDS = ("uncertainty_discount_pct", "risk_buffer_pct", "price", "custom_price")
DEFAULTS = {"area_unit": "mu", "origin": "planted", "crediting_years": "20", "stand_age": "0", "method": "growth",
            "price": "ccer.2025_average", "uncertainty_discount_pct": "0", "risk_buffer_pct": "0"}
_SCHEMA = SinkEstimateRequestSchema()


def _request(args) -> dict:
    plot = {key: args.get(key, "").strip() or DEFAULTS.get(key) for key in PLOT_FIELDS}
    data = {"plots": [{key: value for key, value in plot.items() if value}]}
    data.update({key: args.get(key, "").strip() or DEFAULTS.get(key) for key in OPTION_FIELDS})
    return {key: value for key, value in data.items() if value is not None}


def _errors(fields: dict) -> dict[str, list[str]]:
    return {path.removeprefix("plots[0].").removeprefix("plots."): [render_text(r) for r in reasons]
            for path, reasons in json_paths(fields).items()}


@bp.get("/sinks")
def estimator():
    result, errors = None, {}
    if request.args.get("go"):
        try:
            result = estimates.estimate(_SCHEMA.load(_request(request.args)))
        except ma.ValidationError as error:
            errors = _errors(error.messages)
        except ValidationError as error:
            errors = _errors(error.fields)
    library = default_sink_library()
    chart = None
    if result is not None:
        chart = cumulative_chart(result.cumulative_t, title=_("Cumulative removals over the crediting period"),
                                 unit=_("t CO2"), year_label=_("crediting year"))
    values = {**DEFAULTS, **{key: value for key, value in request.args.items() if value}}
    return render_template(
        "sinks/estimator.html", result=result, errors=errors, chart=chart, values=values, library=library,
        provinces=[find_province(code) for code in PROVINCES], zones=CLIMATE_ZONES, groups=SPECIES_GROUPS,
        origins=ORIGINS, units=AREA_UNITS, methods=METHODS, prices=PRICE_CHOICES, suggested=SUGGESTED_ZONES,
        render_text=render_text,
    ), 422 if errors else 200
