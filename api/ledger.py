"""The credit ledger over JSON: projects, the caller's blocks and holdings, retirements (public list, and retiring)."""

from __future__ import annotations

from functools import wraps
from zoneinfo import ZoneInfo

import marshmallow as ma
from flask import current_app, g, jsonify, request, session, url_for
from flask.views import MethodView
from flask_login import current_user
from flask_wtf.csrf import CSRFError, validate_csrf
from wtforms.validators import ValidationError as CsrfInvalid

from accounts import service as accounts
from accounts.access import ORG_SESSION_KEY
from api import Blueprint
from api.auth import SECURITY
from core.urls import public_base_url
from db import get_session
from errors import AuthenticationFailed, NotFound, ValidationError
from ledger import queries
from ledger.accounts import account_of, pool_account
from ledger.retirement import InsufficientCredits, retire
from ledger.schemas import (
    BlockSchema,
    HoldingSchema,
    ProjectSchema,
    RetirementCreateSchema,
    RetirementQueryArgsSchema,
    RetirementSchema,
)

blp = Blueprint("api_ledger", __name__, url_prefix="/api/v1/ledger",
                description="Forestry carbon-sink credits: projects and retirements are public; blocks, holdings and "
                            "retiring need an organisation API key (or a signed-in organiser's session)")

IDEMPOTENCY_HEADER = "Idempotency-Key"


def _settings():
    return current_app.extensions["settings"]


