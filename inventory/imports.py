"""Import activity records from CSV or XLSX: every row checked first, then all of them written or none.

`import_rows(session, organisation_id, user_id, rows)` is the whole use case, callable from a page, the API or
a background job. The first pass cleans and computes every row and spools the stored records and their line items
to temporary files, and adds up the monthly summary's changes; a bad row stops the import there, before the
database is touched, with every error named (row, column, value, reason). The second pass streams the spools into
the database in one transaction, with the summary's changes and the history's entry: PostgreSQL's COPY, SQLite's
executemany. So a million-row file never sits in memory, and the write is the database's own bulk load.

Rows of one shape (everything but facility, month and quantity alike) are checked once (entries.EntryChecker),
computed once for one unit and scaled (entries.PerUnitFootprints), and share the text of their common columns.
"""

from __future__ import annotations

import csv
import enum
import io
import pickle
import tempfile
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from operator import itemgetter

from sqlmodel import Session

from accounts import service as accounts
from db import transaction, utcnow
from errors import ValidationError
from factors import FactorSet, default_factor_set
from inventory import periods, summary
from inventory.entries import (
    FIELD_NAMES,
    FIELDS,
    SHAPE_FIELDS,
    EntryChecker,
    EntryError,
    PerUnitFootprints,
    compute_entry,
    scalable_quantity,
)
from inventory.models import RecordHistory
from inventory.records import facility_index, record_values
from inventory.rights import Actor

MAX_ERRORS = 1000  # reported in full up to here; a file with more is refused with the count
MAX_KNOWN = 200_000  # rows remembered by their text but quantity (each a few hundred bytes)
BATCH = 5000
# Columns an export adds; an exported file imports again with them ignored.
EXPORT_ONLY = ("id", "scope", "ghg_category", "iso_category", "kgco2e", "kgco2e_market", "factor_set",
               "quality_grade", "entered_at", "validated_at", "compensated_by_certificate")
EXPORT_ONLY_ZH = {"id": "编号", "scope": "范围", "ghg_category": "GHG类别", "iso_category": "ISO类别",
                  "kgco2e": "排放量(kgCO2e)", "kgco2e_market": "市场法排放量(kgCO2e)", "factor_set": "因子库版本",
                  "quality_grade": "数据质量等级", "entered_at": "录入时间", "validated_at": "核验时间",
                  "compensated_by_certificate": "已由证书抵消"}
# The stored columns of a record, in the order the bulk load writes them: first those that change from row to row,
# then those that the rows of one shape share.
RECORD_VARYING = ("id", "facility_id", "month", "quantity", "kgco2e", "kgco2e_market")
RECORD_SHARED = ("organisation_id", "kind", "activity", "unit", "treatment", "recycled", "density_kg_per_l",
                 "density_source", "green_kwh", "instrument_type", "certificate_id", "origin", "destination",
                 "distance_km", "round_trip", "cabin", "rail_type", "car_fuel", "car_size", "occupancy", "currency",
                 "data_source", "quality_grade", "evidence_note", "evidence_file", "compensated_by_certificate",
                 "entered_by_id", "entered_at", "validated_by_id", "validated_at", "factor_set", "scope",
                 "ghg_category", "iso_category")
