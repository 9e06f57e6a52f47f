"""The JSON REST API under /api/v1: the Api object, its Blueprint, error schema and request parsing."""

from __future__ import annotations

import marshmallow as ma
from flask import abort, current_app
from flask_smorest import Api
from flask_smorest import Blueprint as SmorestBlueprint
from flask_smorest.pagination import PaginationMetadataSchema
from webargs import core as webargs_core
from webargs.flaskparser import FlaskParser, is_json_request

# A page beyond this is a typing error; it also keeps (page - 1) * page_size inside a 64-bit OFFSET.
MAX_PAGE = 1_000_000


class ErrorDetailSchema(ma.Schema):
    code = ma.fields.String(metadata={"description": "A stable machine word, e.g. validation_error"})
    message = ma.fields.String(metadata={"description": "What went wrong, for a person"})
    fields = ma.fields.Dict(metadata={"description": "JSON path of each bad field -> reasons"})


class ErrorSchema(ma.Schema):
    error = ma.fields.Nested(ErrorDetailSchema)


class RequestParser(FlaskParser):
    """webargs' parser, reading JSON bodies with the app's own loader.

    webargs loads with the standard library, whose RecursionError (deep nesting) and ValueError (an integer of
    more than 4,300 digits) escaped as 500s; the app's loader bounds both and any failure is a 400 here.
    """

    def _raw_load_json(self, req):
        if not is_json_request(req):
            return webargs_core.missing
        body = req.get_data(cache=True)
        if not body:
            return webargs_core.missing
        try:
            return current_app.json.loads(body)
        except (ValueError, RecursionError) as error:
            abort(400, description=f"the body is not JSON this service accepts: {error}")


class Blueprint(SmorestBlueprint):
    """flask-smorest's Blueprint with the service's parser and a bounded, truthfully documented pagination."""

    ARGUMENTS_PARSER = RequestParser()
    PAGINATION_ARGUMENTS_PARSER = RequestParser()

    def paginate(self, *args, **kwargs):
        decorate = super().paginate(*args, **kwargs)

        def decorator(func):
            wrapper = decorate(func)
            # flask-smorest builds this schema class for this one endpoint and parses with it: bounding its
            # page field here bounds the parsing and documents the maximum.
            schema = wrapper._apidoc["pagination"]["parameters"]["schema"]
            schema._declared_fields["page"].validators = [ma.validate.Range(min=1, max=MAX_PAGE)]
            return wrapper

        return decorator

    def _document_pagination_metadata(self, spec, resp_doc):
        # The header's value is a JSON document (a string), not an object: say so with OpenAPI's `content`.
        resp_doc.setdefault("headers", {})[self.PAGINATION_HEADER_NAME] = {
            "description": "Pagination metadata, a JSON object",
            "content": {"application/json": {"schema": PaginationMetadataSchema}},
        }


class TanzhongApi(Api):
    """flask-smorest's Api whose errors are handled once, by app.py, in the service's own format."""

    ERROR_SCHEMA = ErrorSchema

    def _register_error_handlers(self):
        pass


def make_api() -> TanzhongApi:
    return TanzhongApi(spec_kwargs={
        "info": {"description": "Tanzhong (碳中): carbon footprints and zero-carbon meetings."},
    })