def ledger_caller(right: str):
    """The calling organisation, from an API key (`Authorization: Bearer`) or a signed-in member's session.

    A session may write only with the page's CSRF token in `X-CSRFToken`: the API is exempt from the forms' CSRF
    check because keys are not cookies, and a cookie must not let another site retire credits.
    """

    def decorator(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            db_session = get_session()
            g.api_user_id = None
            if "Authorization" in request.headers or not current_user.is_authenticated:
                header = request.headers.get("Authorization", "")
                scheme, _, secret = header.partition(" ")
                if scheme.lower() != "bearer" or not secret:
                    raise AuthenticationFailed("send an organisation API key as 'Authorization: Bearer tzk_...'")
                _key, g.api_organisation = accounts.authenticate_api_key(
                    session=db_session, secret=secret, right="read" if right == "read" else "organise")
            else:
                memberships = accounts.memberships_of(session=db_session, user_id=current_user.id)
                if not memberships:
                    raise NotFound("you are not a member of any organisation")
                chosen = session.get(ORG_SESSION_KEY)
                membership, organisation = next(((m, o) for m, o in memberships if o.id == chosen), memberships[0])
                accounts.require_right(membership.role, right)
                if right != "read":
                    try:
                        validate_csrf(request.headers.get("X-CSRFToken"))
                    except CsrfInvalid as error:
                        raise CSRFError(f"send the page's CSRF token in X-CSRFToken: {error}") from None
                g.api_organisation = organisation
                g.api_user_id = current_user.id
            return view(*args, **kwargs)

        return wrapper

    return decorator


def _account_id_for_caller() -> int | None:
    """The pool for the platform organisation, else the caller's own account (None before it held anything)."""
    db_session = get_session()
    if g.api_organisation.slug == _settings().platform_org_slug:
        return queries.pool_account_id(db_session)
    return queries.account_id_of(db_session, organisation_id=g.api_organisation.id)


def retirement_out(row: queries.RetirementRow) -> dict:
    r = row.retirement
    return {
        "public_id": r.public_id, "tonnes": r.tonnes, "subject_kind": r.subject_kind, "subject_id": r.subject_id,
        "beneficiary": r.beneficiary, "reason": r.reason, "policy": r.policy, "retired_at": r.created_at,
        "log_seq": r.log_seq, "entry_hash": row.entry_hash,
        "url": public_base_url().rstrip("/") + url_for("ledger.retirement", public_id=r.public_id),
        "parts": [{"project_id": p.project.id, "project_name_zh": p.project.name_zh,
                   "project_name_en": p.project.name_en, "registry_name": str(p.project.registry_name),
                   "serial_namespace": p.block.serial_namespace, "serial_text": p.block.serial_text,
                   "vintage": p.part.vintage, "serial_start": p.part.serial_start, "serial_end": p.part.serial_end,
                   "quantity": p.part.quantity} for p in row.parts],
    }


def _holding_out(h: queries.HoldingRow) -> dict:
    return {"project_id": h.project.id, "project_name_zh": h.project.name_zh, "project_name_en": h.project.name_en,
            "project_type": str(h.project.project_type), "vintage": h.vintage, "is_ex_ante": h.is_ex_ante,
            "tonnes": h.tonnes}


@blp.route("/projects")
class Projects(MethodView):
    @blp.response(200, ProjectSchema(many=True))
    def get(self):
        """Every credit project the ledger holds credits of (demo projects say so in `is_demo`)."""
        return queries.list_projects(get_session())


@blp.route("/projects/<int:project_id>")
class ProjectDetail(MethodView):
    @blp.response(200, ProjectSchema)
    @blp.alt_response(404, description="No such project")
    def get(self, project_id):
        """One credit project."""
        return queries.get_project(get_session(), project_id=project_id)


@blp.route("/blocks")
class Blocks(MethodView):
    decorators = [ledger_caller("read")]

    @blp.response(200, BlockSchema(many=True))
    @blp.paginate()
    @blp.alt_response(401, description="Missing, unknown or revoked API key")
    @blp.doc(security=SECURITY)
    def get(self, pagination_parameters):
        """The caller's live serial blocks (the pool's, for the platform organisation), oldest vintage first."""
        blocks, total = queries.blocks_of(get_session(), account_id=_account_id_for_caller(),
                                          offset=pagination_parameters.first_item,
                                          limit=pagination_parameters.page_size)
        pagination_parameters.item_count = total
        return blocks


@blp.route("/holdings")
class Holdings(MethodView):
    decorators = [ledger_caller("read")]

    @blp.response(200, HoldingSchema(many=True))
    @blp.alt_response(401, description="Missing, unknown or revoked API key")
    @blp.doc(security=SECURITY)
    def get(self):
        """Tonnes the caller holds, per project, vintage and ex-ante flag (ex-ante tonnes cannot be retired)."""
        return [_holding_out(h) for h in queries.holdings_of(get_session(), account_id=_account_id_for_caller())]


@blp.route("/retirements")
class Retirements(MethodView):
    @blp.arguments(RetirementQueryArgsSchema(), location="query", unknown=ma.RAISE)
    @blp.response(200, RetirementSchema(many=True))
    @blp.paginate()
    @blp.alt_response(422, description="An invalid filter; `fields` names it")
    def get(self, filters, pagination_parameters):
        """Public: every retirement, newest first, with its serial ranges and log entry hash."""
        rows, total = queries.list_retirements(
            get_session(), filters=filters, offset=pagination_parameters.first_item,
            limit=pagination_parameters.page_size, zone=ZoneInfo(_settings().default_timezone))
        pagination_parameters.item_count = total
        return [retirement_out(row) for row in rows]

    @ledger_caller("organise")
    @blp.arguments(RetirementCreateSchema(), unknown=ma.RAISE)
    @blp.response(201, RetirementSchema)
    @blp.alt_response(401, description="Missing, unknown or revoked API key")
    @blp.alt_response(403, description="A read-only API key or role; retiring needs an organiser")
    @blp.alt_response(409, description="`insufficient_credits` (fields `requested` and `held`, in tonnes), or an "
                                       "idempotency key already used for another request")
    @blp.alt_response(422, description="Invalid input; `fields` names each bad field")
    @blp.doc(security=SECURITY, parameters=[{
        "in": "header", "name": IDEMPOTENCY_HEADER, "required": False, "schema": {"type": "string", "maxLength": 128},
        "description": "Retrying with the same key returns the first retirement instead of retiring twice"}])
    def post(self, data):
        """Retire tonnes from the caller's account against a subject, oldest vintage first; all or nothing."""
        db_session = get_session()
        key = data.get("idempotency_key") or request.headers.get(IDEMPOTENCY_HEADER, "").strip()
        if not key:
            raise ValidationError("send an Idempotency-Key header or an idempotency_key field",
                                  fields={"idempotency_key": ["required (or the Idempotency-Key header)"]})
        try:
            RetirementCreateSchema().load({**data, "idempotency_key": key}, partial=True)
        except ma.ValidationError as error:
            raise ValidationError(f"invalid Idempotency-Key: {error.messages['idempotency_key'][0]}",
                                  fields={"idempotency_key": error.messages["idempotency_key"]}) from None
        try:
            done = retire(db_session, account_id=account_of(db_session, g.api_organisation.id).id
                          if g.api_organisation.slug != _settings().platform_org_slug else pool_account(db_session).id,
                          tonnes=data["tonnes"], subject_kind=data["subject_kind"], subject_id=data["subject_id"],
                          beneficiary=data["beneficiary"], reason=data["reason"], policy=data["policy"],
                          idempotency_key=key, recorded_by_id=g.api_user_id)
        except InsufficientCredits as error:
            return jsonify(error={"code": error.code, "message": error.message, "fields": {
                "tonnes": [error.message], "requested": [str(error.requested)], "held": [str(error.held)]},
                "requested": error.requested, "held": error.held}), 409
        return retirement_out(queries.get_retirement(db_session, public_id=done.public_id))


@blp.route("/retirements/<string(maxlength=32):public_id>")
class RetirementDetail(MethodView):
    @blp.response(200, RetirementSchema)
    @blp.alt_response(404, description="No retirement has this id")
    def get(self, public_id):
        """Public: one retirement with its serial ranges and log entry hash."""
        return retirement_out(queries.get_retirement(get_session(), public_id=public_id))
