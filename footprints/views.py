"""The citizen's carbon calculator page: trips, food, meals and home energy, with every line item shown."""

from __future__ import annotations

import re
from decimal import Decimal

import marshmallow as ma
from flask import Blueprint, render_template, request

import footprints.messages  # noqa: F401  (registers the calculators' coded messages and units)
from core.messages import render_text
from core.units import unit_label
from errors import ValidationError, json_paths
from factors import default_factor_set
from factors.regions import CN_PROVINCES, find_province
from footprints import service
from footprints.calculator_form import DEFAULT_HOME_PERIOD, DEFAULT_TRIP, MAX_ROWS, calculator_request
from footprints.schemas import CABINS, HOME_PERIODS, MEAL_TYPES, PersonalFootprintRequestSchema

bp = Blueprint("footprints", __name__)
# Rows shown at first; "more rows" (a GET parameter, or the small script) adds one at a time up to the limit.
TRIP_ROWS = 2
FOOD_ROWS = 3
TRIP_MODES = ["flight", "rail_high_speed", "rail_conventional", "coach", "bus", "metro", "taxi", "car"]
COMPARISON_FACTOR = "land.car.average.petrol.vkm"
_REQUEST_SCHEMA = PersonalFootprintRequestSchema()


def row_counts(args) -> tuple[int, int]:
    """Trip and food rows to show: the defaults, every row that holds a value, and one more when asked."""
    def rows(kind: str, default: int) -> int:
        used = [int(m.group(1)) + 1 for key in args if (m := re.fullmatch(rf"{kind}-(\d+)-\w+", key))
                and args.get(key, "").strip() and int(m.group(1)) < MAX_ROWS]
        shown = _int(args.get(f"{kind}s"), default)
        count = max(default, shown, *used) + (1 if args.get("more") == kind else 0)
        return min(count, MAX_ROWS)

    return rows("trip", TRIP_ROWS), rows("food", FOOD_ROWS)


def _int(text: str | None, default: int) -> int:
    return int(text) if text and text.isdigit() and len(text) < 4 else default


def _is_empty(data: dict) -> bool:
    return not (data["legs"] or data["food"] or data["meals"] or data.get("home"))


def _field_errors(messages: dict, names: dict[str, str]) -> dict[str, list[str]]:
    """Errors keyed by form field name, each in the page's language; a path without a field keeps its JSON path."""
    errors: dict[str, list[str]] = {}
    for path, reasons in json_paths(messages).items():
        key = names.get(path) or re.sub(r"^(home|meals)\.", r"\1-", path)
        errors.setdefault(key, []).extend(render_text(reason) for reason in reasons)
    return errors


def _credits(footprint) -> dict:
    """Whole tonnes to buy and the kg of them this footprint uses (a 5 kg footprint needs 1 t, covering 5 kg)."""
    return {"t": footprint.credits_needed_t, "kg": footprint.neutralisation_kgco2e}


@bp.get("/calculator")
def calculator():
    factor_set = default_factor_set()
    footprint, errors, prompt = None, {}, False
    trip_rows, food_rows = row_counts(request.args)
    if request.args.get("go") and not request.args.get("more"):
        data, names = calculator_request(request.args, trip_rows, food_rows)
        if _is_empty(data):
            prompt = True
        else:
            try:
                footprint = service.compute_footprint("personal", _REQUEST_SCHEMA.load(data))
            except ma.ValidationError as error:
                errors = _field_errors(error.messages, names)
            except ValidationError as error:
                errors = _field_errors(error.fields, names)
    comparison = None
    if footprint is not None and footprint.total_kgco2e:
        car = factor_set.get(COMPARISON_FACTOR)
        comparison = {"km": (footprint.total_kgco2e / car.kgco2e_per_unit).quantize(Decimal("1")), "factor": car}
    foods = [f for f in factor_set.by_category("food") if not f.id.startswith("med_")
             and f.id != "food.beef_tanzhonghui"]
    provinces = [find_province(code) for code in CN_PROVINCES]
    status = 422 if errors else 200
    return render_template(
        "footprints/calculator.html", args=request.args, errors=errors, footprint=footprint, prompt=prompt,
        credits=_credits(footprint) if footprint is not None else None, comparison=comparison, foods=foods,
        provinces=provinces, trip_rows=range(trip_rows), food_rows=range(food_rows), max_rows=MAX_ROWS,
        modes=TRIP_MODES, cabins=CABINS, meal_types=MEAL_TYPES, home_periods=HOME_PERIODS,
        default_trip=DEFAULT_TRIP, default_home_period=DEFAULT_HOME_PERIOD, sources=factor_set.sources,
        render_text=render_text, unit_label=unit_label,
    ), status
