"""Personal shares: a person's kg allocated from whole tonnes retired for their pool, never past 1,000 kg a tonne.

Registries retire whole tonnes. A meeting's attendees (or the platform's citizens) share tonnes retired for
their pool: each neutralisation takes grams from the pool's partly allocated tonnes first, then retires as many
new whole tonnes as it still needs. The grams are raised by a conditional UPDATE
(`allocated_g + :g <= 1,000,000`), and the table's CHECK refuses any tonne allocated past 1,000 kg, so two
people can never both take the same last grams.

Each pool's allocations, in order, are the leaves of an RFC 6962 Merkle tree: the meeting certificate prints its
root, and each personal certificate carries its leaf and its inclusion proof in the tree as it stood then.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_CEILING, Decimal

import rfc8785
from sqlalchemy import func, update
from sqlmodel import Session, select

from certificates.models import GRAMS_PER_TONNE, Allocation, PersonalNeutralisation, PoolKind, SharedTonne
from ledger import merkle
from ledger.models import CreditBlock, RetirementPart
from ledger.retirement import retire_within

GRAMS_PER_KG = Decimal(1000)


def grams_of(kgco2e: Decimal) -> int:
    """A footprint in whole grams, rounded up: a share never covers less than the footprint."""
    return int((Decimal(kgco2e) * GRAMS_PER_KG).to_integral_value(rounding=ROUND_CEILING))


def amount_cny(price_per_tonne_cny: Decimal, grams: int) -> Decimal:
    """What `grams` cost at a price per tonne: to the cent, rounded up."""
    return (Decimal(price_per_tonne_cny) * grams / GRAMS_PER_TONNE).quantize(Decimal("0.01"), rounding=ROUND_CEILING)


def tonnes_for(grams: int) -> int:
    return -(-grams // GRAMS_PER_TONNE)


@dataclass(frozen=True)
class TakenGrams:
    tonne: SharedTonne
    grams: int


def _open_tonnes(session: Session, pool_kind: PoolKind, pool_id: int) -> list[SharedTonne]:
    return list(session.exec(select(SharedTonne).where(
        SharedTonne.pool_kind == pool_kind, SharedTonne.pool_id == pool_id,
        SharedTonne.allocated_g < GRAMS_PER_TONNE).order_by(SharedTonne.id)).all())


def _take(session: Session, tonne: SharedTonne, grams: int) -> int:
    """Take up to `grams` from the tonne as it is now in the database; 0 when someone took it meanwhile."""
    free = GRAMS_PER_TONNE - session.execute(
        select(SharedTonne.allocated_g).where(SharedTonne.id == tonne.id)).scalar_one()
    take = min(grams, free)
    if take <= 0:
        return 0
    raised = session.execute(update(SharedTonne).where(
        SharedTonne.id == tonne.id, SharedTonne.allocated_g + take <= GRAMS_PER_TONNE)
        .values(allocated_g=SharedTonne.allocated_g + take).returning(SharedTonne.allocated_g)).first()
    return take if raised is not None else 0


def _retire_for_pool(session: Session, *, pool_kind: PoolKind, pool_id: int, account_id: int, tonnes: int,
                     beneficiary: str, reason: str, recorded_by_id: int | None) -> list[SharedTonne]:
    retirement = retire_within(session, account_id=account_id, tonnes=tonnes, subject_kind=pool_kind.value,
                               subject_id=pool_id, beneficiary=beneficiary, reason=reason,
                               idempotency_key=f"{pool_kind.value}:{pool_id}:{secrets.token_hex(8)}",
                               recorded_by_id=recorded_by_id)
    parts = session.exec(select(RetirementPart).where(RetirementPart.retirement_id == retirement.id)
                         .order_by(RetirementPart.serial_start)).all()
    tonnes_made: list[SharedTonne] = []
    for part in parts:
        block = session.get(CreditBlock, part.block_id)  # the part's serial namespace is its block's
        for serial in range(part.serial_start, part.serial_end + 1):
            tonne = SharedTonne(pool_kind=pool_kind, pool_id=pool_id, retirement_id=retirement.id,
                                serial_namespace=block.serial_namespace, serial=serial, allocated_g=0)
            session.add(tonne)
            tonnes_made.append(tonne)
    session.flush()
    return tonnes_made


def allocate(session: Session, *, pool_kind: PoolKind, pool_id: int, account_id: int, grams: int,
             beneficiary: str, reason: str, recorded_by_id: int | None = None) -> list[TakenGrams]:
    """Take `grams` for one person from the pool, retiring new whole tonnes from `account_id` when needed.

    Runs inside the caller's ledger transaction; InsufficientCredits (all or nothing) when the account lacks them.
    """
    taken: list[TakenGrams] = []
    remaining = grams
    for tonne in _open_tonnes(session, pool_kind, pool_id):
        got = _take(session, tonne, remaining)
        if got:
            taken.append(TakenGrams(tonne, got))
            remaining -= got
        if remaining == 0:
            return taken
    while remaining > 0:
        for tonne in _retire_for_pool(session, pool_kind=pool_kind, pool_id=pool_id, account_id=account_id,
                                      tonnes=tonnes_for(remaining), beneficiary=beneficiary, reason=reason,
                                      recorded_by_id=recorded_by_id):
            got = _take(session, tonne, remaining)
            if got:
                taken.append(TakenGrams(tonne, got))
                remaining -= got
            if remaining == 0:
                break
    return taken


# ---- the allocation tree --------------------------------------------------------------------------------------


def allocation_leaf(neutralisation: PersonalNeutralisation, number: str, serials: Sequence[dict]) -> bytes:
    """The leaf of one allocation: canonical JSON naming the certificate, the grams and the tonnes behind them."""
    return rfc8785.dumps({"certificate": number, "grams": neutralisation.grams, "tonnes": list(serials)})


def pool_leaves(session: Session, pool_kind: PoolKind, pool_id: int) -> list[PersonalNeutralisation]:
    """The pool's neutralisations in leaf order (the order they were made)."""
    return list(session.exec(select(PersonalNeutralisation).where(
        PersonalNeutralisation.pool_kind == pool_kind, PersonalNeutralisation.pool_id == pool_id)
        .order_by(PersonalNeutralisation.id)).all())


