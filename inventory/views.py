"""Inventory pages: facilities and a month's records with a form to add one, file import and export, and the
onboarding pages (invite a member, accept an invitation, forgotten password)."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, Response, current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms import SelectChoice

from accounts.access import organisation_required
from core.urls import public_base_url
from db import get_session, utcnow
from errors import DomainError, ValidationError
from inventory import exports, facilities, imports, onboarding, records
from inventory.entries import parse_month
from inventory.forms import (
    KIND_LABELS,
    ROLE_LABELS,
    AcceptForm,
    ForgotForm,
    ImportForm,
    InviteForm,
    RecordForm,
    ResetForm,
)
from inventory.mail import mailer_for
from inventory.rights import Actor

bp = Blueprint("inventory", __name__)


def _actor() -> Actor:
    return Actor.member(g.organisation.id, current_user.id, g.role)


def _month() -> date:
    try:
        return parse_month(request.args.get("month", ""))
    except ValueError:
        today = utcnow().date()
        return date(today.year, today.month, 1)


def _page(form: RecordForm | None = None, import_form: ImportForm | None = None, import_errors=(),
          status: int = 200):
    session, actor = get_session(), _actor()
    sites = facilities.list_facilities(session=session, actor=actor)
    month = _month() if form is None or not form.month.data else _form_month(form)
    facility_id = request.args.get("facility", type=int)
    if facility_id is not None:
        facilities.get_facility(session=session, actor=actor, facility_id=facility_id)  # 404 if not ours
    rows, total = records.list_records(session=session, actor=actor, facility_id=facility_id, month=month,
                                       limit=500)
    if form is None:
        form = RecordForm()
        form.month.data = month.strftime("%Y-%m")
        if facility_id:
            form.facility.data = str(facility_id)
    form.facility.choices = _facility_choices(sites)
    names = {site.id: site.name for site in sites}
    return render_template("inventory/index.html", facilities=sites, records=rows, total=total, month=month,
                           facility_id=facility_id, form=form, import_form=import_form or ImportForm(),
                           import_errors=import_errors, names=names, kinds=KIND_LABELS,
                           can_log=actor.can("log")), status


def _facility_choices(sites) -> list[SelectChoice]:
    return [SelectChoice(str(site.id), site.name) for site in sites]


def _form_month(form: RecordForm) -> date:
    try:
        return parse_month(form.month.data or "")
    except ValueError:
        return _month()


@bp.get("/inventory")
@organisation_required("read")
def index():
    return _page()


@bp.post("/inventory/records")
@organisation_required("read")
def add_record():
    actor = _actor()
    actor.require("log")
    form = RecordForm()
    form.facility.choices = _facility_choices(facilities.list_facilities(session=get_session(), actor=actor))
    if not form.validate_on_submit():
        return _page(form, status=422)
    values = {name: getattr(form, name).data for name in (
        "facility", "month", "kind", "activity", "quantity", "unit", "data_source", "green_kwh", "instrument_type",
        "certificate_id", "distance_km", "treatment", "evidence_note")}
    try:
        records.create_record(session=get_session(), actor=actor, values=values)
    except ValidationError as error:
        for field, messages in error.fields.items():
            target = getattr(form, field, None)
            (target.errors if target is not None and hasattr(target, "errors") else form.form_errors).extend(
                messages if target is not None else [f"{field}: {m}" for m in messages])
        return _page(form, status=422)
    flash(_("The record was saved."), "info")
    return redirect(url_for("inventory.index", month=values["month"], facility=request.args.get("facility")))


@bp.post("/inventory/import")
@organisation_required("read")
def import_file():
    actor = _actor()
    actor.require("log")
    form = ImportForm()
    upload = request.files.get("file")
    if not form.validate_on_submit() or upload is None or not upload.filename:
        return _page(import_form=form, import_errors=[_("Choose a CSV or XLSX file.")], status=422)
    try:
        rows = imports.rows_from_file(upload.read(), upload.filename)
        result = imports.import_rows(get_session(), actor.organisation_id, actor.user_id, rows, actor=actor,
                                     file_name=upload.filename)
    except imports.ImportRefused as refused:
        return _page(import_form=form, import_errors=[
            _("Row %(row)s, %(column)s %(value)s: %(reason)s", row=e.row, column=e.column, value=repr(e.value),
              reason=e.reason) for e in refused.errors], status=422)
    except ValidationError as error:
        return _page(import_form=form, import_errors=[error.message], status=422)
    flash(_("%(count)s records were imported.", count=result.imported), "info")
    return redirect(url_for("inventory.index", month=result.months[0]))


@bp.get("/inventory/template.<fmt>")
@organisation_required("read")
def template_file(fmt: str):
    if fmt not in exports.FORMATS:
        raise ValidationError(f"unknown format {fmt!r}", fields={"format": ["csv or xlsx"]})
    return _download(exports.template(fmt), f"inventory-template.{fmt}", fmt)


@bp.get("/inventory/<int:year>/records.<fmt>")
@organisation_required("read")
def export_records(year: int, fmt: str):
    if fmt not in exports.FORMATS:
        raise ValidationError(f"unknown format {fmt!r}", fields={"format": ["csv or xlsx"]})
    data = exports.records_file(session=get_session(), actor=_actor(), year=year, fmt=fmt)
    return _download(data, f"inventory-{year}-records.{fmt}", fmt)


@bp.get("/inventory/<int:year>/report.<fmt>")
@organisation_required("read")
def export_report(year: int, fmt: str):
    from inventory.reports import year_report

    if fmt not in exports.FORMATS:
        raise ValidationError(f"unknown format {fmt!r}", fields={"format": ["csv or xlsx"]})
    report = year_report(session=get_session(), actor=_actor(), year=year)
    return _download(exports.report_file(report, fmt), f"inventory-{year}-report.{fmt}", fmt)


def _download(data: bytes, name: str, fmt: str) -> Response:
    return Response(data, mimetype=exports.MIME[fmt],
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


# Onboarding.


def _mailer():
    return mailer_for(current_app.extensions["settings"])


@bp.route("/account/invitations", methods=["GET", "POST"])
@organisation_required("administer")
def invitations():
    form = InviteForm()
    status = 200
    if form.validate_on_submit():
        try:
            onboarding.invite_member(session=get_session(), actor=_actor(), email=form.email.data,
                                     role=form.role.data, link_base=public_base_url() + "invitations/",
                                     mailer=_mailer(), organisation_name=g.organisation.name_zh)
        except DomainError as error:
            form.email.errors.append(error.message)
            status = 422
        else:
            flash(_("An invitation was sent to %(email)s.", email=form.email.data), "info")
            return redirect(url_for("inventory.invitations"))
    elif request.method == "POST":
        status = 422
    pending = onboarding.list_invitations(session=get_session(), actor=_actor())
    return render_template("inventory/invitations.html", form=form, invitations=pending, roles=ROLE_LABELS,
                           now=utcnow()), status


@bp.route("/invitations/<token>", methods=["GET", "POST"])
def accept(token: str):
    session = get_session()
    invitation = onboarding.invitation_for(session=session, token=token)
    form = AcceptForm()
    status = 200
    if form.validate_on_submit():
        try:
            onboarding.accept_invitation(session=session, token=token, display_name=form.display_name.data or "",
                                         password=form.password.data or "")
        except ValidationError as error:
            form.password.errors.extend(error.fields.get("password", [error.message]))
            status = 422
        else:
            flash(_("Welcome! Sign in with your e-mail and password."), "info")
            return redirect(url_for("accounts.login"))
    elif request.method == "POST":
        status = 422
    return render_template("inventory/accept.html", form=form, invitation=invitation, roles=ROLE_LABELS), status


@bp.route("/password/forgot", methods=["GET", "POST"])
def forgot_password():
    form = ForgotForm()
    if form.validate_on_submit():
        try:
            onboarding.request_password_reset(session=get_session(), email=form.email.data,
                                              link_base=public_base_url() + "password/reset/", mailer=_mailer())
        except ValidationError as error:
            form.email.errors.append(error.message)
            return render_template("inventory/forgot.html", form=form, sent=False), 422
        return render_template("inventory/forgot.html", form=form, sent=True)
    return render_template("inventory/forgot.html", form=form, sent=False), 422 if request.method == "POST" else 200


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    session = get_session()
    onboarding.reset_for(session=session, token=token)  # a used, expired or unknown link is refused here
    form = ResetForm()
    status = 200
    if form.validate_on_submit():
        try:
            onboarding.reset_password(session=session, token=token, password=form.password.data)
        except ValidationError as error:
            form.password.errors.extend(error.fields.get("password", [error.message]))
            status = 422
        else:
            flash(_("Your password was changed. Sign in with the new one."), "info")
            return redirect(url_for("accounts.login"))
    elif request.method == "POST":
        status = 422
    return render_template("inventory/reset.html", form=form), status

