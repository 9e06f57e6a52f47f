"""Invalidation: a registry reverses or cancels a serial range; the ledger marks exactly that range invalidated.

Blocks straddling an end of the range are split so that the invalidated parts cover the range exactly. A
retired part keeps its retirement (whose subject then shows a shortfall until replacement credits are
retired); a held part can no longer be retired or moved.
"""

from __future__ import annotations

from sqlmodel import Session, select

from errors import Conflict, ValidationError
from ledger import log
from ledger.blocks import Piece, block_payload, claim, split, split_entry
from ledger.db import run_ledger_transaction
from ledger.models import BlockStatus, CreditBlock, CreditProject, Invalidation, Registry
from ledger.serials import SerialError, ccer_interval, parse_serial

MAX_REASON = 500


def _pieces(block: CreditBlock, start: int, end: int, invalidation_id: int) -> list[Piece]:
    pieces = []
    if block.serial_start < start:
        pieces.append(Piece(block.serial_start, start - 1, {}))
    pieces.append(Piece(max(block.serial_start, start), min(block.serial_end, end),
                        {"status": BlockStatus.invalidated, "invalidation_id": invalidation_id}))
    if block.serial_end > end:
        pieces.append(Piece(end + 1, block.serial_end, {}))
    return pieces


def invalidate(session: Session, *, registry: Registry | str, serial_namespace: str, serial_start: int,
               serial_end: int, reason: str, recorded_by_id: int | None = None) -> Invalidation:
    """Mark serial_start–serial_end of the namespace invalidated wherever the ledger holds them (one transaction)."""
    registry = Registry(registry)
    if serial_end < serial_start or serial_start < 0:
        raise SerialError("serial_range_reversed", {"start": serial_start, "end": serial_end}, field="serial_end")
    reason = (reason or "").strip()
    if not reason or len(reason) > MAX_REASON:
        raise ValidationError(f"the reason must have 1 to {MAX_REASON} characters",
                              fields={"reason": [f"1 to {MAX_REASON} characters"]})

    def work(session: Session) -> Invalidation:
        blocks = list(session.exec(select(CreditBlock).where(
            CreditBlock.serial_namespace == serial_namespace, CreditBlock.status != BlockStatus.split,
            CreditBlock.serial_start <= serial_end, CreditBlock.serial_end >= serial_start)
            .order_by(CreditBlock.serial_start).with_for_update()).all())
        if not blocks:
            message = f"the ledger holds no serial of {serial_namespace} {serial_start}–{serial_end}"
            raise ValidationError(message, fields={"serial_start": [message]}, code="serials_not_held")
        blocks = [block for block in blocks if block.status != BlockStatus.invalidated]
        if not blocks:
            message = f"serials {serial_start}–{serial_end} of {serial_namespace} are already invalidated"
            raise Conflict(message, fields={"serial_start": [message]}, code="already_invalidated")
        record = Invalidation(registry_name=registry, serial_namespace=serial_namespace, serial_start=serial_start,
                              serial_end=serial_end, reason=reason, recorded_by_id=recorded_by_id)
        session.add(record)
        session.flush()
        invalidated: list[CreditBlock] = []
        splits = []
        for block in blocks:
            if serial_start <= block.serial_start and block.serial_end <= serial_end:
                done = claim(session, block, expected=block.status, status=BlockStatus.invalidated,
                             invalidation_id=record.id)
                invalidated.append(done)
            else:
                children = split(session, block, _pieces(block, serial_start, serial_end, record.id),
                                 expected=block.status)
                splits.append((block, children))
                invalidated.extend(c for c in children if c.status == BlockStatus.invalidated)
        for parent, children in splits:
            split_entry(session, parent, children, cause="invalidation")
        projects = {p.id: p for p in session.exec(select(CreditProject).where(
            CreditProject.id.in_({b.project_id for b in invalidated}))).all()}
        entry = log.append(session, "invalidation", {
            "invalidation": record.id,
            "registry": registry.value,
            "namespace": serial_namespace,
            "serial_start": serial_start,
            "serial_end": serial_end,
            "reason": reason,
            "blocks": [{**block_payload(block), "project": projects[block.project_id].registry_project_id,
                        "vintage": block.vintage, "retirement": block.retirement_id} for block in invalidated],
        })
        record.log_seq = entry.seq
        session.add(record)
        session.flush()
        return record

    return run_ledger_transaction(session, work)


def invalidate_serial_text(session: Session, *, serial_text: str, reason: str, registry: Registry | str | None = None,
                           project: str | None = None, vintage: int | None = None, serial_start: int | None = None,
                           serial_end: int | None = None, recorded_by_id: int | None = None) -> Invalidation:
    """Invalidate the range a registry serial names (CCER: the project and interval given with the text)."""
    if registry is not None and Registry(registry) == Registry.ccer:
        if project is None or vintage is None or serial_start is None or serial_end is None:
            raise SerialError("serial_interval_required", {"registry": "CCER"})
        interval = ccer_interval(serial_text, project, vintage, serial_start, serial_end)
    else:
        interval = parse_serial(serial_text, registry)
    return invalidate(session, registry=interval.registry, serial_namespace=interval.namespace,
                      serial_start=interval.start, serial_end=interval.end, reason=reason,
                      recorded_by_id=recorded_by_id)
