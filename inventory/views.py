"""Inventory pages: facilities and a month's records with a form to add one, file import and export, and the
onboarding pages (invite a member, accept an invitation, forgotten password)."""

from __future__ import annotations

from datetime import date

import marshmallow as ma
from flask import Blueprint, Response, current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import SelectChoice

import tasks
from accounts.access import organisation_required
from core.schema_messages import translate_errors
from core.urls import public_base_url
from db import get_session, utcnow
from errors import Conflict, DomainError, NotFound, ValidationError, json_paths
from inventory import exports, facilities, grid, import_jobs, imports, onboarding, periods, records
from inventory.entries import parse_month
from inventory.forms import (
    FACILITY_TYPE_LABELS,
    ISO_LABELS,
    KIND_LABELS,
    ROLE_LABELS,
    SOURCE_LABELS,
    AcceptForm,
    FacilityForm,
    ForgotForm,
    ImportForm,
    InviteForm,
    RecordForm,
    RemoveMemberForm,
    ResetForm,
    RoleForm,
    YearDetailsForm,
)
from inventory.mail import mailer_for
from inventory.rights import Actor
from inventory.schemas import FacilityCreateSchema, ReportingYearDetailsSchema

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
    token = request.args.get("job", "")
    import_job = tasks.job_progress(token, organisation_id=actor.organisation_id, session=session) if token else None
    return render_template("inventory/index.html", import_job=import_job, facilities=sites, records=rows,
                           total=total, month=month, facility_id=facility_id, form=form,
                           import_form=import_form or ImportForm(),
                           import_errors=import_errors, names=names, kinds=KIND_LABELS,
                           can_log=actor.can("log"), can_validate=actor.can("validate"),
                           can_read_history=actor.can("history"), can_edit_facilities=actor.can("facilities")), status


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
        "certificate_id", "distance_km", "treatment", "evidence_note", "evidence_file")}
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
    data = upload.read()
    if import_jobs.is_large(data, upload.filename):
        job = import_jobs.start_import(actor=actor, data=data, file_name=upload.filename)
        return redirect(url_for("inventory.index", job=job.id), 303)
    try:
        rows = imports.rows_from_file(data, upload.filename)
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


LAST_ADMIN = _l("The organisation's last administrator keeps the role and stays a member: make another member an "
                "administrator first.")


@bp.post("/account/members/<int:membership_id>/role")
@organisation_required("administer")
def change_role(membership_id: int):
    form = RoleForm()
    if not form.validate_on_submit():
        flash(_("Choose one of the roles."), "error")
    else:
        try:
            onboarding.change_role(session=get_session(), actor=_actor(), membership_id=membership_id,
                                   role=form.role.data)
        except Conflict:  # another organisation's member is a 404 (NotFound passes through)
            flash(LAST_ADMIN, "error")
        else:
            flash(_("The role was changed."), "info")
    return redirect(url_for("accounts.member", membership_id=membership_id))


@bp.post("/account/members/<int:membership_id>/remove")
@organisation_required("administer")
def remove_member(membership_id: int):
    if not RemoveMemberForm().validate_on_submit():
        return redirect(url_for("accounts.member", membership_id=membership_id))
    try:
        onboarding.remove_member(session=get_session(), actor=_actor(), membership_id=membership_id)
    except Conflict:  # another organisation's member is a 404 (NotFound passes through)
        flash(LAST_ADMIN, "error")
        return redirect(url_for("accounts.member", membership_id=membership_id))
    flash(_("The member was removed; their open pages of this organisation stop working."), "info")
    return redirect(url_for("accounts.account"))


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



# The monthly entry grid.


def _grid_facility(facility_id: int | None):
    session, actor = get_session(), _actor()
    sites = facilities.list_facilities(session=session, actor=actor)
    if facility_id is None:
        if not sites:
            raise NotFound("no facility yet: an admin adds them")
        return sites, sites[0]
    return sites, facilities.get_facility(session=session, actor=actor, facility_id=facility_id)  # 404 if not ours


