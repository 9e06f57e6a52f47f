"""GET /ledger/checkpoint and /ledger/key: the log's signed checkpoint and its verifier key, as plain text."""

from __future__ import annotations

from flask import Blueprint, Response, current_app

from db import get_session
from ledger.checkpoint import make_checkpoint, signer_for

bp = Blueprint("ledger_log", __name__, url_prefix="/ledger")

PLAIN_TEXT = "text/plain; charset=utf-8"


@bp.get("/checkpoint")
def checkpoint():
    """The current signed checkpoint (C2SP tlog-checkpoint): save it, and later check the log extends it."""
    note = make_checkpoint(get_session(), signer_for(current_app.extensions["settings"]))
    response = Response(note.text, content_type=PLAIN_TEXT)
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.get("/key")
def key():
    """The verifier key of the checkpoints' signer (signed-note verifier key encoding)."""
    return Response(signer_for(current_app.extensions["settings"]).verifier_key() + "\n", content_type=PLAIN_TEXT)
