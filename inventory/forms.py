"""HTML forms of the inventory and onboarding pages; the entry's rules are inventory.entries', not repeated here."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, EmailField, FileField, PasswordField, SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, EqualTo, Length

from accounts.models import Role
from core.forms import Form
from inventory.models import ActivityKind, DataSource, FacilityType

KIND_LABELS = {
    ActivityKind.electricity: _l("Electricity"), ActivityKind.fuel: _l("Fuel (boilers, generators)"),
    ActivityKind.vehicle: _l("Company vehicles (fuel)"), ActivityKind.heat: _l("Purchased heat"),
    ActivityKind.refrigerant: _l("Refrigerant top-up"), ActivityKind.business_travel: _l("Business travel"),
    ActivityKind.business_lodging: _l("Business travel hotel nights"),
    ActivityKind.commuting: _l("Employee commuting"), ActivityKind.waste: _l("Waste"),
    ActivityKind.water: _l("Water"), ActivityKind.paper: _l("Paper"),
    ActivityKind.purchased_goods_spend: _l("Purchases by spend"),
}
SOURCE_LABELS = {DataSource.metered: _l("Metered (A)"), DataSource.invoice: _l("Invoice (B)"),
                 DataSource.survey: _l("Survey (C)"), DataSource.estimate: _l("Estimate (D)"),
                 DataSource.default: _l("Default value (E)")}
FACILITY_TYPE_LABELS = {
    FacilityType.office: _l("Office"), FacilityType.factory: _l("Factory"), FacilityType.warehouse: _l("Warehouse"),
    FacilityType.data_centre: _l("Data centre"), FacilityType.shop: _l("Shop"),
    FacilityType.laboratory: _l("Laboratory"), FacilityType.other: _l("Other"),
}
ROLE_LABELS = {Role.staff: _l("Staff (enters records)"), Role.auditor: _l("Auditor (reads, validates)"),
               Role.organiser: _l("Organiser (meetings)"), Role.admin: _l("Admin")}


class RecordForm(Form):
    facility = SelectField(_l("Facility"), choices=[])
    month = StringField(_l("Month (YYYY-MM)"), validators=[Length(max=10)])
    kind = SelectField(_l("Activity"), choices=[SelectChoice(k.value, label) for k, label in KIND_LABELS.items()])
    activity = StringField(_l("What (fuel, gas, travel mode...)"), validators=[Length(max=200)])
    quantity = StringField(_l("Quantity"), validators=[Length(max=40)])
    unit = StringField(_l("Unit"), validators=[Length(max=16)])
    data_source = SelectField(_l("Source of the figure"),
                              choices=[SelectChoice(s.value, label) for s, label in SOURCE_LABELS.items()])
    green_kwh = StringField(_l("kWh covered by green certificates"), validators=[Length(max=40)])
    instrument_type = StringField(_l("Instrument (gec, green_power_trade, ppa...)"), validators=[Length(max=32)])
    certificate_id = StringField(_l("Certificate number"), validators=[Length(max=100)])
    distance_km = StringField(_l("Distance (km, commuting)"), validators=[Length(max=40)])
    treatment = StringField(_l("Waste treatment"), validators=[Length(max=32)])
    evidence_note = StringField(_l("Evidence note"), validators=[Length(max=1000)])
    evidence_file = StringField(_l("Evidence file name"), validators=[Length(max=255)])


class FacilityForm(Form):
    """A site's details; inventory.schemas.FacilityCreateSchema checks them, as for the API."""

    name = StringField(_l("Name"), validators=[Length(max=200)])
    facility_type = SelectField(_l("Type"), choices=[SelectChoice(t.value, label)
                                                     for t, label in FACILITY_TYPE_LABELS.items()])
    country = StringField(_l("Country (ISO code, CN for China)"), default="CN", validators=[Length(max=2)])
    province = StringField(_l("Province (Chinese sites: picks the grid factor)"), validators=[Length(max=64)])
    floor_area_m2 = StringField(_l("Floor area (m²)"), validators=[Length(max=40)])
    headcount = StringField(_l("Headcount"), validators=[Length(max=12)])


class YearDetailsForm(Form):
    """What a report needs beside the records: revenue for intensity, and the national carbon market's figures."""

    revenue = StringField(_l("Revenue of the year"), validators=[Length(max=40)])
    revenue_currency = StringField(_l("Currency"), default="CNY", validators=[Length(max=3)])
    in_national_carbon_market = BooleanField(_l("In China's national carbon market"))
    verified_emissions_t = StringField(_l("Verified emissions (t CO2e)"), validators=[Length(max=40)])


class ImportForm(Form):
    file = FileField(_l("CSV or XLSX file"))


class InviteForm(Form):
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Length(max=254)])
    role = SelectField(_l("Role"), default=Role.staff.value,
                       choices=[SelectChoice(role.value, label) for role, label in ROLE_LABELS.items()])


class RoleForm(Form):
    role = SelectField(_l("Role"), choices=[SelectChoice(role.value, label) for role, label in ROLE_LABELS.items()])


class RemoveMemberForm(Form):
    """A removal: the CSRF token is its only field."""


class AcceptForm(Form):
    display_name = StringField(_l("Your name"), validators=[Length(max=200)])
    password = PasswordField(_l("Password"), validators=[Length(max=1024)])
    confirm = PasswordField(_l("Password again"), validators=[EqualTo("password", message=_l("The passwords differ."))])


class ForgotForm(Form):
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Length(max=254)])


class ResetForm(Form):
    password = PasswordField(_l("New password"), validators=[DataRequired(), Length(max=1024)])
    confirm = PasswordField(_l("Password again"), validators=[EqualTo("password", message=_l("The passwords differ."))])
# ISO 14064-1:2018 categories of a report (inventory.reports.ISO_CATEGORIES, worded for the page).
ISO_LABELS = {1: _l("Direct GHG emissions and removals"), 2: _l("Indirect GHG emissions from imported energy"),
              3: _l("Indirect GHG emissions from transportation"),
              4: _l("Indirect GHG emissions from products used by the organisation"),
              5: _l("Indirect GHG emissions associated with the use of products from the organisation"),
              6: _l("Indirect GHG emissions from other sources")}
