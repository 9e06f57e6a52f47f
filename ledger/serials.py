"""Registry serial numbers: the registry's own text parsed into a normalised interval (pure: no database, no clock).

Shapes (see LEDGER.md):
- Verra, current (13 parts): `12345-123456789-123456799-VCS-VCU-263-VER-CN-14-1234-01012015-31122015-0`
  batch · start · end · programme · unit type · id field · registry (VER, older MER) · country · sectoral scope ·
  project id · vintage start · vintage end (DDMMYYYY) · additional-certification flag. VCU numbers are one global
  sequence, so the namespace of every Verra serial is the registry itself.
- Verra, legacy (12 parts): the same without the programme part.
- Gold Standard: `GS1-1-KE-GS7495-16-2025-30645-608-30350`: project GS7495, vintage 2025, block 608–30350.
- UNFCCC ITMO (UNDP national registries): `CA0004-VU-CH-356-1-3000-2023`: approach · party · first-transfer
  party · project id · start · end · vintage.
- CCER: no public format; the statement's text is kept and the interval it states is taken as given.

Errors are a code plus parameters (SerialError), which the web layer renders in the reader's language.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from errors import ValidationError
from ledger.models import Registry

MAX_SERIAL_TEXT = 300  # CreditBlock.serial_text
MAX_SERIAL_NUMBER = 2**63 - 1  # BIGINT
MIN_VINTAGE, MAX_VINTAGE = 1990, 2100

_MESSAGES = {
    "serial_empty": "the serial number is empty",
    "serial_too_long": "the serial number is longer than {limit} characters",
    "serial_unrecognised": "'{text}' is not a serial number of {registry}",
    "serial_range_reversed": "the block ends ({end}) before it starts ({start})",
    "serial_number_negative": "serial number {number} is negative",
    "serial_number_too_large": "serial number {number} is too large",
    "serial_quantity_mismatch": "the block {start}–{end} holds {range} tonnes, not {quantity}",
    "serial_date_invalid": "'{value}' is not a date (DDMMYYYY)",
    "serial_vintage_reversed": "the vintage ends ({end}) before it starts ({start})",
    "serial_vintage_out_of_range": "vintage {vintage} is not between {min} and {max}",
    "serial_project_mismatch": "the serial belongs to project {serial_project}, not {project}",
    "serial_vintage_mismatch": "the serial's vintage is {serial_vintage}, not {vintage}",
    "serial_interval_required": "{registry} serials have no public format: give the project, vintage, start and end",
}


class SerialError(ValidationError):
    """A serial number refused, as a code and its parameters; `field` names the input it came from."""

    def __init__(self, code: str, params: dict | None = None, *, field: str = "serial_text"):
        self.params = dict(params or {})
        self.field = field
        message = _MESSAGES.get(code, code).format(**self.params)
        super().__init__(message, fields={field: [message]}, code=code)


@dataclass(frozen=True)
class SerialInterval:
    """A block of serial numbers as the ledger compares them: (registry, project, vintage, start, end)."""

    registry: Registry
    project: str  # the registry's project id, normalised (Verra "1234", Gold Standard "GS7495")
    vintage: int
    start: int
    end: int
    vintage_start: date | None
    vintage_end: date | None
    text: str  # the registry's own text, exactly as given (stripped of surrounding blanks)

    @property
    def quantity(self) -> int:
        return self.end - self.start + 1

    @property
    def namespace(self) -> str:
        """Where the numbers are unique: all of Verra (one global VCU sequence), else the registry's project."""
        if self.registry == Registry.verra:
            return Registry.verra.value
        return f"{self.registry.value}:{self.project}"


_VERRA = re.compile(
    r"^(?P<batch>\d+)-(?P<start>\d+)-(?P<end>\d+)-(?:(?P<programme>[A-Z]+)-)?(?P<unit>[A-Z]+)-(?P<id_field>\d+)"
    r"-(?P<registry>VER|MER)-(?P<country>[A-Z]{2})-(?P<scope>\d+)-(?P<project>\d+)"
    r"-(?P<vstart>\d{8})-(?P<vend>\d{8})-(?P<flag>[01])$")
_GOLD_STANDARD = re.compile(
    r"^GS\d+-\d+-(?P<country>[A-Z]{2})-GS(?P<project>\d+)-(?P<unit>\d+)-(?P<vintage>\d{4})"
    r"-(?P<batch>\d+)-(?P<start>\d+)-(?P<end>\d+)$")
_ITMO = re.compile(
    r"^(?P<approach>[A-Z]{2}\d+)-(?P<party>[A-Z]{2})-(?P<first_party>[A-Z]{2})-(?P<project>[A-Za-z0-9.]+)"
    r"-(?P<start>\d+)-(?P<end>\d+)-(?P<vintage>\d{4})$")


