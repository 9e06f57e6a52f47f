"""Issuance: credits entering the ledger as serial blocks, from a form or a registry statement (CSV).

Every serial is held once in the whole ledger, whoever brings it: an interval overlapping a live block is
refused (`serial_overlap`). PostgreSQL's exclusion constraint decides (its violation, SQLSTATE 23P01, is
translated here); SQLite checks with a SELECT under the BEGIN IMMEDIATE that run_ledger_transaction takes, so
no other writer can insert between the check and the insert.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from errors import Conflict, NotFound, ValidationError
from ledger import log
from ledger.blocks import find_overlap, overlap_conflict, sqlstate
from ledger.db import run_ledger_transaction
from ledger.models import CreditBlock, CreditIssuance, CreditProject, LedgerAccount, Registry
from ledger.projects import get_project
from ledger.serials import SerialError, SerialInterval, ccer_interval, check_quantity, normalise_project, parse_serial

EXCLUSION_VIOLATION = "23P01"
MAX_STATEMENT_ROWS = 10_000
MAX_STATEMENT_BYTES = 5 * 1024 * 1024

# Statement columns: the canonical name, then the headers accepted for it (compared without case and blanks).
STATEMENT_COLUMNS: dict[str, tuple[str, ...]] = {
    "serial": ("serial", "serial_number", "serial number", "serial numbers", "序列号", "序号", "编号", "注册登记编号"),
    "project": ("project", "project_id", "project id", "registry_project_id", "项目", "项目编号", "项目代码",
                "项目id"),
    "vintage": ("vintage", "vintage year", "年份", "产生年份", "减排量产生年份", "签发年份"),
    "start": ("start", "serial_start", "serial start", "起始号", "起始序列号", "起始编号", "开始序列号"),
    "end": ("end", "serial_end", "serial end", "终止号", "结束序列号", "截止序列号", "终止序列号", "结束编号"),
    "quantity": ("quantity", "tonnes", "数量", "吨数", "数量（吨）", "数量(吨)", "减排量", "减排量（吨）"),
}


def _header_key(name: str) -> str:
    return "".join(name.split()).lower().replace("_", "")


_HEADER_INDEX = {_header_key(alias): column for column, aliases in STATEMENT_COLUMNS.items() for alias in aliases}


def interval_for(project: CreditProject, serial_text: str, *, vintage: int | None = None,
                 serial_start: int | None = None, serial_end: int | None = None,
                 quantity: int | None = None) -> SerialInterval:
    """The interval of a block of `project`: parsed from the text, or for CCER the one stated with it."""
    registry = Registry(project.registry_name)
    if registry == Registry.ccer:
        for name, value in (("vintage", vintage), ("serial_start", serial_start), ("serial_end", serial_end)):
            if value is None:
                raise SerialError("serial_interval_required", {"registry": "CCER"}, field=name)
        interval = ccer_interval(serial_text, project.registry_project_id, vintage, serial_start, serial_end)
    else:
        interval = parse_serial(serial_text, registry)
        if interval.project != normalise_project(registry, project.registry_project_id):
            raise SerialError("serial_project_mismatch", {"serial_project": interval.project,
                                                          "project": project.registry_project_id})
        if vintage is not None and vintage != interval.vintage:
            raise SerialError("serial_vintage_mismatch", {"serial_vintage": interval.vintage, "vintage": vintage},
                              field="vintage")
        if serial_start is not None and serial_end is not None and (serial_start, serial_end) != (
                interval.start, interval.end):
            raise SerialError("serial_quantity_mismatch", {"start": interval.start, "end": interval.end,
                                                           "range": interval.quantity,
                                                           "quantity": serial_end - serial_start + 1},
                              field="serial_start")
    check_quantity(interval, quantity)
    return interval


def _account(session: Session, account_id: int) -> LedgerAccount:
    account = session.get(LedgerAccount, account_id)
    if account is None:
        raise NotFound(f"no ledger account {account_id}", fields={"account_id": ["unknown account"]})
    return account


def _insert_block(session: Session, project: CreditProject, account_id: int, interval: SerialInterval, *,
                  is_ex_ante: bool, source: str, recorded_by_id: int | None, field: str) -> CreditBlock:
    """One issuance, its block and its log entry, in the caller's transaction."""
    if session.get_bind().dialect.name != "postgresql":
        clash = find_overlap(session, interval.namespace, interval.start, interval.end)
        if clash is not None:
            raise overlap_conflict(clash, interval.start, interval.end, field=field)
    issuance = CreditIssuance(project_id=project.id, account_id=account_id, serial_text=interval.text,
                              quantity=interval.quantity, is_ex_ante=is_ex_ante, source=source[:200],
                              recorded_by_id=recorded_by_id)
    session.add(issuance)
    session.flush()
    block = CreditBlock(project_id=project.id, account_id=account_id, registry_name=interval.registry,
                        serial_namespace=interval.namespace, serial_start=interval.start,
                        serial_end=interval.end, quantity=interval.quantity, vintage=interval.vintage,
                        vintage_start=interval.vintage_start, vintage_end=interval.vintage_end,
                        serial_text=interval.text, is_ex_ante=is_ex_ante, issuance_id=issuance.id)
    session.add(block)
    session.flush()
    entry = log.append(session, "issuance", {
        "issuance": issuance.id,
        "block": block.id,
        "registry": interval.registry.value,
        "project": project.registry_project_id,
        "namespace": interval.namespace,
        "serial_text": interval.text,
        "serial_start": interval.start,
        "serial_end": interval.end,
        "quantity": interval.quantity,
        "vintage": interval.vintage,
        "is_ex_ante": is_ex_ante,
        "account": account_id,
        "source": issuance.source,
    })
    issuance.log_seq = entry.seq
    session.add(issuance)
    return block


