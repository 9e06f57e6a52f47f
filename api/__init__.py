"""The JSON REST API under /api/v1: the Api object, its error schema and API-key authentication."""

from __future__ import annotations

import marshmallow as ma
from flask_smorest import Api


class ErrorDetailSchema(ma.Schema):
    code = ma.fields.String(metadata={"description": "A stable machine word, e.g. validation_error"})
    message = ma.fields.String(metadata={"description": "What went wrong, for a person"})
    fields = ma.fields.Dict(metadata={"description": "JSON path of each bad field -> reasons"})


class ErrorSchema(ma.Schema):
    error = ma.fields.Nested(ErrorDetailSchema)


class TanzhongApi(Api):
    """flask-smorest's Api whose errors are handled once, by app.py, in the service's own format."""

    ERROR_SCHEMA = ErrorSchema

    def _register_error_handlers(self):
        pass


def make_api() -> TanzhongApi:
    return TanzhongApi(spec_kwargs={
        "info": {"description": "Tanzhong (碳中): carbon footprints and zero-carbon meetings."},
    })
