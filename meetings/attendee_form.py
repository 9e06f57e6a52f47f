"""The attendee's phone form: its questions, their labels and checks (its CSRF protection is meetings.attendee's
signed form token, not the session's)."""

from __future__ import annotations

from decimal import Decimal

from flask_babel import lazy_gettext as _l
from wtforms import IntegerField, RadioField, SelectChoice, SelectField, StringField
from wtforms.validators import InputRequired, Length, NumberRange, Optional, StopValidation
from wtforms.widgets import NumberInput

from core import messages
from core.forms import Form, QuantityField

TRAVEL_MODE_LABELS = {
    "flight": _l("Plane"),
    "high_speed_rail": _l("High-speed rail"),
    "rail": _l("Conventional train"),
    "coach": _l("Coach"),
    "car": _l("Car"),
    "taxi": _l("Taxi or ride-hailing"),
    "bus": _l("City bus"),
    "metro": _l("Metro"),
    "motorbike": _l("Motorbike"),
    "walk_cycle": _l("On foot or by bicycle"),
}
CABIN_LABELS = {
    "economy": _l("Economy"),
    "premium_economy": _l("Premium economy"),
    "business": _l("Business"),
    "first": _l("First"),
}
CAR_FUEL_LABELS = {
    "unknown": _l("Don't know"),
    "petrol": _l("Petrol"),
    "diesel": _l("Diesel"),
    "hybrid": _l("Hybrid"),
    "phev": _l("Plug-in hybrid"),
    "bev": _l("Electric"),
}
TRIP_LABELS = {"return": _l("Return (there and back)"), "one_way": _l("One way")}
MEALS_BOUGHT_LABELS = {"no": _l("No, the organiser served all my meals"), "yes": _l("Yes, I count them below")}
ATTENDEE_MEAL_LABELS = {
    "vegan": _l("Vegan"),
    "vegetarian": _l("Vegetarian"),
    "poultry": _l("Chicken or duck"),
    "pork": _l("Pork"),
    "beef_lamb": _l("Beef or lamb"),
    "fish": _l("Fish"),
}
# The service's answer messages (meetings.responses.AnswerError codes), as people read them.
ANSWER_MESSAGES = {
    "answer_unknown_place": _l("We do not know “%(place)s”. Check the spelling, or pick one of the places below."),
    "answer_within_city": _l("You came from within the meeting's city: how many km was it, one way?"),
    "answer_local_mode_far": _l("That is %(km)s km: choose how you travelled most of the way."),
}
messages.register(ANSWER_MESSAGES)


class FiniteDistance:
    """More than 0 and at most 25,000 km, with at most one decimal; stops before comparing a NaN."""

    def __call__(self, form, field) -> None:
        value = field.data
        if value is None:
            return
        if not value.is_finite() or not 0 < value <= 25000:
            raise StopValidation(_l("Between 0.1 and 25,000 km."))
        if value.as_tuple().exponent < -1:
            raise StopValidation(_l("At most one decimal."))


def _small_count(maximum: int, label=None, *, required=None) -> IntegerField:
    first = InputRequired(message=required) if required else Optional()
    return IntegerField(label, validators=[first, NumberRange(min=0, max=maximum, message=_l("From 0 to %(max)s."))],
                        widget=NumberInput(step=1, min=0, max=maximum))


def meals_counted(posted) -> bool:
    """Whether a "yes, I bought meals" answer counts at least one meal (a blank or 0 everywhere is no answer)."""
    return any((posted.get(f"meals_{meal}") or "").strip() not in ("", "0") for meal in ATTENDEE_MEAL_LABELS)


class MealsCounted:
    """"Yes, I bought meals" needs a count: otherwise the answer would be stored as no meals at all."""

    def __call__(self, form, field) -> None:
        if field.data == "yes" and not any(form[f"meals_{meal}"].data for meal in ATTENDEE_MEAL_LABELS):
            raise StopValidation(_l("Count the meals below, or choose “No”."))


