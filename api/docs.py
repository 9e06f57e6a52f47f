"""The API documentation page: Swagger UI served from static/vendor, never from a CDN."""

from __future__ import annotations

from flask import Blueprint, render_template

bp = Blueprint("api_docs", __name__)


@bp.get("/api/v1/docs")
def docs():
    response = render_template("api/docs.html")
    headers = {
        # Swagger UI sets inline styles on its elements; everything else stays as strict as elsewhere.
        "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
                                   "script-src 'self'; object-src 'none'; frame-ancestors 'none'",
    }
    return response, 200, headers
