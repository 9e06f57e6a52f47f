"""The ledger's read side: the public retirement list and pages, search by serial, holdings and blocks."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import and_, exists, func, or_
from sqlmodel import Session, select

from accounts.models import Membership, Organisation, Role
from errors import NotFound
from ledger.models import (
    AccountKind,
    BlockStatus,
    CreditBlock,
    CreditProject,
    LedgerAccount,
    LedgerHead,
    LogEntry,
    Retirement,
    RetirementPart,
    Transfer,
)

CSV_COLUMNS = ("public_id", "retired_at_utc", "tonnes", "beneficiary", "reason", "subject_kind", "subject_id",
               "project_registry", "registry_project_id", "project_name_zh", "project_name_en", "project_type",
               "vintage", "serial_namespace", "serial_start", "serial_end", "quantity", "serial_text", "log_seq",
               "entry_hash")


@dataclass(frozen=True)
class PartRow:
    part: RetirementPart
    project: CreditProject
    block: CreditBlock


@dataclass(frozen=True)
class RetirementRow:
    retirement: Retirement
    parts: list[PartRow] = field(default_factory=list)
    entry: LogEntry | None = None

    @property
    def entry_hash(self) -> str | None:
        return self.entry.entry_hash if self.entry else None


@dataclass(frozen=True)
class HoldingRow:
    project: CreditProject
    vintage: int
    is_ex_ante: bool
    tonnes: int


@dataclass(frozen=True)
class SerialHit:
    """A live block holding (part of) the serials searched for, with the retirement that took it if any."""

    block: CreditBlock
    project: CreditProject
    retirement: Retirement | None
    holder: LedgerAccount


@dataclass(frozen=True)
class SerialSearch:
    hits: list[SerialHit]
    namespace: str | None = None
    start: int | None = None
    end: int | None = None
    problem: tuple[str, dict] | None = None  # (code, params) when the text could not be read


# ---- who manages the ledger -----------------------------------------------------------------------------------------

def platform_organisation(session: Session, *, slug: str) -> Organisation | None:
    return session.exec(select(Organisation).where(Organisation.slug == slug)).first()


def is_platform_admin(session: Session, *, user_id: int, slug: str) -> bool:
    """An admin of the platform organisation: who may register projects, issue, sell and invalidate."""
    found = session.exec(
        select(Membership.id).join(Organisation, Organisation.id == Membership.organisation_id)
        .where(Membership.user_id == user_id, Organisation.slug == slug, Membership.role == Role.admin)
    ).first()
    return found is not None


def account_id_of(session: Session, *, organisation_id: int) -> int | None:
    """The organisation's ledger account id, or None before it held anything (read side: creates nothing)."""
    return session.exec(select(LedgerAccount.id).where(LedgerAccount.organisation_id == organisation_id)).first()


def pool_account_id(session: Session) -> int | None:
    return session.exec(select(LedgerAccount.id).where(LedgerAccount.kind == AccountKind.pool)).first()


# ---- retirements ----------------------------------------------------------------------------------------------------

def _day_start_utc(day: date, zone: ZoneInfo) -> datetime:
    """The instant `day` begins in `zone`, in UTC; days at the calendar's edge clamp to its first or last instant."""
    try:
        return datetime.combine(day, time.min, tzinfo=zone).astimezone(UTC)
    except OverflowError:
        return datetime.min.replace(tzinfo=UTC) if day.year == date.min.year else datetime.max.replace(tzinfo=UTC)


def _day_end_utc(day: date, zone: ZoneInfo) -> datetime:
    """The instant after `day` ends in `zone`, in UTC (clamped like `_day_start_utc`)."""
    if day == date.max:
        return datetime.max.replace(tzinfo=UTC)
    return _day_start_utc(day + timedelta(days=1), zone)


def _filtered(statement, filters: Mapping, zone: ZoneInfo):
    part_conditions = []
    if filters.get("project_id"):
        part_conditions.append(RetirementPart.project_id == filters["project_id"])
    if filters.get("vintage"):
        part_conditions.append(RetirementPart.vintage == filters["vintage"])
    if filters.get("project_type"):
        part_conditions.append(RetirementPart.project_id.in_(
            select(CreditProject.id).where(CreditProject.project_type == filters["project_type"])))
    if part_conditions:
        statement = statement.where(exists().where(RetirementPart.retirement_id == Retirement.id, *part_conditions))
    if filters.get("subject_kind"):
        statement = statement.where(Retirement.subject_kind == filters["subject_kind"])
    if filters.get("date_from"):
        statement = statement.where(Retirement.created_at >= _day_start_utc(filters["date_from"], zone))
    if filters.get("date_to"):
        statement = statement.where(
            Retirement.created_at < _day_end_utc(filters["date_to"], zone))
    if filters.get("beneficiary"):
        statement = statement.where(
            func.lower(Retirement.beneficiary).contains(filters["beneficiary"].lower(), autoescape=True))
    return statement


