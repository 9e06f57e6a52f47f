"""The app as served, plus a bench-only hello-world endpoint that sets the baseline of the API benchmark."""

from __future__ import annotations

from flask import jsonify

from app import create_app
from extensions import csrf

application = create_app()


@application.post("/bench/hello")
def hello():
    return jsonify(hello="world")


csrf.exempt(hello)  # a JSON endpoint, like the API it is compared with
