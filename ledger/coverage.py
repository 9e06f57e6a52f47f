"""Coverage of a subject: the tonnes its footprint needs against the tonnes retired for it and still valid."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func
from sqlmodel import Session, select

from ledger.models import BlockStatus, CreditBlock, Retirement


@dataclass(frozen=True)
class Coverage:
    """Whole tonnes: required (the caller rounds the footprint up), retired, invalidated since, valid, short."""

    required: int
    retired: int
    invalidated: int
    valid: int
    shortfall: int

    @property
    def is_covered(self) -> bool:
        return self.shortfall == 0


def retirements_for(session: Session, subject_kind: str, subject_id: int) -> list[Retirement]:
    """The subject's retirements, oldest first."""
    return list(session.exec(select(Retirement).where(Retirement.subject_kind == subject_kind,
                                                      Retirement.subject_id == subject_id)
                             .order_by(Retirement.created_at, Retirement.id)).all())


def coverage(session: Session, *, subject_kind: str, subject_id: int, required_tonnes: int) -> Coverage:
    """How far the subject is covered; a newer snapshot needing more, or an invalidation, shows as shortfall."""
    of_subject = (Retirement.subject_kind == subject_kind, Retirement.subject_id == subject_id)
    retired = session.exec(select(func.coalesce(func.sum(Retirement.tonnes), 0)).where(*of_subject)).one()
    invalidated = session.exec(
        select(func.coalesce(func.sum(CreditBlock.quantity), 0))
        .join(Retirement, Retirement.id == CreditBlock.retirement_id)
        .where(*of_subject, CreditBlock.status == BlockStatus.invalidated)).one()
    retired, invalidated = int(retired), int(invalidated)
    valid = retired - invalidated
    required = int(required_tonnes)
    return Coverage(required=required, retired=retired, invalidated=invalidated, valid=valid,
                    shortfall=max(0, required - valid))
