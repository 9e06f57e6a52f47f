"""HTML forms of the organiser's meeting pages (Flask-WTF adds the session's CSRF token); the attendee's form is
meetings.attendee_form."""

from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    IntegerField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
)
from wtforms.validators import DataRequired, InputRequired, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget, NumberInput

from core.forms import Form, QuantityField
from meetings.badges import MAX_BADGE_CODES_PER_BATCH
from meetings.events import EVENT_TIMEZONE
from meetings.inputs import MEAL_COLUMNS, QUANTITY_UNITS, WASTE_KEYS

MEETING_TYPE_LABELS = {
    "conference": _l("Conference"),
    "exhibition": _l("Exhibition"),
    "training": _l("Training"),
    "banquet": _l("Banquet"),
    "hybrid": _l("Hybrid (on site and online)"),
}
BOUNDARY_LABELS = {
    "venue_energy": _l("Venue energy"),
    "catering": _l("Catering"),
    "materials": _l("Materials"),
    "waste": _l("Waste"),
    "attendee_travel": _l("Attendee travel"),
    "attendee_lodging": _l("Attendee lodging"),
}
QUANTITY_LABELS = {
    "electricity_kwh": _l("Venue electricity, metered"),
    "floor_area_m2": _l("Venue floor area"),
    "venue_hours": _l("Hours the venue is in use"),
    "natural_gas_m3": _l("Natural gas"),
    "diesel_kg": _l("Generator diesel"),
    "paper_kg": _l("Paper (printed matter, badges, signage)"),
}
MEAL_LABELS = {
    "meals_vegan": _l("Vegan meals"),
    "meals_vegetarian": _l("Vegetarian meals"),
    "meals_poultry": _l("Poultry meals"),
    "meals_pork": _l("Pork meals"),
    "meals_beef_lamb": _l("Beef or lamb meals"),
    "meals_fish": _l("Fish meals"),
}
WASTE_STREAM_LABELS = {
    "commercial_industrial": _l("Mixed residual waste"),
    "food_drink": _l("Food and drink waste"),
    "paper_board.mixed": _l("Paper and cardboard"),
    "plastics_average": _l("Plastics"),
}
WASTE_TREATMENT_LABELS = {
    "landfill": _l("Landfill"),
    "combustion": _l("Incineration"),
    "composting": _l("Composting"),
    "anaerobic_digestion": _l("Anaerobic digestion"),
    "closed_loop": _l("Recycled (closed loop)"),
    "open_loop": _l("Recycled (open loop)"),
}

# The dashboard's breakdown (meetings.footprint.GROUPS) and segments.
GROUP_LABELS = {
    "venue_energy": _l("Venue energy"),
    "catering": _l("Catering"),
    "materials": _l("Materials"),
    "waste": _l("Waste"),
    "attendee_travel": _l("Attendee travel (answers)"),
    "attendee_lodging": _l("Attendee hotel nights (answers)"),
    "attendee_meals": _l("Attendees' own meals (answers)"),
    "extrapolated": _l("Attendees who did not answer (estimated)"),
}
STRATUM_LABELS = {
    "same_city": _l("Same city"),
    "same_province": _l("Same province"),
    "other_province": _l("Other provinces"),
    "hk_mo_tw": _l("Hong Kong, Macau, Taiwan"),
    "international": _l("Outside China"),
    "unknown": _l("Not recognised"),
    "all": _l("All attendees"),
}
# What the dashboard says about the numbers behind it (meetings.footprint warning codes).
FOOTPRINT_WARNINGS = {
    "venue_estimate_not_counted": _l("Floor area and hours are given but no metered kWh: venue electricity is not "
                                     "counted, because no citable kWh per m² and hour is published. Enter the "
                                     "metered kWh."),
    "stratum_over_registrations": _l("%(answers)s answers from “%(stratum)s” but only %(registered)s registered "
                                     "there: the registration list is taken to be incomplete in that group."),
    "answers_over_attendance": _l("%(answers)s answers but an attendance of %(attendance)s: the attendance is taken "
                                  "to be at least the number of answers. Update the actual attendance."),
}

def waste_field_name(key: str) -> str:
    """The form field of a waste key: "food_drink.composting" -> "waste__food_drink__composting"."""
    return "waste__" + key.replace(".", "__")


WASTE_FIELDS: dict[str, str] = {waste_field_name(key): key for key in WASTE_KEYS}


