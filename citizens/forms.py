"""The citizen's sign-up form (Flask-WTF adds the CSRF token)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length

from accounts.service import MAX_NICKNAME, MIN_PASSWORD_LENGTH
from core.forms import Form


class SignUpForm(Form):
    login = StringField(_l("E-mail or mobile number"), validators=[DataRequired(), Length(max=254)])
    nickname = StringField(_l("Nickname (optional, no real name needed)"), validators=[Length(max=MAX_NICKNAME)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(min=MIN_PASSWORD_LENGTH, max=1024)])
    confirm = PasswordField(_l("Password again"), validators=[DataRequired(), EqualTo(
        "password", message=_l("The two passwords differ."))])
