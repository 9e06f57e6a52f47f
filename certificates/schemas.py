"""Certificates' input and output: one marshmallow schema per use case, shared by the HTML forms and the API."""

from __future__ import annotations

from decimal import Decimal

import marshmallow as ma
from marshmallow import fields, validate
from werkzeug.routing import BaseConverter

from certificates.access import ACCESS_KEY_PARAMETER
from certificates.claims import DEFAULT_RESPONSE_THRESHOLD, STANDARDS
from certificates.issuing import MAX_HOLDER_NAME
from certificates.payments import PROVIDERS
from certificates.status import MAX_REASON

MAX_PRICE_PER_TONNE_CNY = Decimal("100000")
MAX_REDUCTION_STATEMENT = 2000
MAX_PAYMENT_REFERENCE = 128
NUMBER_PATTERN = r"[A-Z]{3}-[0-9]{4}-[0-9]{6,9}"


def _stripped(max_length: int, *, min_length: int = 0, **kwargs) -> fields.String:
    return fields.String(validate=validate.Length(min=min_length, max=max_length), **kwargs)


class StrippedSchema(ma.Schema):
    """Text fields come in without surrounding spaces (a name typed on a phone often ends in one)."""

    @ma.pre_load
    def _strip(self, data, **_kwargs):
        if isinstance(data, dict):
            return {k: v.strip() if isinstance(v, str) else v for k, v in data.items()}
        return data


class NeutralisationOfferSchema(StrippedSchema):
    """An organiser's terms: may attendees neutralise their share, at what price, under which standard."""

    attendees_may_neutralise = fields.Boolean(required=True, truthy={"yes", "true", "1", "on", True},
                                              falsy={"no", "false", "0", "off", False})
    price_per_tonne_cny = fields.Decimal(required=True, places=2, as_string=True,
                                         validate=validate.Range(min=0, max=MAX_PRICE_PER_TONNE_CNY))
    standard = fields.String(required=True, validate=validate.OneOf(list(STANDARDS)))
    response_threshold_pct = fields.Decimal(load_default=DEFAULT_RESPONSE_THRESHOLD * 100, as_string=True,
                                            validate=validate.Range(min=1, max=100))
    reduction_statement = _stripped(MAX_REDUCTION_STATEMENT, load_default="")

    @ma.post_load
    def _to_offer(self, data, **_kwargs):
        data["response_threshold"] = (data.pop("response_threshold_pct") / 100).quantize(Decimal("0.0001"))
        return data


class PersonalNeutralisationSchema(StrippedSchema):
    """A person neutralising their own footprint: the name on the certificate and how it was paid."""

    holder_name = _stripped(MAX_HOLDER_NAME, min_length=1, required=True)
    payment_method = fields.String(load_default="free", validate=validate.OneOf(list(PROVIDERS)))
    payment_reference = _stripped(MAX_PAYMENT_REFERENCE, load_default="")


class RevocationSchema(StrippedSchema):
    reason = _stripped(MAX_REASON, min_length=1, required=True)


class SignatureSchema(ma.Schema):
    valid = fields.Boolean(required=True, metadata={"description": "The eddsa-jcs-2022 proof verifies with this "
                                                                   "service's issuer key"})
    code = fields.String(required=True, metadata={"description": "ok, or why the check failed"})
    message = fields.String(required=True)


class StandingSchema(ma.Schema):
    state = fields.String(required=True, validate=validate.OneOf(["valid", "revoked", "superseded", "shortfall"]))
    reason = fields.String(allow_none=True, metadata={"description": "Why it was revoked"})
    superseded_by = fields.String(allow_none=True, metadata={"description": "The number of the newer certificate"})
    shortfall_tonnes = fields.Integer(required=True, metadata={"description": "Tonnes short since credits behind "
                                                                              "it were invalidated"})
    signature = fields.Nested(SignatureSchema, required=True)


class CertificateSchema(ma.Schema):
    credential = fields.Dict(required=True, metadata={"description": "The signed W3C Verifiable Credential 2.0, "
                                                                     "exactly as stored (RFC 8785 JSON)"})
    status = fields.Nested(StandingSchema, required=True)


class CertificateQueryArgsSchema(ma.Schema):
    access_key = fields.String(data_key=ACCESS_KEY_PARAMETER, load_default=None,
                               metadata={"description": "A personal certificate's access key, the `k` of its verify "
                                                        "URL (its QR code); not needed for meeting and enterprise "
                                                        "certificates, nor with an API key of its organisation"})


class CertificatePathSchema(ma.Schema):
    number = fields.String(required=True, validate=validate.Regexp(rf"\A{NUMBER_PATTERN}\Z"),
                           metadata={"example": "ZCM-2026-000123"})


class NumberConverter(BaseConverter):
    """A certificate number in a path (`<certificate_number:number>`), so that `<number>.pdf` is never read as one."""

    regex = NUMBER_PATTERN


def number_parameter(_converter) -> dict:
    """The OpenAPI schema of a certificate number in a path."""
    return {"type": "string", "pattern": f"^{NUMBER_PATTERN}$"}