def _with_parts(session: Session, retirements: list[Retirement]) -> list[RetirementRow]:
    if not retirements:
        return []
    ids = [r.id for r in retirements]
    parts: dict[int, list[PartRow]] = {}
    rows = session.exec(
        select(RetirementPart, CreditProject, CreditBlock)
        .join(CreditProject, CreditProject.id == RetirementPart.project_id)
        .join(CreditBlock, CreditBlock.id == RetirementPart.block_id)
        .where(RetirementPart.retirement_id.in_(ids))
        .order_by(RetirementPart.retirement_id, RetirementPart.id)
    ).all()
    for part, project, block in rows:
        parts.setdefault(part.retirement_id, []).append(PartRow(part, project, block))
    seqs = [r.log_seq for r in retirements if r.log_seq is not None]
    entries = {e.seq: e for e in session.exec(select(LogEntry).where(LogEntry.seq.in_(seqs))).all()} if seqs else {}
    return [RetirementRow(r, parts.get(r.id, []), entries.get(r.log_seq)) for r in retirements]


def list_retirements(session: Session, *, filters: Mapping, offset: int, limit: int,
                     zone: ZoneInfo) -> tuple[list[RetirementRow], int]:
    """One page of retirements, newest first, with their parts and log entries; and how many match in all."""
    total = session.exec(_filtered(select(func.count()).select_from(Retirement), filters, zone)).one()
    found = session.exec(_filtered(select(Retirement), filters, zone)
                         .order_by(Retirement.created_at.desc(), Retirement.id.desc())
                         .offset(offset).limit(limit)).all()
    return _with_parts(session, list(found)), total


def get_retirement(session: Session, *, public_id: str) -> RetirementRow:
    found = session.exec(select(Retirement).where(Retirement.public_id == public_id)).first()
    if found is None:
        raise NotFound("no retirement has this id")
    return _with_parts(session, [found])[0]


def retirements_of_subject(session: Session, *, subject_kind: str, subject_id: int) -> list[RetirementRow]:
    found = session.exec(select(Retirement).where(Retirement.subject_kind == subject_kind,
                                                  Retirement.subject_id == subject_id)
                         .order_by(Retirement.created_at, Retirement.id)).all()
    return _with_parts(session, list(found))


def retirements_csv(session: Session, *, filters: Mapping, zone: ZoneInfo, batch: int = 500) -> Iterator[str]:
    """The filtered retirements as CSV text, one line per retired serial range, streamed in batches."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")

    def flush() -> str:
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    writer.writerow(CSV_COLUMNS)
    yield "\ufeff" + flush()  # the BOM makes Excel read the Chinese as UTF-8
    offset = 0
    while True:
        rows, _total = list_retirements(session, filters=filters, offset=offset, limit=batch, zone=zone)
        for row in rows:
            r = row.retirement
            for p in row.parts:
                writer.writerow([
                    r.public_id, r.created_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"), r.tonnes,
                    _csv_safe(r.beneficiary), _csv_safe(r.reason), r.subject_kind, r.subject_id,
                    str(p.project.registry_name), _csv_safe(p.project.registry_project_id),
                    _csv_safe(p.project.name_zh), _csv_safe(p.project.name_en), str(p.project.project_type),
                    p.part.vintage, _csv_safe(p.block.serial_namespace), p.part.serial_start, p.part.serial_end,
                    p.part.quantity, _csv_safe(p.block.serial_text), r.log_seq if r.log_seq is not None else "",
                    row.entry_hash or ""])
        yield flush()
        if len(rows) < batch:
            return
        offset += batch


def _csv_safe(text: str) -> str:
    # A spreadsheet runs a cell that starts with = + - @ as a formula; a leading apostrophe keeps it text.
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


# ---- search by serial -----------------------------------------------------------------------------------------------

def search_serial(session: Session, *, serial: str, namespace: str = "", limit: int = 50) -> SerialSearch:
    """Which live blocks hold a serial number (in any namespace, or the one given) or a pasted serial's range."""
    from ledger.serials import SerialError, parse_serial

    serial = serial.strip()
    if not serial:
        return SerialSearch(hits=[])
    if serial.isdigit():
        number = int(serial)
        if number > 2**62:
            return SerialSearch(hits=[], problem=("ledger.search_number_too_large", {"given": serial}))
        condition = and_(CreditBlock.serial_start <= number, CreditBlock.serial_end >= number)
        if namespace:
            condition = and_(condition, CreditBlock.serial_namespace == namespace)
        return SerialSearch(hits=_hits(session, condition, limit), namespace=namespace or None, start=number,
                            end=number)
    try:
        interval = parse_serial(serial)
    except SerialError as error:
        return SerialSearch(hits=[], problem=(error.code, dict(error.params or {})))
    condition = and_(CreditBlock.serial_namespace == interval.namespace, CreditBlock.serial_start <= interval.end,
                     CreditBlock.serial_end >= interval.start)
    return SerialSearch(hits=_hits(session, condition, limit), namespace=interval.namespace, start=interval.start,
                        end=interval.end)


