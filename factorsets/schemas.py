"""Marshmallow schemas for factor queries and published factors."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import validate

from factors.display import printed_value


class FactorQueryArgsSchema(ma.Schema):
    class Meta:
        unknown = ma.RAISE

    category = ma.fields.String(validate=validate.Length(max=32))
    q = ma.fields.String(validate=validate.Length(max=100), metadata={"description": "Search id, labels, activity"})
    version = ma.fields.String(validate=validate.Length(max=32))
    region = ma.fields.String(validate=validate.Length(max=32))
    limit = ma.fields.Integer(load_default=100, validate=validate.Range(min=1, max=500))
    offset = ma.fields.Integer(load_default=0, validate=validate.Range(min=0, max=1_000_000))


class SourceSchema(ma.Schema):
    id = ma.fields.String(attribute="source_id")
    title = ma.fields.String()
    publisher = ma.fields.String()
    year = ma.fields.String()
    url = ma.fields.String(metadata={"description": "The publisher's own page; empty where none is known"})
    licence = ma.fields.String()
    document_number = ma.fields.String()
    table_ref = ma.fields.String()
    cross_checked_at = ma.fields.String(metadata={
        "description": "Mirrors, copies or repositories where values were read or checked: not sources"})


class FactorSchema(ma.Schema):
    id = ma.fields.String()
    category = ma.fields.String()
    activity = ma.fields.String()
    label_zh = ma.fields.String()
    label_en = ma.fields.String()
    unit = ma.fields.String()
    kgco2e_per_unit = ma.fields.Function(lambda factor: printed_value(factor["kgco2e_per_unit"]), metadata={
        "type": "string", "format": "decimal",
        "description": "kg CO2e per unit as the source printed it, a decimal string (a binary-float artefact in "
                       "a published CSV is shown at the precision its digits carry)"})
    gases = ma.fields.String()
    region = ma.fields.String()
    valid_year = ma.fields.Integer()
    source_ref = ma.fields.String()
    notes = ma.fields.String()
    cross_checked_at = ma.fields.String(metadata={"description": "Where this row's value was read or checked"})
    source = ma.fields.Nested(SourceSchema)


class FactorListSchema(ma.Schema):
    version = ma.fields.String()
    total = ma.fields.Integer()
    items = ma.fields.List(ma.fields.Nested(FactorSchema))


def factor_payload(factor, source) -> dict:
    """The API/serialisation view of one published factor joined to its source."""
    return {
        "id": factor.factor_id, "category": factor.category, "activity": factor.activity,
        "label_zh": factor.label_zh, "label_en": factor.label_en, "unit": factor.unit,
        "kgco2e_per_unit": factor.kgco2e_per_unit, "gases": factor.gases, "region": factor.region,
        "valid_year": factor.valid_year, "source_ref": factor.source_ref, "notes": factor.notes,
        "cross_checked_at": factor.cross_checked_at, "source": source,
    }
