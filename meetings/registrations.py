"""Reading an event's registration list (CSV `origin_city[,ticket_type]`) and placing each origin in a stratum.

Problems are reported as a code plus parameters (RegistrationProblem); the organiser's page renders them through
the catalogs (core.messages), and `str()` gives the English text for logs and the service's summary.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from calculators.distance import UnknownPlace, find_city
from meetings.models import Stratum

COLUMNS = ("origin_city", "ticket_type")
MAX_ORIGIN_LENGTH = 200
MAX_TICKET_TYPE_LENGTH = 64
GREATER_CHINA_OUTSIDE_MAINLAND = ("HK", "MO", "TW")


def N_(text: str) -> str:
    """Marks a template for the catalogs (pybabel extracts N_) without translating it here."""
    return text


# code -> English template; every template names the line of the file it is about.
PROBLEMS = {
    "registrations.unreadable_header": N_("line %(line)s: not a readable CSV header (%(reason)s)"),
    "registrations.bad_header": N_("line %(line)s: the first line must be the header 'origin_city' or "
                                   "'origin_city,ticket_type', not '%(header)s'"),
    "registrations.unreadable_row": N_("line %(line)s: not readable as CSV (%(reason)s)"),
    "registrations.too_many_rows": N_("line %(line)s: the list has more than %(max_rows)s rows"),
    "registrations.too_many_columns": N_("line %(line)s: %(columns)s columns where the header has %(width)s"),
    "registrations.origin_empty": N_("line %(line)s: origin_city is empty"),
    "registrations.origin_too_long": N_("line %(line)s: origin_city is longer than %(limit)s characters"),
    "registrations.control_characters": N_("line %(line)s: contains control characters"),
    "registrations.ticket_too_long": N_("line %(line)s: ticket_type is longer than %(limit)s characters"),
}


class RegistrationProblem(str):
    """One reason the list cannot be imported: its English text, carrying the code of PROBLEMS and the parameters.

    A str, so that the service's ValidationError keeps plain text in its `fields` (for logs and JSON) while the
    organiser's page renders `code` and `params` in the reader's language.
    """

    code: str
    params: dict

    def __new__(cls, code: str, params: dict) -> RegistrationProblem:
        problem = super().__new__(cls, PROBLEMS[code] % params)
        problem.code, problem.params = code, params
        return problem


def _problem_at(line: int, code: str, **params) -> RegistrationProblem:
    return RegistrationProblem(f"registrations.{code}", {"line": line, **params})


@dataclass(frozen=True)
class ParsedRegistration:
    line_no: int
    origin_raw: str
    origin_code: str | None
    origin_country: str | None
    origin_province: str | None
    stratum: Stratum
    ticket_type: str | None


def stratum_of(*, country: str | None, province: str | None, code: str | None,
               event_city_code: str, event_province: str) -> Stratum:
    """The stratum of an origin relative to an event in mainland China."""
    if not country:
        return Stratum.unknown
    if code == event_city_code:
        return Stratum.same_city
    if country == "CN":
        return Stratum.same_province if province == event_province else Stratum.other_province
    if country in GREATER_CHINA_OUTSIDE_MAINLAND:
        return Stratum.hk_mo_tw
    return Stratum.international


def parse_registrations(csv_text: str, *, event_city_code: str, event_province: str,
                        max_rows: int) -> tuple[list[ParsedRegistration], list[RegistrationProblem]]:
    """Every row of the file and every problem in it; the caller saves nothing if there is any problem."""
    text = csv_text.removeprefix("\ufeff")  # Excel writes a byte-order mark in front of "CSV UTF-8"
    reader = csv.reader(io.StringIO(text, newline=""))
    errors: list[RegistrationProblem] = []
    try:
        header = next(reader, None)
    except csv.Error as error:
        return [], [_problem_at(1, "unreadable_header", reason=str(error))]
    header = [cell.strip().casefold() for cell in header or []]
    while header and header[-1] == "":
        header.pop()  # a trailing comma that spreadsheets like to add
    if header not in (list(COLUMNS[:1]), list(COLUMNS)):
        return [], [_problem_at(1, "bad_header", header=",".join(header)[:100])]
    width = len(header)
    places: dict[str, tuple[str | None, str | None, str | None]] = {}
    rows: list[ParsedRegistration] = []
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as error:
            errors.append(_problem_at(reader.line_num, "unreadable_row", reason=str(error)))
            break
        line = reader.line_num
        cells = [cell.strip() for cell in cells]
        while len(cells) > width and cells[-1] == "":
            cells.pop()
        if not any(cells):
            continue  # blank lines carry nothing
        if len(rows) + len(errors) >= max_rows:
            errors.append(_problem_at(line, "too_many_rows", max_rows=max_rows))
            break
        if len(cells) > width:
            errors.append(_problem_at(line, "too_many_columns", columns=len(cells), width=width))
            continue
        origin = cells[0]
        ticket = cells[1] if len(cells) > 1 and cells[1] else None
        problem = _problem(origin, ticket)
        if problem:
            errors.append(_problem_at(line, problem[0], **problem[1]))
            continue
        if origin not in places:
            places[origin] = _place(origin)
        code, country, province = places[origin]
        rows.append(ParsedRegistration(
            line_no=line, origin_raw=origin, origin_code=code, origin_country=country, origin_province=province,
            stratum=stratum_of(country=country, province=province, code=code, event_city_code=event_city_code,
                               event_province=event_province),
            ticket_type=ticket,
        ))
    return rows, errors


def _problem(origin: str, ticket: str | None) -> tuple[str, dict] | None:
    """The code and parameters of what is wrong with one row, or None."""
    if not origin:
        return "origin_empty", {}
    if len(origin) > MAX_ORIGIN_LENGTH:
        return "origin_too_long", {"limit": MAX_ORIGIN_LENGTH}
    if any(not ch.isprintable() for ch in origin + (ticket or "")):
        return "control_characters", {}
    if ticket and len(ticket) > MAX_TICKET_TYPE_LENGTH:
        return "ticket_too_long", {"limit": MAX_TICKET_TYPE_LENGTH}
    return None


def _place(origin: str) -> tuple[str | None, str | None, str | None]:
    try:
        place = find_city(origin)
    except UnknownPlace:
        return None, None, None  # kept as written; the organiser sees it among the unrecognised origins
    return place.code, place.country, place.province or None
