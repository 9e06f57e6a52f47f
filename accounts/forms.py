"""HTML forms of the accounts pages (Flask-WTF adds the CSRF token to each)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, PasswordField, SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, Length

from accounts.models import ApiKeyRole
from core.forms import Form


class LoginForm(Form):
    # An e-mail address, or the mobile number a citizen signed up with.
    email = StringField(_l("E-mail or mobile number"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=1024)])
    next = HiddenField()


# What each API key role may do, as the account page names it.
API_KEY_ROLE_LABELS = {
    ApiKeyRole.read_only: _l("Read only"),
    ApiKeyRole.organiser: _l("Organiser (create events, take snapshots)"),
}


class ApiKeyForm(Form):
    name = StringField(_l("Key name"), validators=[DataRequired(), Length(min=1, max=100)])
    role = SelectField(_l("Role"), default=ApiKeyRole.read_only.value,
                       choices=[SelectChoice(role.value, label) for role, label in API_KEY_ROLE_LABELS.items()])


class ConfirmForm(Form):
    """A POST with nothing but its CSRF token (log out, revoke, switch)."""
