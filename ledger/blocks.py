"""Block algebra shared by the ledger's movements: claiming a block, splitting it, picking blocks by policy.

A block is never shortened: a partial movement marks it `split` (a conditional UPDATE that succeeds only while
the block is still as the caller saw it) and inserts its contiguous parts, each pointing at it. The parent is
marked before its parts are inserted, so the live blocks never overlap, not even inside the transaction (which
PostgreSQL's exclusion constraint checks row by row).
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import Row, and_, bindparam, case, insert, update
from sqlalchemy import select as sa_select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session, select

from db import utcnow
from errors import Conflict, ValidationError
from factors.regions import CN_PROVINCES
from ledger import log
from ledger.models import BlockStatus, CreditBlock, CreditProject, ProjectType, Registry

DEFAULT_POLICY = "oldest_vintage"
# The named, deterministic ways of picking blocks; the options' kinds (None: no option).
POLICIES: dict[str, str | None] = {"oldest_vintage": None, "prefer_type": "project_type",
                                   "prefer_province": "province"}
CANDIDATES_PER_READ = 64


def sqlstate(error: DBAPIError) -> str | None:
    original = getattr(error, "orig", None)
    return getattr(original, "sqlstate", None) or getattr(original, "pgcode", None)


@dataclass(frozen=True)
class Policy:
    name: str
    option: str | None = None

    def __str__(self) -> str:
        return self.name if self.option is None else f"{self.name}:{self.option}"


def parse_policy(text: str | None) -> Policy:
    """`oldest_vintage`, `prefer_type:<ProjectType>` or `prefer_province:<province code>`, else a ValidationError."""
    name, _, option = (text or DEFAULT_POLICY).strip().partition(":")
    option = option.strip() or None
    if name not in POLICIES or (POLICIES[name] is None) != (option is None):
        known = ", ".join(f"{n}:<{kind}>" if kind else n for n, kind in POLICIES.items())
        raise ValidationError(f"unknown policy '{text}' (one of {known})",
                              fields={"policy": [f"one of {known}"]}, code="unknown_policy")
    if name == "prefer_type" and option not in {member.value for member in ProjectType}:
        raise ValidationError(f"unknown project type '{option}'", fields={"policy": ["unknown project type"]},
                              code="unknown_policy")
    if name == "prefer_province" and option not in CN_PROVINCES:
        raise ValidationError(f"unknown province '{option}'", fields={"policy": ["unknown province code"]},
                              code="unknown_policy")
    return Policy(name, option)


def policy_order(policy: Policy) -> list:
    """ORDER BY terms: preferred blocks first (for prefer_*), then oldest vintage, lowest serial."""
    default = [CreditBlock.vintage, CreditBlock.serial_start, CreditBlock.serial_namespace, CreditBlock.id]
    if policy.name == "prefer_type":
        return [case((CreditProject.project_type == ProjectType(policy.option), 0), else_=1), *default]
    if policy.name == "prefer_province":
        return [case((CreditProject.province == policy.option, 0), else_=1), *default]
    return default


@dataclass(frozen=True, slots=True)
class ProjectRef:
    """What a log entry names of a block's project, read with the block."""

    registry_project_id: str
    registry_name: str


_BLOCK_COLUMNS = tuple(CreditBlock.__table__.c)


@functools.cache
def _candidates_statement(policy: Policy, *, ex_post_only: bool, ex_post_first: bool):
    """The candidates query of one shape, built once (bound: account_id, tried): a statement built per call
    costs more client time than the database takes to run it."""
    block = CreditBlock.__table__
    project = CreditProject.__table__
    query = (sa_select(*_BLOCK_COLUMNS, project.c.registry_project_id.label("project_registry_project_id"))
             .join(project, project.c.id == block.c.project_id)
             .where(block.c.account_id == bindparam("account_id"), block.c.status == BlockStatus.held,
                    block.c.id.not_in(bindparam("tried", expanding=True))))
    if ex_post_only:
        query = query.where(block.c.is_ex_ante.is_(False))
    order = policy_order(policy)
    if ex_post_first:
        order = [block.c.is_ex_ante, *order]
    return query.order_by(*order).limit(CANDIDATES_PER_READ)


def candidates(session: Session, *, account_id: int, policy: Policy, ex_post_only: bool,
               tried: Iterable[int] = (), ex_post_first: bool = False,
               projects: dict[int, ProjectRef] | None = None) -> list[Row]:
    """The account's held blocks (rows of credit_block, read-only) in the policy's order, skipping those already
    tried; what the log names of their projects, read in the same query, goes into `projects` (by id) when given.

    A Core query: no ORM objects on the ledger's hot path.
    """
    statement = _candidates_statement(policy, ex_post_only=ex_post_only, ex_post_first=ex_post_first)
    rows = session.connection().execute(statement, {"account_id": account_id, "tried": list(tried)}).all()
    if projects is not None:
        projects.update((row.project_id, ProjectRef(row.project_registry_project_id, row.registry_name))
                        for row in rows)
    return rows


