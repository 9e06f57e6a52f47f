"""Reading an event's registration list (CSV `origin_city[,ticket_type]`) and placing each origin in a stratum."""

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
                        max_rows: int) -> tuple[list[ParsedRegistration], list[str]]:
    """Every row of the file and every problem, as "line N: reason"; the caller saves nothing if any."""
    text = csv_text.removeprefix("\ufeff")  # Excel writes a byte-order mark in front of "CSV UTF-8"
    reader = csv.reader(io.StringIO(text, newline=""))
    errors: list[str] = []
    try:
        header = next(reader, None)
    except csv.Error as error:
        return [], [f"line 1: not a readable CSV header ({error})"]
    header = [cell.strip().casefold() for cell in header or []]
    while header and header[-1] == "":
        header.pop()  # a trailing comma that spreadsheets like to add
    if header not in (list(COLUMNS[:1]), list(COLUMNS)):
        return [], [f"line 1: the first line must be the header 'origin_city' or 'origin_city,ticket_type', "
                    f"not '{','.join(header)[:100]}'"]
    width = len(header)
    places: dict[str, tuple[str | None, str | None, str | None]] = {}
    rows: list[ParsedRegistration] = []
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as error:
            errors.append(f"line {reader.line_num}: not readable as CSV ({error})")
            break
        line = reader.line_num
        cells = [cell.strip() for cell in cells]
        while len(cells) > width and cells[-1] == "":
            cells.pop()
        if not any(cells):
            continue  # blank lines carry nothing
        if len(rows) + len(errors) >= max_rows:
            errors.append(f"line {line}: the list has more than {max_rows} rows")
            break
        if len(cells) > width:
            errors.append(f"line {line}: {len(cells)} columns where the header has {width}")
            continue
        origin = cells[0]
        ticket = cells[1] if len(cells) > 1 and cells[1] else None
        problem = _problem(origin, ticket)
        if problem:
            errors.append(f"line {line}: {problem}")
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


def _problem(origin: str, ticket: str | None) -> str | None:
    if not origin:
        return "origin_city is empty"
    if len(origin) > MAX_ORIGIN_LENGTH:
        return f"origin_city is longer than {MAX_ORIGIN_LENGTH} characters"
    if any(not ch.isprintable() for ch in origin + (ticket or "")):
        return "contains control characters"
    if ticket and len(ticket) > MAX_TICKET_TYPE_LENGTH:
        return f"ticket_type is longer than {MAX_TICKET_TYPE_LENGTH} characters"
    return None


def _place(origin: str) -> tuple[str | None, str | None, str | None]:
    try:
        place = find_city(origin)
    except UnknownPlace:
        return None, None, None  # kept as written; the organiser sees it among the unrecognised origins
    return place.code, place.country, place.province or None
