"""Import activity records from CSV or XLSX: every row checked first, then all of them written or none.

`import_rows(session, organisation_id, user_id, rows)` is the whole use case, callable from a page, the API or
a background job. The first pass cleans and computes every row and spools the stored rows to a temporary file;
any bad row stops the import there, before the database is touched, with every error named (row, column, value,
reason). The second pass streams the spool into the database in one transaction: PostgreSQL's COPY, SQLite's
executemany. So a million-row file never sits in memory, and the write is the database's own bulk load.
"""

from __future__ import annotations

import csv
import io
import json
import pickle
import tempfile
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

from sqlmodel import Session

from accounts import service as accounts
from db import transaction, utcnow
from errors import ValidationError
from factors import FactorSet, default_factor_set
from inventory import periods
from inventory.entries import FIELD_NAMES, FIELDS, EntryError, clean_entry, compute_entry
from inventory.models import RecordHistory
from inventory.records import facility_index, record_values
from inventory.rights import Actor

MAX_ERRORS = 1000  # reported in full up to here; a file with more is refused with the count
BATCH = 5000
# Columns an export adds; an exported file imports again with them ignored.
EXPORT_ONLY = ("id", "scope", "ghg_category", "iso_category", "kgco2e", "kgco2e_market", "factor_set",
               "quality_grade", "entered_at", "validated_at", "compensated_by_certificate")
EXPORT_ONLY_ZH = {"id": "编号", "scope": "范围", "ghg_category": "GHG类别", "iso_category": "ISO类别",
                  "kgco2e": "排放量(kgCO2e)", "kgco2e_market": "市场法排放量(kgCO2e)", "factor_set": "因子库版本",
                  "quality_grade": "数据质量等级", "entered_at": "录入时间", "validated_at": "核验时间",
                  "compensated_by_certificate": "已由证书抵消"}
# The stored columns, in the order the bulk load writes them.
COLUMNS = ("organisation_id", "facility_id", "month", "kind", "activity", "quantity", "unit", "treatment",
           "recycled", "density_kg_per_l", "density_source", "green_kwh", "instrument_type", "certificate_id",
           "origin", "destination", "distance_km", "round_trip", "cabin", "rail_type", "car_fuel", "car_size",
           "occupancy", "currency", "data_source", "quality_grade", "evidence_note", "evidence_file",
           "compensated_by_certificate", "entered_by_id", "entered_at", "validated_by_id", "validated_at",
           "factor_set", "scope", "ghg_category", "iso_category", "kgco2e", "kgco2e_market", "line_items")
_HEADERS = {name: name for name in (*FIELD_NAMES, *EXPORT_ONLY)} | {zh: name for name, zh in FIELDS} | {
    zh: name for name, zh in EXPORT_ONLY_ZH.items()}


@dataclass(frozen=True)
class RowError:
    row: int  # the file's line (the header is row 1)
    column: str  # the column's header as written in the file, or the field's name
    value: str
    reason: str

    def to_dict(self) -> dict:
        return {"row": self.row, "column": self.column, "value": self.value, "reason": self.reason}


class ImportRefused(ValidationError):
    """The file has bad rows: nothing was written. `errors` names each (row, column, value, reason)."""

    code = "import_refused"

    def __init__(self, errors: list[RowError], total: int):
        self.errors = errors
        self.total = total
        shown = "; ".join(f"row {e.row}, {e.column} {e.value!r}: {e.reason}" for e in errors[:3])
        more = f" (and {total - 3} more)" if total > 3 else ""
        fields = {f"row {e.row}.{e.column}": [f"{e.value!r}: {e.reason}" if e.value else e.reason]
                  for e in errors}
        super().__init__(f"{total} bad row value(s), nothing imported: {shown}{more}", fields=fields)


@dataclass(frozen=True)
class ImportResult:
    imported: int
    months: tuple[str, ...]  # YYYY-MM of the first and last month imported


def header_field(cell: object) -> str | None:
    """The field a header cell names: English ("quantity"), Chinese ("数量") or both ("数量 quantity")."""
    text = str(cell or "").strip()
    if text in _HEADERS:
        return _HEADERS[text]
    head, _, last = text.rpartition(" ")
    return _HEADERS.get(last.strip()) or _HEADERS.get(head.strip())


def template_header(name: str) -> str:
    zh = dict(FIELDS).get(name) or EXPORT_ONLY_ZH.get(name, name)
    return f"{zh} {name}"


