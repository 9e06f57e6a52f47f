"""Ledger accounts: the platform pool and one account per organisation, created on first use; their holdings."""

from __future__ import annotations

from typing import NamedTuple

from sqlalchemy import func, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, select

from db import utcnow
from ledger.db import run_ledger_transaction
from ledger.models import AccountKind, BlockStatus, CreditBlock, CreditProject, LedgerAccount


class Holding(NamedTuple):
    """Tonnes an account holds (status `held`) of one project and vintage, ex-ante apart from ex-post."""

    project: CreditProject
    vintage: int
    is_ex_ante: bool
    tonnes: int


def _insert_ignoring_duplicate(session: Session, values: dict, index_elements: list[str], where=None) -> None:
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(LedgerAccount).values(**values)
    # Two first uses at once: the unique index lets one insert win and the other do nothing.
    session.execute(statement.on_conflict_do_nothing(index_elements=index_elements, index_where=where))


def _get_or_create(session: Session, criteria, values: dict, index_elements: list[str], where=None):
    account = session.exec(select(LedgerAccount).where(*criteria)).first()
    if account is not None:
        return account

    def create(session: Session) -> LedgerAccount:
        _insert_ignoring_duplicate(session, values, index_elements, where)
        return session.exec(select(LedgerAccount).where(*criteria)).one()

    return run_ledger_transaction(session, create)


def pool_account(session: Session) -> LedgerAccount:
    """The platform pool's account (created, and committed, on first use)."""
    return _get_or_create(session, [LedgerAccount.kind == AccountKind.pool],
                          {"kind": AccountKind.pool.value, "organisation_id": None, "created_at": utcnow()},
                          ["kind"], text("kind = 'pool'"))


def account_of(session: Session, organisation_id: int) -> LedgerAccount:
    """The organisation's account (created, and committed, on first use)."""
    return _get_or_create(session, [LedgerAccount.organisation_id == organisation_id],
                          {"kind": AccountKind.organisation.value, "organisation_id": organisation_id,
                           "created_at": utcnow()},
                          ["organisation_id"])


def holdings(session: Session, account_id: int) -> list[Holding]:
    """What the account holds now, by project, vintage and ex-ante/ex-post, oldest vintage first."""
    tonnes = func.sum(CreditBlock.quantity)
    rows = session.exec(
        select(CreditProject, CreditBlock.vintage, CreditBlock.is_ex_ante, tonnes)
        .join(CreditProject, CreditProject.id == CreditBlock.project_id)
        .where(CreditBlock.account_id == account_id, CreditBlock.status == BlockStatus.held)
        .group_by(CreditProject.id, CreditBlock.vintage, CreditBlock.is_ex_ante)
        .order_by(CreditBlock.vintage, CreditProject.id, CreditBlock.is_ex_ante)
    ).all()
    return [Holding(project, vintage, is_ex_ante, int(held)) for project, vintage, is_ex_ante, held in rows]


def held_tonnes(session: Session, account_id: int, *, ex_post_only: bool = False) -> int:
    """Tonnes the account holds now (only those that may back a claim when `ex_post_only`)."""
    query = select(func.coalesce(func.sum(CreditBlock.quantity), 0)).where(
        CreditBlock.account_id == account_id, CreditBlock.status == BlockStatus.held)
    if ex_post_only:
        query = query.where(CreditBlock.is_ex_ante.is_(False))
    return int(session.exec(query).one())