def _grid_page(facility_id: int | None, month: date, rows=None, *, error: str | None = None, status: int = 200):
    session, actor = get_session(), _actor()
    if facility_id is None and not facilities.list_facilities(session=session, actor=actor):
        return render_template("inventory/grid.html", facilities=[], facility=None, month=month), status
    sites, facility = _grid_facility(facility_id)
    if rows is None:
        rows = grid.month_grid(session=session, actor=actor, facility_id=facility.id, month=month,
                               copy_previous=request.args.get("copy") == "1")
    known = grid.medians(session, actor, facility, month)
    return render_template("inventory/grid.html", facilities=sites, facility=facility, month=month, rows=rows,
                           kinds=KIND_LABELS, sources=SOURCE_LABELS, grid_fields=grid.GRID_FIELDS,
                           carried=grid.CARRIED_FIELDS, error=error, can_log=actor.can("log"),
                           outlier_factor=grid.OUTLIER_FACTOR,
                           medians={"|".join(key): str(value) for key, value in known.items()},
                           previous=grid.previous_month(month)), status


@bp.get("/inventory/grid")
@organisation_required("read")
def month_grid():
    return _grid_page(request.args.get("facility", type=int), _month())


@bp.post("/inventory/grid")
@organisation_required("read")
def save_month_grid():
    actor = _actor()
    actor.require("log")
    facility_id, month = request.args.get("facility", type=int), _month()
    _sites, facility = _grid_facility(facility_id)
    rows = grid.parse_rows(request.form)
    try:
        created, updated, deleted = grid.save_grid(session=get_session(), actor=actor, facility_id=facility.id,
                                                   month=month, rows=rows,
                                                   reason=request.form.get("reason", "").strip() or None)
    except grid.GridRefused as refused:
        return _grid_page(facility.id, month, refused.rows, error=_(
            "Nothing was saved: correct the marked cells (%(count)s rows).",
            count=sum(1 for row in refused.rows if row.errors)), status=422)
    except DomainError as error:
        return _grid_page(facility.id, month, rows, error=error.message,
                          status=error.status)
    flash(_("Saved: %(created)s new, %(updated)s changed, %(deleted)s removed.", created=created, updated=updated,
            deleted=deleted), "info")
    return redirect(url_for("inventory.month_grid", facility=facility.id, month=month.strftime("%Y-%m")), 303)


# The yearly report, closing and neutralising a year.


def _signers():
    from certificates import issuing

    return issuing.signers_for(current_app.extensions["settings"], public_base_url())


def _report_page(year: int, *, error: str | None = None, status: int = 200,
                 year_form: YearDetailsForm | None = None):
    from certificates.issuing import tonnes_required
    from inventory.report_charts import category_label, report_charts
    from inventory.reports import year_report

    session, actor = get_session(), _actor()
    report = year_report(session=session, actor=actor, year=year)
    period = periods.find_year(session, actor.organisation_id, year)
    if year_form is None and actor.can("facilities"):
        year_form = YearDetailsForm(data={
            "revenue": period.revenue if period else None, "revenue_currency": period.revenue_currency if period else
            "CNY", "in_national_carbon_market": period.in_national_carbon_market if period else False,
            "verified_emissions_t": period.verified_emissions_t if period else None})
    return render_template("inventory/report.html", report=report, year=year, period=period, year_form=year_form,
                           required_tonnes=tonnes_required(report.neutralisable_kgco2e),
                           charts=report_charts(report), iso_labels=ISO_LABELS, category_label=category_label,
                           error=error,
                           can_close=actor.can("close"), can_neutralise=actor.can("administer")), status


@bp.get("/inventory/<int:year>/report")
@organisation_required("read")
def year_report_page(year: int):
    return _report_page(year)


@bp.post("/inventory/<int:year>/close")
@organisation_required("read")
def close_year(year: int):
    try:
        periods.close_year(session=get_session(), actor=_actor(), year=year)
    except DomainError as error:
        if error.status == 403:
            raise
        return _report_page(year, error=error.message, status=error.status)
    flash(_("The year %(year)s is closed.", year=year), "info")
    return redirect(url_for("inventory.year_report_page", year=year), 303)


