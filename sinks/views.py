"""The sink estimator page: one plot's ex-ante removals, their cited IPCC rows and a chart of the years."""

from __future__ import annotations

import marshmallow as ma
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

import sinks.messages  # noqa: F401  (registers the sink calculator's coded messages)
from accounts.access import is_platform_admin, platform_admin_required
from calculators.sinks import AREA_UNITS, METHODS, PROVINCES, SUGGESTED_ZONES
from core.messages import render_text
from db import get_session
from errors import DomainError, ValidationError, json_paths
from factors.regions import find_province
from factors.sinks import CLIMATE_ZONES, ORIGINS, SPECIES_GROUPS, default_sink_library
from ledger import queries
from ledger.ex_ante import ExPostLine
from sinks import estimates, registration
from sinks.chart import cumulative_chart
from sinks.schemas import (
    PRICE_CHOICES,
    ExAnteRegistrationSchema,
    ExPostReplacementSchema,
    SinkEstimateRequestSchema,
)

bp = Blueprint("sinks", __name__)
PLOT_FIELDS = ("area", "area_unit", "province", "climate_zone", "species_group", "origin", "stand_age",
               "crediting_years", "method", "growing_stock_start", "growing_stock_end")
OPTION_FIELDS = ("uncertainty_discount_pct", "risk_buffer_pct", "price", "custom_price")
DEFAULTS = {"area_unit": "mu", "origin": "planted", "crediting_years": "20", "stand_age": "0", "method": "growth",
            "price": "ccer.2025_average", "uncertainty_discount_pct": "0", "risk_buffer_pct": "0"}
_SCHEMA = SinkEstimateRequestSchema()


def _request(args) -> dict:
    plot = {key: args.get(key, "").strip() or DEFAULTS.get(key) for key in PLOT_FIELDS}
    data = {"plots": [{key: value for key, value in plot.items() if value}]}
    data.update({key: args.get(key, "").strip() or DEFAULTS.get(key) for key in OPTION_FIELDS})
    return {key: value for key, value in data.items() if value is not None}


def _errors(fields: dict) -> dict[str, list[str]]:
    return {path.removeprefix("plots[0].").removeprefix("plots."): [render_text(r) for r in reasons]
            for path, reasons in json_paths(fields).items()}


@bp.get("/sinks")
def estimator():
    result, errors = None, {}
    if request.args.get("go"):
        try:
            result = estimates.estimate(_SCHEMA.load(_request(request.args)))
        except ma.ValidationError as error:
            errors = _errors(error.messages)
        except ValidationError as error:
            errors = _errors(error.fields)
    library = default_sink_library()
    chart = None
    if result is not None:
        chart = cumulative_chart(result.cumulative_t, title=_("Cumulative removals over the crediting period"),
                                 unit=_("t CO2"), year_label=_("crediting year"))
    values = {**DEFAULTS, **{key: value for key, value in request.args.items() if value}}
    return render_template(
        "sinks/estimator.html", result=result, errors=errors, chart=chart, values=values, library=library,
        provinces=[find_province(code) for code in PROVINCES], zones=CLIMATE_ZONES, groups=SPECIES_GROUPS,
        origins=ORIGINS, units=AREA_UNITS, methods=METHODS, prices=PRICE_CHOICES, suggested=SUGGESTED_ZONES,
        render_text=render_text, can_register=result is not None and is_platform_admin(),
        register_args={key: value for key, value in request.args.items() if key in ESTIMATE_ARGS},
    ), 422 if errors else 200


# ---- platform admin: from estimate to ledger ------------------------------------------------------------------------

ESTIMATE_ARGS = ("go", *PLOT_FIELDS, *OPTION_FIELDS)


def _service_errors(error: DomainError) -> dict[str, list[str]]:
    return {name: [str(r) for r in (reasons if isinstance(reasons, list | tuple) else [reasons])]
            for name, reasons in json_paths(error.fields or {}).items()}


@bp.route("/sinks/admin/register", methods=["GET", "POST"])
@platform_admin_required("register credits in the ledger")
def register():
    """The estimate of the query string (or the posted copy of it), and a form to register it as ex-ante credits."""
    session = get_session()
    source = request.form if request.method == "POST" else request.args
    args = {key: source.get(key, "") for key in ESTIMATE_ARGS if source.get(key)}
    form = {key: source.get(key, "") for key in ("project_id", "first_year")}
    errors: dict[str, list[str]] = {}
    message = None
    planned = None
    request_data = None
    try:
        request_data = _SCHEMA.load(_request(args))
        planned = registration.plan(request_data, first_year=int(form["first_year"]) if form["first_year"].isdigit()
                                    and 1990 <= int(form["first_year"]) <= 2100 else 2026)
    except ma.ValidationError as error:
        errors, message = _errors(error.messages), _("The estimate's inputs are not valid: estimate again.")
    except ValidationError as error:
        errors, message = _errors(error.fields), error.message
    if request.method == "POST" and request_data is not None and planned is not None:
        try:
            values = ExAnteRegistrationSchema().load(form)
            raw = _request(args)
            created = registration.register_estimate(session, project_id=values["project_id"],
                                                     first_year=values["first_year"], request=request_data,
                                                     raw_request=raw, recorded_by_id=current_user.id)
        except ma.ValidationError as error:
            errors = _errors(error.messages)
        except DomainError as error:
            session.rollback()
            message, errors = error.message, _service_errors(error)
        else:
            flash(_("%(tonnes)s t of expected credits registered as ex-ante blocks.", tonnes=created.expected_tonnes),
                  "info")
            return redirect(url_for("sinks.registration_detail", registration_id=created.id), 303)
    status = 422 if (request.method == "POST" or message) else 200
    return render_template("sinks/register.html", planned=planned, args=args, form=form, errors=errors,
                           message=message, projects=queries.list_projects(session),
                           registrations=registration.list_registrations(session)), status


def _detail(registration_id: int, form: dict, errors: dict, message: str | None, status: int):
    session = get_session()
    found = registration.get_registration(session, registration_id)
    from ledger.projects import get_project

    return render_template("sinks/registration.html", registration=found,
                           project=get_project(session, found.project_id),
                           blocks=registration.ex_ante_blocks(session, found), form=form, errors=errors,
                           message=message), status


@bp.get("/sinks/admin/registrations/<int:registration_id>")
@platform_admin_required("register credits in the ledger")
def registration_detail(registration_id: int):
    return _detail(registration_id, {}, {}, None, 200)


@bp.post("/sinks/admin/registrations/<int:registration_id>/replace")
@platform_admin_required("register credits in the ledger")
def replace(registration_id: int):
    session = get_session()
    form = {key: value.strip() for key, value in request.form.items() if key != "csrf_token"}
    try:
        values = ExPostReplacementSchema().load({k: v for k, v in form.items() if v != "" or k == "serial_text"})
        done = registration.replace_registration(
            session, registration_id=registration_id, reason=values.pop("reason"),
            ex_post=[ExPostLine(**values)], recorded_by_id=current_user.id)
    except ma.ValidationError as error:
        return _detail(registration_id, form, _errors(error.messages), None, 422)
    except DomainError as error:
        session.rollback()
        return _detail(registration_id, form, _service_errors(error), error.message,
                       error.status if error.status in (404, 409) else 422)
    flash(_("%(ex_ante)s t of ex-ante credits replaced by %(ex_post)s t issued by the registry.",
            ex_ante=done.ex_ante_tonnes, ex_post=done.ex_post_tonnes), "info")
    return redirect(url_for("sinks.registration_detail", registration_id=registration_id), 303)