COLUMNS = RECORD_VARYING + RECORD_SHARED
# The stored columns of a line item, likewise.
LINE_VARYING = ("record_id", "position", "quantity", "kgco2e", "activity")
LINE_SHARED = ("scope", "unit", "factor_id", "factor_value", "factor_unit", "source_id", "factor_set")
LINE_COLUMNS = LINE_VARYING + LINE_SHARED
# A row's text but its quantity: rows alike in it share everything stored but the quantity and the kg.
_row_key = itemgetter(*SHAPE_FIELDS, "facility", "month")
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

    every_column_named = None not in fields

    def blank(cells: list) -> bool:
        try:
            return not "".join(cells).strip()  # CSV cells: all text
        except TypeError:
            return not any(str(cell).strip() for cell in cells if cell is not None)

    def mapped():
        for number, cells in rows:
            if blank(cells):
                continue
            if every_column_named:
                yield number, dict(zip(fields, cells, strict=False))
            else:
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
    checker = EntryChecker(facility_index(session, organisation_id))
    computer = PerUnitFootprints(factor_set)
    closed = periods.closed_years(session, organisation_id)
    errors: list[RowError] = []
    total_errors = 0
    months: set[date] = set()
    with tempfile.TemporaryFile() as record_file, tempfile.TemporaryFile() as line_file:
        spool = _Spool(session.get_bind().dialect.name, record_file, line_file, organisation_id=organisation_id,
                       entered_by_id=actor.user_id, entered_at=now)
        known: dict[tuple, tuple] = {}  # a row's text but its quantity -> what its stored rows share
        for number, raw in rows:
            # A row like one seen before but for its quantity: only the quantity is new, and checked here.
            try:
                key = _row_key(raw)
                entry = known.get(key)
            except (KeyError, TypeError):  # a file without some optional column; a value that is not text
                key = entry = None
            if entry is not None:
                quantity = scalable_quantity(raw["quantity"])
                if quantity is not None:
                    if not total_errors:
                        spool.add_known(entry, quantity)
                    continue
            try:
                values, shape = checker.clean(raw)
                if values["month"].year in closed:
                    raise EntryError({"month": (str(raw.get("month", "")), f"the year {values['month'].year} is "
                                                                           "closed")})
                per_unit = computer.per_unit(values, values["facility"], shape)
                computed = None if per_unit is not None else compute_entry(values, values["facility"], factor_set)
            except EntryError as error:
                total_errors += len(error.problems)
                for field, (value, reason) in error.problems.items():
                    if len(errors) < MAX_ERRORS:
                        errors.append(RowError(number, field, value, reason))
                continue
            if total_errors:
                continue  # keep checking, stop preparing
            months.add(values["month"])
            if per_unit is None:
                spool.add(values, computed)
                continue
            entry = spool.known_entry(values, per_unit)
            spool.add_known(entry, values["quantity"])
            if shape is not None and key is not None and all(type(text) is str for text in key[-2:]):
                if len(known) >= MAX_KNOWN:
                    known.clear()
                known[key] = entry
        if total_errors:
            raise ImportRefused(errors, total_errors)
        spool.flush()
        count = spool.count
        if not count:
            raise ValidationError("the file has no rows to import", fields={"file": ["no data rows"]})
        with transaction(session):
            first, last = min(months).strftime("%Y-%m"), max(months).strftime("%Y-%m")
            # Written first: on SQLite this takes the write lock that keeps the record ids this import gives free.
            session.add(RecordHistory(organisation_id=organisation_id, action="import", user_id=actor.user_id,
                                      api_key_id=actor.api_key_id, at=now, after={
                                          "file": file_name, "records": count, "months": [first, last]}))
            session.flush()
            bulk_load(session, spool)
            summary.apply(session, spool.changes)
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
    text = str(value.value if hasattr(value, "value") else value)
    return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def _sqlite_value(value: object) -> object:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.name  # SQLAlchemy keeps a non-native enum by its member's name
    return value


