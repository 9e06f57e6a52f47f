"""The organiser's meeting pages: events, QR codes and poster, registrations, badge codes, the footprint dashboard."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import marshmallow as ma
from babel.dates import format_interval
from flask import (
    Blueprint,
    Response,
    flash,
    g,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask_babel import get_locale, lazy_gettext
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup

from accounts.access import organisation_required
from accounts.service import ROLE_RIGHTS
from calculators.event import answers_to_halve_interval, margin_after
from calculators.footprint import ceil_tonnes
from core import messages
from core.display import kg_text
from core.urls import public_base_url
from db import get_session
from errors import ValidationError, json_paths
from factors import default_factor_set
from factors.regions import CN_PROVINCES, KNOWN_REGIONS
from meetings import badges, charts, events, export, footprint_text, links, qr, registration_lists
from meetings import footprint as event_footprint
from meetings import responses as attendee_responses
from meetings.attendee_form import TRAVEL_MODE_LABELS  # the dashboard groups answers by the form's modes
from meetings.forms import (
    BOUNDARY_LABELS,
    GROUP_LABELS,
    MEAL_LABELS,
    MEETING_TYPE_LABELS,
    QUANTITY_LABELS,
    STRATUM_LABELS,
    WASTE_STREAM_LABELS,
    BadgeCodesForm,
    EventForm,
    RegistrationUploadForm,
    RotateLinkForm,
    SnapshotForm,
    waste_field_name,
)
from meetings.inputs import MEAL_COLUMNS, QUANTITY_UNITS, WASTE_STREAMS, factor_hints
from meetings.models import Event
from meetings.registrations import PROBLEMS as REGISTRATION_PROBLEMS
from meetings.schemas import EventCreateSchema, Problem

bp = Blueprint("meetings", __name__)
# The templates are marked in meetings.registrations (N_), which has no catalogs; pages read them through these.
messages.register({code: lazy_gettext(text) for code, text in REGISTRATION_PROBLEMS.items()})
BADGES_PER_SHEET_PAGE = 500  # inline QR codes per printed page of the badge sheet; keeps the page light


def _locale_is_zh() -> bool:
    locale = get_locale()
    return locale is not None and locale.language == "zh"


def _province_choices() -> list[tuple[str, str]]:
    zh = _locale_is_zh()
    return [(code, KNOWN_REGIONS[code].name_zh if zh else KNOWN_REGIONS[code].name_en) for code in CN_PROVINCES]


def _can_organise() -> bool:
    return "organise" in ROLE_RIGHTS[g.role]


def _local_zone() -> ZoneInfo:
    # The form's close time is the venue's civil time, which its help text calls Beijing time.
    return events.EVENT_TIMEZONE


def _apply_schema_errors(form: EventForm, errors: dict, *, skip_invalid: bool) -> list[str]:
    """Put each of the schema's errors on its field, in the reader's language; return those that belong to none.

    With `skip_invalid`, fields that already failed to parse keep only their own message (the schema saw None).
    """
    leftover: list[str] = []
    for name, problems in json_paths(errors).items():
        texts = [messages.render(p.code, _localised(p.params), fallback=str(p)) if isinstance(p, Problem) else str(p)
                 for p in problems]
        target = form.field_for(name)
        if target is None:
            leftover += [f"{name}: {text}" if name != "_schema" else text for text in texts]
        elif not (skip_invalid and target.errors):
            target.errors = [*target.errors, *texts]
    return leftover


def _localised(params: dict) -> dict:
    """Province names in the reader's language (the schema names them in English)."""
    if "province" in params and "given_code" in params and _locale_is_zh():
        return {**params, "province_name": KNOWN_REGIONS[params["province"]].name_zh,
                "given": KNOWN_REGIONS[params["given_code"]].name_zh}
    return params


def _submit(form: EventForm, save) -> tuple[bool, list[str]]:
    """Parse the form, load it through EventCreateSchema and save through `save(values)`; (saved, messages that
    belong to no field). Every problem is shown at once: the schema runs even when a field did not parse."""
    if not form.is_submitted():
        return False, []
    parsed = form.validate()  # CSRFProtect has already refused a POST without a valid token
    try:
        values = EventCreateSchema().load(form.schema_input())
    except ma.ValidationError as error:
        return False, _apply_schema_errors(form, error.messages, skip_invalid=not parsed)
    if not parsed:
        return False, []
    save(values)
    return True, []