def allocations_of(session: Session, neutralisation_id: int) -> list[dict]:
    """The tonnes (serials) and grams one neutralisation took, in a stable order."""
    rows = session.exec(select(SharedTonne, Allocation.grams).join(Allocation, Allocation.tonne_id == SharedTonne.id)
                        .where(Allocation.neutralisation_id == neutralisation_id)
                        .order_by(SharedTonne.serial_namespace, SharedTonne.serial)).all()
    return [{"namespace": tonne.serial_namespace, "serial": tonne.serial, "grams": grams} for tonne, grams in rows]


@dataclass(frozen=True)
class PoolTree:
    size: int
    root_hex: str
    leaves: list[bytes]  # leaf hashes

    def inclusion(self, index: int) -> list[str]:
        return [h.hex() for h in merkle.inclusion_proof(index, self.size, self.leaves)]


def pool_tree(session: Session, pool_kind: PoolKind, pool_id: int,
              leaf_of: dict[int, bytes] | None = None) -> PoolTree:
    """The Merkle tree over the pool's allocation leaves (each neutralisation's stored leaf)."""
    from certificates.models import Certificate

    leaves = []
    for neutralisation in pool_leaves(session, pool_kind, pool_id):
        if leaf_of and neutralisation.id in leaf_of:
            data = leaf_of[neutralisation.id]
        else:
            certificate = session.get(Certificate, neutralisation.certificate_id)
            data = allocation_leaf(neutralisation, certificate.number, allocations_of(session, neutralisation.id))
        leaves.append(merkle.leaf_hash(data))
    return PoolTree(size=len(leaves), root_hex=merkle.root(leaves).hex(), leaves=leaves)


def pool_grams(session: Session, pool_kind: PoolKind, pool_id: int) -> int:
    return int(session.exec(select(func.coalesce(func.sum(PersonalNeutralisation.grams), 0)).where(
        PersonalNeutralisation.pool_kind == pool_kind, PersonalNeutralisation.pool_id == pool_id)).one())


def pool_tonnes(session: Session, pool_kind: PoolKind, pool_id: int) -> int:
    """Whole tonnes retired for the pool so far (the last may be partly allocated)."""
    return int(session.exec(select(func.count(SharedTonne.id)).where(
        SharedTonne.pool_kind == pool_kind, SharedTonne.pool_id == pool_id)).one())
