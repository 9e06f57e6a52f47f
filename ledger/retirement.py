"""Retirement: tonnes retired once and for all against a subject, picked from an account's ex-post blocks.

One short transaction: the retirement row first (its idempotency key is unique per account), then the blocks in
the policy's order, whole blocks retired and the last one split (head retired, tail held), one retirement part
per block, and the log entries with the commit. All or nothing: if the account runs short, everything is rolled
back and InsufficientCredits names what it holds.

On SQLite, BEGIN IMMEDIATE makes retirements take turns and the blocks are claimed statement by statement (a
conditional `UPDATE credit_block SET status = … WHERE id = :id AND status = 'held' RETURNING`). On PostgreSQL
one call of the database function `ledger_retire` (migration b7d2f0c4e9a1) does the same: it
locks each block `FOR UPDATE SKIP LOCKED`, so that concurrent retirements from one account take different
blocks instead of queueing behind each other, and queues behind the claimers only when every remaining block
is being claimed. Serialization failures and deadlocks are retried by run_ledger_transaction. The tests run
every retirement scenario on both.
"""

from __future__ import annotations

import secrets

from sqlalchemy import bindparam, insert, text
from sqlalchemy import select as sa_select
from sqlalchemy.orm import make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.util import identity_key
from sqlmodel import Session, select

from db import UTCDateTime, utcnow
from errors import Conflict, NotFound, ValidationError
from ledger import log
from ledger.accounts import held_tonnes
from ledger.blocks import (
    DEFAULT_POLICY,
    POLICIES,
    Piece,
    Policy,
    ProjectRef,
    block_payload,
    candidates,
    claim,
    parse_policy,
    split,
    split_payload,
)
from ledger.db import run_ledger_transaction
from ledger.models import BlockStatus, CreditBlock, LedgerAccount, Registry, Retirement, RetirementPart

__all__ = ["DEFAULT_POLICY", "POLICIES", "SUBJECT_KINDS", "InsufficientCredits", "retire", "retire_within",
           "get_retirement"]

# What tonnes are retired against; attendees' and citizens' shares come from tonnes retired for their pool.
SUBJECT_KINDS = ("event_snapshot", "inventory_period", "personal_footprint", "event_attendees", "citizens")
MAX_IDEMPOTENCY_KEY = 128


class InsufficientCredits(Conflict):
    """The account holds fewer retirable (ex-post) tonnes than asked for; nothing was retired."""

    code = "insufficient_credits"

    def __init__(self, *, requested: int, held: int):
        self.requested = requested
        self.held = held
        message = f"{requested} t requested, but the account holds only {held} t of retirable (ex-post) credits"
        super().__init__(message, fields={"tonnes": [message]})


def _check(*, tonnes: int, subject_kind: str, idempotency_key: str) -> None:
    if isinstance(tonnes, bool) or not isinstance(tonnes, int) or tonnes <= 0:
        raise ValidationError(f"tonnes must be a whole number above 0, not {tonnes!r}",
                              fields={"tonnes": ["a whole number above 0"]})
    if subject_kind not in SUBJECT_KINDS:
        raise ValidationError(f"unknown subject kind '{subject_kind}' (one of {', '.join(SUBJECT_KINDS)})",
                              fields={"subject_kind": [f"one of {', '.join(SUBJECT_KINDS)}"]})
    if not idempotency_key or len(idempotency_key) > MAX_IDEMPOTENCY_KEY:
        raise ValidationError(f"the idempotency key must have 1 to {MAX_IDEMPOTENCY_KEY} characters",
                              fields={"idempotency_key": [f"1 to {MAX_IDEMPOTENCY_KEY} characters"]})


_ACCOUNT_AND_KEY = (
    sa_select(LedgerAccount.__table__.c.id,
              sa_select(Retirement.__table__.c.id).where(Retirement.__table__.c.account_id == bindparam("account"),
                                                         Retirement.__table__.c.idempotency_key == bindparam("key"))
              .scalar_subquery())
    .where(LedgerAccount.__table__.c.id == bindparam("account")))