def _translate_overlap(session: Session, error: IntegrityError, intervals: list[tuple[SerialInterval, str]]):
    """The exclusion constraint refused an insert: name the block it overlapped (read after the rollback)."""
    if sqlstate(error) != EXCLUSION_VIOLATION:
        return None
    for interval, field in intervals:
        clash = find_overlap(session, interval.namespace, interval.start, interval.end)
        if clash is not None:
            return overlap_conflict(clash, interval.start, interval.end, field=field)
    # The block it overlapped has gone again (split meanwhile): report the first interval.
    interval, field = intervals[0]
    message = f"serials {interval.start}–{interval.end} overlap a block already in the ledger"
    return Conflict(message, fields={field: [message]}, code="serial_overlap")


def issue(session: Session, *, project_id: int, account_id: int, serial_text: str, vintage: int | None = None,
          serial_start: int | None = None, serial_end: int | None = None, quantity: int | None = None,
          is_ex_ante: bool = False, source: str = "form", recorded_by_id: int | None = None) -> CreditBlock:
    """Bring one block of `project`'s credits into the account (one transaction, one `issuance` log entry)."""
    project = get_project(session, project_id)
    _account(session, account_id)
    interval = interval_for(project, serial_text, vintage=vintage, serial_start=serial_start,
                            serial_end=serial_end, quantity=quantity)
    try:
        return run_ledger_transaction(session, lambda s: _insert_block(
            s, project, account_id, interval, is_ex_ante=is_ex_ante, source=source,
            recorded_by_id=recorded_by_id, field="serial_text"))
    except IntegrityError as error:
        conflict = _translate_overlap(session, error, [(interval, "serial_text")])
        if conflict is None:
            raise
        raise conflict from None


# ---- registry statements -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StatementRow:
    line: int
    project: CreditProject
    interval: SerialInterval


def _integer(value: str, column: str) -> int:
    text = (value or "").strip().replace(",", "")
    if not text.isdigit():
        raise ValueError(f"{column} '{value}' is not a whole number")
    return int(text)


def _reason(error: Exception) -> str:
    return error.message if isinstance(error, ValidationError) else str(error)


def _project_of_row(session: Session, fixed: CreditProject | None, cells: dict[str, str],
                    cache: dict) -> tuple[CreditProject, SerialInterval]:
    serial_text = cells.get("serial", "")
    stated = (cells.get("project") or "").strip()
    numbers = {name: _integer(cells[name], name) for name in ("vintage", "start", "end", "quantity")
               if (cells.get(name) or "").strip()}
    if fixed is not None:
        project = fixed
        if stated and normalise_project(project.registry_name, stated) != normalise_project(
                project.registry_name, project.registry_project_id):
            raise ValueError(f"project '{stated}' is not this statement's project {project.registry_project_id}")
    elif stated and numbers.keys() >= {"vintage", "start", "end"}:
        key = ("ccer", stated)
        if key not in cache:
            cache[key] = session.exec(select(CreditProject).where(
                CreditProject.registry_name == Registry.ccer, CreditProject.registry_project_id == stated)).first()
        project = cache[key]
        if project is None:
            raise ValueError(f"no CCER project '{stated}' is recorded")
    else:
        parsed = parse_serial(serial_text)
        key = (parsed.registry.value, parsed.project)
        if key not in cache:
            cache[key] = next((p for p in session.exec(select(CreditProject).where(
                CreditProject.registry_name == parsed.registry)).all()
                if normalise_project(parsed.registry, p.registry_project_id) == parsed.project), None)
        project = cache[key]
        if project is None:
            raise ValueError(f"no {parsed.registry.value} project '{parsed.project}' is recorded")
    interval = interval_for(project, serial_text, vintage=numbers.get("vintage"),
                            serial_start=numbers.get("start"), serial_end=numbers.get("end"),
                            quantity=numbers.get("quantity"))
    return project, interval


