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
from footprints.schemas import CABINS, HOME_PERIODS, MEAL_TYPES, PersonalFootprintRequestSchema

bp = Blueprint("footprints", __name__)
# Rows shown at first; "more rows" (a GET parameter, or the small script) adds one at a time up to the limit.
TRIP_ROWS = 2
FOOD_ROWS = 3
MAX_ROWS = 20
TRIP_MODES = ["flight", "rail_high_speed", "rail_conventional", "coach", "bus", "metro", "taxi", "car"]
LEG_FIELDS = {"mode": "mode", "from": "from", "to": "to", "distance_km": "km", "cabin": "cabin"}
# The attendee form's default (meetings.attendee_form.AttendeeForm.trip): a trip is there and back unless one
# way is chosen.
DEFAULT_TRIP = "return"
HOME_FIELDS = ("province", "electricity_kwh", "natural_gas_m3", "period")
DEFAULT_HOME_PERIOD = "month"  # people read home energy off a monthly bill
COMPARISON_FACTOR = "land.car.average.petrol.vkm"
_REQUEST_SCHEMA = PersonalFootprintRequestSchema()


def _trip(args, index: int) -> dict | None:
    prefix = f"trip-{index}-"
    mode = args.get(prefix + "mode", "")
    origin, destination = args.get(prefix + "from", "").strip(), args.get(prefix + "to", "").strip()
    distance = args.get(prefix + "km", "").strip()
    if not mode or not (origin or destination or distance):
        return None
    leg: dict = {"mode": mode, "round_trip": args.get(prefix + "trip", DEFAULT_TRIP) != "one_way"}
    if mode.startswith("rail_"):
        leg["mode"], leg["rail_type"] = "rail", mode.removeprefix("rail_")
    if origin:
        leg["from"] = origin
    if destination:
        leg["to"] = destination
    if distance:
        leg["distance_km"] = distance
    if mode == "flight":
        leg["cabin"] = args.get(prefix + "cabin", "economy")
    return leg


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


def calculator_request(args, trip_rows: int = MAX_ROWS, food_rows: int = MAX_ROWS) -> tuple[dict, dict[str, str]]:
    """The API's request shape from the form's query string, and each JSON path's form field name."""
    data: dict = {"legs": [], "food": [], "meals": {}, "options": {}}
    names: dict[str, str] = {}
    for index in range(trip_rows):
        leg = _trip(args, index)
        if leg is not None:
            names.update({f"legs[{len(data['legs'])}].{key}": f"trip-{index}-{name}"
                          for key, name in LEG_FIELDS.items()})
            data["legs"].append(leg)
    for index in range(food_rows):
        item, kg = args.get(f"food-{index}-item", ""), args.get(f"food-{index}-kg", "").strip()
        if item and kg:
            names.update({f"food[{len(data['food'])}].{key}": f"food-{index}-{key}" for key in ("item", "kg")})
            data["food"].append({"item": item, "kg": kg})
    for meal in MEAL_TYPES:
        count = args.get(f"meals-{meal}", "").strip()
        if count:
            data["meals"][meal] = count
    home = {key: args.get(f"home-{key}", "").strip() for key in HOME_FIELDS}
    home["period"] = home["period"] or DEFAULT_HOME_PERIOD  # what the form's period select shows at first
    if home["electricity_kwh"] or home["natural_gas_m3"]:
        data["home"] = {key: value for key, value in home.items() if value}
    if args.get("beef") == "tanzhonghui":
        data["options"]["beef_factor"] = "food.beef_tanzhonghui"
    data["options"]["radiative_forcing"] = args.get("rf", "1") == "1"
    return data, names


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
