"""The enterprise inventory of the calling organisation: facilities, bulk records, yearly reports, closing a year."""

from __future__ import annotations

import marshmallow as ma
from flask import g
from flask.views import MethodView

from api import Blueprint
from api.auth import SECURITY, api_key_required
from db import get_session
from inventory import bulk, facilities, periods, reports
from inventory.rights import Actor
from inventory.schemas import (
    MAX_BULK_RECORDS,
    ActivityRecordCreateSchema,
    BulkRecordsHeadersSchema,
    BulkResultSchema,
    FacilityCreateSchema,
    FacilitySchema,
    ReportingYearSchema,
    YearReportSchema,
)

blp = Blueprint("api_inventory", __name__, url_prefix="/api/v1/inventory",
                description="The greenhouse-gas inventory of the organisation that owns the API key; another "
                            "organisation's facility is 404")


def _actor() -> Actor:
    return Actor.api_key(g.api_organisation.id, g.api_key.id, g.api_key.role)


class BulkRecordsSchema(ma.Schema):
    class Meta:
        unknown = ma.RAISE

    records = ma.fields.List(ma.fields.Nested(ActivityRecordCreateSchema(unknown=ma.RAISE)), required=True,
                             validate=ma.validate.Length(min=1, max=MAX_BULK_RECORDS))


@blp.route("/facilities")
class Facilities(MethodView):
    decorators = [api_key_required]

    @blp.response(200, FacilitySchema(many=True))
    @blp.alt_response(401, description="Missing, unknown or revoked API key")
    @blp.doc(security=SECURITY)
    def get(self):
        """The organisation's facilities, by name."""
        return facilities.list_facilities(session=get_session(), actor=_actor())

    @blp.arguments(FacilityCreateSchema(), unknown=ma.RAISE)
    @blp.response(201, FacilitySchema)
    @blp.alt_response(401, description="Missing, unknown or revoked API key")
    @blp.alt_response(403, description="A read-only API key")
    @blp.alt_response(409, description="A facility of that name exists")
    @blp.alt_response(422, description="Invalid facility; `fields` names each bad field")
    @blp.doc(security=SECURITY)
    def post(self, data):
        """Add a facility (a Chinese site names its province, which picks the grid factor)."""
        return facilities.create_facility(session=get_session(), actor=_actor(), values=data)


@blp.route("/facilities/<int:facility_id>")
class FacilityById(MethodView):
    decorators = [api_key_required]

    @blp.response(200, FacilitySchema)
    @blp.alt_response(401, description="Missing, unknown or revoked API key")
    @blp.alt_response(404, description="No such facility in the calling organisation")
    @blp.doc(security=SECURITY)
    def get(self, facility_id):
        """One facility."""
        return facilities.get_facility(session=get_session(), actor=_actor(), facility_id=facility_id)


@blp.route("/records")
class Records(MethodView):
    decorators = [api_key_required]

    @blp.arguments(BulkRecordsHeadersSchema, location="headers")
    @blp.arguments(BulkRecordsSchema(), unknown=ma.RAISE)
    @blp.response(201, BulkResultSchema)
    @blp.alt_response(401, description="Missing, unknown or revoked API key")
    @blp.alt_response(403, description="A read-only API key")
    @blp.alt_response(409, description="The Idempotency-Key was used with another body")
    @blp.alt_response(422, description="Bad records: nothing was written; `fields` names each as [index].field "
                                       "with its value and the reason")
    @blp.doc(security=SECURITY)
    def post(self, headers, data):
        """Enter activity records, all or none; the same Idempotency-Key returns the first result again."""
        return bulk.enter_records(session=get_session(), actor=_actor(), entries=data["records"],
                                  idempotency_key=headers.get("idempotency_key"))


@blp.route("/reports/<int:year>")
class Report(MethodView):
    decorators = [api_key_required]

    @blp.response(200, YearReportSchema)
    @blp.alt_response(401, description="Missing, unknown or revoked API key")
    @blp.alt_response(422, description="A year outside 1990-2999")
    @blp.doc(security=SECURITY)
    def get(self, year):
        """The year's report: scopes (Scope 2 by both methods), categories, facilities, months, quality, CCER cap."""
        return reports.year_report(session=get_session(), actor=_actor(), year=year).to_dict()


@blp.route("/years/<int:year>/close")
class CloseYear(MethodView):
    decorators = [api_key_required]

    @blp.response(200, ReportingYearSchema)
    @blp.alt_response(401, description="Missing, unknown or revoked API key")
    @blp.alt_response(403, description="A read-only API key")
    @blp.alt_response(409, description="The year is already closed")
    @blp.alt_response(422, description="A year outside 1990-2999")
    @blp.doc(security=SECURITY)
    def post(self, year):
        """Close the year: its records then change only by an admin who gives a reason."""
        return periods.close_year(session=get_session(), actor=_actor(), year=year)
