"""The ledger's input and output: one marshmallow schema per use case, shared by the HTML forms and the API."""

from __future__ import annotations

import re
from decimal import Decimal

import marshmallow as ma
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from marshmallow import fields, validate

from core import messages
from errors import ValidationError as DomainValidationError
from factors.regions import CN_PROVINCES
from ledger.blocks import parse_policy
from ledger.models import ProjectType, Registry
from ledger.retirement import MAX_IDEMPOTENCY_KEY, SUBJECT_KINDS

# Limits, each named once: the forms, the API and the documentation read them from here.
MAX_TONNES = 1_000_000  # one retirement, sale or grant; far above any meeting, far below an int8 overflow
MAX_SERIAL = 10**15  # registries number serials well below this; keeps start/end inside a BIGINT
MIN_VINTAGE, MAX_VINTAGE = 1990, 2100
MAX_PRICE_PER_TONNE_CNY = Decimal("100000")
MAX_SERIAL_TEXT = 300
MAX_BENEFICIARY = 200
MAX_REASON = 500
MAX_NOTE = 500
MAX_LINKS = 20
MAX_DESCRIPTION = 5000
MAX_STATEMENT_BYTES = 1_000_000  # a registry statement CSV; thousands of lines
MAX_SEARCH_TEXT = 300
PUBLIC_PAGE_SIZE = 50
MAX_CSV_ROWS = 100_000

SUBJECT_KIND_CHOICES = SUBJECT_KINDS
IDEMPOTENCY_KEY_PATTERN = re.compile(rf"\A[A-Za-z0-9_.:-]{{8,{MAX_IDEMPOTENCY_KEY}}}\Z")

LEDGER_MESSAGES = {
    "ledger.programme_type_needed": _l("A VCS or Gold Standard project needs its programme project type "
                                       "(e.g. ARR)."),
    "ledger.province_outside_china": _l("A province is given only for a project in China (country CN)."),
    "ledger.unknown_province": _l("Unknown province code “%(given)s”."),
    "ledger.serials_reversed": _l("The last serial (%(end)s) is before the first (%(start)s)."),
    "ledger.serial_half_given": _l("Give both the first and the last serial, or neither."),
    "ledger.date_range_reversed": _l("The end date is before the start date."),
    "ledger.idempotency_key_format": _l("8 to %(max)s letters, digits or . _ : -"),
    "ledger.unknown_policy": _l("Unknown policy “%(given)s”: oldest_vintage, prefer_type:<project type> or "
                                "prefer_province:<province code>."),
    "ledger.blank": _l("This field may not be blank."),
}
messages.register(LEDGER_MESSAGES)


class Problem(str):
    """A validation message with its code and parameters: the API sends its English text, pages render the code
    in the reader's language."""

    code: str
    params: dict

    def __new__(cls, code: str, **params):
        with force_locale("en"):
            problem = super().__new__(cls, messages.render(code, params))
        problem.code, problem.params = code, params
        return problem

    def format(self, *_args, **_kwargs) -> Problem:
        return self


def _problem(code: str, **params) -> ma.ValidationError:
    return ma.ValidationError(Problem(code, **params))


def _not_blank(value: str) -> None:
    if not value.strip():
        raise _problem("ledger.blank")


def _text(max_length: int, *, required: bool = True, **kwargs) -> fields.String:
    validators = [validate.Length(max=max_length)]
    if required:
        validators.append(_not_blank)
    return fields.String(required=required, validate=validators, **kwargs)


def _tonnes(**kwargs) -> fields.Integer:
    return fields.Integer(strict=False, validate=validate.Range(min=1, max=MAX_TONNES), **kwargs)


def _serial(**kwargs) -> fields.Integer:
    return fields.Integer(validate=validate.Range(min=0, max=MAX_SERIAL), **kwargs)


class _Strip(ma.Schema):
    """Strips surrounding white space from every text input before it is checked."""

    @ma.pre_load
    def _strip(self, data, **_kwargs):
        if not isinstance(data, dict):
            return data
        return {key: value.strip() if isinstance(value, str) else value for key, value in data.items()}


# ---- projects -------------------------------------------------------------------------------------------------------

class ProjectLinkSchema(ma.Schema):
    label = _text(100)
    url = fields.Url(required=True, schemes={"https", "http"}, validate=validate.Length(max=500))


