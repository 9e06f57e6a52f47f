"""POST /api/v1/footprints/{personal,event,enterprise,lifestyle}: stateless footprints with their line items."""

from __future__ import annotations

import marshmallow as ma
from flask import jsonify
from flask.views import MethodView

from api import Blueprint
from footprints import service
from footprints.schemas import (
    EnterpriseFootprintRequestSchema,
    EnterpriseFootprintSchema,
    EventFootprintRequestSchema,
    EventFootprintSchema,
    FootprintSchema,
    LifestyleRequestSchema,
    PersonalFootprintRequestSchema,
)

blp = Blueprint("api_footprints", __name__, url_prefix="/api/v1/footprints",
                description="Footprints computed from activity data; nothing is stored, no login needed")

# path, endpoint (app.py rate-limits by it), calculator, request schema, response schema, summary.
FOOTPRINTS = [
    ("/personal", "PersonalFootprint", "personal", PersonalFootprintRequestSchema, FootprintSchema,
     "The footprint of a person: trips, hotel nights, meals, food and home energy."),
    ("/event", "EventFootprint", "event", EventFootprintRequestSchema, EventFootprintSchema,
     "The footprint of a meeting: organiser inputs, attendee responses and the extrapolated rest."),
    ("/enterprise", "EnterpriseFootprint", "enterprise", EnterpriseFootprintRequestSchema, EnterpriseFootprintSchema,
     "A Scope 1/2/3 inventory from activity records."),
    ("/lifestyle", "LifestyleFootprint", "lifestyle", LifestyleRequestSchema, FootprintSchema,
     "A citizen's yearly estimate from diet, commute, flights and home energy, with its assumptions."),
]


def footprint_view(name: str, kind: str, request_schema: type[ma.Schema], response_schema: type[ma.Schema],
                   summary: str) -> type[MethodView]:
    """One resource: the request validated by its schema, one calculator, the footprint out."""

    def post(self, data):
        # Footprint.to_dict() already writes every Decimal as a string in the documented shape; serialising it
        # once more through the response schema would double the cost of the request (checked by schemathesis).
        return jsonify(service.compute_footprint(kind, data).to_dict())

    post.__doc__ = summary
    post = blp.alt_response(429, description="Rate limit exceeded")(post)
    post = blp.alt_response(422, description="Invalid input; `fields` names each bad JSON path")(post)
    post = blp.alt_response(400, description="The body is not JSON")(post)
    post = blp.response(200, response_schema)(post)
    post = blp.arguments(request_schema(), unknown=ma.RAISE)(post)
    return type(name, (MethodView,), {"post": post, "__doc__": summary})


for _path, _name, _kind, _request, _response, _summary in FOOTPRINTS:
    blp.route(_path, endpoint=_name)(footprint_view(_name, _kind, _request, _response, _summary))
