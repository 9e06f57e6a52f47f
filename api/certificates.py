"""GET /api/v1/certificates/<number>: a certificate's signed credential exactly as stored, and its standing now."""

from __future__ import annotations

import json

from flask import current_app, g
from flask.views import MethodView

from api import Blueprint
from api.auth import SECURITY, api_key_optional
from certificates import status
from certificates.keys import issuer_for
from certificates.schemas import CertificateQueryArgsSchema, CertificateSchema
from certificates.verification import standing_json
from db import get_session

blp = Blueprint("api_certificates", __name__, url_prefix="/api/v1/certificates",
                description="Zero-carbon certificates (W3C Verifiable Credentials 2.0, eddsa-jcs-2022): the signed "
                            "credential and whether it is valid, revoked, superseded or short of credits. Meeting "
                            "and enterprise certificates need no key; a personal one needs its access key (`k`) or "
                            "an API key of its organisation")


@blp.route("/<certificate_number:number>")
class Certificate(MethodView):
    decorators = [api_key_optional]

    @blp.arguments(CertificateQueryArgsSchema, location="query", as_kwargs=True)
    @blp.response(200, CertificateSchema)
    @blp.alt_response(401, description="An API key was sent that is malformed, unknown or revoked")
    @blp.alt_response(404, description="No certificate has this number, or it is a personal certificate and neither "
                                       "its access key nor an API key of its organisation was given")
    @blp.doc(security=[{}, *SECURITY])
    def get(self, number: str, access_key: str | None):
        """The credential as signed (check it offline with the issuer's key, /verify/key) and its standing."""
        session = get_session()
        caller = g.api_organisation
        found = status.find_public(session, number, access_key, organisation_id=caller.id if caller else None)
        standing = status.standing(session, found, issuer_key=issuer_for(current_app.extensions["settings"])
                                   .public_key)
        try:
            credential = json.loads(found.credential)
        except ValueError:
            credential = {}
        return {"credential": credential, "status": standing_json(standing)}
