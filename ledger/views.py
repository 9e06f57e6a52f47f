"""The ledger's pages: the public ledger and retirements, the platform's admin pages, an organisation's credits."""

from __future__ import annotations

import secrets
from math import ceil
from zoneinfo import ZoneInfo

import marshmallow as ma
from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from accounts.access import is_platform_admin, organisation_required, platform_admin_required
from accounts.service import ROLE_RIGHTS
from core import messages
from core.schema_messages import translate
from db import get_session
from errors import DomainError, NotFound, ValidationError, json_paths
from ledger import queries
from ledger.checkpoint import make_checkpoint, signer_for
from ledger.merkle import verify_inclusion
from ledger.models import BlockStatus, ProjectType, Registry
from ledger.proofs import inclusion_proof
from ledger.schemas import (
    MAX_STATEMENT_BYTES,
    PUBLIC_PAGE_SIZE,
    SUBJECT_KIND_CHOICES,
    EventRetirementSchema,
    InvalidationCreateSchema,
    IssuanceCreateSchema,
    PoolTransferSchema,
    Problem,
    ProjectCreateSchema,
    RetirementQueryArgsSchema,
    SerialSearchArgsSchema,
    StatementUploadSchema,
)

bp = Blueprint("ledger", __name__)

PROJECT_TYPE_LABELS = {
    ProjectType.ccer_afforestation.value: _l("CCER afforestation (造林碳汇)"),
    ProjectType.ccer_forest_management.value: _l("CCER forest management (森林经营碳汇)"),
    ProjectType.ccer_bamboo_afforestation.value: _l("CCER bamboo afforestation (竹子造林碳汇)"),
    ProjectType.ccer_bamboo_management.value: _l("CCER bamboo management (竹子经营碳汇)"),
    ProjectType.ccer_grassland_management.value: _l("CCER grassland management (草地经营碳汇)"),
    ProjectType.ccer_mangrove.value: _l("CCER mangrove planting (红树林营造)"),
    ProjectType.vcs.value: _l("VCS (Verra)"),
    ProjectType.gold_standard.value: _l("Gold Standard"),
}
REGISTRY_LABELS = {
    Registry.ccer.value: _l("CCER registry (China)"),
    Registry.verra.value: _l("Verra registry"),
    Registry.gold_standard.value: _l("Gold Standard registry"),
    Registry.undp.value: _l("National registry (UNFCCC format)"),
}
SUBJECT_KIND_LABELS = {
    "event_snapshot": _l("Meeting footprint"),
    "inventory_period": _l("Enterprise inventory period"),
    "personal_footprint": _l("Personal footprint"),
}
STATUS_LABELS = {
    BlockStatus.held.value: _l("Held"),
    BlockStatus.retired.value: _l("Retired"),
    BlockStatus.invalidated.value: _l("Invalidated"),
    BlockStatus.split.value: _l("Split"),
}
messages.register({
    "ledger.search_number_too_large": _l("“%(given)s” is larger than any serial number."),
})


@bp.app_context_processor
def _ledger_labels():
    return {"project_type_labels": PROJECT_TYPE_LABELS, "registry_labels": REGISTRY_LABELS,
            "subject_kind_labels": SUBJECT_KIND_LABELS, "block_status_labels": STATUS_LABELS}


def _zone() -> ZoneInfo:
    return ZoneInfo(current_app.extensions["settings"].default_timezone)


def _signer():
    return signer_for(current_app.extensions["settings"])


def _platform_slug() -> str:
    return current_app.extensions["settings"].platform_org_slug


def _shown_errors(error: ma.ValidationError) -> dict[str, list[str]]:
    """A schema's errors in the reader's language, by field."""
    return {name: [messages.render(p.code, p.params, fallback=str(p)) if isinstance(p, Problem) else translate(str(p))
                   for p in problems] for name, problems in json_paths(error.messages).items()}


def _domain_errors(error: DomainError) -> tuple[str, dict[str, list[str]]]:
    """A service's refusal, as a message and per-field reasons (file:line for statements)."""
    fields = {name: [str(reason) for reason in reasons] if isinstance(reasons, list | tuple) else [str(reasons)]
              for name, reasons in (error.fields or {}).items()}
    return error.message, fields


def _page_number() -> int:
    try:
        page = int(request.args.get("page", "1"))
    except ValueError:
        return 1
    return min(max(page, 1), 100_000)