class _Spool:
    """The stored rows of an import, in the database's input format, on two temporary files; the summary's changes.

    Records are numbered in file order; a line item names its record by that number until the second pass, which
    gives the numbers their ids. PostgreSQL's spool is COPY text, SQLite's pickled batches of tuples.
    """

    def __init__(self, dialect: str, record_file, line_file, *, organisation_id: int, entered_by_id: int | None,
                 entered_at: datetime):
        self.postgres = dialect == "postgresql"
        self.record_file, self.line_file = record_file, line_file
        self.organisation_id, self.entered_by_id, self.entered_at = organisation_id, entered_by_id, entered_at
        self.changes = summary.Changes()
        self.count = 0
        self._records: list = []
        self._lines: list = []
        self._shared: dict[object, tuple] = {}  # per-unit result -> its record's and lines' common columns
        self._months: dict[date, str] = {}

    def _encode(self, values: Iterable) -> object:
        if self.postgres:
            return "\t".join(map(_copy_text, values))
        return tuple(map(_sqlite_value, values))

    def _record(self, values: Mapping, shared: object, kg: Decimal, kg_market: Decimal | None,
                scope: str, ghg_category: str, iso_category: int, factor_set: str) -> int:
        month = values["month"]
        month_text = self._months.get(month)
        if month_text is None:
            month_text = self._months[month] = month.isoformat()
        facility_id, quantity_text, kg_text = values["facility_id"], format(values["quantity"], "f"), format(kg, "f")
        if self.postgres:
            market_text = "\\N" if kg_market is None else format(kg_market, "f")
            self._records.append(f"{facility_id}\t{month_text}\t{quantity_text}\t{kg_text}\t{market_text}\t{shared}\n")
        else:
            market_text = None if kg_market is None else format(kg_market, "f")
            self._records.append((facility_id, month_text, quantity_text, kg_text, market_text, *shared))
        self.changes.add((self.organisation_id, facility_id, month, values["kind"].value, scope, ghg_category,
                          iso_category, values["quality_grade"], False, False, factor_set), kg, kg_market)
        ordinal = self.count
        self.count += 1
        return ordinal

    def _line(self, ordinal: int, position: int, quantity: Decimal, kg: Decimal, activity: str,
              shared: object) -> None:
        if self.postgres:
            self._lines.append(f"{ordinal}\t{position}\t{format(quantity, 'f')}\t{format(kg, 'f')}\t"
                               f"{_copy_text(activity)}\t{shared}\n")
        else:
            self._lines.append((ordinal, position, format(quantity, "f"), format(kg, "f"), activity, *shared))

    def _shared_record(self, values: Mapping, computed) -> object:
        row = record_values(values, computed, organisation_id=self.organisation_id, entered_by_id=self.entered_by_id,
                            entered_at=self.entered_at)
        return self._encode(row[name] for name in RECORD_SHARED)

    def add(self, values: Mapping, computed) -> None:
        """A record computed on its own, and its line items."""
        ordinal = self._record(values, self._shared_record(values, computed), computed.kgco2e,
                               computed.kgco2e_market, computed.scope, computed.ghg_category, computed.iso_category,
                               computed.factor_set)
        for position, line in enumerate(computed.line_items):
            self._line(ordinal, position, Decimal(line["quantity"]), Decimal(line["kgco2e"]), line["activity"],
                       self._encode(line[name] for name in LINE_SHARED))
        self._flush_when_full()

    def known_entry(self, values: Mapping, per_unit) -> tuple:
        """What the stored rows of an entry of this facility, month and shape share, to be scaled by its quantity."""
        unit = per_unit.computed
        shared = self._shared.get(per_unit)
        if shared is None:
            shared = self._shared[per_unit] = (self._shared_record(values, unit), [
                self._encode(line[name] for name in LINE_SHARED) for line in unit.line_items])
        month, facility_id = values["month"], values["facility_id"]
        key = (self.organisation_id, facility_id, month, values["kind"].value, unit.scope, unit.ghg_category,
               unit.iso_category, values["quality_grade"], False, False, unit.factor_set)
        # Labels that do not name the quantity are escaped once.
        fixed = [None if label is not None else (_copy_text(line["activity"]) if self.postgres else line["activity"])
                 for line, _quantity, _kg, label in per_unit.lines]
        return (facility_id, month.isoformat(), shared[0], per_unit, shared[1], key, fixed)

    def add_known(self, entry: tuple, quantity: Decimal) -> None:
        """A record of a known entry (known_entry) with this quantity, and its line items, scaled."""
        facility_id, month_text, shared, per_unit, lines_shared, key, fixed = entry
        kg, kg_market = per_unit.kg(quantity)
        quantity_text, kg_text = format(quantity, "f"), format(kg, "f")
        ordinal = self.count
        postgres = self.postgres
        if postgres:
            market_text = "\\N" if kg_market is None else format(kg_market, "f")
            self._records.append(f"{facility_id}\t{month_text}\t{quantity_text}\t{kg_text}\t{market_text}\t{shared}\n")
        else:
            market_text = None if kg_market is None else format(kg_market, "f")
            self._records.append((facility_id, month_text, quantity_text, kg_text, market_text, *shared))
        for position, ((_line, line_quantity, line_kg, activity), line_shared, label) in enumerate(
                zip(per_unit.scaled_lines(quantity), lines_shared, fixed, strict=True)):
            if postgres:
                self._lines.append(f"{ordinal}\t{position}\t{format(line_quantity, 'f')}\t{format(line_kg, 'f')}\t"
                                   f"{_copy_text(activity) if label is None else label}\t{line_shared}\n")
            else:
                self._lines.append((ordinal, position, format(line_quantity, "f"), format(line_kg, "f"), activity,
                                    *line_shared))
        self.changes.add(key, kg, kg_market)
        self.count += 1
        if len(self._records) >= BATCH:
            self.flush()

    def _flush_when_full(self) -> None:
        if len(self._records) >= BATCH:
            self.flush()

    def flush(self) -> None:
        for rows, out in ((self._records, self.record_file), (self._lines, self.line_file)):
            if not rows:
                continue
            if self.postgres:
                out.write("".join(rows).encode())
            else:
                pickle.dump(rows, out, protocol=pickle.HIGHEST_PROTOCOL)
            rows.clear()