class ProjectCreateSchema(_Strip):
    """A credit project as an admin registers it."""

    project_type = fields.String(required=True, validate=validate.OneOf([t.value for t in ProjectType]))
    registry_name = fields.String(required=True, validate=validate.OneOf([r.value for r in Registry]))
    registry_project_id = _text(64)
    programme_project_type = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=100))
    methodology_id = _text(64)
    name_zh = _text(200)
    name_en = _text(200)
    country = fields.String(load_default="CN", validate=validate.Regexp(r"\A[A-Z]{2}\Z"))
    province = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=32))
    developer = _text(200)
    description_zh = fields.String(load_default="", validate=validate.Length(max=MAX_DESCRIPTION))
    description_en = fields.String(load_default="", validate=validate.Length(max=MAX_DESCRIPTION))
    links = fields.List(fields.Nested(ProjectLinkSchema), load_default=list, validate=validate.Length(max=MAX_LINKS))

    @ma.post_load
    def _consistent(self, data, **_kwargs):
        problems: dict[str, list] = {}
        if not data.get("programme_project_type"):
            data["programme_project_type"] = None
        if not data.get("province"):
            data["province"] = None
        if data["project_type"] in (ProjectType.vcs.value, ProjectType.gold_standard.value) \
                and not data["programme_project_type"]:
            problems["programme_project_type"] = [Problem("ledger.programme_type_needed")]
        if data["province"] is not None:
            if data["country"] != "CN":
                problems["province"] = [Problem("ledger.province_outside_china")]
            elif data["province"] not in CN_PROVINCES:
                problems["province"] = [Problem("ledger.unknown_province", given=data["province"])]
        if problems:
            raise ma.ValidationError(problems)
        return data


class ProjectSchema(ma.Schema):
    id = fields.Integer()
    project_type = fields.String()
    registry_name = fields.String()
    registry_project_id = fields.String()
    programme_project_type = fields.String(allow_none=True)
    methodology_id = fields.String()
    name_zh = fields.String()
    name_en = fields.String()
    country = fields.String()
    province = fields.String(allow_none=True)
    developer = fields.String()
    description_zh = fields.String()
    description_en = fields.String()
    links = fields.List(fields.Dict())
    is_demo = fields.Boolean()


# ---- issuance -------------------------------------------------------------------------------------------------------

class IssuanceCreateSchema(_Strip):
    """One block entering the ledger from a form: the registry's serial text, and the interval when the text does
    not carry it (CCER)."""

    project_id = fields.Integer(required=True, validate=validate.Range(min=1, max=2**31 - 1))
    serial_text = _text(MAX_SERIAL_TEXT)
    vintage = fields.Integer(load_default=None, allow_none=True,
                             validate=validate.Range(min=MIN_VINTAGE, max=MAX_VINTAGE))
    serial_start = _serial(load_default=None, allow_none=True)
    serial_end = _serial(load_default=None, allow_none=True)
    quantity = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(min=1, max=MAX_SERIAL))
    is_ex_ante = fields.Boolean(load_default=False)

    @ma.validates_schema
    def _interval(self, data, **_kwargs):
        start, end = data.get("serial_start"), data.get("serial_end")
        if (start is None) != (end is None):
            raise ma.ValidationError({"serial_end" if end is None else "serial_start":
                                      [Problem("ledger.serial_half_given")]})
        if start is not None and end < start:
            raise ma.ValidationError({"serial_end": [Problem("ledger.serials_reversed", start=start, end=end)]})


class StatementUploadSchema(ma.Schema):
    """A registry statement CSV for one project, read as text by the view."""

    project_id = fields.Integer(required=True, validate=validate.Range(min=1, max=2**31 - 1))


# ---- the pool: sales and grants -------------------------------------------------------------------------------------

class PoolTransferSchema(_Strip):
    """Tonnes the platform pool sells (with a price per tonne) or grants (no price) to an organisation."""

    organisation_id = fields.Integer(required=True, validate=validate.Range(min=1, max=2**31 - 1))
    tonnes = _tonnes(required=True)
    price_per_tonne_cny = fields.Decimal(load_default=None, allow_none=True, places=2, as_string=True,
                                         validate=validate.Range(min=0, max=MAX_PRICE_PER_TONNE_CNY))
    note = fields.String(load_default="", validate=validate.Length(max=MAX_NOTE))


# ---- invalidation ---------------------------------------------------------------------------------------------------

class InvalidationCreateSchema(_Strip):
    """A registry's reversal of a serial range, as an admin records it."""

    registry_name = fields.String(required=True, validate=validate.OneOf([r.value for r in Registry]))
    serial_namespace = _text(120)
    serial_start = _serial(required=True)
    serial_end = _serial(required=True)
    reason = _text(MAX_REASON)

    @ma.validates_schema
    def _ordered(self, data, **_kwargs):
        start, end = data.get("serial_start"), data.get("serial_end")
        if start is not None and end is not None and end < start:
            raise ma.ValidationError({"serial_end": [Problem("ledger.serials_reversed", start=start, end=end)]})


# ---- retirement -----------------------------------------------------------------------------------------------------

def _idempotency_key(value: str) -> None:
    if not IDEMPOTENCY_KEY_PATTERN.match(value):
        raise _problem("ledger.idempotency_key_format", max=MAX_IDEMPOTENCY_KEY)


