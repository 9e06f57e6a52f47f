"""Meetings of the calling organisation: create events, list their attendee responses, take footprint snapshots."""

from __future__ import annotations

import marshmallow as ma
from flask import g
from flask.views import MethodView

from api import Blueprint
from api.auth import SECURITY, api_key_required
from core.urls import public_base_url
from db import get_session
from meetings import events, footprint, links, qr, responses
from meetings.schemas import AttendeeResponseSchema, EventCreateSchema, EventSchema, SnapshotSchema

blp = Blueprint("api_meetings", __name__, url_prefix="/api/v1/events",
                description="Meetings of the organisation that owns the API key; another organisation's event is "
                            "404")


def _event_out(event, token: str) -> dict:
    """The event's columns and the link its QR code carries (printed codes need the public address)."""
    return {**{name: getattr(event, name) for name in EventSchema().fields if name != "public_url"},
            "public_url": qr.event_link(public_base_url(), token)}


@blp.route("")
class Events(MethodView):
    decorators = [api_key_required]

    @blp.arguments(EventCreateSchema(), unknown=ma.RAISE)
    @blp.response(201, EventSchema)
    @blp.alt_response(401, description="Missing, unknown or revoked API key")
    @blp.alt_response(403, description="A read-only API key; creating needs an organiser key")
    @blp.alt_response(422, description="Invalid event; `fields` names each bad field")
    @blp.doc(security=SECURITY)
    def post(self, data):
        """Create a meeting with its first public link (the QR code's), from the organiser's values."""
        session = get_session()
        event = events.create_event(session=session, organisation_id=g.api_organisation.id, values=data)
        link = links.active_link(session=session, organisation_id=g.api_organisation.id, event_id=event.id)
        return _event_out(event, link.token)


@blp.route("/<int:event_id>/responses")
class EventResponses(MethodView):
    decorators = [api_key_required]

    @blp.response(200, AttendeeResponseSchema(many=True))
    @blp.paginate()
    @blp.alt_response(401, description="Missing, unknown or revoked API key")
    @blp.alt_response(404, description="No such event in the calling organisation")
    @blp.doc(security=SECURITY)
    def get(self, event_id, pagination_parameters):
        """The event's attendee responses, anonymised (no names, no device keys), oldest first."""
        rows, total = responses.list_responses(
            session=get_session(), organisation_id=g.api_organisation.id, event_id=event_id,
            offset=pagination_parameters.first_item, limit=pagination_parameters.page_size)
        pagination_parameters.item_count = total
        return rows


@blp.route("/<int:event_id>/snapshots")
class EventSnapshots(MethodView):
    decorators = [api_key_required]

    @blp.response(200, SnapshotSchema(many=True))
    @blp.alt_response(401, description="Missing, unknown or revoked API key")
    @blp.alt_response(404, description="No such event in the calling organisation")
    @blp.doc(security=SECURITY)
    def get(self, event_id):
        """The event's footprint snapshots, newest first; only the newest is current."""
        return footprint.list_snapshots(session=get_session(), organisation_id=g.api_organisation.id,
                                        event_id=event_id)

    @blp.response(201, SnapshotSchema)
    @blp.alt_response(401, description="Missing, unknown or revoked API key")
    @blp.alt_response(404, description="No such event in the calling organisation")
    @blp.alt_response(403, description="A read-only API key; a snapshot needs an organiser key")
    @blp.alt_response(409, description="Another snapshot was taken at the same moment")
    @blp.doc(security=SECURITY)
    def post(self, event_id):
        """Freeze the event's footprint now (factor-set version, totals, line items); it supersedes the last."""
        return footprint.take_snapshot(session=get_session(), organisation_id=g.api_organisation.id,
                                       event_id=event_id, api_key_id=g.api_key.id)
