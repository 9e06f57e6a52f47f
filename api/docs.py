"""The API documentation page: the site's header, each group of endpoints named in the reader's language, and
Swagger UI served from static/vendor, never from a CDN."""

from __future__ import annotations

import copy
from dataclasses import dataclass

from flask import Blueprint, current_app, jsonify, render_template
from flask_babel import lazy_gettext as _l

bp = Blueprint("api_docs", __name__)


@dataclass(frozen=True)
class ApiTag:
    title: object
    description: object


# The OpenAPI tags are the API blueprints' names (api_factors, ...): stable words for machines. People read these.
API_TAGS = {
    "api_factors": ApiTag(_l("Emission factors"), _l("The emission factors of a published version, each with its "
                                                      "source. No API key needed.")),
    "api_footprints": ApiTag(_l("Footprint calculators"),
                             _l("Footprints computed from activity data: a person, a meeting, an enterprise or a "
                                "lifestyle. Nothing is stored and no API key is needed.")),
    "api_accounts": ApiTag(_l("Organisation and API keys"),
                           _l("The organisation that owns the API key, and its keys.")),
    "api_meetings": ApiTag(_l("Meetings"),
                           _l("Meetings of the organisation that owns the API key: creating them, their attendee "
                              "responses and their footprint snapshots. Another organisation's meeting is not "
                              "found (404).")),
    "api_ledger": ApiTag(_l("Offset ledger"),
                         _l("Carbon-sink credit projects, blocks and holdings, and retirements against footprints. "
                            "The public list of retirements needs no API key.")),
    "api_ledger_proofs": ApiTag(_l("Ledger proofs"),
                                _l("The transparency log: entries, inclusion proofs and consistency proofs (RFC "
                                   "6962), each with a signed checkpoint. No API key needed.")),
    "api_certificates": ApiTag(_l("Certificates"),
                               _l("A certificate's signed credential (W3C Verifiable Credential) and its status. "
                                  "Meeting and enterprise certificates need no key; a personal certificate needs its "
                                  "access key (k, from its link or QR code) or an API key of its organisation.")),
    "api_sinks": ApiTag(_l("Forestry sink estimates"),
                        _l("Ex-ante IPCC Tier 1 estimates of a forest's carbon removals. Nothing is stored and no "
                           "API key is needed.")),
    "api_inventory": ApiTag(_l("Enterprise inventory"),
                            _l("The organisation's facilities, monthly activity records (in bulk, all or nothing) "
                               "and yearly reports by scope; closing a year. Needs an API key.")),
}


def _openapi() -> dict:
    return current_app.extensions["api"].spec.to_dict()


def localised_spec(spec: dict) -> dict:
    """The OpenAPI document as the docs page shows it: each tag renamed to its title in the reader's language, with
    its description (Swagger UI shows a tag's name, and reads no x-displayName); still a valid document."""
    shown = copy.deepcopy(spec)
    titles = {name: str(tag.title) for name, tag in API_TAGS.items()}
    for tag in shown.get("tags", []):
        known = API_TAGS.get(tag["name"])
        if known is not None:
            tag["x-tag-name"] = tag["name"]  # the machine name, for whoever reads this copy
            tag["name"], tag["description"] = str(known.title), str(known.description)
    for operations in shown.get("paths", {}).values():
        for operation in operations.values():
            if isinstance(operation, dict) and "tags" in operation:
                operation["tags"] = [titles.get(name, name) for name in operation["tags"]]
    shown["info"]["description"] = str(_l("Tanzhong (碳中): carbon footprints and zero-carbon meetings."))
    return shown


@bp.get("/api/v1/docs")
def docs():
    tags = [API_TAGS[tag["name"]] for tag in _openapi().get("tags", []) if tag["name"] in API_TAGS]
    response = render_template("api/docs.html", tags=tags)
    headers = {
        # Swagger UI sets inline styles on its elements; everything else stays as strict as elsewhere.
        "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
                                   "script-src 'self'; object-src 'none'; frame-ancestors 'none'",
    }
    return response, 200, headers


@bp.get("/api/v1/docs/openapi.json")
def localised_openapi():
    response = jsonify(localised_spec(_openapi()))
    response.vary.add("Cookie")  # the language comes from the lang cookie
    return response