# ---- public ---------------------------------------------------------------------------------------------------------

def _filters() -> tuple[dict, dict[str, list[str]]]:
    try:
        return RetirementQueryArgsSchema().load(request.args.to_dict(), unknown=ma.EXCLUDE), {}
    except ma.ValidationError as error:
        return {}, _shown_errors(error)


@bp.get("/ledger")
def index():
    session = get_session()
    filters, errors = _filters()
    page = _page_number()
    rows, total = queries.list_retirements(session, filters=filters, offset=(page - 1) * PUBLIC_PAGE_SIZE,
                                           limit=PUBLIC_PAGE_SIZE, zone=_zone())
    pages = max(1, ceil(total / PUBLIC_PAGE_SIZE))
    query = {k: v for k, v in request.args.items() if k != "page" and v}
    return render_template(
        "ledger/index.html", rows=rows, total=total, page=page, pages=pages, query=query, filters=filters,
        filter_errors=errors, args=request.args, projects=queries.list_projects(session),
        checkpoint=make_checkpoint(session, _signer()), subject_kinds=SUBJECT_KIND_CHOICES,
        is_platform_admin=is_platform_admin(),
    ), 422 if errors else 200


@bp.get("/ledger/retirements.csv")
def retirements_csv():
    filters, errors = _filters()
    if errors:
        first = next(iter(errors))
        raise ValidationError(f"invalid filter: {first}: {errors[first][0]}", fields=errors)
    body = queries.retirements_csv(get_session(), filters=filters, zone=_zone())
    return Response(stream_with_context(body), mimetype="text/csv", headers={
        "Content-Disposition": "attachment; filename=tanzhong-retirements.csv"})


@bp.get("/ledger/retirements/<public_id>")
def retirement(public_id: str):
    session = get_session()
    if len(public_id) > 32:
        raise NotFound("no retirement has this id")
    row = queries.get_retirement(session, public_id=public_id)
    proof = verified = None
    if row.retirement.log_seq is not None:
        proof = inclusion_proof(session=session, signer=_signer(), index=row.retirement.log_seq)
        verified = verify_inclusion(proof.index, proof.size, bytes.fromhex(proof.leaf_hash),
                                    [bytes.fromhex(h) for h in proof.audit_path], bytes.fromhex(proof.root_hash))
    return render_template("ledger/retirement.html", row=row, r=row.retirement, proof=proof, verified=verified)


@bp.get("/ledger/search")
def search():
    session = get_session()
    try:
        args = SerialSearchArgsSchema().load(request.args.to_dict(), unknown=ma.EXCLUDE)
    except ma.ValidationError as error:
        return render_template("ledger/search.html", result=None, args=request.args,
                               errors=_shown_errors(error)), 422
    result = queries.search_serial(session, serial=args["serial"], namespace=args["namespace"])
    problem = None
    if result.problem:
        problem = _("“%(text)s” is not a serial number this ledger can read: paste a Verra, Gold Standard or "
                    "UNFCCC serial as the registry wrote it, or type one number.", text=args["serial"])
    return render_template("ledger/search.html", result=result, args=args, errors={}, problem=problem,
                           searched=bool(args["serial"])), 422 if problem else 200


@bp.get("/ledger/projects/<int:project_id>")
def project(project_id: int):
    session = get_session()
    found = queries.get_project(session, project_id=project_id)
    rows, total = queries.list_retirements(session, filters={"project_id": project_id}, offset=0, limit=20,
                                           zone=_zone())
    from factors.regions import KNOWN_REGIONS

    region = KNOWN_REGIONS.get(found.province) if found.province else None
    province_name = (region.name_zh if _zh() else region.name_en) if region else (found.province or "")
    return render_template("ledger/project.html", project=found, province_name=province_name,
                           figures=queries.project_figures(session, project_id=project_id), rows=rows, total=total)


# ---- platform admin -------------------------------------------------------------------------------------------------

@bp.get("/ledger/admin")
@platform_admin_required("manage the ledger")
def admin():
    session = get_session()
    pool_id = queries.pool_account_id(session)
    return render_template("ledger/admin.html", projects=queries.list_projects(session),
                           holdings=queries.holdings_of(session, account_id=pool_id),
                           transfers=queries.recent_transfers(session, account_id=pool_id),
                           transfer_form={}, errors={}, organisations=_customer_organisations())


