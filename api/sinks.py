"""POST /api/v1/sinks/estimate: an ex-ante forestry sink estimate with its cited rows; nothing is stored."""

from __future__ import annotations

import marshmallow as ma
from flask import jsonify
from flask.views import MethodView

import sinks.messages  # noqa: F401  (registers the coded messages the errors carry)
from api import Blueprint
from sinks import estimates
from sinks.schemas import SinkEstimateRequestSchema, SinkEstimateSchema

blp = Blueprint("api_sinks", __name__, url_prefix="/api/v1/sinks",
                description="Forestry sink estimates (IPCC Tier 1, ex ante); nothing is stored, no login needed")


@blp.route("/estimate", endpoint="SinkEstimate")
class SinkEstimate(MethodView):
    @blp.arguments(SinkEstimateRequestSchema(), unknown=ma.RAISE)
    @blp.response(200, SinkEstimateSchema)
    @blp.alt_response(400, description="The body is not JSON")
    @blp.alt_response(422, description="Invalid input; `fields` names each bad JSON path, e.g. plots[0].area")
    @blp.alt_response(429, description="Rate limit exceeded")
    def post(self, data):
        """Estimate biomass removals of one or more plots per year and over the crediting period.

        An ex-ante IPCC Tier 1 estimate, not a CCER-14-001-V01 quantity: each line names the IPCC table rows it
        used, and the result carries the uncertainty discount, risk buffer, sanity-band warnings and valuation.
        """
        return jsonify(estimates.to_dict(estimates.estimate(data)))