def _account_and_first(session: Session, account_id: int, idempotency_key: str) -> tuple[bool, int | None]:
    """(whether the account exists, the id of its retirement under this key if any): one round trip."""
    row = session.connection().execute(_ACCOUNT_AND_KEY, {"account": account_id, "key": idempotency_key}).first()
    return (False, None) if row is None else (True, row[1])


# The retirement row, written only if the account exists and the key is new (else no row): one round trip for
# what would be a check and an insert. A request with the same key at the same moment waits on the unique key
# and then writes nothing; the caller reads what the first one wrote.
_INSERT_RETIREMENT = text(
    "INSERT INTO retirement (public_id, account_id, tonnes, subject_kind, subject_id, beneficiary, reason, policy, "
    "idempotency_key, recorded_by_id, created_at) "
    "SELECT :public_id, id, :tonnes, :subject_kind, :subject_id, :beneficiary, :reason, :policy, :idempotency_key, "
    ":recorded_by_id, :created_at FROM ledger_account WHERE id = :account_id "
    "ON CONFLICT (account_id, idempotency_key) DO NOTHING RETURNING id"
).bindparams(bindparam("created_at", type_=UTCDateTime()))


def _attached(session: Session, retirement_id: int, values: dict) -> Retirement:
    """The retirement just written with `values`, in the session as if loaded (no flush, no second read)."""
    retirement = Retirement(id=retirement_id, log_seq=None, **values)
    make_transient_to_detached(retirement)
    # An object the session remembers under this id is stale: its row was rolled back (SQLite reuses the id).
    stale = session.identity_map.get(identity_key(Retirement, retirement_id))
    if stale is not None:
        session.expunge(stale)
    session.add(retirement)
    return retirement


def _same_request(first: Retirement, *, tonnes: int, subject_kind: str, subject_id: int) -> Retirement:
    """The first retirement under this key, provided the repeated request asks for the same thing."""
    if (first.tonnes, first.subject_kind, first.subject_id) != (tonnes, subject_kind, subject_id):
        message = (f"idempotency key already used for {first.tonnes} t against {first.subject_kind} "
                   f"{first.subject_id}")
        raise Conflict(message, fields={"idempotency_key": [message]}, code="idempotency_key_reused")
    return first


def _retire_block(session: Session, retirement: Retirement, block, need: int, account_id: int
                  ) -> tuple[dict, list] | None:
    """Retire `need` tonnes of one block (all of it, or its head when it holds more); None if taken meanwhile.

    Returns the retirement part's values (written by the caller, all parts at once) and the split made."""
    splits = []
    if block.quantity <= need:
        taken = claim(session, block, in_account=account_id, status=BlockStatus.retired,
                      retirement_id=retirement.id)
        if taken is None:
            return None
    else:
        head_end = block.serial_start + need - 1
        children = split(session, block, [
            Piece(block.serial_start, head_end, {"status": BlockStatus.retired, "retirement_id": retirement.id}),
            Piece(head_end + 1, block.serial_end, {}),
        ], in_account=account_id)
        if children is None:
            return None
        splits.append((block, children))
        taken = children[0]
    part = {"retirement_id": retirement.id, "block_id": taken.id, "project_id": taken.project_id,
            "vintage": taken.vintage, "serial_start": taken.serial_start, "serial_end": taken.serial_end,
            "quantity": taken.quantity}
    return part, splits


# The retirement written, its parts, its splits (parent, children) and what the log names of their projects.
Claimed = tuple[Retirement, list[dict], list[tuple], dict[int, ProjectRef]]