def read_statement(session: Session, *, project_id: int | None, file_name: str, text: str) -> list[StatementRow]:
    """Every row of a registry statement checked; all the problems at once as {"<file>:<line>": [reason]}."""
    fixed = get_project(session, project_id) if project_id is not None else None
    name = file_name or "statement.csv"
    errors: dict[str, list[str]] = {}
    if len(text.encode()) > MAX_STATEMENT_BYTES:
        raise ValidationError(f"{name} is larger than {MAX_STATEMENT_BYTES // (1024 * 1024)} MB",
                              fields={f"{name}:1": ["file too large"]}, code="statement_invalid")
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    header = next(reader, None)
    if header is None or not any(cell.strip() for cell in header):
        raise ValidationError(f"{name} is empty", fields={f"{name}:1": ["the file is empty"]},
                              code="statement_invalid")
    columns = [_HEADER_INDEX.get(_header_key(cell)) for cell in header]
    unknown = [cell for cell, column in zip(header, columns, strict=True) if column is None and cell.strip()]
    if unknown or "serial" not in columns:
        reasons = [f"unknown column '{cell}'" for cell in unknown]
        if "serial" not in columns:
            reasons.append("no serial column (serial / 序列号)")
        raise ValidationError(f"{name}:1: {'; '.join(reasons)}", fields={f"{name}:1": reasons},
                              code="statement_invalid")
    rows: list[StatementRow] = []
    cache: dict = {}
    for cells in reader:
        line = reader.line_num
        if not any(cell.strip() for cell in cells):
            continue
        if len(rows) + len(errors) >= MAX_STATEMENT_ROWS:
            errors[f"{name}:{line}"] = [f"more than {MAX_STATEMENT_ROWS} rows"]
            break
        if len(cells) != len(columns):
            errors[f"{name}:{line}"] = [f"{len(cells)} cells, the header has {len(columns)}"]
            continue
        values = {column: cell for column, cell in zip(columns, cells, strict=True) if column}
        try:
            project, interval = _project_of_row(session, fixed, values, cache)
        except (ValueError, ValidationError, NotFound) as error:
            errors[f"{name}:{line}"] = [_reason(error)]
            continue
        rows.append(StatementRow(line, project, interval))
    if not rows and not errors:
        raise ValidationError(f"{name} has no rows", fields={f"{name}:2": ["no rows after the header"]},
                              code="statement_invalid")
    # Rows that overlap each other, or blocks already in the ledger (checked again under the write lock).
    seen: dict[str, list[StatementRow]] = {}
    for row in rows:
        for other in seen.get(row.interval.namespace, []):
            if row.interval.start <= other.interval.end and row.interval.end >= other.interval.start:
                errors.setdefault(f"{name}:{row.line}", []).append(
                    f"serials {row.interval.start}–{row.interval.end} overlap line {other.line}")
                break
        else:
            clash = find_overlap(session, row.interval.namespace, row.interval.start, row.interval.end)
            if clash is not None:
                errors.setdefault(f"{name}:{row.line}", []).append(
                    overlap_conflict(clash, row.interval.start, row.interval.end).message)
        seen.setdefault(row.interval.namespace, []).append(row)
    if errors:
        count = len(errors)
        raise ValidationError(f"{name}: {count} line{'s' if count > 1 else ''} refused, nothing was imported",
                              fields=errors, code="statement_invalid")
    return rows


def import_statement(session: Session, *, project_id: int | None = None, account_id: int, file_name: str,
                     text: str, is_ex_ante: bool = False, recorded_by_id: int | None = None) -> list[CreditBlock]:
    """All the blocks of a registry statement, or none: every row checked first, then one transaction."""
    _account(session, account_id)
    rows = read_statement(session, project_id=project_id, file_name=file_name, text=text)
    name = file_name or "statement.csv"

    def work(session: Session) -> list[CreditBlock]:
        return [_insert_block(session, row.project, account_id, row.interval, is_ex_ante=is_ex_ante,
                              source=f"{name}:{row.line}", recorded_by_id=recorded_by_id,
                              field=f"{name}:{row.line}") for row in rows]

    try:
        return run_ledger_transaction(session, work)
    except IntegrityError as error:
        conflict = _translate_overlap(session, error, [(row.interval, f"{name}:{row.line}") for row in rows])
        if conflict is None:
            raise
        raise conflict from None