def _postgres_ids(connection, count: int) -> list[int]:
    """`count` new record ids from the records' sequence (taken one by one: concurrent writers keep theirs)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval(pg_get_serial_sequence('activity_record', 'id')) FROM generate_series(1, %s)",
                       (count,))
        return [row[0] for row in cursor.fetchall()]


def _pickled(spool) -> Iterator[list]:
    spool.seek(0)
    while True:
        try:
            yield pickle.load(spool)  # noqa: S301 (the spool is this process's own temporary file)
        except EOFError:
            return


def bulk_load(session: Session, spool: _Spool) -> None:
    """Stream the spooled records and line items into their tables, on the session's connection and transaction."""
    connection = session.connection().connection.driver_connection
    if spool.postgres:
        ids = _postgres_ids(connection, spool.count)
        with connection.cursor() as cursor:
            spool.record_file.seek(0)
            with cursor.copy(f"COPY activity_record ({', '.join(COLUMNS)}) FROM STDIN") as copy:
                numbered = iter(ids)
                for lines in _line_batches(spool.record_file):
                    copy.write("".join([f"{next(numbered)}\t{line}" for line in lines]))
            spool.line_file.seek(0)
            with cursor.copy(f"COPY activity_record_line ({', '.join(LINE_COLUMNS)}) FROM STDIN") as copy:
                for lines in _line_batches(spool.line_file):
                    copy.write("".join([f"{ids[int(ordinal)]}\t{rest}" for ordinal, _, rest in
                                        (line.partition("\t") for line in lines)]))
        return
    # SQLite gives a record without an id the largest id so far plus one, and this transaction holds the write
    # lock: the records get first, first + 1, ... in spool order, and a line item's record is first + its number.
    cursor = connection.cursor()
    try:
        cursor.execute("SELECT coalesce(max(id), 0) FROM activity_record")
        first = int(cursor.fetchone()[0]) + 1
        columns = COLUMNS[1:]
        record_sql = (f"INSERT INTO activity_record ({', '.join(columns)}) "  # noqa: S608 (constant column names)
                      f"VALUES ({', '.join('?' * len(columns))})")
        for batch in _pickled(spool.record_file):
            cursor.executemany(record_sql, batch)
        cursor.execute("SELECT count(*), max(id) FROM activity_record WHERE id >= ?", (first,))
        if tuple(cursor.fetchone()) != (spool.count, first + spool.count - 1):
            raise RuntimeError("the imported records did not get consecutive ids")  # nothing is committed
        line_sql = (f"INSERT INTO activity_record_line ({', '.join(LINE_COLUMNS)}) "  # noqa: S608
                    f"VALUES (? + {first}, {', '.join('?' * (len(LINE_COLUMNS) - 1))})")
        for batch in _pickled(spool.line_file):
            cursor.executemany(line_sql, batch)
    finally:
        cursor.close()


def _line_batches(spool) -> Iterator[list[str]]:
    """The spool's lines (COPY text, each ending in a newline), a few thousand at a time."""
    reader = io.TextIOWrapper(spool, encoding="utf-8", newline="\n")
    try:
        while lines := reader.readlines(1 << 20):
            yield lines
    finally:
        reader.detach()