def _retire_statement_by_statement(session: Session, values: dict, picking: Policy) -> Claimed | None:
    """Write the retirement and retire its tonnes of the account's blocks, one statement at a time (SQLite,
    where BEGIN IMMEDIATE has made this transaction the only writer), parts included; None when nothing was
    written (an unknown account, or the key's first retirement)."""
    row = session.connection().execute(_INSERT_RETIREMENT, values).first()
    if row is None:
        return None
    retirement = _attached(session, row[0], values)
    tonnes = values["tonnes"]
    account_id = retirement.account_id
    parts: list[dict] = []
    splits: list = []
    tried: list[int] = []
    projects: dict[int, ProjectRef] = {}
    remaining = tonnes
    while remaining > 0:
        blocks = candidates(session, account_id=account_id, policy=picking, ex_post_only=True, tried=tried,
                            projects=projects)
        if not blocks:
            # Too few held: all or nothing, so give everything back. What the account holds counts the tonnes
            # this transaction had taken.
            raise InsufficientCredits(requested=tonnes, held=held_tonnes(session, account_id,
                                                                         ex_post_only=True) + tonnes - remaining)
        for block in blocks:
            tried.append(block.id)
            result = _retire_block(session, retirement, block, remaining, account_id)
            if result is None:
                continue
            part, block_splits = result
            parts.append(part)
            splits.extend(block_splits)
            remaining -= part["quantity"]
            if remaining == 0:
                break
    session.connection().execute(insert(RetirementPart.__table__), parts)
    return retirement, parts, splits, projects


_RETIRE_IN_DATABASE = text(
    "SELECT role, id, project_id, account_id, registry_name, serial_namespace, vintage, serial_start, serial_end, "
    "quantity, status, registry_project_id FROM ledger_retire(:public_id, :account_id, :tonnes, :subject_kind, "
    ":subject_id, :beneficiary, :reason, :policy, :idempotency_key, :recorded_by_id, :created_at, :prefer_type, "
    ":prefer_province)"
).bindparams(bindparam("created_at", type_=UTCDateTime()))


def _retire_in_database(session: Session, values: dict, picking: Policy) -> Claimed | None:
    """The same on PostgreSQL, in one call of the database function ledger_retire (its migration says how it
    picks, splits and writes): the first block in the policy's order that no other retirement is claiming,
    queueing behind the claimers only when every remaining block is being claimed."""
    rows = session.connection().execute(_RETIRE_IN_DATABASE, {
        **values, "prefer_type": picking.option if picking.name == "prefer_type" else None,
        "prefer_province": picking.option if picking.name == "prefer_province" else None}).all()
    if not rows:
        return None
    tonnes = values["tonnes"]
    if rows[-1].role == "short":
        raise InsufficientCredits(requested=tonnes, held=rows[-1].quantity)
    retirement = _attached(session, rows[0].id, values)
    parts: list[dict] = []
    splits: list = []
    projects: dict[int, ProjectRef] = {}
    for row in rows[1:]:
        projects[row.project_id] = ProjectRef(row.registry_project_id, row.registry_name)
        if row.role == "split":
            splits.append((row, []))
        elif row.role == "piece":
            splits[-1][1].append(row)
        else:
            parts.append({"retirement_id": retirement.id, "block_id": row.id, "project_id": row.project_id,
                          "vintage": row.vintage, "serial_start": row.serial_start, "serial_end": row.serial_end,
                          "quantity": row.quantity})
    return retirement, parts, splits, projects


def retire(session: Session, *, account_id: int, tonnes: int, subject_kind: str, subject_id: int,
           beneficiary: str, reason: str, policy: str = DEFAULT_POLICY, idempotency_key: str,
           recorded_by_id: int | None = None) -> Retirement:
    """Retire `tonnes` of the account's ex-post credits against the subject, once; the same key returns the first."""
    request = dict(account_id=account_id, tonnes=tonnes, subject_kind=subject_kind, subject_id=subject_id,
                   beneficiary=beneficiary, reason=reason, policy=policy, idempotency_key=idempotency_key,
                   recorded_by_id=recorded_by_id)
    _check(tonnes=tonnes, subject_kind=subject_kind, idempotency_key=idempotency_key)
    # The same key at the same moment: the second request waits on the unique key, writes nothing and answers
    # with the first one's retirement (retire_within).
    return run_ledger_transaction(session, lambda session: retire_within(session, **request, commit_with_log=True))


