"""Bulk entry of records by a program: all or nothing, and an idempotency key that returns the first result."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from errors import Conflict, ValidationError
from inventory.imports import ImportRefused, import_rows
from inventory.models import BulkRequest
from inventory.rights import Actor


def _request_hash(entries: Sequence[Mapping]) -> str:
    return hashlib.sha256(json.dumps(list(entries), sort_keys=True, default=str).encode()).hexdigest()


def _stored(session: Session, actor: Actor, key: str) -> BulkRequest | None:
    return session.exec(select(BulkRequest).where(BulkRequest.organisation_id == actor.organisation_id,
                                                  BulkRequest.idempotency_key == key)).first()


def _replay(found: BulkRequest, digest: str, key: str) -> dict:
    if found.request_hash != digest:
        raise Conflict(f"the Idempotency-Key {key!r} was used with another body", code="idempotency_key_reused",
                       fields={"Idempotency-Key": ["used before with another body"]})
    return found.result


def enter_records(*, session: Session, actor: Actor, entries: Sequence[Mapping],
                  idempotency_key: str | None = None) -> dict:
    """Write every entry or none; errors are named by JSON path ("[3].quantity") with value and reason."""
    actor.require("log")
    digest = _request_hash(entries)
    if idempotency_key and (found := _stored(session, actor, idempotency_key)) is not None:
        return _replay(found, digest, idempotency_key)

    def remember(session_: Session, result) -> None:
        if idempotency_key:
            session_.add(BulkRequest(organisation_id=actor.organisation_id, idempotency_key=idempotency_key,
                                     request_hash=digest, result=_result(result)))
            session_.flush()

    try:
        result = import_rows(session, actor.organisation_id, actor.user_id, enumerate(entries), actor=actor,
                             file_name="api", before_commit=remember)
    except ImportRefused as refused:
        fields = {f"[{e.row}].{e.column}": [f"{e.value!r}: {e.reason}" if e.value else e.reason]
                  for e in refused.errors}
        first = refused.errors[0]
        raise ValidationError(f"{refused.total} bad value(s), nothing written; first: [{first.row}].{first.column}"
                              f" {first.value!r}: {first.reason}", fields=fields) from None
    except IntegrityError:
        # The same key was committed by a concurrent request first: its result is the answer.
        session.rollback()
        found = _stored(session, actor, idempotency_key or "")
        if found is None:
            raise
        return _replay(found, digest, idempotency_key)
    return _result(result)


def _result(result) -> dict:
    return {"imported": result.imported, "months": list(result.months)}
