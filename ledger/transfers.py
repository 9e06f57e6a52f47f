"""Transfers: tonnes moved between accounts (the pool selling or granting to organisations), price recorded.

Blocks are picked by the same named policies as retirements, ex-post before ex-ante (an ex-ante block moves
too and stays ex-ante). A block moved whole changes account; a partial one is split: the head stays with the
seller, the tail goes to the buyer (as registries do), logged as a `split` entry before the `transfer` entry.
"""

from __future__ import annotations

from decimal import Decimal

from sqlmodel import Session, select

from errors import NotFound, ValidationError
from ledger import log
from ledger.accounts import held_tonnes
from ledger.blocks import DEFAULT_POLICY, Piece, candidates, claim, parse_policy, split, split_entry
from ledger.db import run_ledger_transaction
from ledger.models import CreditBlock, CreditProject, LedgerAccount, Registry, Transfer, TransferPart
from ledger.retirement import InsufficientCredits


def _move_block(session: Session, block: CreditBlock, need: int, from_account_id: int, to_account_id: int
                ) -> tuple[CreditBlock, list] | None:
    """Move `need` tonnes of one block to the buyer: all of it, or its tail. None if another writer took it."""
    if block.quantity <= need:
        moved = claim(session, block, in_account=from_account_id, account_id=to_account_id)
        return (moved, []) if moved is not None else None
    tail_start = block.serial_end - need + 1
    children = split(session, block, [
        Piece(block.serial_start, tail_start - 1, {}),
        Piece(tail_start, block.serial_end, {"account_id": to_account_id}),
    ], in_account=from_account_id)
    if children is None:
        return None
    return children[1], [(block, children)]


def transfer(session: Session, *, from_account_id: int, to_account_id: int, tonnes: int,
             price_per_tonne_cny: Decimal | None = None, note: str = "", policy: str = DEFAULT_POLICY,
             recorded_by_id: int | None = None) -> Transfer:
    """Move `tonnes` held by one account to another, all or nothing, in one transaction."""
    if isinstance(tonnes, bool) or not isinstance(tonnes, int) or tonnes <= 0:
        raise ValidationError(f"tonnes must be a whole number above 0, not {tonnes!r}",
                              fields={"tonnes": ["a whole number above 0"]})
    if from_account_id == to_account_id:
        raise ValidationError("a transfer is between two accounts", fields={"to_account_id": ["the same account"]})
    if price_per_tonne_cny is not None:
        price_per_tonne_cny = Decimal(price_per_tonne_cny)
        if not price_per_tonne_cny.is_finite() or price_per_tonne_cny < 0:
            raise ValidationError(f"price per tonne {price_per_tonne_cny} is not a price",
                                  fields={"price_per_tonne_cny": ["a price of 0 or more"]})
    picking = parse_policy(policy)
    for name, account_id in (("from_account_id", from_account_id), ("to_account_id", to_account_id)):
        if session.get(LedgerAccount, account_id) is None:
            raise NotFound(f"no ledger account {account_id}", fields={name: ["unknown account"]})

    def work(session: Session) -> Transfer:
        held = held_tonnes(session, from_account_id)
        if held < tonnes:
            raise InsufficientCredits(requested=tonnes, held=held)
        record = Transfer(from_account_id=from_account_id, to_account_id=to_account_id, quantity=tonnes,
                          price_per_tonne_cny=price_per_tonne_cny, note=note, recorded_by_id=recorded_by_id)
        session.add(record)
        session.flush()
        parts: list[TransferPart] = []
        splits: list = []
        tried: list[int] = []
        remaining = tonnes
        while remaining > 0:
            blocks = candidates(session, account_id=from_account_id, policy=picking, ex_post_only=False,
                                tried=tried, ex_post_first=True)
            if not blocks:
                raise InsufficientCredits(requested=tonnes,
                                          held=held_tonnes(session, from_account_id) + tonnes - remaining)
            for block in blocks:
                tried.append(block.id)
                result = _move_block(session, block, remaining, from_account_id, to_account_id)
                if result is None:
                    continue
                moved, block_splits = result
                splits.extend(block_splits)
                part = TransferPart(transfer_id=record.id, block_id=moved.id, serial_start=moved.serial_start,
                                    serial_end=moved.serial_end)
                session.add(part)
                parts.append(part)
                remaining -= moved.quantity
                if remaining == 0:
                    break
        session.flush()
        for parent, children in splits:
            split_entry(session, parent, children, cause="transfer")
        moved_blocks = {b.id: b for b in session.exec(select(CreditBlock).where(
            CreditBlock.id.in_([part.block_id for part in parts]))).all()}
        projects = {p.id: p for p in session.exec(select(CreditProject).where(
            CreditProject.id.in_({b.project_id for b in moved_blocks.values()}))).all()}
        entry = log.append(session, "transfer", {
            "transfer": record.id,
            "from_account": from_account_id,
            "to_account": to_account_id,
            "tonnes": tonnes,
            "price_per_tonne_cny": None if price_per_tonne_cny is None else format(price_per_tonne_cny, "f"),
            "note": note,
            "parts": [{"block": part.block_id,
                       "registry": Registry(projects[moved_blocks[part.block_id].project_id].registry_name).value,
                       "project": projects[moved_blocks[part.block_id].project_id].registry_project_id,
                       "vintage": moved_blocks[part.block_id].vintage,
                       "is_ex_ante": moved_blocks[part.block_id].is_ex_ante,
                       "serial_start": part.serial_start, "serial_end": part.serial_end,
                       "quantity": part.serial_end - part.serial_start + 1} for part in parts],
        })
        record.log_seq = entry.seq
        session.add(record)
        session.flush()
        return record

    return run_ledger_transaction(session, work)


def transfer_parts(session: Session, transfer_id: int) -> list[TransferPart]:
    return list(session.exec(select(TransferPart).where(TransferPart.transfer_id == transfer_id)
                             .order_by(TransferPart.id)).all())