def _form_data(event: Event) -> dict:
    data = {name: getattr(event, name) for name in (
        "name_zh", "name_en", "starts_on", "ends_on", "venue_name", "city", "province", "meeting_type",
        "expected_attendance", "actual_attendance", "boundary", "require_badge_codes",
        *QUANTITY_UNITS, *MEAL_COLUMNS)}
    data["meeting_type"] = event.meeting_type.value
    # A default close time is left blank, so that moving the dates moves it too.
    custom_close = event.closes_at != events.default_closes_at(event.ends_on)
    data["closes_at"] = event.closes_at.astimezone(_local_zone()).replace(tzinfo=None) if custom_close else None
    for key, kg in event.waste_kg.items():
        data[waste_field_name(key)] = Decimal(kg)
    return data


def _render_form(form: EventForm, event: Event | None, errors: list[str], status: int = 200):
    province = form.province.data or (event.province if event else None) or None
    return render_template(
        "meetings/form.html", form=form, event=event, form_errors=errors,
        hints=factor_hints(default_factor_set(), province), province_known=bool(province),
        quantity_units=QUANTITY_UNITS, quantity_labels=QUANTITY_LABELS, meal_labels=MEAL_LABELS,
        waste_streams=WASTE_STREAMS, waste_stream_labels=WASTE_STREAM_LABELS, waste_field_name=waste_field_name,
        boundary_labels=BOUNDARY_LABELS,
    ), status


@bp.get("/events")
@organisation_required("read")
def list_events():
    found = events.list_events(session=get_session(), organisation_id=g.organisation.id)
    return render_template("meetings/list.html", events=found, can_organise=_can_organise(),
                           meeting_types=MEETING_TYPE_LABELS)


@bp.route("/events/new", methods=["GET", "POST"])
@organisation_required("organise")
def create_event():
    form = EventForm(province_choices=_province_choices())
    created: list[Event] = []
    saved, errors = _submit(form, lambda values: created.append(events.create_event(
        session=get_session(), organisation_id=g.organisation.id, values=values)))
    if saved:
        flash(_("The meeting was created. Its QR code is ready below."), "info")
        return redirect(url_for("meetings.detail", event_id=created[0].id))
    return _render_form(form, None, errors, 422 if request.method == "POST" else 200)


@bp.route("/events/<int:event_id>/edit", methods=["GET", "POST"])
@organisation_required("organise")
def edit_event(event_id: int):
    db_session = get_session()
    event = events.get_event(session=db_session, organisation_id=g.organisation.id, event_id=event_id)
    form = EventForm(province_choices=_province_choices(),
                     data=None if request.method == "POST" else _form_data(event))
    saved, errors = _submit(form, lambda values: events.update_event(
        session=db_session, organisation_id=g.organisation.id, event_id=event_id, values=values))
    if saved:
        flash(_("The meeting was saved."), "info")
        return redirect(url_for("meetings.detail", event_id=event_id))
    return _render_form(form, event, errors, 422 if request.method == "POST" else 200)


def _input_rows(event: Event, hints: dict) -> list[tuple[str, str, object]]:
    """The organiser inputs that were given, as (label, quantity with unit, factor hint)."""
    zh = _locale_is_zh()
    rows = [(QUANTITY_LABELS[name], f"{getattr(event, name):f} {unit}", hints[name])
            for name, unit in QUANTITY_UNITS.items() if getattr(event, name) is not None]
    rows += [(label, f"{getattr(event, name)} {_('meals')}", hints[name])
             for name, label in MEAL_LABELS.items() if getattr(event, name) is not None]
    for key, kg in event.waste_kg.items():
        hint = hints[f"waste.{key}"]
        rows.append((f"{_('Waste')}: {hint.factor.label_zh if zh else hint.factor.label_en}", f"{kg} kg", hint))
    return rows


def _render_detail(event_id: int, *, upload_form=None, badge_form=None, rotate_form=None, upload_errors=(),
                   status: int = 200):
    db_session = get_session()
    org_id = g.organisation.id
    event = events.get_event(session=db_session, organisation_id=org_id, event_id=event_id)
    link = links.active_link(session=db_session, organisation_id=org_id, event_id=event_id)
    factor_set = default_factor_set()
    hints = factor_hints(factor_set, event.province)
    return render_template(
        "meetings/detail.html", event=event, link=link,
        public_url=qr.event_link(public_base_url(), link.token),
        summary=registration_lists.registration_summary(session=db_session, organisation_id=org_id, event_id=event_id),
        batches=badges.badge_batches(session=db_session, organisation_id=org_id, event_id=event_id),
        upload_form=upload_form or RegistrationUploadForm(), badge_form=badge_form or BadgeCodesForm(),
        rotate_form=rotate_form or RotateLinkForm(), upload_errors=list(upload_errors),
        can_organise=_can_organise(), meeting_types=MEETING_TYPE_LABELS, boundary_labels=BOUNDARY_LABELS,
        input_rows=_input_rows(event, hints), factor_set=factor_set, is_open=datetime.now(UTC) < event.closes_at,
    ), status


