"""Ex-ante credits: a sink's expected tonnes held as blocks, later replaced by the ex-post blocks a registry issues.

An ex-ante block carries placeholder serials in a namespace of its own (`ex-ante:<registry>:<project>`), so the
registry's real serials, issued later in the project's namespace, never collide with them. Ex-ante blocks are
held and never retired (ledger.retirement refuses them; ledger.invariants checks it). A replacement is one
transaction: the ex-ante blocks become `invalidated` (one Invalidation row each, whose reason names the
replacement), the ex-post blocks are issued into the pool, and one `ex_ante_replacement` entry on the
transparency log names both sides. Per issuance, issued = held + retired + invalidated still holds.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import func
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from errors import Conflict, NotFound, ValidationError
from ledger import log
from ledger.accounts import pool_account
from ledger.blocks import block_payload, claim
from ledger.db import run_ledger_transaction
from ledger.issuance import _insert_block, _translate_overlap, interval_for
from ledger.models import BlockStatus, CreditBlock, CreditProject, Invalidation, Registry
from ledger.projects import get_project
from ledger.serials import MAX_VINTAGE, MIN_VINTAGE, SerialInterval, normalise_project

NAMESPACE_PREFIX = "ex-ante:"
MAX_EX_POST_LINES = 100
MAX_TONNES = 10**12


@dataclass(frozen=True)
class ExAnteInterval(SerialInterval):
    """Placeholder serials of expected credits: numbered per project, apart from the registry's own serials."""

    @property
    def namespace(self) -> str:
        return ex_ante_namespace(self.registry, self.project)


def ex_ante_namespace(registry: Registry | str, project: str) -> str:
    return f"{NAMESPACE_PREFIX}{Registry(registry).value}:{project}"


@dataclass(frozen=True)
class ExPostLine:
    """One block the registry issued, as the issuance form states it."""

    serial_text: str
    vintage: int | None = None
    serial_start: int | None = None
    serial_end: int | None = None
    quantity: int | None = None


@dataclass(frozen=True)
class Replacement:
    log_seq: int
    ex_ante_blocks: list[CreditBlock]
    ex_post_blocks: list[CreditBlock]
    invalidations: list[Invalidation]

    @property
    def ex_ante_tonnes(self) -> int:
        return sum(block.quantity for block in self.ex_ante_blocks)

    @property
    def ex_post_tonnes(self) -> int:
        return sum(block.quantity for block in self.ex_post_blocks)


def _project_key(project: CreditProject) -> str:
    return normalise_project(project.registry_name, project.registry_project_id)


def issue_expected(session: Session, *, project_id: int, tonnes_by_vintage: Mapping[int, int],
                   source: str | Callable[[Session], str], recorded_by_id: int | None = None,
                   after: Callable[[Session, list[CreditBlock]], None] | None = None) -> list[CreditBlock]:
    """Expected tonnes per vintage as ex-ante blocks in the pool: one transaction, one `issuance` entry per block.

    `source` may be a function run first in the transaction (a caller writing its own record of what it
    registers and naming it); `after` runs in the same transaction once the blocks are written."""
    project = get_project(session, project_id)
    wanted = {int(v): int(t) for v, t in tonnes_by_vintage.items() if int(t) > 0}
    if not wanted:
        raise ValidationError("the estimate expects no whole tonne to register",
                              fields={"tonnes": ["at least 1 t expected"]}, code="nothing_expected")
    for vintage, tonnes in wanted.items():
        if not MIN_VINTAGE <= vintage <= MAX_VINTAGE:
            raise ValidationError(f"vintage {vintage} is not between {MIN_VINTAGE} and {MAX_VINTAGE}",
                                  fields={"first_year": [f"{MIN_VINTAGE}–{MAX_VINTAGE}"]}, code="vintage_out_of_range")
        if tonnes > MAX_TONNES:
            raise ValidationError(f"{tonnes} t is more than {MAX_TONNES}", fields={"tonnes": ["too large"]})
    account_id = pool_account(session).id
    key = _project_key(project)
    namespace = ex_ante_namespace(project.registry_name, key)

    def work(session: Session) -> list[CreditBlock]:
        # The project's row is the turn-taking point of its placeholder numbers (SQLite: BEGIN IMMEDIATE already).
        session.exec(select(CreditProject.id).where(CreditProject.id == project.id).with_for_update()).one()
        named = source(session) if callable(source) else source
        # Placeholder numbers continue after the project's last ex-ante block.
        last = session.exec(select(func.max(CreditBlock.serial_end)).where(
            CreditBlock.serial_namespace == namespace)).one()
        start = (last or 0) + 1
        blocks = []
        for vintage in sorted(wanted):
            end = start + wanted[vintage] - 1
            interval = ExAnteInterval(registry=Registry(project.registry_name), project=key, vintage=vintage,
                                      start=start, end=end, vintage_start=None, vintage_end=None,
                                      text=f"EX-ANTE {project.registry_project_id} {vintage} {start}-{end}")
            blocks.append(_insert_block(session, project, account_id, interval, is_ex_ante=True, source=named,
                                        recorded_by_id=recorded_by_id, field="tonnes"))
            start = end + 1
        if after is not None:
            after(session, blocks)
        return blocks

    return run_ledger_transaction(session, work)