def normalise_project(registry: Registry | str, project: str) -> str:
    """A registry project id as serials write it: digits without leading zeros, Gold Standard with "GS"."""
    registry = Registry(registry)
    value = project.strip().upper()
    if registry == Registry.verra:
        value = value.removeprefix("VCS").removeprefix("-").strip()
        return str(int(value)) if value.isdigit() else value
    if registry == Registry.gold_standard:
        digits = value.removeprefix("GS").strip()
        return f"GS{int(digits)}" if digits.isdigit() else value
    return project.strip()


def _text(text: str) -> str:
    text = (text or "").strip()
    if not text:
        raise SerialError("serial_empty")
    if len(text) > MAX_SERIAL_TEXT:
        raise SerialError("serial_too_long", {"limit": MAX_SERIAL_TEXT})
    return text


def _range(start: int, end: int) -> tuple[int, int]:
    for number in (start, end):
        if number > MAX_SERIAL_NUMBER:
            raise SerialError("serial_number_too_large", {"number": number})
    if end < start:
        raise SerialError("serial_range_reversed", {"start": start, "end": end})
    return start, end


def _vintage(year: int) -> int:
    if not MIN_VINTAGE <= year <= MAX_VINTAGE:
        raise SerialError("serial_vintage_out_of_range", {"vintage": year, "min": MIN_VINTAGE, "max": MAX_VINTAGE})
    return year


def _ddmmyyyy(value: str) -> date:
    try:
        return date(int(value[4:]), int(value[2:4]), int(value[:2]))
    except ValueError:
        raise SerialError("serial_date_invalid", {"value": value}) from None


def _verra(text: str) -> SerialInterval | None:
    match = _VERRA.match(text)
    if match is None:
        return None
    start, end = _range(int(match["start"]), int(match["end"]))
    vintage_start, vintage_end = _ddmmyyyy(match["vstart"]), _ddmmyyyy(match["vend"])
    if vintage_end < vintage_start:
        raise SerialError("serial_vintage_reversed", {"start": vintage_start.isoformat(),
                                                      "end": vintage_end.isoformat()})
    return SerialInterval(Registry.verra, str(int(match["project"])), _vintage(vintage_end.year), start, end,
                          vintage_start, vintage_end, text)


def _gold_standard(text: str) -> SerialInterval | None:
    match = _GOLD_STANDARD.match(text)
    if match is None:
        return None
    start, end = _range(int(match["start"]), int(match["end"]))
    return SerialInterval(Registry.gold_standard, f"GS{int(match['project'])}", _vintage(int(match["vintage"])),
                          start, end, None, None, text)


def _itmo(text: str) -> SerialInterval | None:
    match = _ITMO.match(text)
    if match is None:
        return None
    start, end = _range(int(match["start"]), int(match["end"]))
    return SerialInterval(Registry.undp, match["project"], _vintage(int(match["vintage"])), start, end,
                          None, None, text)


_PARSERS = {Registry.verra: _verra, Registry.gold_standard: _gold_standard, Registry.undp: _itmo}


def parse_serial(text: str, registry: Registry | str | None = None) -> SerialInterval:
    """The interval a registry serial names; `registry` restricts the shapes tried to that registry's."""
    text = _text(text)
    registry = Registry(registry) if registry is not None else None
    if registry == Registry.ccer:
        raise SerialError("serial_interval_required", {"registry": "CCER"})
    parsers = [_PARSERS[registry]] if registry is not None else list(_PARSERS.values())
    for parser in parsers:
        interval = parser(text)
        if interval is not None:
            return interval
    names = registry.value if registry is not None else "Verra, Gold Standard or an ITMO registry"
    raise SerialError("serial_unrecognised", {"text": text[:80], "registry": names})


def ccer_interval(text: str, project: str, vintage: int, start: int, end: int) -> SerialInterval:
    """A CCER block: the statement's text kept as given, with the project, vintage and interval it states."""
    text = _text(text)
    project = (project or "").strip()
    if not project:
        raise SerialError("serial_interval_required", {"registry": "CCER"}, field="project")
    if start < 0:
        raise SerialError("serial_number_negative", {"number": start}, field="serial_start")
    try:
        start, end = _range(start, end)
    except SerialError as error:
        raise SerialError(error.code, error.params, field="serial_end") from None
    try:
        vintage = _vintage(vintage)
    except SerialError as error:
        raise SerialError(error.code, error.params, field="vintage") from None
    return SerialInterval(Registry.ccer, project, vintage, start, end, None, None, text)


def check_quantity(interval: SerialInterval, quantity: int | None) -> None:
    """A stated quantity must be the interval's length (end − start + 1), the off-by-one registries have made."""
    if quantity is not None and quantity != interval.quantity:
        raise SerialError("serial_quantity_mismatch", {"start": interval.start, "end": interval.end,
                                                       "range": interval.quantity, "quantity": quantity},
                          field="quantity")
