"""The organisation behind an API key, and its keys (never their secrets)."""

from __future__ import annotations

from flask import g
from flask.views import MethodView

from accounts import service
from accounts.schemas import ApiKeySchema, OrganisationSchema
from api import Blueprint
from api.auth import SECURITY, api_key_required
from db import get_session

blp = Blueprint("api_accounts", __name__, url_prefix="/api/v1", description="The calling organisation")


@blp.route("/organisation")
class CurrentOrganisation(MethodView):
    decorators = [api_key_required]

    @blp.response(200, OrganisationSchema)
    @blp.alt_response(401, description="Missing, unknown or revoked API key")
    @blp.doc(security=SECURITY)
    def get(self):
        """The organisation that owns the presented API key."""
        return g.api_organisation


@blp.route("/api-keys/<int:key_id>")
class ApiKeyDetail(MethodView):
    decorators = [api_key_required]

    @blp.response(200, ApiKeySchema)
    @blp.alt_response(404, description="No such key in the calling organisation")
    @blp.doc(security=SECURITY)
    def get(self, key_id):
        """One API key of the calling organisation (its secret is never shown again)."""
        return service.get_api_key(session=get_session(), organisation_id=g.api_organisation.id, key_id=key_id)