def held_ex_ante_blocks(session: Session, *, issuance_ids: Sequence[int]) -> list[CreditBlock]:
    """The live ex-ante blocks of these issuances still held in the pool, in serial order."""
    if not issuance_ids:
        return []
    return list(session.exec(select(CreditBlock).where(
        CreditBlock.issuance_id.in_(list(issuance_ids)), CreditBlock.status == BlockStatus.held,
        CreditBlock.is_ex_ante.is_(True)).order_by(CreditBlock.serial_start)).all())


def replace_ex_ante(session: Session, *, project_id: int, block_ids: Sequence[int], ex_post: Sequence[ExPostLine],
                    reason: str, recorded_by_id: int | None = None,
                    after: Callable[[Session, Replacement], None] | None = None) -> Replacement:
    """Mark the ex-ante blocks replaced and issue the ex-post blocks into the pool, in one transaction.

    Every ex-ante block must be of the project, held in the pool and ex-ante; every ex-post line a real
    serial of the project. `after` runs in the same transaction once both sides are written."""
    project = get_project(session, project_id)
    reason = (reason or "").strip()
    if not block_ids:
        raise ValidationError("no ex-ante block to replace", fields={"block_ids": ["choose at least one block"]},
                              code="nothing_to_replace")
    if not ex_post:
        raise ValidationError("give the ex-post block(s) the registry issued",
                              fields={"serial_text": ["at least one ex-post block"]}, code="no_ex_post")
    if len(ex_post) > MAX_EX_POST_LINES:
        raise ValidationError(f"at most {MAX_EX_POST_LINES} ex-post blocks at once",
                              fields={"serial_text": [f"at most {MAX_EX_POST_LINES}"]})
    intervals: list[tuple[SerialInterval, str]] = []
    for index, line in enumerate(ex_post):
        field = "serial_text" if len(ex_post) == 1 else f"ex_post[{index}].serial_text"
        try:
            interval = interval_for(project, line.serial_text, vintage=line.vintage, serial_start=line.serial_start,
                                    serial_end=line.serial_end, quantity=line.quantity)
        except ValidationError as error:
            raise ValidationError(f"{field}: {error.message}", fields={field: [error.message]},
                                  code=error.code) from None
        intervals.append((interval, field))
    account_id = pool_account(session).id

    def work(session: Session) -> Replacement:
        blocks = list(session.exec(select(CreditBlock).where(CreditBlock.id.in_(list(block_ids)))
                                   .order_by(CreditBlock.serial_start).with_for_update()).all())
        missing = set(block_ids) - {block.id for block in blocks}
        if missing:
            raise NotFound(f"no block {min(missing)}", fields={"block_ids": [f"unknown block {min(missing)}"]})
        for block in blocks:
            if block.project_id != project.id or not block.is_ex_ante:
                message = f"block {block.id} is not an ex-ante block of project {project.registry_project_id}"
                raise ValidationError(message, fields={"block_ids": [message]}, code="not_ex_ante")
            if block.status != BlockStatus.held or block.account_id != account_id:
                message = f"block {block.id} is no longer held in the pool (it is {BlockStatus(block.status).value})"
                raise Conflict(message, fields={"block_ids": [message]}, code="ex_ante_not_held")
        issued = [_insert_block(session, project, account_id, interval, is_ex_ante=False, source="ex-post replacement",
                                recorded_by_id=recorded_by_id, field=field) for interval, field in intervals]
        serials = "; ".join(block.serial_text for block in issued)
        why = (reason or "replaced by the ex-post issuance")
        note = f"{why} ({serials})"[:500]
        invalidations = []
        replaced = []
        for block in blocks:
            record = Invalidation(registry_name=block.registry_name, serial_namespace=block.serial_namespace,
                                  serial_start=block.serial_start, serial_end=block.serial_end, reason=note,
                                  recorded_by_id=recorded_by_id)
            session.add(record)
            session.flush()
            done = claim(session, block, in_account=account_id, expected=BlockStatus.held,
                         status=BlockStatus.invalidated, invalidation_id=record.id)
            if done is None:
                raise Conflict(f"block {block.id} changed meanwhile", fields={"block_ids": ["changed meanwhile"]},
                               code="ex_ante_not_held")
            invalidations.append(record)
            replaced.append(done)
        entry = log.append(session, "ex_ante_replacement", {
            "project": project.registry_project_id,
            "registry": Registry(project.registry_name).value,
            "reason": why,
            "ex_ante": [{**block_payload(b), "namespace": b.serial_namespace, "vintage": b.vintage,
                         "invalidation": r.id} for b, r in zip(replaced, invalidations, strict=True)],
            "ex_ante_tonnes": sum(b.quantity for b in replaced),
            "ex_post": [{**block_payload(b), "namespace": b.serial_namespace, "vintage": b.vintage,
                         "serial_text": b.serial_text, "issuance": b.issuance_id} for b in issued],
            "ex_post_tonnes": sum(b.quantity for b in issued),
        })
        for record in invalidations:
            record.log_seq = entry.seq
            session.add(record)
        session.flush()
        result = Replacement(entry.seq, replaced, issued, invalidations)
        if after is not None:
            after(session, result)
        return result

    try:
        return run_ledger_transaction(session, work)
    except IntegrityError as error:
        conflict = _translate_overlap(session, error, intervals)
        if conflict is None:
            raise
        raise conflict from None