def _policy(value: str) -> None:
    try:
        parse_policy(value)
    except DomainValidationError:
        raise _problem("ledger.unknown_policy", given=value) from None


class RetirementCreateSchema(_Strip):
    """A retirement through the API: tonnes from the caller's account against one subject."""

    tonnes = _tonnes(required=True)
    subject_kind = fields.String(required=True, validate=validate.OneOf(SUBJECT_KIND_CHOICES))
    subject_id = fields.Integer(required=True, validate=validate.Range(min=1, max=2**63 - 1))
    beneficiary = _text(MAX_BENEFICIARY)
    reason = _text(MAX_REASON)
    policy = fields.String(load_default="oldest_vintage", validate=[validate.Length(max=64), _policy])
    idempotency_key = fields.String(load_default=None, allow_none=True, validate=_idempotency_key,
                                    metadata={"description": "Or the Idempotency-Key header; the same key returns "
                                                             "the first retirement"})


class EventRetirementSchema(_Strip):
    """"Retire for my meeting": the shortfall of one event's current snapshot, from the organisation's account."""

    snapshot_id = fields.Integer(required=True, validate=validate.Range(min=1, max=2**31 - 1))
    beneficiary = _text(MAX_BENEFICIARY)
    reason = _text(MAX_REASON)
    idempotency_key = fields.String(required=True, validate=_idempotency_key)


class RetirementPartSchema(ma.Schema):
    project_id = fields.Integer()
    project_name_zh = fields.String()
    project_name_en = fields.String()
    registry_name = fields.String()
    serial_namespace = fields.String()
    serial_text = fields.String(metadata={"description": "The registry's text of the issued block"})
    vintage = fields.Integer()
    serial_start = fields.Integer()
    serial_end = fields.Integer()
    quantity = fields.Integer()


class RetirementSchema(ma.Schema):
    public_id = fields.String()
    tonnes = fields.Integer()
    subject_kind = fields.String()
    subject_id = fields.Integer()
    beneficiary = fields.String()
    reason = fields.String()
    policy = fields.String()
    retired_at = fields.DateTime()
    log_seq = fields.Integer(allow_none=True)
    entry_hash = fields.String(allow_none=True, metadata={"description": "SHA-256 of the log entry (hex)"})
    url = fields.String(metadata={"description": "The retirement's public page"})
    parts = fields.List(fields.Nested(RetirementPartSchema))


class InsufficientCreditsSchema(ma.Schema):
    """409 body: `error.code` is insufficient_credits; `error.fields` carries requested and held tonnes."""

    error = fields.Dict()


class RetirementQueryArgsSchema(_Strip):
    """Filters of the public retirement list (page, CSV and API)."""

    project_id = fields.Integer(load_default=None, validate=validate.Range(min=1, max=2**31 - 1))
    project_type = fields.String(load_default=None, validate=validate.OneOf([t.value for t in ProjectType]))
    vintage = fields.Integer(load_default=None, validate=validate.Range(min=MIN_VINTAGE, max=MAX_VINTAGE))
    subject_kind = fields.String(load_default=None, validate=validate.OneOf(SUBJECT_KIND_CHOICES))
    date_from = fields.Date(load_default=None)
    date_to = fields.Date(load_default=None)
    beneficiary = fields.String(load_default=None, validate=validate.Length(max=MAX_BENEFICIARY))

    @ma.pre_load
    def _blank_is_absent(self, data, **_kwargs):
        # A filter form sends every field; an empty one means "any".
        if not hasattr(data, "items"):
            return data
        return {key: value for key, value in data.items() if not (isinstance(value, str) and not value.strip())}

    @ma.validates_schema
    def _ordered(self, data, **_kwargs):
        if data.get("date_from") and data.get("date_to") and data["date_to"] < data["date_from"]:
            raise ma.ValidationError({"date_to": [Problem("ledger.date_range_reversed")]})


class SerialSearchArgsSchema(_Strip):
    """Which block or retirement holds a serial: a pasted serial text, or a number (optionally in a namespace)."""

    serial = fields.String(load_default="", validate=validate.Length(max=MAX_SEARCH_TEXT))
    namespace = fields.String(load_default="", validate=validate.Length(max=120))


# ---- holdings and blocks --------------------------------------------------------------------------------------------

class HoldingSchema(ma.Schema):
    project_id = fields.Integer()
    project_name_zh = fields.String()
    project_name_en = fields.String()
    project_type = fields.String()
    vintage = fields.Integer()
    is_ex_ante = fields.Boolean()
    tonnes = fields.Integer()


class BlockSchema(ma.Schema):
    id = fields.Integer()
    project_id = fields.Integer()
    registry_name = fields.String()
    serial_namespace = fields.String()
    serial_text = fields.String()
    serial_start = fields.Integer()
    serial_end = fields.Integer()
    quantity = fields.Integer()
    vintage = fields.Integer()
    is_ex_ante = fields.Boolean()
    status = fields.String()