@bp.get("/events/<int:event_id>")
@organisation_required("read")
def detail(event_id: int):
    return _render_detail(event_id)


@bp.post("/events/<int:event_id>/rotate-link")
@organisation_required("organise")
def rotate_link(event_id: int):
    form = RotateLinkForm()
    if not form.validate_on_submit():
        return _render_detail(event_id, rotate_form=form, status=422)
    links.rotate_link(session=get_session(), organisation_id=g.organisation.id, event_id=event_id)
    flash(_("A new link and QR code were made. Codes printed before now tell attendees that they were "
            "replaced; print the new poster."), "info")
    return redirect(url_for("meetings.detail", event_id=event_id) + "#qr")


@bp.post("/events/<int:event_id>/registrations")
@organisation_required("organise")
def import_registrations(event_id: int):
    form = RegistrationUploadForm()
    if not form.validate_on_submit():
        return _render_detail(event_id, upload_form=form, status=422)
    raw = form.file.data.read()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        message = _("The file is not UTF-8 text. In Excel, save it as “CSV UTF-8 (comma delimited)”.")
        return _render_detail(event_id, upload_form=form, upload_errors=[message], status=422)
    try:
        summary = registration_lists.import_registrations(session=get_session(), organisation_id=g.organisation.id,
                                                          event_id=event_id, csv_text=text)
    except ValidationError as error:
        problems = error.fields.get("registrations") or [error.message]
        # Each problem is a RegistrationProblem (text plus code); the page says it in the reader's language.
        upload_errors = [messages.render(p.code, p.params, fallback=p) if hasattr(p, "code") else p
                         for p in problems]
        return _render_detail(event_id, upload_form=form, status=422, upload_errors=upload_errors)
    flash(_("The registration list was replaced: %(count)d attendees.", count=summary.total), "info")
    return redirect(url_for("meetings.detail", event_id=event_id) + "#registrations")


@bp.post("/events/<int:event_id>/badge-codes")
@organisation_required("organise")
def generate_badge_codes(event_id: int):
    form = BadgeCodesForm()
    if not form.validate_on_submit():
        return _render_detail(event_id, badge_form=form, status=422)
    try:
        codes = badges.generate_badge_codes(session=get_session(), organisation_id=g.organisation.id,
                                            event_id=event_id, count=form.count.data)
    except ValidationError as error:
        form.count.errors = [*form.count.errors, *error.fields.get("count", [error.message])]
        return _render_detail(event_id, badge_form=form, status=422)
    flash(_("%(count)d badge codes were made.", count=len(codes)), "info")
    return redirect(url_for("meetings.badge_sheet", event_id=event_id, batch=codes[0].batch))


