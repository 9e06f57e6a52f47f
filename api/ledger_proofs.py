"""GET /api/v1/ledger/proofs/... and /entries/<seq>: the transparency log's entries and RFC 9162 proofs, public."""

from __future__ import annotations

import marshmallow as ma
from flask import current_app
from flask.views import MethodView

from api import Blueprint
from db import get_session
from ledger import proofs
from ledger.checkpoint import signer_for
from ledger.proof_schemas import (
    ConsistencyProofSchema,
    ConsistencyQueryArgsSchema,
    InclusionProofSchema,
    InclusionQueryArgsSchema,
    LogEntrySchema,
)

blp = Blueprint("api_ledger_proofs", __name__, url_prefix="/api/v1/ledger",
                description="The ledger's append-only log: entries, inclusion and consistency proofs (RFC 9162), "
                            "each with a signed checkpoint (C2SP tlog-checkpoint); no key needed")


def _signer():
    return signer_for(current_app.extensions["settings"])


@blp.route("/proofs/inclusion")
class InclusionProof(MethodView):
    @blp.arguments(InclusionQueryArgsSchema(), location="query", unknown=ma.RAISE)
    @blp.response(200, InclusionProofSchema)
    @blp.alt_response(422, description="A missing or out-of-range index or size; `fields` names it")
    def get(self, args):
        """Prove that entry `index` is in the tree of `size` entries: its audit path and the signed root."""
        return proofs.inclusion_proof(session=get_session(), signer=_signer(), index=args["index"],
                                      size=args.get("size"))


@blp.route("/proofs/consistency")
class ConsistencyProof(MethodView):
    @blp.arguments(ConsistencyQueryArgsSchema(), location="query", unknown=ma.RAISE)
    @blp.response(200, ConsistencyProofSchema)
    @blp.alt_response(422, description="A missing or out-of-range old or new size; `fields` names it")
    def get(self, args):
        """Prove that the tree of `old` entries is a prefix of the tree of `new` entries (history kept)."""
        return proofs.consistency_proof(session=get_session(), signer=_signer(), old=args["old"],
                                        new=args.get("new"))


@blp.route("/entries/<int(min=0, max=9007199254740992):seq>")
class LogEntry(MethodView):
    @blp.response(200, LogEntrySchema)
    @blp.alt_response(404, description="No entry with this sequence number")
    def get(self, seq):
        """One entry of the log: its canonical JSON body and its hashes, as stored."""
        return proofs.entry_hashes(proofs.get_entry(session=get_session(), seq=seq))
