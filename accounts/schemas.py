"""Marshmallow schemas for organisations and API keys."""

from __future__ import annotations

import marshmallow as ma


class OrganisationSchema(ma.Schema):
    id = ma.fields.Integer()
    slug = ma.fields.String()
    name_zh = ma.fields.String()
    name_en = ma.fields.String()


class ApiKeySchema(ma.Schema):
    id = ma.fields.Integer()
    name = ma.fields.String()
    prefix = ma.fields.String()
    created_at = ma.fields.DateTime()
    revoked_at = ma.fields.DateTime(allow_none=True)
    last_used_at = ma.fields.DateTime(allow_none=True)
