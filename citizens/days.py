"""Use cases of a citizen's low-carbon days: save one day from the form, import a step counter's export (CSV).

A day is stored once per citizen (unique user and day); saving it again or importing its steps again replaces
it, so totals never count a day twice. Points and avoided grams come from calculators.points and the sink
library's 碳普惠 rules, and are stored with the library version that gave them.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal

from sqlmodel import Session, select

from calculators.footprint import CalculationError, Message
from calculators.points import MAX_STEPS, day_points, merge_step_import
from calculators.points import LowCarbonDay as Day
from citizens.models import LowCarbonDay
from db import transaction, utcnow
from errors import ValidationError
from factors.sinks import SinkLibrary, default_sink_library

MAX_IMPORT_BYTES = 1024 * 1024
MAX_IMPORT_ROWS = 3660  # ten years of days
DATE_HEADERS = {"date", "day", "日期"}
STEP_HEADERS = {"steps", "step", "步数"}
DAY_FIELDS = ("steps", "cycling_minutes", "bus_trips", "bus_km", "metro_trips", "metro_km")


@dataclass(frozen=True)
class ImportProblem:
    """One refused cell of an import: where it is, what it held and why (a Message, worded by the page)."""

    line: int
    column: str
    value: str
    reason: Message


class StepImportRefused(ValidationError):
    """Every problem of a step-counter file; nothing was imported."""

    def __init__(self, problems: list[ImportProblem]):
        self.problems = problems
        fields = {f"line {p.line}, {p.column}": [f"'{p.value}': {p.reason}"] for p in problems}
        count = len(problems)
        super().__init__(f"{count} problem{'s' if count > 1 else ''} in the file, nothing was imported",
                         fields=fields, code="steps_import_invalid")


@dataclass(frozen=True)
class ImportResult:
    days: int  # days in the file
    changed: int  # days whose steps were new or different


def _as_day(row: LowCarbonDay | None, day: date) -> Day:
    if row is None:
        return Day(day)
    return Day(day, steps=row.steps, cycling_minutes=row.cycling_minutes, bus_trips=row.bus_trips, bus_km=row.bus_km,
               metro_trips=row.metro_trips, metro_km=row.metro_km)


def _store(session: Session, user_id: int, day: Day, library: SinkLibrary, row: LowCarbonDay | None) -> LowCarbonDay:
    """Compute the day's points (CalculationError on an impossible day) and write them onto its row."""
    points = day_points(day, library)
    row = row or LowCarbonDay(user_id=user_id, day=day.day, rules_version=library.version)
    row.steps, row.cycling_minutes, row.bus_trips = day.steps, day.cycling_minutes, day.bus_trips
    row.bus_km, row.metro_trips, row.metro_km = day.bus_km, day.metro_trips, day.metro_km
    row.walk_points, row.cycle_points, row.bus_points, row.metro_points = (points.walk, points.cycle, points.bus,
                                                                           points.metro)
    row.avoided_g_co2 = points.avoided_g_co2
    row.rules_version = library.version
    row.updated_at = utcnow()
    session.add(row)
    return row


def _row(session: Session, user_id: int, day: date) -> LowCarbonDay | None:
    return session.exec(select(LowCarbonDay).where(LowCarbonDay.user_id == user_id, LowCarbonDay.day == day)).first()


def save_day(session: Session, *, user_id: int, values: Mapping, library: SinkLibrary | None = None) -> LowCarbonDay:
    """The citizen's day as given (loaded by LowCarbonDaySchema), replacing what the day held; one transaction."""
    library = library or default_sink_library()
    day = Day(values["day"], **{name: values.get(name) or (Decimal(0) if name.endswith("_km") else 0)
                                for name in DAY_FIELDS})
    try:
        with transaction(session):
            return _store(session, user_id, day, library, _row(session, user_id, day.day))
    except CalculationError as error:
        raise ValidationError(f"{error.field}: {error.message}", fields={error.field: [error.message]},
                              code=error.code) from None


def read_steps(text: str) -> list[tuple[date, int]]:
    """Every row of a `date,steps` export checked first; all problems at once (StepImportRefused)."""
    if len(text.encode()) > MAX_IMPORT_BYTES:
        raise StepImportRefused([ImportProblem(1, "file", f"{len(text.encode())} bytes", Message(
            "points.csv.too_large", "the file is larger than %(max)s kB", max=MAX_IMPORT_BYTES // 1024))])
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    rows: list[tuple[date, int]] = []
    problems: list[ImportProblem] = []
    date_column, step_column = 0, 1
    for cells in reader:
        line = reader.line_num
        cells = [cell.strip() for cell in cells]
        if not any(cells):
            continue
        lowered = [cell.lower() for cell in cells]
        if not rows and not problems and line == 1 and (set(lowered) & (DATE_HEADERS | STEP_HEADERS)):
            date_column = next((i for i, c in enumerate(lowered) if c in DATE_HEADERS), 0)
            step_column = next((i for i, c in enumerate(lowered) if c in STEP_HEADERS), 1)
            continue
        if len(rows) + len(problems) >= MAX_IMPORT_ROWS:
            problems.append(ImportProblem(line, "file", "", Message(
                "points.csv.too_many_rows", "more than %(max)s rows", max=MAX_IMPORT_ROWS)))
            break
        day_text = cells[date_column] if len(cells) > date_column else ""
        steps_text = cells[step_column] if len(cells) > step_column else ""
        day = steps = None
        try:
            day = date.fromisoformat(day_text)
        except ValueError:
            problems.append(ImportProblem(line, "date", day_text, Message(
                "points.csv.not_a_date", "not a date (2025-03-01)")))
        if not steps_text.replace(",", "").isdigit():
            problems.append(ImportProblem(line, "steps", steps_text, Message(
                "points.csv.not_a_count", "not a whole number of steps")))
        else:
            steps = int(steps_text.replace(",", ""))
            if steps > MAX_STEPS:
                problems.append(ImportProblem(line, "steps", steps_text, Message(
                    "points.csv.impossible_steps", "more than %(max)s steps is not a possible day", max=MAX_STEPS)))
                steps = None
        if day is not None and steps is not None:
            rows.append((day, steps))
    if not rows and not problems:
        problems.append(ImportProblem(1, "file", "", Message("points.csv.empty", "no rows of date and steps")))
    if problems:
        raise StepImportRefused(problems)
    return rows


def import_steps(session: Session, *, user_id: int, text: str, library: SinkLibrary | None = None) -> ImportResult:
    """A step counter's export: each day's steps replace that day's (other actions kept); the same file twice
    changes nothing. All rows are checked before anything is written; one transaction."""
    library = library or default_sink_library()
    rows = read_steps(text)
    days = sorted({day for day, _ in rows})
    with transaction(session):
        existing = {row.day: row for row in session.exec(select(LowCarbonDay).where(
            LowCarbonDay.user_id == user_id, LowCarbonDay.day.in_(days))).all()}
        merged = merge_step_import({day: row.steps for day, row in existing.items()}, rows)
        changed = 0
        for day in days:
            row = existing.get(day)
            if row is not None and row.steps == merged[day] and row.rules_version == library.version:
                continue
            _store(session, user_id, replace(_as_day(row, day), steps=merged[day]), library, row)
            changed += 1
    return ImportResult(days=len(days), changed=changed)
