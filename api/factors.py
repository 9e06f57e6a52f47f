"""GET /api/v1/factors: the published emission factors, filterable and searchable."""

from __future__ import annotations

import marshmallow as ma
from flask.views import MethodView

from api import Blueprint
from db import get_session
from factors import DEFAULT_VERSION
from factorsets import service
from factorsets.schemas import FactorListSchema, FactorQueryArgsSchema, factor_payload

blp = Blueprint("api_factors", __name__, url_prefix="/api/v1/factors",
                description="Emission factors, each with its source")


@blp.route("")
class Factors(MethodView):
    @blp.arguments(FactorQueryArgsSchema(), location="query", unknown=ma.RAISE)
    @blp.response(200, FactorListSchema)
    @blp.alt_response(404, description="Unknown factor-set version")
    @blp.alt_response(422, description="Invalid query")
    def get(self, args):
        """List the factors of one published version (the default when none is given)."""
        session = get_session()
        version = service.resolve_version(session=session, version=args.get("version"), default=DEFAULT_VERSION)
        page = service.search_factors(session=session, version=version, category=args.get("category"),
                                      q=args.get("q"), region=args.get("region"), limit=args["limit"],
                                      offset=args["offset"])
        return {"version": page.version, "total": page.total,
                "items": [factor_payload(f, s) for f, s in page.items]}