def retire_within(session: Session, *, account_id: int, tonnes: int, subject_kind: str, subject_id: int,
                  beneficiary: str, reason: str, policy: str = DEFAULT_POLICY, idempotency_key: str,
                  recorded_by_id: int | None = None, commit_with_log: bool = False) -> Retirement:
    """`retire` inside the caller's ledger transaction (begun with ledger.db.begin_write), which commits it.

    For a use case that must retire and write its own rows at once (a certificate and the tonnes behind it).
    `commit_with_log`: nothing follows in the transaction, which commits with the log entries (log.append_many).
    """
    _check(tonnes=tonnes, subject_kind=subject_kind, idempotency_key=idempotency_key)
    picking = parse_policy(policy)
    session.flush()  # what the session holds is written first
    values = dict(public_id=secrets.token_urlsafe(16), account_id=account_id, tonnes=tonnes,
                  subject_kind=subject_kind, subject_id=subject_id, beneficiary=beneficiary, reason=reason,
                  policy=str(picking), idempotency_key=idempotency_key, recorded_by_id=recorded_by_id,
                  created_at=utcnow())
    written = (_retire_in_database if session.get_bind().dialect.name == "postgresql"
               else _retire_statement_by_statement)(session, values, picking)
    if written is None:
        known, first_id = _account_and_first(session, account_id, idempotency_key)
        if not known:
            raise NotFound(f"no ledger account {account_id}", fields={"account_id": ["unknown account"]})
        if first_id is None:  # the key's first request was rolled back after this one waited: try again
            raise Conflict("a retirement with this idempotency key was being written; send it again",
                           fields={"idempotency_key": ["being written"]}, code="idempotency_key_busy")
        return _same_request(session.get(Retirement, first_id), tonnes=tonnes, subject_kind=subject_kind,
                             subject_id=subject_id)
    retirement, parts, splits, projects = written
    # The log entries last, all at once: the head stays locked only from here to the commit.
    entries = [("split", split_payload(parent, children, projects[parent.project_id], cause="retirement"))
               for parent, children in splits]
    entries.append(("retirement", {
        "retirement": retirement.public_id,
        "account": account_id,
        "tonnes": tonnes,
        "subject_kind": subject_kind,
        "subject_id": subject_id,
        "beneficiary": beneficiary,
        "reason": reason,
        "policy": str(picking),
        "parts": [{"block": part["block_id"], "project": projects[part["project_id"]].registry_project_id,
                   "registry": Registry(projects[part["project_id"]].registry_name).value,
                   "vintage": part["vintage"], "serial_start": part["serial_start"], "serial_end": part["serial_end"],
                   "quantity": part["quantity"]} for part in parts],
    }))
    # The retirement row gets its log_seq in the same statement as the entries (no UPDATE of its own).
    seq = log.append_many(session, entries, stamp=("retirement", retirement.id), commit=commit_with_log)[-1].seq
    set_committed_value(retirement, "log_seq", seq)
    return retirement


def get_retirement(session: Session, public_id: str) -> Retirement:
    retirement = session.exec(select(Retirement).where(Retirement.public_id == public_id)).first()
    if retirement is None:
        raise NotFound(f"no retirement '{public_id}'")
    return retirement


def retirement_parts(session: Session, retirement_id: int) -> list[RetirementPart]:
    return list(session.exec(select(RetirementPart).where(RetirementPart.retirement_id == retirement_id)
                             .order_by(RetirementPart.id)).all())


def retired_blocks_payload(session: Session, retirement_id: int) -> list[dict]:
    """The live blocks a retirement holds now (some may have been invalidated since)."""
    blocks = session.exec(select(CreditBlock).where(CreditBlock.retirement_id == retirement_id,
                                                    CreditBlock.status != BlockStatus.split)
                          .order_by(CreditBlock.serial_start)).all()
    return [block_payload(block) for block in blocks]