def _hits(session: Session, condition, limit: int) -> list[SerialHit]:
    rows = session.exec(
        select(CreditBlock, CreditProject, Retirement, LedgerAccount)
        .join(CreditProject, CreditProject.id == CreditBlock.project_id)
        .join(LedgerAccount, LedgerAccount.id == CreditBlock.account_id)
        .outerjoin(Retirement, Retirement.id == CreditBlock.retirement_id)
        .where(condition, CreditBlock.status != BlockStatus.split)
        .order_by(CreditBlock.serial_namespace, CreditBlock.serial_start).limit(limit)
    ).all()
    return [SerialHit(block, project, retirement if block.status == BlockStatus.retired else None, holder)
            for block, project, retirement, holder in rows]


# ---- projects, holdings, blocks -------------------------------------------------------------------------------------

def list_projects(session: Session) -> list[CreditProject]:
    return list(session.exec(select(CreditProject).order_by(CreditProject.id)).all())


def get_project(session: Session, *, project_id: int) -> CreditProject:
    project = session.get(CreditProject, project_id)
    if project is None:
        raise NotFound("no credit project has this id")
    return project


@dataclass(frozen=True)
class ProjectFigures:
    vintage: int
    issued: int
    held: int
    retired: int
    invalidated: int


def project_figures(session: Session, *, project_id: int) -> list[ProjectFigures]:
    """Per vintage: tonnes issued (live blocks), held, retired and invalidated; ex-ante blocks left out."""
    rows = session.exec(
        select(CreditBlock.vintage, CreditBlock.status, func.sum(CreditBlock.quantity))
        .where(CreditBlock.project_id == project_id, CreditBlock.status != BlockStatus.split,
               CreditBlock.is_ex_ante == False)  # noqa: E712 (SQL, not Python truth)
        .group_by(CreditBlock.vintage, CreditBlock.status)
    ).all()
    by_vintage: dict[int, dict[str, int]] = {}
    for vintage, status, tonnes in rows:
        by_vintage.setdefault(vintage, {})[BlockStatus(status).value] = int(tonnes)
    return [ProjectFigures(vintage, sum(v.values()), v.get("held", 0), v.get("retired", 0), v.get("invalidated", 0))
            for vintage, v in sorted(by_vintage.items())]


def holdings_of(session: Session, *, account_id: int | None) -> list[HoldingRow]:
    """Tonnes an account holds, per project, vintage and ex-ante flag (oldest vintage first)."""
    if account_id is None:
        return []
    rows = session.exec(
        select(CreditProject, CreditBlock.vintage, CreditBlock.is_ex_ante, func.sum(CreditBlock.quantity))
        .join(CreditProject, CreditProject.id == CreditBlock.project_id)
        .where(CreditBlock.account_id == account_id, CreditBlock.status == BlockStatus.held)
        .group_by(CreditProject.id, CreditBlock.vintage, CreditBlock.is_ex_ante)
        .order_by(CreditBlock.vintage, CreditProject.id, CreditBlock.is_ex_ante)
    ).all()
    return [HoldingRow(project, vintage, bool(ex_ante), int(tonnes)) for project, vintage, ex_ante, tonnes in rows]


def retirable_tonnes(holdings: list[HoldingRow]) -> int:
    return sum(h.tonnes for h in holdings if not h.is_ex_ante)


def blocks_of(session: Session, *, account_id: int | None, offset: int, limit: int) -> tuple[list[CreditBlock], int]:
    """The account's live blocks (held, retired, invalidated), oldest vintage and lowest serial first."""
    if account_id is None:
        return [], 0
    condition = and_(CreditBlock.account_id == account_id, CreditBlock.status != BlockStatus.split)
    total = session.exec(select(func.count()).select_from(CreditBlock).where(condition)).one()
    found = session.exec(select(CreditBlock).where(condition)
                         .order_by(CreditBlock.vintage, CreditBlock.serial_namespace, CreditBlock.serial_start)
                         .offset(offset).limit(limit)).all()
    return list(found), total


def recent_transfers(session: Session, *, account_id: int | None, limit: int = 20) -> list[tuple[Transfer, str]]:
    """The account's latest sales and grants, each with the other organisation's slug."""
    if account_id is None:
        return []
    rows = session.exec(
        select(Transfer, Organisation.slug)
        .join(LedgerAccount, LedgerAccount.id == Transfer.to_account_id)
        .outerjoin(Organisation, Organisation.id == LedgerAccount.organisation_id)
        .where(or_(Transfer.from_account_id == account_id, Transfer.to_account_id == account_id))
        .order_by(Transfer.created_at.desc(), Transfer.id.desc()).limit(limit)
    ).all()
    return [(transfer, slug or "") for transfer, slug in rows]


def organisations(session: Session) -> list[Organisation]:
    return list(session.exec(select(Organisation).order_by(Organisation.slug)).all())


def log_head(session: Session) -> LedgerHead | None:
    return session.get(LedgerHead, 1)


def log_entry(session: Session, *, seq: int) -> LogEntry | None:
    return session.get(LogEntry, seq)