@functools.cache
def _claim_statement(*, expected: bool, in_account: bool, changes: tuple[str, ...]):
    """The conditional UPDATE of one shape, built once (bound: block_id, expected, in_account, set_<column>)."""
    table = CreditBlock.__table__
    conditions = [table.c.id == bindparam("block_id")]
    if expected:
        conditions.append(table.c.status == bindparam("expected", type_=table.c.status.type))
    if in_account:
        conditions.append(table.c.account_id == bindparam("in_account"))
    return (update(table).where(and_(*conditions))
            .values({name: bindparam(f"set_{name}", type_=table.c[name].type) for name in changes})
            .returning(*table.c))


def claim(session: Session, block, *, in_account: int | None = None,
          expected: BlockStatus | None = BlockStatus.held, **changes) -> Row | None:
    """Change the block only if it is still `expected` (and in account `in_account`); None when another writer took it.

    Returns the row as the UPDATE left it (every column, read-only; an ORM `block` is updated to match). On
    PostgreSQL the UPDATE waits for a concurrent writer of the row and then re-reads it, so of two transactions
    claiming the same block exactly one gets it. A Core statement, built once per shape: no ORM work on the
    ledger's hot path.
    """
    table = CreditBlock.__table__
    session.flush()  # what the session holds is written first
    statement = _claim_statement(expected=expected is not None, in_account=in_account is not None,
                                 changes=tuple(sorted(changes)))
    values = {"block_id": block.id, "expected": expected, "in_account": in_account,
              **{f"set_{name}": value for name, value in changes.items()}}
    row = session.connection().execute(statement, values).first()
    if row is not None and isinstance(block, CreditBlock):
        # The caller's object as the UPDATE left it, without another SELECT (what session.refresh would read).
        for column, value in zip(table.columns, row, strict=True):
            set_committed_value(block, column.key, value)
    return row


@dataclass(frozen=True)
class Piece:
    """One contiguous part of a block being split, with what changes for it (account, status, references)."""

    serial_start: int
    serial_end: int
    changes: dict


def split(session: Session, parent, pieces: Sequence[Piece], *,
          expected: BlockStatus | None = BlockStatus.held, in_account: int | None = None) -> list[Row] | None:
    """Mark `parent` split (if still `expected`) and insert its pieces, which must tile it exactly; the pieces'
    rows (read-only), or None when another writer took the parent.

    Each piece keeps the parent's account, status and references unless its `changes` say otherwise.
    """
    original_status = parent.status
    assert pieces[0].serial_start == parent.serial_start and pieces[-1].serial_end == parent.serial_end
    assert all(a.serial_end + 1 == b.serial_start for a, b in zip(pieces, pieces[1:], strict=False))
    if claim(session, parent, in_account=in_account, expected=expected, status=BlockStatus.split) is None:
        return None
    inherited = {name: getattr(parent, name) for name in (
        "project_id", "account_id", "registry_name", "serial_namespace", "vintage", "vintage_start", "vintage_end",
        "serial_text", "is_ex_ante", "issuance_id", "retirement_id", "invalidation_id")}
    now = utcnow()
    rows = [{**inherited, "status": original_status, **piece.changes, "serial_start": piece.serial_start,
             "serial_end": piece.serial_end, "quantity": piece.serial_end - piece.serial_start + 1,
             "parent_id": parent.id, "created_at": now} for piece in pieces]
    # One INSERT ... RETURNING for all pieces, their rows in the pieces' order.
    return list(session.connection().execute(_insert_pieces(), rows).all())


@functools.cache
def _insert_pieces():
    table = CreditBlock.__table__
    return insert(table).returning(*table.c, sort_by_parameter_order=True)


def split_entry(session: Session, parent, children: Sequence, *, cause: str) -> int:
    """Append the `split` log entry of one split; returns its seq."""
    project = session.get(CreditProject, parent.project_id)
    return log.append(session, "split", split_payload(parent, children, project, cause=cause)).seq


def split_payload(parent, children: Sequence, project: CreditProject | ProjectRef, *,
                  cause: str) -> dict:
    """What the `split` log entry of one split says."""
    return {
        "cause": cause,
        "block": parent.id,
        "registry": Registry(parent.registry_name).value,
        "project": project.registry_project_id,
        "namespace": parent.serial_namespace,
        "serial_start": parent.serial_start,
        "serial_end": parent.serial_end,
        "parts": [block_payload(child) for child in children],
    }


def block_payload(block) -> dict:
    """A block (an ORM object or a row) as the log entries show it."""
    return {"block": block.id, "account": block.account_id, "status": BlockStatus(block.status).value,
            "serial_start": block.serial_start, "serial_end": block.serial_end, "quantity": block.quantity}


def find_overlap(session: Session, namespace: str, start: int, end: int) -> CreditBlock | None:
    """The first live block of `namespace` holding any serial of start–end, whoever holds it."""
    return session.exec(
        select(CreditBlock).where(CreditBlock.serial_namespace == namespace, CreditBlock.status != BlockStatus.split,
                                  CreditBlock.serial_start <= end, CreditBlock.serial_end >= start)
        .order_by(CreditBlock.serial_start).limit(1)).first()


def overlap_conflict(block: CreditBlock, start: int, end: int, *, field: str = "serial_text") -> Conflict:
    message = (f"serials {start}–{end} overlap block {block.serial_start}–{block.serial_end} "
               f"({block.serial_text}), already in the ledger")
    return Conflict(message, fields={field: [message]}, code="serial_overlap")
