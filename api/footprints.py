"""POST /api/v1/footprints/{personal,event,enterprise}: stateless footprints with their line items."""

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


def _json(footprint):
    # Footprint.to_dict() already writes every Decimal as a string in the documented shape; serialising it
    # once more through the response schema would double the cost of the request (checked by schemathesis).
    return jsonify(footprint.to_dict())


blp = Blueprint("api_footprints", __name__, url_prefix="/api/v1/footprints",
                description="Footprints computed from activity data; nothing is stored, no login needed")


@blp.route("/personal")
class PersonalFootprint(MethodView):
    @blp.arguments(PersonalFootprintRequestSchema(), unknown=ma.RAISE)
    @blp.response(200, FootprintSchema)
    @blp.alt_response(422, description="Invalid input; `fields` names each bad JSON path")
    @blp.alt_response(429, description="Rate limit exceeded")
    def post(self, data):
        """The footprint of a person: trips, hotel nights, meals, food and home energy."""
        return _json(service.compute_footprint("personal", data))


@blp.route("/event")
class EventFootprint(MethodView):
    @blp.arguments(EventFootprintRequestSchema(), unknown=ma.RAISE)
    @blp.response(200, EventFootprintSchema)
    @blp.alt_response(422, description="Invalid input; `fields` names each bad JSON path")
    @blp.alt_response(429, description="Rate limit exceeded")
    def post(self, data):
        """The footprint of a meeting: organiser inputs, attendee responses and the extrapolated rest."""
        return _json(service.compute_footprint("event", data))


@blp.route("/enterprise")
class EnterpriseFootprint(MethodView):
    @blp.arguments(EnterpriseFootprintRequestSchema(), unknown=ma.RAISE)
    @blp.response(200, EnterpriseFootprintSchema)
    @blp.alt_response(422, description="Invalid input; `fields` names each bad JSON path")
    @blp.alt_response(429, description="Rate limit exceeded")
    def post(self, data):
        """A Scope 1/2/3 inventory from activity records."""
        return _json(service.compute_footprint("enterprise", data))


@blp.route("/lifestyle")
class LifestyleFootprint(MethodView):
    @blp.arguments(LifestyleRequestSchema(), unknown=ma.RAISE)
    @blp.response(200, FootprintSchema)
    @blp.alt_response(422, description="Invalid input; `fields` names each bad JSON path")
    @blp.alt_response(429, description="Rate limit exceeded")
    def post(self, data):
        """A citizen's yearly estimate from diet, commute, flights and home energy, with its assumptions."""
        return _json(service.compute_footprint("lifestyle", data))