def _customer_organisations():
    return [o for o in queries.organisations(get_session()) if o.slug != _platform_slug()]


@bp.route("/ledger/admin/projects/new", methods=["GET", "POST"])
@platform_admin_required("manage the ledger")
def create_project():
    from ledger.projects import create_project as create

    errors: dict[str, list[str]] = {}
    message = None
    form = request.form.to_dict() if request.method == "POST" else {"country": "CN"}
    if request.method == "POST":
        data = {k: v for k, v in form.items() if k != "csrf_token" and not k.startswith("link_")}
        data["links"] = [{"label": form.get(f"link_label_{i}", ""), "url": form.get(f"link_url_{i}", "")}
                         for i in range(3) if form.get(f"link_url_{i}", "").strip()
                         or form.get(f"link_label_{i}", "").strip()]
        try:
            values = ProjectCreateSchema().load(data)
            created = create(get_session(), values=values)
        except ma.ValidationError as error:
            errors = _shown_errors(error)
        except DomainError as error:
            message, errors = _domain_errors(error)
        else:
            flash(_("The project was registered."), "info")
            return redirect(url_for("ledger.project", project_id=created.id))
    return render_template("ledger/project_form.html", form=form, errors=errors, message=message,
                           provinces=_province_choices()), 422 if request.method == "POST" else 200


def _province_choices() -> list[tuple[str, str]]:
    from factors.regions import CN_PROVINCES, KNOWN_REGIONS

    zh = (get_locale() is not None and get_locale().language == "zh")
    return [(code, KNOWN_REGIONS[code].name_zh if zh else KNOWN_REGIONS[code].name_en) for code in CN_PROVINCES]


@bp.route("/ledger/admin/issuance", methods=["GET", "POST"])
@platform_admin_required("manage the ledger")
def issuance():
    from ledger.accounts import pool_account
    from ledger.issuance import issue

    session = get_session()
    errors: dict[str, list[str]] = {}
    message = None
    form = request.form.to_dict() if request.method == "POST" else {}
    if request.method == "POST":
        try:
            values = IssuanceCreateSchema().load({k: v for k, v in form.items() if k != "csrf_token"
                                                  and (v != "" or k == "serial_text")}, unknown=ma.EXCLUDE)
            block = issue(session, project_id=values["project_id"], account_id=pool_account(session).id,
                          serial_text=values["serial_text"], vintage=values["vintage"],
                          serial_start=values["serial_start"], serial_end=values["serial_end"],
                          quantity=values["quantity"], is_ex_ante=values["is_ex_ante"], source="form",
                          recorded_by_id=current_user.id)
        except ma.ValidationError as error:
            errors = _shown_errors(error)
        except DomainError as error:
            message, errors = _domain_errors(error)
        else:
            flash(_("%(quantity)s t issued into the pool (serials %(start)s–%(end)s).", quantity=block.quantity,
                    start=block.serial_start, end=block.serial_end), "info")
            return redirect(url_for("ledger.issuance"))
    return _render_issuance(form, errors, message, {}, None, 422 if request.method == "POST" else 200)


