"""The anonymised responses of an event as CSV (every digit) and XLSX (numbers a spreadsheet can sum)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import datetime
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

# A cell that starts like a formula is run by spreadsheets when the file is opened.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, bool):
        return "true" if value else "false"
    text = str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def responses_csv(columns: Sequence[str], rows: Iterable[tuple]) -> Iterable[str]:
    """CSV lines, UTF-8 with a byte-order mark so that Excel reads the Chinese place names."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(columns)
    yield "\ufeff" + buffer.getvalue()
    for row in rows:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow([_text(value) for value in row])
        yield buffer.getvalue()


def responses_xlsx(columns: Sequence[str], rows: Iterable[tuple], *, sheet: str = "responses") -> bytes:
    """One sheet, a header row, kg as numbers (a spreadsheet keeps 15 significant digits; the CSV keeps all)."""
    workbook = Workbook(write_only=True)
    worksheet = workbook.create_sheet(sheet)
    header = []
    for name in columns:
        cell = WriteOnlyCell(worksheet, value=name)
        cell.font = Font(bold=True)
        header.append(cell)
    worksheet.append(header)
    for row in rows:
        worksheet.append([_cell(value) for value in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _cell(value):
    if isinstance(value, datetime):
        return value.replace(tzinfo=None)  # UTC, as the header says; Excel has no time zones
    if isinstance(value, str):
        return _text(value)
    return value
