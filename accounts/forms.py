"""HTML forms of the accounts pages (Flask-WTF adds the CSRF token to each)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import EmailField, HiddenField, PasswordField, StringField
from wtforms.validators import DataRequired, Length

from core.forms import Form


class LoginForm(Form):
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=1024)])
    next = HiddenField()


class ApiKeyForm(Form):
    name = StringField(_l("Key name"), validators=[DataRequired(), Length(min=1, max=100)])


class ConfirmForm(Form):
    """A POST with nothing but its CSRF token (log out, revoke, switch)."""