def _render_issuance(form, errors, message, statement_errors, statement_message, status):
    return render_template("ledger/issuance.html", form=form, errors=errors, message=message,
                           statement_errors=statement_errors, statement_message=statement_message,
                           projects=queries.list_projects(get_session()),
                           max_statement_kb=MAX_STATEMENT_BYTES // 1000), status


@bp.post("/ledger/admin/issuance/statement")
@platform_admin_required("manage the ledger")
def import_statement():
    from ledger.accounts import pool_account
    from ledger.issuance import import_statement as import_csv

    session = get_session()
    upload = request.files.get("file")
    statement_errors: dict[str, list[str]] = {}
    message = None
    try:
        values = StatementUploadSchema().load({"project_id": request.form.get("project_id", "")}, unknown=ma.EXCLUDE)
    except ma.ValidationError as error:
        statement_errors = _shown_errors(error)
        return _render_issuance({}, {}, None, statement_errors, None, 422)
    if upload is None or not upload.filename:
        return _render_issuance({}, {}, None, {"file": [_("Choose the registry statement (CSV).")]}, None, 422)
    raw = upload.read(MAX_STATEMENT_BYTES + 1)
    if len(raw) > MAX_STATEMENT_BYTES:
        return _render_issuance({}, {}, None, {"file": [_("The file is larger than %(kb)s kB.",
                                                          kb=MAX_STATEMENT_BYTES // 1000)]}, None, 422)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return _render_issuance({}, {}, None, {"file": [_("The file is not UTF-8 text.")]}, None, 422)
    try:
        blocks = import_csv(session, project_id=values["project_id"], account_id=pool_account(session).id,
                            file_name=upload.filename[:100], text=text, recorded_by_id=current_user.id)
    except DomainError as error:
        message, statement_errors = _domain_errors(error)
        return _render_issuance({}, {}, None, statement_errors, message, 422)
    flash(_("%(count)s blocks, %(tonnes)s t, issued into the pool from %(file)s.", count=len(blocks),
            tonnes=sum(b.quantity for b in blocks), file=upload.filename), "info")
    return redirect(url_for("ledger.issuance"))


@bp.post("/ledger/admin/pool/transfers")
@platform_admin_required("manage the ledger")
def pool_transfer():
    from ledger.accounts import account_of, pool_account
    from ledger.transfers import transfer

    session = get_session()
    form = request.form.to_dict()
    errors: dict[str, list[str]] = {}
    message = None
    try:
        values = PoolTransferSchema().load({k: v for k, v in form.items() if k != "csrf_token" and v != ""},
                                           unknown=ma.EXCLUDE)
        organisation = next((o for o in _customer_organisations() if o.id == values["organisation_id"]), None)
        if organisation is None:
            raise ma.ValidationError({"organisation_id": [_("Choose an organisation.")]})
        moved = transfer(session, from_account_id=pool_account(session).id,
                         to_account_id=account_of(session, organisation.id).id, tonnes=values["tonnes"],
                         price_per_tonne_cny=values["price_per_tonne_cny"], note=values["note"],
                         recorded_by_id=current_user.id)
    except ma.ValidationError as error:
        errors = _shown_errors(error)
    except DomainError as error:
        message, errors = _domain_errors(error)
    else:
        flash(_("%(tonnes)s t moved from the pool to %(organisation)s.", tonnes=moved.quantity,
                organisation=organisation.name_zh if _zh() else organisation.name_en), "info")
        return redirect(url_for("ledger.admin"))
    pool_id = queries.pool_account_id(session)
    return render_template("ledger/admin.html", projects=queries.list_projects(session),
                           holdings=queries.holdings_of(session, account_id=pool_id),
                           transfers=queries.recent_transfers(session, account_id=pool_id),
                           transfer_form=form, errors=errors, message=message,
                           organisations=_customer_organisations()), 422


def _zh() -> bool:
    locale = get_locale()
    return locale is not None and locale.language == "zh"


@bp.route("/ledger/admin/invalidations", methods=["GET", "POST"])
@platform_admin_required("manage the ledger")
def invalidation():
    from ledger.invalidation import invalidate

    errors: dict[str, list[str]] = {}
    message = None
    form = request.form.to_dict() if request.method == "POST" else {}
    if request.method == "POST":
        try:
            values = InvalidationCreateSchema().load({k: v for k, v in form.items() if k != "csrf_token"},
                                                     unknown=ma.EXCLUDE)
            invalidate(get_session(), registry=values["registry_name"], serial_namespace=values["serial_namespace"],
                       serial_start=values["serial_start"], serial_end=values["serial_end"],
                       reason=values["reason"], recorded_by_id=current_user.id)
        except ma.ValidationError as error:
            errors = _shown_errors(error)
        except DomainError as error:
            message, errors = _domain_errors(error)
        else:
            flash(_("Serials %(start)s–%(end)s of %(namespace)s are recorded as invalidated.",
                    start=values["serial_start"], end=values["serial_end"],
                    namespace=values["serial_namespace"]), "info")
            return redirect(url_for("ledger.invalidation"))
    return render_template("ledger/invalidation.html", form=form, errors=errors,
                           message=message), 422 if request.method == "POST" else 200


# ---- an organisation's own credits ----------------------------------------------------------------------------------

def _can_organise() -> bool:
    return "organise" in ROLE_RIGHTS[g.role]


@bp.get("/ledger/holdings")
@organisation_required("read")
def holdings():
    session = get_session()
    account_id = queries.account_id_of(session, organisation_id=g.organisation.id)
    held = queries.holdings_of(session, account_id=account_id)
    blocks, _total = queries.blocks_of(session, account_id=account_id, offset=0, limit=200)
    return render_template("ledger/holdings.html", holdings=held, blocks=blocks,
                           retirable=queries.retirable_tonnes(held), can_organise=_can_organise())


def event_coverage(session, *, organisation_id: int, event, snapshot):
    from meetings.footprint import credits_coverage

    return credits_coverage(session=session, organisation_id=organisation_id, event_id=event.id, snapshot=snapshot)


@bp.route("/ledger/retire", methods=["GET", "POST"])
@organisation_required("organise")
def retire_for_meeting():
    from meetings.footprint import current_snapshots

    session = get_session()
    choices = current_snapshots(session=session, organisation_id=g.organisation.id)
    chosen_id = request.values.get("snapshot_id", "")
    chosen = None
    if chosen_id:
        chosen = next(((e, s) for e, s in choices if str(s.id) == chosen_id), None)
        if chosen is None:
            raise NotFound("no current footprint snapshot of your meetings has this id")
    elif len(choices) == 1:
        chosen = choices[0]
    organisation_name = g.organisation.name_zh if _zh() else g.organisation.name_en
    errors: dict[str, list[str]] = {}
    message = None
    form = request.form.to_dict() if request.method == "POST" else {}
    if request.method == "POST":
        if chosen is None:
            raise NotFound("choose one of your meetings")
        event, snapshot = chosen
        try:
            values = EventRetirementSchema().load({k: v for k, v in form.items() if k != "csrf_token"},
                                                  unknown=ma.EXCLUDE)
            done = _retire_shortfall(session, event, snapshot, values)
        except ma.ValidationError as error:
            errors = _shown_errors(error)
        except DomainError as error:
            message, errors = _retire_refusal(error)
        else:
            if done is None:
                flash(_("This meeting's credits are already retired; nothing more was retired."), "info")
            else:
                flash(_("%(tonnes)s t retired for %(meeting)s.", tonnes=done.tonnes,
                        meeting=event.name(_locale_code())), "info")
            return redirect(url_for("ledger.retire_for_meeting", snapshot_id=snapshot.id))
    account_id = queries.account_id_of(session, organisation_id=g.organisation.id)
    held = queries.holdings_of(session, account_id=account_id)
    covered = event_coverage(session, organisation_id=g.organisation.id, event=chosen[0], snapshot=chosen[1]) \
        if chosen else None
    retirements = []
    if chosen:
        from meetings.footprint import snapshot_ids_of

        for snapshot_id in snapshot_ids_of(session=session, organisation_id=g.organisation.id,
                                           event_id=chosen[0].id):
            retirements += queries.retirements_of_subject(session, subject_kind="event_snapshot",
                                                          subject_id=snapshot_id)
    defaults = {
        "beneficiary": organisation_name,
        "reason": _("Carbon neutrality of the meeting %(meeting)s", meeting=chosen[0].name(_locale_code()))
        if chosen else "",
        "idempotency_key": secrets.token_urlsafe(24),
    }
    return render_template("ledger/retire.html", choices=choices, chosen=chosen, coverage=covered,
                           retirable=queries.retirable_tonnes(held), form={**defaults, **form,
                           "idempotency_key": form.get("idempotency_key") or defaults["idempotency_key"]},
                           errors=errors, message=message, retirements=retirements), \
        422 if request.method == "POST" else 200


def _locale_code() -> str:
    return "zh_CN" if _zh() else "en"


def _retire_shortfall(session, event, snapshot, values):
    """Retire the meeting's shortfall now; None when nothing is missing (a repeated click after success)."""
    from ledger.accounts import account_of
    from ledger.retirement import retire

    covered = event_coverage(session, organisation_id=g.organisation.id, event=event, snapshot=snapshot)
    if covered.shortfall == 0:
        return None
    return retire(session, account_id=account_of(session, g.organisation.id).id, tonnes=covered.shortfall,
                  subject_kind="event_snapshot", subject_id=snapshot.id, beneficiary=values["beneficiary"],
                  reason=values["reason"], idempotency_key=values["idempotency_key"],
                  recorded_by_id=current_user.id)


def _retire_refusal(error: DomainError) -> tuple[str, dict[str, list[str]]]:
    if error.code == "insufficient_credits":
        return _("Your organisation holds %(held)s t that can be retired, fewer than the %(requested)s t needed. "
                 "Buy credits from the platform first.", held=getattr(error, "held", "?"),
                 requested=getattr(error, "requested", "?")), {}
    return _domain_errors(error)
