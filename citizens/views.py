"""A citizen's pages: sign-up, and the carbon account (碳账户) dashboard with its day form and step import."""

from __future__ import annotations

from functools import wraps

import marshmallow as ma
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

import citizens.messages  # noqa: F401  (registers the points' coded messages)
from accounts import service as accounts
from accounts.access import sign_in
from calculators.footprint import Message
from certificates.citizens import footprints_of_owner
from citizens import dashboard as figures
from citizens import days
from citizens.charts import monthly_points_chart
from citizens.forms import SignUpForm
from citizens.schemas import LowCarbonDaySchema
from core.messages import render_text
from db import get_session
from errors import Conflict, PermissionDenied, ValidationError, json_paths
from extensions import login_manager

bp = Blueprint("citizens", __name__)
DAY_FIELDS = ("day", "steps", "cycling_minutes", "bus_trips", "bus_km", "metro_trips", "metro_km")
MAX_UPLOAD_BYTES = days.MAX_IMPORT_BYTES


def _signed_in_citizen() -> bool:
    return current_user.is_authenticated and accounts.is_citizen(session=get_session(), user_id=current_user.id)


@bp.app_context_processor
def _citizen_context():
    return {"signed_in_citizen": _signed_in_citizen}


def citizen_required(view):
    """Signed in with a citizen's carbon account; an organisation's member has none (403)."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        if not _signed_in_citizen():
            raise PermissionDenied("this is an organisation's account, not a personal carbon account")
        return view(*args, **kwargs)

    return wrapper


@bp.route("/citizen/signup", methods=["GET", "POST"])
def signup():
    if _signed_in_citizen():
        return redirect(url_for(".dashboard"))
    form = SignUpForm()
    status = 200
    if form.validate_on_submit():
        try:
            user = accounts.create_citizen(session=get_session(), login=form.login.data, password=form.password.data,
                                           nickname=form.nickname.data or "")
        except (ValidationError, Conflict) as refused:
            get_session().rollback()
            reasons = {"not_a_phone": _("Not a mainland mobile number: 11 digits starting with 1."),
                       "not_an_email": _("Not an e-mail address."),
                       "login_taken": _("An account with this login exists already: sign in instead.")}
            field = {"password": form.password, "nickname": form.nickname}.get(
                next(iter(refused.fields or {"login": []})), form.login)
            field.errors = [*field.errors, reasons.get(refused.code, refused.message)]
            status = 409 if isinstance(refused, Conflict) else 422
        else:
            sign_in(user)
            flash(_("Welcome! Your carbon account is open."), "info")
            return redirect(url_for(".dashboard"), 303)
    elif request.method == "POST":
        status = 422
    return render_template("citizens/signup.html", form=form), status


def _rule_label(rule) -> str:
    value = f"{rule.value.normalize():f}"
    return {
        "walk.steps_per_point": _("Walking: %(v)s steps = 1 point", v=value),
        "walk.daily_point_cap": _("Walking: at most %(v)s points a day", v=value),
        "cycle.points_per_minute": _("Cycling: %(v)s points a minute", v=value),
        "cycle.daily_point_cap": _("Cycling: at most %(v)s points a day", v=value),
        "bus.points_per_trip": _("Bus: %(v)s points a trip", v=value),
        "bus.avoided_g_per_pkm": _("Bus: %(v)s g CO2 avoided per passenger-km", v=value),
        "metro.avoided_g_per_pkm": _("Metro: %(v)s g CO2 avoided per passenger-km", v=value),
    }.get(rule.id, rule.id)


def _dashboard(day_form: dict, day_errors: dict, import_problems: list, status: int = 200):
    session = get_session()
    summary = figures.summary(session, user_id=current_user.id)
    labels = {"walk": _("Walking"), "cycle": _("Cycling"), "bus": _("Bus")}
    chart = monthly_points_chart(summary.months, title=_("Points by month"), labels=labels) if summary.months else None
    return render_template("citizens/dashboard.html", summary=summary, chart=chart,
                           footprints=footprints_of_owner(session, current_user.id), day_form=day_form,
                           day_errors=day_errors, import_problems=import_problems, render_text=render_text,
                           methodology=[(rule, _rule_label(rule)) for rule in summary.methodology],
                           max_upload_kb=MAX_UPLOAD_BYTES // 1024), status


@bp.get("/citizen")
@citizen_required
def dashboard():
    return _dashboard({}, {}, [])


@bp.post("/citizen/days")
@citizen_required
def save_day():
    form = {key: request.form.get(key, "").strip() for key in DAY_FIELDS}
    try:
        values = LowCarbonDaySchema().load({k: v for k, v in form.items() if v != ""})
        saved = days.save_day(get_session(), user_id=current_user.id, values=values)
    except ma.ValidationError as error:
        return _dashboard(form, {k: [render_text(r) for r in v] for k, v in json_paths(error.messages).items()},
                          [], 422)
    except ValidationError as error:
        get_session().rollback()
        return _dashboard(form, {k: [render_text(r) for r in v] for k, v in (error.fields or {}).items()}, [], 422)
    flash(_("%(day)s saved: %(points)s points.", day=saved.day.isoformat(), points=saved.points), "info")
    return redirect(url_for(".dashboard"), 303)


@bp.post("/citizen/steps")
@citizen_required
def import_steps():
    upload = request.files.get("file")
    raw = upload.read(MAX_UPLOAD_BYTES + 1) if upload else b""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        problem = days.ImportProblem(1, "file", upload.filename or "", Message(
            "points.csv.not_utf8", "not a UTF-8 text file"))
        return _dashboard({}, {}, [problem], 422)
    try:
        result = days.import_steps(get_session(), user_id=current_user.id, text=text)
    except days.StepImportRefused as refused:
        return _dashboard({}, {}, refused.problems, 422)
    flash(_("%(days)s days read, %(changed)s new or changed; a day already imported counts once.",
            days=result.days, changed=result.changed), "info")
    return redirect(url_for(".dashboard"), 303)