class AttendeeForm(Form):
    """The attendee's answers. Its CSRF protection is meetings.attendee's signed form token, not the session's:
    a phone whose cookies were cleared (WeChat's browser, private tabs) must still be able to answer."""

    class Meta:
        csrf = False

    origin = StringField(_l("Where did you travel from?"),
                         validators=[InputRequired(message=_l("Tell us the city or airport you came from.")),
                                     Length(max=100)])
    # A suggestion's button sends the place it names; it replaces what was typed.
    origin_choice = StringField(validators=[Optional(), Length(max=200)])
    travel_mode = RadioField(_l("How did you travel most of the way?"),
                             choices=[SelectChoice(v, label) for v, label in TRAVEL_MODE_LABELS.items()],
                             validators=[InputRequired(message=_l("Choose how you travelled."))])
    cabin = RadioField(_l("Cabin class"), choices=[SelectChoice(v, label) for v, label in CABIN_LABELS.items()],
                       default="economy")
    car_fuel = SelectField(_l("The car runs on"),
                           choices=[SelectChoice(v, label) for v, label in CAR_FUEL_LABELS.items()],
                           default="unknown")
    car_occupancy = IntegerField(_l("People in the car, you included"), default=1,
                                 validators=[Optional(), NumberRange(min=1, max=9, message=_l("From 1 to 9."))],
                                 widget=NumberInput(step=1, min=1, max=9))
    trip = RadioField(_l("One way or return?"), choices=[SelectChoice(v, label) for v, label in TRIP_LABELS.items()],
                      default="return")
    distance_km = QuantityField(_l("Distance, one way (if you know it)"), places=None,
                                validators=[Optional(), FiniteDistance()],
                                widget=NumberInput(step="any", min=0))
    hotel_nights = _small_count(60, _l("Hotel nights for this meeting"),
                                required=_l("How many nights? Enter 0 if you did not stay in a hotel."))
    meals_bought = RadioField(_l("Did you buy meals during the meeting that the organiser did not serve?"),
                              choices=[SelectChoice(v, label) for v, label in MEALS_BOUGHT_LABELS.items()],
                              validators=[InputRequired(message=_l("Choose “No” or “Yes”.")), MealsCounted()])
    meals_vegan = _small_count(30, ATTENDEE_MEAL_LABELS["vegan"])
    meals_vegetarian = _small_count(30, ATTENDEE_MEAL_LABELS["vegetarian"])
    meals_poultry = _small_count(30, ATTENDEE_MEAL_LABELS["poultry"])
    meals_pork = _small_count(30, ATTENDEE_MEAL_LABELS["pork"])
    meals_beef_lamb = _small_count(30, ATTENDEE_MEAL_LABELS["beef_lamb"])
    meals_fish = _small_count(30, ATTENDEE_MEAL_LABELS["fish"])
    name = StringField(_l("Your name (optional)"), validators=[Optional(), Length(max=100)])

    # Where each field stands on the page, for "the first error" (the page is read top to bottom).
    PAGE_ORDER = ("origin", "travel_mode", "cabin", "car_fuel", "car_occupancy", "trip", "distance_km",
                  "hotel_nights", "meals_bought", *(f"meals_{meal}" for meal in ATTENDEE_MEAL_LABELS), "name")

    @staticmethod
    def unanswered(posted) -> list[str]:
        """The questions a post leaves blank that must be answered, not defaulted: Enter pressed half-way, an
        old page, a script. Such a post is shown again; it is never stored with 0 nights and 0 meals."""
        missing = [name for name in ("origin", "travel_mode", "hotel_nights", "meals_bought")
                   if not (posted.get(name) or "").strip()]
        if "origin" in missing and (posted.get("origin_choice") or "").strip():
            missing.remove("origin")
        if posted.get("meals_bought") == "yes" and not meals_counted(posted):
            missing.append("meals_bought")
        return missing

    def first_error(self) -> str | None:
        """The id of the first input with an error, in page order: the page focuses it."""
        for name in self.PAGE_ORDER:
            field = self[name]
            if field.errors:
                return f"{field.id}-0" if isinstance(field, RadioField) else field.id
        return None

    @staticmethod
    def data_from(answers: dict, name: str | None) -> dict:
        """Form data for a stored answer, so that editing starts from it."""
        data = {
            "origin": answers.get("origin", ""), "travel_mode": answers.get("travel_mode"),
            "cabin": answers.get("cabin", "economy"), "car_fuel": answers.get("car_fuel", "unknown"),
            "car_occupancy": answers.get("car_occupancy", 1),
            "trip": "return" if answers.get("round_trip", True) else "one_way",
            "distance_km": Decimal(answers["distance_km"]) if answers.get("distance_km") else None,
            "hotel_nights": answers.get("hotel_nights", 0), "name": name or "",
        }
        meals = answers.get("meals") or {}
        data.update({f"meals_{meal}": meals.get(meal, 0) for meal in ATTENDEE_MEAL_LABELS})
        data["meals_bought"] = "yes" if any(meals.values()) else "no"
        return data

    def field_for(self, answer_field: str):
        """The form field that shows an error about `answer_field` of the answers, or None."""
        name = {"round_trip": "trip"}.get(answer_field, answer_field)
        if name.startswith("meals."):
            name = "meals_" + name.removeprefix("meals.")
        return self._fields.get(name) if name != "csrf_token" else None
