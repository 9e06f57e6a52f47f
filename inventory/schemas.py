"""Marshmallow schemas of the inventory: facilities, record entries, bulk results, years and reports.

A record entry's rules live once, in inventory.entries.clean_entry (the form, the API and files all pass through
it); the entry schema here only says which fields exist and that each is text or a number.
"""

from __future__ import annotations

from decimal import Decimal

import marshmallow as ma
from marshmallow import validate

from calculators.enterprise import province_code
from calculators.footprint import CalculationError
from inventory.entries import FIELD_NAMES, INSTRUMENT_TYPES
from inventory.models import ActivityKind, DataSource, FacilityType

MAX_FLOOR_AREA = Decimal("100000000")
MAX_HEADCOUNT = 10_000_000
MAX_BULK_RECORDS = 5000
MAX_REVENUE = Decimal("1000000000000000")  # 10^15 of a currency a year: more is a typing error
MAX_VERIFIED_EMISSIONS_T = Decimal("10000000000")  # 10^10 t: above any single company's emissions


class EntryText(ma.fields.String):
    """Text, or a JSON number taken as the text of its value (quantities may be sent either way)."""

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool):
            raise self.make_error("invalid")
        if isinstance(value, int | float | Decimal):
            return str(value)
        return super()._deserialize(value, attr, data, **kwargs)


def _area_within_range(value: Decimal) -> None:
    # A plain function, not validate.Range: the OpenAPI type is a string, which has no minimum or maximum.
    if not 0 <= value <= MAX_FLOOR_AREA or value.as_tuple().exponent < -4:
        raise ma.ValidationError(f"a number from 0 to {MAX_FLOOR_AREA} with at most 4 decimal places")


class FacilityCreateSchema(ma.Schema):
    class Meta:
        unknown = ma.RAISE

    name = ma.fields.String(required=True, validate=validate.Length(min=1, max=200))
    country = ma.fields.String(load_default="CN", validate=validate.Regexp(r"^[A-Z]{2}$", error="an ISO 3166-1 "
                                                                                             "alpha-2 code"))
    province = ma.fields.String(load_default=None, allow_none=True, validate=validate.Length(max=64),
                                metadata={"description": "ISO 3166-2:CN code or a Chinese or English name; picks "
                                                         "the grid factor"})
    facility_type = ma.fields.String(required=True, validate=validate.OneOf([t.value for t in FacilityType]))
    floor_area_m2 = ma.fields.Decimal(load_default=None, allow_none=True, as_string=True, allow_nan=False,
                                      validate=_area_within_range, metadata={
                                          "type": "string", "pattern": r"^[0-9]+(\.[0-9]+)?$",
                                          "description": f"m², a decimal from 0 to {MAX_FLOOR_AREA}"})
    headcount = ma.fields.Integer(load_default=None, allow_none=True,
                                  validate=validate.Range(min=0, max=MAX_HEADCOUNT))

    @ma.post_load
    def _province_code(self, data, **_kwargs):
        data["name"] = data["name"].strip()
        if not data["name"]:
            raise ma.ValidationError("required", field_name="name")
        if data.get("province"):
            if data["country"] != "CN":
                raise ma.ValidationError("a province is given for Chinese sites only", field_name="province")
            try:
                data["province"] = province_code(data["province"])
            except CalculationError as error:
                raise ma.ValidationError(str(error.message), field_name="province") from None
        else:
            data["province"] = None
        return data


class FacilitySchema(ma.Schema):
    id = ma.fields.Integer()
    name = ma.fields.String()
    country = ma.fields.String()
    province = ma.fields.String(allow_none=True)
    facility_type = ma.fields.String()
    floor_area_m2 = ma.fields.Decimal(as_string=True, allow_none=True, metadata={"type": "string"})
    headcount = ma.fields.Integer(allow_none=True)


_DESCRIPTIONS = {
    "facility": "the facility's name or id", "month": "YYYY-MM",
    "kind": f"one of {', '.join(k.value for k in ActivityKind)}",
    "activity": "the fuel, gas, paper, waste stream, water use (supply, treatment), travel mode, lodging country "
                "or spend description",
    "quantity": "a decimal; business_travel: the one-way distance; commuting: trips; business_lodging: nights",
    "unit": "as measured (kWh, MWh, m3, L, kg, t, GJ, km, trips, nights...); converted to the factor's unit",
    "data_source": f"one of {', '.join(s.value for s in DataSource)} (data-quality grades A-E)",
    "instrument_type": f"with green_kwh: one of {', '.join(INSTRUMENT_TYPES)}",
}