@bp.post("/inventory/<int:year>/neutralise")
@organisation_required("read")
def neutralise_year(year: int):
    from certificates import issuing
    from ledger.retirement import InsufficientCredits

    actor = _actor()
    actor.require("administer")
    try:
        certificate = issuing.neutralise_inventory_period(
            get_session(), signers=_signers(), organisation_id=actor.organisation_id, year=year,
            issued_by_id=actor.user_id, reduction_statement=request.form.get("reduction_statement", ""))
    except InsufficientCredits as short:
        return _report_page(year, error=_(
            "Not enough credits: %(missing)s t are missing (%(required)s t needed, %(held)s t held).",
            missing=short.requested - short.held, required=short.requested, held=short.held), status=409)
    except DomainError as error:
        if error.status in (403, 404):
            raise
        return _report_page(year, error=error.message, status=error.status)
    flash(_("The year is neutralised: statement %(number)s.", number=certificate.number), "info")
    return redirect(url_for("inventory.year_report_page", year=year), 303)


@bp.get("/inventory/<int:year>/report.pdf")
@organisation_required("read")
def report_pdf(year: int):
    from certificates.render import render_report_pdf
    from inventory.report_pdf import report_sheet
    from inventory.reports import year_report

    session, actor = get_session(), _actor()
    report = year_report(session=session, actor=actor, year=year)
    period = periods.find_year(session, actor.organisation_id, year)
    sheet = report_sheet(report, organisation_zh=g.organisation.name_zh, organisation_en=g.organisation.name_en,
                         statement=period.neutralised_certificate if period else None, printed_at=utcnow())
    return Response(render_report_pdf(sheet), mimetype="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="inventory-{year}-report.pdf"'})


# Travel to meetings, from a meeting certificate.


@bp.route("/inventory/meeting-travel", methods=["GET", "POST"])
@organisation_required("read")
def meeting_travel():
    from certificates import bridge

    session, actor = get_session(), _actor()
    actor.require("log")
    number = (request.values.get("number") or "").strip()
    sites = facilities.list_facilities(session=session, actor=actor)
    found, error, status = None, None, 200
    key = _signers().issuer.private_key.public_key()
    if number:
        try:
            found = bridge.meeting_travel(session=session, actor=actor, number=number, issuer_key=key)
        except DomainError as refused:
            if refused.status == 403:
                raise
            error, status = refused.message, (422 if refused.status == 404 else refused.status)
    if request.method == "POST" and found is not None:
        chosen = [int(v) for v in request.form.getlist("attendee") if v.isdigit()]
        try:
            lines = bridge.import_meeting_travel(session=session, actor=actor, number=number,
                                                 neutralisation_ids=chosen, facility=request.form.get("facility", ""),
                                                 issuer_key=key,
                                                 reason=request.form.get("reason", "").strip() or None)
        except DomainError as refused:
            if refused.status == 403:
                raise
            error, status = refused.message, refused.status
        else:
            flash(_("%(count)s journeys were imported as business travel, compensated by %(number)s.",
                    count=len(lines), number=found.certificate.number), "info")
            return redirect(url_for("inventory.index", month=lines[0].month.strftime("%Y-%m")), 303)
    elif request.method == "POST":
        status = status if error else 422
    return render_template("inventory/meeting_travel.html", number=number, found=found, error=error,
                           facilities=sites), status


@bp.post("/inventory/<int:year>/details")
@organisation_required("read")
def save_year_details(year: int):
    actor = _actor()
    actor.require("facilities")
    form = YearDetailsForm()
    if not form.validate_on_submit():
        return _report_page(year, year_form=form, status=422)
    try:
        values = ReportingYearDetailsSchema().load({
            "revenue": (form.revenue.data or "").strip() or None,
            "revenue_currency": (form.revenue_currency.data or "CNY").strip().upper(),
            "in_national_carbon_market": bool(form.in_national_carbon_market.data),
            "verified_emissions_t": (form.verified_emissions_t.data or "").strip() or None})
    except ma.ValidationError as error:
        _form_errors(form, error)
        return _report_page(year, year_form=form, status=422)
    periods.set_year_details(session=get_session(), actor=actor, year=year, values=values)
    flash(_("The details of %(year)s were saved.", year=year), "info")
    return redirect(url_for("inventory.year_report_page", year=year), 303)


def _form_errors(form, error: ma.ValidationError) -> None:
    """A schema's errors on the form's fields, in the reader's language."""
    for name, messages in translate_errors(json_paths(error.messages)).items():
        field = getattr(form, name, None)
        if field is None or not hasattr(field, "errors"):
            form.form_errors.extend(f"{name}: {message}" for message in messages)
        else:
            field.errors = [*field.errors, *messages]


# Facilities: the sites whose activity is recorded (an admin adds and changes them).


def _facilities_page(form: FacilityForm | None = None, editing: int | None = None, status: int = 200):
    session, actor = get_session(), _actor()
    sites = facilities.list_facilities(session=session, actor=actor)
    editing = editing if editing is not None else request.args.get("edit", type=int)
    edited = None
    if editing is not None:
        edited = facilities.get_facility(session=session, actor=actor, facility_id=editing)  # 404 if not ours
        if form is None:
            form = FacilityForm(data={
                "name": edited.name, "facility_type": edited.facility_type.value, "country": edited.country,
                "province": edited.province or "", "headcount": "" if edited.headcount is None else edited.headcount,
                "floor_area_m2": "" if edited.floor_area_m2 is None else edited.floor_area_m2})
    return render_template("inventory/facilities.html", facilities=sites, form=form or FacilityForm(), edited=edited,
                           types=FACILITY_TYPE_LABELS, can_edit=actor.can("facilities")), status


@bp.get("/inventory/facilities")
@organisation_required("read")
def facilities_page():
    return _facilities_page()


@bp.post("/inventory/facilities")
@bp.post("/inventory/facilities/<int:facility_id>")
@organisation_required("read")
def save_facility(facility_id: int | None = None):
    actor = _actor()
    actor.require("facilities")
    session = get_session()
    if facility_id is not None:
        facilities.get_facility(session=session, actor=actor, facility_id=facility_id)  # 404 if not ours
    form = FacilityForm()
    if not form.validate_on_submit():
        return _facilities_page(form, facility_id, status=422)
    raw = {"name": form.name.data or "", "facility_type": form.facility_type.data or "",
           "country": (form.country.data or "").strip().upper() or "CN"}
    for name in ("province", "floor_area_m2", "headcount"):
        raw[name] = (getattr(form, name).data or "").strip() or None
    try:
        values = FacilityCreateSchema().load(raw)
        if facility_id is None:
            facilities.create_facility(session=session, actor=actor, values=values)
        else:
            facilities.update_facility(session=session, actor=actor, facility_id=facility_id, values=values)
    except ma.ValidationError as error:
        _form_errors(form, error)
        return _facilities_page(form, facility_id, status=422)
    except Conflict:
        form.name.errors = [*form.name.errors, _("A facility of this name exists already.")]
        return _facilities_page(form, facility_id, status=409)
    flash(_("The facility %(name)s was saved.", name=values["name"]), "info")
    return redirect(url_for("inventory.facilities_page"), 303)


# Validation and the history of records.

HISTORY_PAGE_SIZE = 100
HISTORY_ACTIONS = {"create": _l("created"), "update": _l("changed"), "delete": _l("removed"),
                   "validate": _l("validated"), "import": _l("imported from a file")}


@bp.post("/inventory/records/validate")
@organisation_required("read")
def validate_selected():
    """Mark the checked records validated (an admin or an auditor)."""
    actor = _actor()
    actor.require("validate")
    chosen = [int(value) for value in request.form.getlist("record") if value.isdigit()]
    if not chosen:
        flash(_("Tick the records to mark validated."), "error")
    else:
        count = records.validate_records(session=get_session(), actor=actor, record_ids=chosen)
        flash(_("%(count)s records were marked validated.", count=count), "info")
    try:
        month = parse_month(request.form.get("month", "")).strftime("%Y-%m")
    except ValueError:
        month = None
    return redirect(url_for("inventory.index", month=month, facility=request.form.get("facility", type=int)), 303)


@bp.get("/inventory/history")
@organisation_required("read")
def history_page():
    """Every change to the records, oldest first (all, or one record's): who, when, what and why."""
    session, actor = get_session(), _actor()
    actor.require("history")
    record_id = request.args.get("record", type=int)
    page = max(request.args.get("page", 1, type=int), 1)
    rows = records.history(session=session, actor=actor, record_id=record_id,
                           offset=(page - 1) * HISTORY_PAGE_SIZE, limit=HISTORY_PAGE_SIZE + 1)
    return render_template("inventory/history.html", entries=[
        (entry, records.history_changes(entry)) for entry in rows[:HISTORY_PAGE_SIZE]],
        people=records.history_people(session, rows), record_id=record_id, page=page,
        more=len(rows) > HISTORY_PAGE_SIZE, actions=HISTORY_ACTIONS)
