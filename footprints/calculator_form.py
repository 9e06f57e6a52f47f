"""The calculator page's form (its query string, or the same fields posted) as the personal footprint request."""

from __future__ import annotations

from footprints.schemas import MEAL_TYPES

MAX_ROWS = 20
LEG_FIELDS = {"mode": "mode", "from": "from", "to": "to", "distance_km": "km", "cabin": "cabin"}
# The attendee form's default (meetings.attendee_form.AttendeeForm.trip): a trip is there and back unless one
# way is chosen.
DEFAULT_TRIP = "return"
HOME_FIELDS = ("province", "electricity_kwh", "natural_gas_m3", "period")
DEFAULT_HOME_PERIOD = "month"  # people read home energy off a monthly bill


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