@bp.get("/events/<int:event_id>/badge-codes/<int:batch>")
@organisation_required("organise")
def badge_sheet(event_id: int, batch: int):
    db_session = get_session()
    event = events.get_event(session=db_session, organisation_id=g.organisation.id, event_id=event_id)
    codes = badges.badge_codes(session=db_session, organisation_id=g.organisation.id, event_id=event_id,
                               batch=batch)
    pages = max(1, -(-len(codes) // BADGES_PER_SHEET_PAGE))
    raw_page = request.args.get("page", "1")
    page = int(raw_page) if raw_page.isdigit() and 1 <= int(raw_page) <= pages else 1
    shown = codes[(page - 1) * BADGES_PER_SHEET_PAGE: page * BADGES_PER_SHEET_PAGE]
    base = public_base_url()
    printed = [(badges.format_badge_code(c.code), c.used_at,
                Markup(qr.qr_svg_element(qr.badge_link(base, c.code), css_class="badge-qr")))  # noqa: S704
               for c in shown]
    return render_template("meetings/badges.html", event=event, batch=batch, badges=printed, page=page,
                           pages=pages, total=len(codes))


def _qr_response(body: bytes, mimetype: str, event_id: int, extension: str) -> Response:
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'inline; filename="event-{event_id}-qr.{extension}"'
    # A rotated link must not live on in a cache.
    response.headers["Cache-Control"] = "private, no-cache"
    return response


@bp.get("/events/<int:event_id>/qr.png")
@organisation_required("read")
def qr_png(event_id: int):
    link = links.active_link(session=get_session(), organisation_id=g.organisation.id, event_id=event_id)
    return _qr_response(qr.qr_png(qr.event_link(public_base_url(), link.token)), "image/png", event_id, "png")


@bp.get("/events/<int:event_id>/qr.svg")
@organisation_required("read")
def qr_svg(event_id: int):
    link = links.active_link(session=get_session(), organisation_id=g.organisation.id, event_id=event_id)
    return _qr_response(qr.qr_svg(qr.event_link(public_base_url(), link.token)), "image/svg+xml", event_id, "svg")


def _date_range(starts_on: date, ends_on: date, locale: str) -> str:
    return format_interval(starts_on, ends_on, skeleton="yMMMd", locale=locale)


@bp.get("/events/<int:event_id>/poster")
@organisation_required("read")
def poster(event_id: int):
    db_session = get_session()
    event = events.get_event(session=db_session, organisation_id=g.organisation.id, event_id=event_id)
    link = links.active_link(session=db_session, organisation_id=g.organisation.id, event_id=event_id)
    url = qr.event_link(public_base_url(), link.token)
    return render_template(
        "meetings/poster.html", event=event, public_url=url,
        qr_svg=Markup(qr.qr_svg_element(url, title=event.name_en, css_class="poster-qr")),  # noqa: S704
        dates_zh=_date_range(event.starts_on, event.ends_on, "zh_CN"),
        dates_en=_date_range(event.starts_on, event.ends_on, "en"),
    )


# ---- the footprint dashboard, exports and snapshots ------------------------------------------------------------

REFRESH_SECONDS = 60  # while answers come in; a minute is fresh enough for a number that moves by the hour


def _group_rows(result) -> list[tuple[str, str, Decimal, Decimal]]:
    total = result.footprint.total_kgco2e
    return [(group, str(GROUP_LABELS[group]), kg, (kg / total * 100) if total else Decimal(0))
            for group, kg in result.breakdown.items()]


@bp.get("/events/<int:event_id>/dashboard")
@organisation_required("read")
def dashboard(event_id: int):
    db_session = get_session()
    event = events.get_event(session=db_session, organisation_id=g.organisation.id, event_id=event_id)
    result = event_footprint.event_footprint_of(session=db_session, event=event, segments=True)
    respondents = result.respondents
    footprint = result.footprint
    rows = _group_rows(result)
    unit_t = _("t CO₂e")
    breakdown_svg = charts.breakdown_chart(
        [(label, kg, f"{kg_text(kg / 1000, 2)} {unit_t}") for _, label, kg, _share in rows],
        title=_("Footprint by category"))
    histogram_svg = None
    if respondents.count >= event_footprint.MIN_GROUP:
        histogram_svg = charts.histogram_chart(
            charts.histogram_bins(respondents.totals), title=_("Attendees' footprints"),
            unit=_("kg CO₂e per attendee"), more=_(" (last bar: that much or more)"))
    by_stratum, hidden_strata = event_footprint.segments(respondents, "stratum")
    by_mode, hidden_modes = event_footprint.segments(respondents, "mode")
    expected = result.attendance or (event.actual_attendance if event.actual_attendance is not None
                                     else event.expected_attendance)
    ex = footprint.extrapolation
    narrowing = None
    if ex is not None and (more := answers_to_halve_interval(ex)) is not None:
        narrowing = {"answers": more, "credits": ceil_tonnes(footprint.total_kgco2e + margin_after(ex, more))}
    snapshots = event_footprint.list_snapshots(session=db_session, organisation_id=g.organisation.id,
                                               event_id=event_id)
    current = next((s for s in snapshots if s.is_current), None)
    credits = event_footprint.credits_coverage(session=db_session, organisation_id=g.organisation.id,
                                               event_id=event_id, snapshot=current) if current else None
    return render_template(
        "meetings/dashboard.html", event=event, result=result, footprint=footprint, rows=rows,
        breakdown_svg=breakdown_svg, histogram_svg=histogram_svg, by_stratum=by_stratum, by_mode=by_mode,
        hidden_strata=hidden_strata, hidden_modes=hidden_modes, min_group=event_footprint.MIN_GROUP,
        expected=expected, coverage=(Decimal(respondents.count) / expected * 100) if expected else Decimal(0),
        stratum_labels=STRATUM_LABELS, mode_labels=TRAVEL_MODE_LABELS,
        warnings=[footprint_text.render_warning(code, params) for code, params in result.warnings],
        boundary_text=", ".join(str(BOUNDARY_LABELS[c]) for c in event.boundary),
        boundary_items=[(c, str(BOUNDARY_LABELS[c]), c in result.missing_inputs) for c in event.boundary],
        missing=[str(BOUNDARY_LABELS[c]) for c in result.missing_inputs], narrowing=narrowing,
        method_text=footprint_text.render_note(ex.method_note, ex.method) if ex else "",
        interval_text=footprint_text.render_note(ex.interval_note, ex.interval_method) if ex else "",
        assumption_texts=[footprint_text.render_note(note) for note in ex.notes] if ex else [],
        snapshots=snapshots, credits=credits, snapshot_form=SnapshotForm(), can_organise=_can_organise(),
        refresh=REFRESH_SECONDS if datetime.now(UTC) < event.closes_at else None,
    )


def _export_name(event: Event, extension: str) -> str:
    return f"event-{event.id}-responses.{extension}"


@bp.get("/events/<int:event_id>/responses.csv")
@organisation_required("read")
def export_csv(event_id: int):
    db_session = get_session()
    event = events.get_event(session=db_session, organisation_id=g.organisation.id, event_id=event_id)
    rows = attendee_responses.export_rows(session=db_session, organisation_id=g.organisation.id, event_id=event_id)
    response = Response(stream_with_context(export.responses_csv(attendee_responses.EXPORT_COLUMNS, rows)),
                        mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{_export_name(event, "csv")}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get("/events/<int:event_id>/responses.xlsx")
@organisation_required("read")
def export_xlsx(event_id: int):
    db_session = get_session()
    event = events.get_event(session=db_session, organisation_id=g.organisation.id, event_id=event_id)
    rows = attendee_responses.export_rows(session=db_session, organisation_id=g.organisation.id, event_id=event_id)
    body = export.responses_xlsx(attendee_responses.EXPORT_COLUMNS, rows)
    response = Response(body, mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response.headers["Content-Disposition"] = f'attachment; filename="{_export_name(event, "xlsx")}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.post("/events/<int:event_id>/snapshots")
@organisation_required("organise")
def take_snapshot(event_id: int):
    # The form is only its CSRF token, which CSRFProtect has already checked.
    snapshot = event_footprint.take_snapshot(session=get_session(), organisation_id=g.organisation.id,
                                             event_id=event_id, taken_by_id=current_user.id)
    flash(_("The footprint was frozen: %(tonnes)s t CO₂e, %(credits)d t of credits needed (factor set %(version)s).",
            tonnes=kg_text(snapshot.total_kgco2e / 1000, 2), credits=snapshot.credits_needed_t,
            version=snapshot.factor_set), "info")
    return redirect(url_for("meetings.dashboard", event_id=event_id) + "#snapshots")


@bp.get("/events/<int:event_id>/snapshots/<int:snapshot_id>")
@organisation_required("read")
def snapshot(event_id: int, snapshot_id: int):
    db_session = get_session()
    event = events.get_event(session=db_session, organisation_id=g.organisation.id, event_id=event_id)
    frozen = event_footprint.get_snapshot(session=db_session, organisation_id=g.organisation.id,
                                          event_id=event_id, snapshot_id=snapshot_id)
    document = frozen.footprint
    ex = document.get("extrapolation") or {}
    # Snapshots taken before the method was coded carry only its English text, shown as it is.
    method = (footprint_text.render_note({"code": ex.get("method_code"), "params": ex.get("method_params"),
                                          "text": ex.get("method", "")}) if ex else "")
    interval = (footprint_text.render_note({"code": ex.get("interval_code"), "params": ex.get("interval_params"),
                                            "text": ex.get("interval_method", "")}) if ex else "")
    missing = document.get("missing_inputs", [])
    return render_template("meetings/snapshot.html", event=event, snapshot=frozen, document=document,
                           group_labels=GROUP_LABELS, zh=_locale_is_zh(), method_text=method,
                           method_coded=bool(ex.get("method_code")), interval_text=interval,
                           assumption_texts=[footprint_text.render_note(note) for note in ex.get("notes", [])],
                           missing=[str(BOUNDARY_LABELS.get(key, key)) for key in missing],
                           boundary_items=[(key, str(BOUNDARY_LABELS.get(key, key)), key in missing)
                                           for key in document.get("boundary", [])])
