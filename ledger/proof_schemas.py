"""Marshmallow schemas of the log's public proofs: query arguments in, entries and proofs out (hashes in hex)."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import validate

MAX_TREE_SIZE = 2**53  # far beyond any log; keeps numbers exact for JSON readers that use doubles

_HEX_HASH = {"description": "A SHA-256 hash, 64 lowercase hex digits"}


class InclusionQueryArgsSchema(ma.Schema):
    class Meta:
        unknown = ma.RAISE

    index = ma.fields.Integer(required=True, strict=True, validate=validate.Range(min=0, max=MAX_TREE_SIZE),
                              metadata={"description": "The entry's 0-based sequence number (its leaf index)"})
    size = ma.fields.Integer(strict=True, validate=validate.Range(min=1, max=MAX_TREE_SIZE),
                             metadata={"description": "The tree size to prove inclusion in; the whole log when "
                                                      "omitted. At most the log's current size."})


class ConsistencyQueryArgsSchema(ma.Schema):
    class Meta:
        unknown = ma.RAISE

    old = ma.fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=MAX_TREE_SIZE),
                            metadata={"description": "The earlier tree size (e.g. an earlier checkpoint's)"})
    new = ma.fields.Integer(strict=True, validate=validate.Range(min=1, max=MAX_TREE_SIZE),
                            metadata={"description": "The later tree size; the whole log when omitted"})


class InclusionProofSchema(ma.Schema):
    index = ma.fields.Integer()
    size = ma.fields.Integer()
    entry_hash = ma.fields.String(metadata={"description": "SHA-256 of the entry's body (the hash chain's link)"})
    leaf_hash = ma.fields.String(metadata={"description": "RFC 6962 leaf hash: SHA-256(0x00 || body)"})
    audit_path = ma.fields.List(ma.fields.String(metadata=_HEX_HASH),
                                metadata={"description": "RFC 9162 inclusion proof, the leaf's sibling first"})
    root_hash = ma.fields.String(metadata={"description": "RFC 6962 root of the tree of `size` entries"})
    checkpoint = ma.fields.String(metadata={"description": "C2SP tlog-checkpoint signed note for `size`"})


class ConsistencyProofSchema(ma.Schema):
    old = ma.fields.Integer()
    new = ma.fields.Integer()
    old_root_hash = ma.fields.String(metadata=_HEX_HASH)
    new_root_hash = ma.fields.String(metadata=_HEX_HASH)
    proof = ma.fields.List(ma.fields.String(metadata=_HEX_HASH),
                           metadata={"description": "RFC 9162 consistency proof from `old` to `new`"})
    checkpoint = ma.fields.String(metadata={"description": "C2SP tlog-checkpoint signed note for `new`"})


class LogEntrySchema(ma.Schema):
    seq = ma.fields.Integer()
    kind = ma.fields.String(metadata={"description": "issuance, transfer, split, retirement or invalidation"})
    body = ma.fields.String(metadata={"description": "RFC 8785 canonical JSON, exactly as hashed"})
    prev_hash = ma.fields.String(metadata=_HEX_HASH)
    entry_hash = ma.fields.String(metadata=_HEX_HASH)
    leaf_hash = ma.fields.String(metadata=_HEX_HASH)