# The event form's fields only parse what was typed (Optional lets a blank through as None); every rule and limit
# is meetings.schemas.EventCreateSchema's, which the page shows under each field.
def _quantity_field(label) -> QuantityField:
    return QuantityField(label, places=None, validators=[Optional()], widget=NumberInput(step="any", min=0))


def _count_field(label) -> IntegerField:
    return IntegerField(label, validators=[Optional()], widget=NumberInput(step=1, min=0))


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class EventForm(Form):
    name_zh = StringField(_l("Name in Chinese"))
    name_en = StringField(_l("Name in English"))
    starts_on = DateField(_l("First day"), validators=[Optional()])
    ends_on = DateField(_l("Last day"), validators=[Optional()])
    closes_at = DateTimeLocalField(_l("Answers close at"), format=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"],
                                   validators=[Optional()])
    venue_name = StringField(_l("Venue"))
    city = StringField(_l("City"))
    province = SelectField(_l("Province"), validators=[Optional()])
    meeting_type = SelectField(_l("Meeting type"), choices=[SelectChoice(v, label) for v, label in
                                                           MEETING_TYPE_LABELS.items()])
    expected_attendance = IntegerField(_l("Expected attendance"), validators=[Optional()],
                                       widget=NumberInput(step=1, min=1))
    actual_attendance = IntegerField(_l("Actual attendance"), validators=[Optional()],
                                     widget=NumberInput(step=1, min=0))
    boundary = MultiCheckboxField(_l("What is counted"),
                                  choices=[SelectChoice(v, label) for v, label in BOUNDARY_LABELS.items()])
    require_badge_codes = BooleanField(_l("One answer per badge: attendees scan a code printed on their badge"))

    def __init__(self, *args, province_choices: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.province.choices = [SelectChoice("", _l("(from the city)")),
                                 *(SelectChoice(code, label) for code, label in province_choices)]

    def schema_input(self) -> dict:
        """What was typed, parsed, as EventCreateSchema's input; the close time is the venue's civil time."""
        values = {name: self[name].data for name in (
            "starts_on", "ends_on", "meeting_type", "expected_attendance", "actual_attendance",
            *QUANTITY_UNITS, *MEAL_COLUMNS)}
        values.update({name: self[name].data or "" for name in ("name_zh", "name_en", "venue_name", "city")})
        values["province"] = self.province.data or None
        local = self.closes_at.data
        values["closes_at"] = local.replace(tzinfo=EVENT_TIMEZONE) if local else None
        values["boundary"] = list(self.boundary.data or [])
        values["require_badge_codes"] = bool(self.require_badge_codes.data)
        values["waste_kg"] = {key: self[name].data for name, key in WASTE_FIELDS.items()
                              if self[name].data is not None}
        return values

    def field_for(self, schema_field: str):
        """The form field that shows the schema's error about `schema_field` ("boundary[1]", "waste_kg.x.y")."""
        schema_field = re.sub(r"\[\d+\]$", "", schema_field)
        if schema_field.startswith("waste_kg."):
            schema_field = waste_field_name(schema_field.removeprefix("waste_kg."))
        return self._fields.get(schema_field) if schema_field != "csrf_token" else None


for _name in QUANTITY_UNITS:
    setattr(EventForm, _name, _quantity_field(QUANTITY_LABELS[_name]))
for _name in MEAL_COLUMNS:
    setattr(EventForm, _name, _count_field(MEAL_LABELS[_name]))
for _name, _key in WASTE_FIELDS.items():
    setattr(EventForm, _name, _quantity_field(WASTE_TREATMENT_LABELS[_key.rsplit(".", 1)[1]]))


class RegistrationUploadForm(Form):
    file = FileField(_l("Registration list (CSV)"), validators=[FileRequired()])


class BadgeCodesForm(Form):
    count = IntegerField(_l("Number of badge codes"),
                         validators=[InputRequired(), NumberRange(min=1, max=MAX_BADGE_CODES_PER_BATCH)],
                         widget=NumberInput(step=1, min=1, max=MAX_BADGE_CODES_PER_BATCH))


class RotateLinkForm(Form):
    confirm = BooleanField(_l("I understand that QR codes already printed will stop accepting answers"),
                           validators=[DataRequired(message=_l("Tick the box to confirm."))])


class SnapshotForm(Form):
    """Freezing the footprint is one click; the form only carries the CSRF token."""
