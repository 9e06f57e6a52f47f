"""GET /api/v1/certificates/<number>: a certificate's signed credential exactly as stored, and its standing now."""

from __future__ import annotations

import json

from flask import current_app
from flask.views import MethodView

from api import Blueprint
from certificates import status
from certificates.keys import issuer_for
from certificates.schemas import CertificateSchema
from certificates.verification import standing_json
from db import get_session

blp = Blueprint("api_certificates", __name__, url_prefix="/api/v1/certificates",
                description="Zero-carbon certificates (W3C Verifiable Credentials 2.0, eddsa-jcs-2022): the signed "
                            "credential and whether it is valid, revoked, superseded or short of credits; no key "
                            "needed")


@blp.route("/<certificate_number:number>")
class Certificate(MethodView):
    @blp.response(200, CertificateSchema)
    @blp.alt_response(404, description="No certificate has this number")
    def get(self, number: str):
        """The credential as signed (check it offline with the issuer's key, /verify/key) and its standing."""
        session = get_session()
        found = status.find(session, number)
        standing = status.standing(session, found, issuer_key=issuer_for(current_app.extensions["settings"])
                                   .public_key)
        try:
            credential = json.loads(found.credential)
        except ValueError:
            credential = {}
        return {"credential": credential, "status": standing_json(standing)}