def _mapped(header: list, errors: list[RowError]) -> list[str | None]:
    fields: list[str | None] = []
    for index, cell in enumerate(header):
        field = header_field(cell)
        if field is None and str(cell or "").strip():
            errors.append(RowError(1, _column_letter(index), str(cell), "unknown column (see the template)"))
        fields.append(field)
    for name in ("facility", "month", "kind", "quantity", "unit", "data_source"):
        if name not in fields:
            errors.append(RowError(1, template_header(name), "", "missing column"))
    return fields


def _column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


def read_table(data: bytes, file_name: str) -> tuple[list, Iterator[tuple[int, list]]]:
    """The header row and the (row number, cells) of a CSV or XLSX file, read lazily."""
    if file_name.lower().endswith(".xlsx"):
        return _read_xlsx(data)
    if file_name.lower().endswith((".csv", ".txt")) or not file_name:
        return _read_csv(data)
    raise ValidationError(f"{file_name!r} is neither CSV nor XLSX", fields={"file": ["a .csv or .xlsx file"]})


def _read_csv(data: bytes) -> tuple[list, Iterator[tuple[int, list]]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            # Excel in China saves "CSV" in the GB code page.
            text = data.decode("gb18030")
        except UnicodeDecodeError:
            raise ValidationError("the CSV file is neither UTF-8 nor GB18030 text",
                                  fields={"file": ["not UTF-8 or GB18030 text"]}) from None
    return _csv_rows(io.StringIO(text, newline=""))


def _csv_rows(stream) -> tuple[list, Iterator[tuple[int, list]]]:
    reader = csv.reader(stream)
    header = next(reader, None)
    if header is None:
        raise ValidationError("the file is empty", fields={"file": ["empty"]})

    def rows():
        for row in reader:
            yield reader.line_num, row

    return header, rows()


def _read_xlsx(data: bytes) -> tuple[list, Iterator[tuple[int, list]]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds for a damaged or foreign file
        raise ValidationError(f"not a readable XLSX workbook: {error}", fields={"file": ["not an XLSX workbook"]}
                              ) from None
    sheet = workbook.worksheets[0]
    cells = sheet.iter_rows(values_only=True)
    header = next(cells, None)
    if header is None:
        raise ValidationError("the workbook's first sheet is empty", fields={"file": ["empty"]})

    def rows():
        for number, row in enumerate(cells, start=2):
            yield number, [_xlsx_cell(value) for value in row]

    return list(header), rows()


def _xlsx_cell(value: object) -> object:
    if isinstance(value, datetime | date):
        return value.strftime("%Y-%m")  # a month typed as a date
    return value


def rows_from_file(data: bytes, file_name: str) -> Iterator[tuple[int, dict]]:
    """(row number, {field: cell}) of every non-empty row; a bad header is refused before any row is read."""
    return _mapped_rows(*read_table(data, file_name))


def rows_from_csv_stream(stream) -> Iterator[tuple[int, dict]]:
    """rows_from_file for a UTF-8 CSV text stream read as it goes (a large file kept on disk by a job)."""
    return _mapped_rows(*_csv_rows(stream))


def _mapped_rows(header: list, rows: Iterator[tuple[int, list]]) -> Iterator[tuple[int, dict]]:
    errors: list[RowError] = []
    fields = _mapped(header, errors)
    if errors:
        raise ImportRefused(errors, len(errors))

    def mapped():
        for number, cells in rows:
            if not any(str(cell).strip() for cell in cells if cell is not None):
                continue  # a blank line
            yield number, {field: cell for field, cell in zip(fields, cells, strict=False) if field}

    return mapped()


def _actor(session: Session, organisation_id: int, user_id: int) -> Actor:
    membership = accounts.membership(session=session, user_id=user_id, organisation_id=organisation_id)
    return Actor.member(organisation_id, user_id, membership.role)


def import_rows(session: Session, organisation_id: int, user_id: int | None,
                rows: Iterable[tuple[int, Mapping]], *, actor: Actor | None = None, file_name: str | None = None,
                factor_set: FactorSet | None = None, now: datetime | None = None,
                before_commit: Callable[[Session, ImportResult], None] | None = None) -> ImportResult:
    """Check and compute every row, then write all of them in one transaction, or none (ImportRefused).

    `rows` are (row number, {field: value}) pairs, as rows_from_file gives them. The member `user_id` must be
    allowed to log records in the organisation; a program passes its `actor` instead. `before_commit` runs in
    the import's transaction (the API keeps an idempotency key's result there).
    """
    actor = actor or _actor(session, organisation_id, user_id)
    actor.require("log")
    factor_set = factor_set or default_factor_set()
    now = (now or utcnow()).astimezone(UTC)
    facilities = facility_index(session, organisation_id)
    closed = periods.closed_years(session, organisation_id)
    errors: list[RowError] = []
    total_errors = 0
    count = 0
    months: set[date] = set()
    dialect = session.get_bind().dialect.name
    with tempfile.TemporaryFile() as spool:
        batch: list[tuple] = []
        for number, raw in rows:
            try:
                values = clean_entry(raw, facilities)
                if values["month"].year in closed:
                    raise EntryError({"month": (str(raw.get("month", "")), f"the year {values['month'].year} is "
                                                                           "closed")})
                computed = compute_entry(values, values["facility"], factor_set)
            except EntryError as error:
                total_errors += len(error.problems)
                for field, (value, reason) in error.problems.items():
                    if len(errors) < MAX_ERRORS:
                        errors.append(RowError(number, field, value, reason))
                continue
            if total_errors:
                continue  # keep checking, stop preparing
            row = record_values(values, computed, organisation_id=organisation_id, entered_by_id=actor.user_id,
                                entered_at=now)
            batch.append(tuple(row[name] for name in COLUMNS))
            months.add(values["month"])
            count += 1
            if len(batch) >= BATCH:
                _spool(spool, batch, dialect)
                batch = []
        if total_errors:
            raise ImportRefused(errors, total_errors)
        if batch:
            _spool(spool, batch, dialect)
        if not count:
            raise ValidationError("the file has no rows to import", fields={"file": ["no data rows"]})
        spool.seek(0)
        with transaction(session):
            bulk_load(session, spool)
            first, last = min(months).strftime("%Y-%m"), max(months).strftime("%Y-%m")
            session.add(RecordHistory(organisation_id=organisation_id, action="import", user_id=actor.user_id,
                                      api_key_id=actor.api_key_id, at=now, after={
                                          "file": file_name, "records": count, "months": [first, last]}))
            result = ImportResult(count, (first, last))
            if before_commit is not None:
                before_commit(session, result)
    return result


# The bulk load: rows spooled in the database's own input format, then streamed in.


def _copy_text(value: object) -> str:
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, list | dict):
        value = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    text = str(value.value if hasattr(value, "value") else value)
    return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def _decimal_text(value):
    return None if value is None else format(value, "f")


def _iso(value):
    return None if value is None else value.isoformat()


def _json(value):
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _enum_name(value):
    return value.name  # SQLAlchemy keeps a non-native enum by its member's name


def _same(value):
    return value


_DECIMALS = {"quantity", "density_kg_per_l", "green_kwh", "distance_km", "kgco2e", "kgco2e_market"}
_SQLITE_CONVERTERS = tuple(
    _decimal_text if name in _DECIMALS else int if name in ("recycled", "round_trip")
    else _iso if name in ("month", "entered_at", "validated_at") else _json if name == "line_items"
    else _enum_name if name in ("kind", "data_source") else _same for name in COLUMNS)


def _sqlite_row(row: tuple) -> tuple:
    return tuple(convert(value) for convert, value in zip(_SQLITE_CONVERTERS, row, strict=True))


def _spool(spool, batch: list[tuple], dialect: str) -> None:
    if dialect == "postgresql":
        spool.write("".join("\t".join(map(_copy_text, row)) + "\n" for row in batch).encode())
    else:
        pickle.dump([_sqlite_row(row) for row in batch], spool, protocol=pickle.HIGHEST_PROTOCOL)


def bulk_load(session: Session, spool) -> None:
    """Stream a spool of stored rows into activity_record on the session's connection (inside its transaction)."""
    connection = session.connection().connection.driver_connection
    if session.get_bind().dialect.name == "postgresql":
        with connection.cursor() as cursor, cursor.copy(
                f"COPY activity_record ({', '.join(COLUMNS)}) FROM STDIN") as copy:
            while chunk := spool.read(1 << 20):
                copy.write(chunk)
        return
    sql = (f"INSERT INTO activity_record ({', '.join(COLUMNS)}) "  # noqa: S608 (column names are constants)
           f"VALUES ({', '.join('?' * len(COLUMNS))})")
    cursor = connection.cursor()
    try:
        while True:
            try:
                batch = pickle.load(spool)  # noqa: S301 (the spool is this process's own temporary file)
            except EOFError:
                break
            cursor.executemany(sql, batch)
    finally:
        cursor.close()