ActivityRecordCreateSchema = ma.Schema.from_dict(
    {name: EntryText(required=name in ("facility", "month", "kind", "quantity", "unit", "data_source"),
                     validate=validate.Length(max=1000), metadata={"description": _DESCRIPTIONS.get(name, "")})
     for name in FIELD_NAMES},
    name="ActivityRecordCreateSchema",
)


class BulkRecordsHeadersSchema(ma.Schema):
    class Meta:
        unknown = ma.EXCLUDE

    idempotency_key = ma.fields.String(data_key="Idempotency-Key", validate=validate.Length(min=1, max=200),
                                       metadata={"description": "the same key returns the first result again"})


class BulkResultSchema(ma.Schema):
    imported = ma.fields.Integer()
    months = ma.fields.List(ma.fields.String())


class ReportingYearSchema(ma.Schema):
    year = ma.fields.Integer()
    revenue = ma.fields.Decimal(as_string=True, allow_none=True, metadata={"type": "string"})
    revenue_currency = ma.fields.String()
    in_national_carbon_market = ma.fields.Boolean()
    verified_emissions_t = ma.fields.Decimal(as_string=True, allow_none=True, metadata={"type": "string"})
    closed_at = ma.fields.DateTime(allow_none=True)
    neutralised_certificate = ma.fields.String(allow_none=True)


def _at_most(maximum: Decimal):
    def check(value: Decimal) -> None:
        # A plain function, not validate.Range: the OpenAPI type is a string, which has no minimum or maximum.
        if value is not None and (not 0 <= value <= maximum or value.as_tuple().exponent < -4):
            raise ma.ValidationError(f"a number from 0 to {maximum} with at most 4 decimal places")
    return check


class ReportingYearDetailsSchema(ma.Schema):
    """A year's revenue (for intensity per revenue) and, for companies in China's national carbon market, the
    emissions verified for allowance surrender (the CCER cap is 5% of them)."""

    class Meta:
        unknown = ma.RAISE

    revenue = ma.fields.Decimal(allow_none=True, as_string=True, allow_nan=False, validate=_at_most(MAX_REVENUE),
                                metadata={"type": "string"})
    revenue_currency = ma.fields.String(validate=validate.Regexp(r"^[A-Z]{3}$", error="an ISO 4217 code such as "
                                                                                      "CNY"))
    in_national_carbon_market = ma.fields.Boolean()
    verified_emissions_t = ma.fields.Decimal(allow_none=True, as_string=True, allow_nan=False,
                                             validate=_at_most(MAX_VERIFIED_EMISSIONS_T), metadata={"type": "string"})


class TotalsSchema(ma.Schema):
    scope1 = ma.fields.String()
    scope2_location = ma.fields.String()
    scope2_market = ma.fields.String()
    scope3 = ma.fields.String()
    outside_scopes = ma.fields.String()
    total = ma.fields.String()
    total_market = ma.fields.String()


class YearReportSchema(ma.Schema):
    year = ma.fields.Integer()
    records = ma.fields.Integer()
    closed = ma.fields.Boolean()
    factor_sets = ma.fields.List(ma.fields.String())
    totals = ma.fields.Nested(TotalsSchema)
    previous = ma.fields.Nested(TotalsSchema, allow_none=True)
    yoy_change = ma.fields.String(allow_none=True, metadata={"description": "a fraction: 0.1 is +10%"})
    by_ghg_category = ma.fields.List(ma.fields.Dict())
    by_iso_category = ma.fields.List(ma.fields.Dict())
    by_facility = ma.fields.List(ma.fields.Dict())
    by_month = ma.fields.List(ma.fields.Dict())
    quality = ma.fields.List(ma.fields.Dict())
    validated_records = ma.fields.Integer()
    validated_kgco2e = ma.fields.String()
    validated_share = ma.fields.String(allow_none=True)
    compensated_kgco2e = ma.fields.String()
    neutralisable_kgco2e = ma.fields.String()
    intensity = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.String(allow_none=True))
    revenue_currency = ma.fields.String()
    ccer_cap = ma.fields.Dict(allow_none=True, metadata={"description": "companies in China's national carbon "
                                                                        "market: 5% of verified emissions"})
