"""Reads and validates the factor CSV files of one version into an immutable FactorSet."""

from __future__ import annotations

import csv
import functools
import hashlib
import json
import re
from decimal import Decimal, InvalidOperation
from pathlib import Path

from factors.model import CATEGORIES, Factor, FactorDataError, FactorSet, Source, UnknownVersion
from factors.regions import KNOWN_REGIONS
from factors.units import KNOWN_UNITS

DEFAULT_VERSION = "2025.2"
DEFAULT_DATA_DIR = Path(__file__).resolve().parent / "data"

FACTOR_COLUMNS = ("id", "category", "activity", "label_zh", "label_en", "unit", "kgco2e_per_unit", "gases",
                  "region", "valid_year", "source_id", "source_ref", "notes", "cross_checked_at")
# Added after 2025.1 was published: a table may lack it, and it is hashed only where filled, so adding it left
# every published content hash as it was.
_LATER_FACTOR_COLUMNS = ("cross_checked_at",)
SOURCE_COLUMNS = ("id", "title", "publisher", "year", "url", "licence", "document_number", "table_ref",
                  "cross_checked_at")
# Columns added after a version was published: hashed only where filled, so adding them left every published
# content hash as it was (a published version's sources leave them empty).
_LATER_SOURCE_COLUMNS = ("document_number", "table_ref", "cross_checked_at")
# Everything else may be empty only where a source gives nothing (a URL) or nothing needs saying (notes).
_OPTIONAL_FACTOR_FIELDS = {"notes", *_LATER_FACTOR_COLUMNS}
_OPTIONAL_SOURCE_FIELDS = {"url", *_LATER_SOURCE_COLUMNS}

_ID = re.compile(r"[a-z0-9][a-z0-9_.-]*")
# Plain digits and an optional fraction: no sign, exponent or separators, so a value reads as printed.
_DECIMAL = re.compile(r"[0-9]+(\.[0-9]+)?")
_YEAR = re.compile(r"(19|20)[0-9]{2}")
_VERSION = re.compile(r"[0-9]{4}\.[0-9]+")


def available_versions(data_dir: Path = DEFAULT_DATA_DIR) -> tuple[str, ...]:
    """The factor-set versions under `data_dir`, oldest first."""
    data_dir = Path(data_dir)
    if not data_dir.is_dir():
        return ()
    versions = [p.name for p in data_dir.iterdir() if p.is_dir() and _VERSION.fullmatch(p.name)]
    return tuple(sorted(versions, key=lambda v: tuple(int(part) for part in v.split("."))))


def load_factor_set(version: str | None = None, data_dir: Path = DEFAULT_DATA_DIR) -> FactorSet:
    """Load and validate one version; raise FactorDataError listing every bad row, not just the first."""
    version = version or DEFAULT_VERSION
    data_dir = Path(data_dir)
    version_dir = data_dir / version
    # The pattern check keeps a version taken from user input from naming a path outside data_dir.
    if not _VERSION.fullmatch(version) or not version_dir.is_dir():
        raise UnknownVersion(version, available_versions(data_dir))

    errors: list[str] = []
    sources = _read_sources(data_dir / "sources.csv", errors)
    tables = sorted(version_dir.glob("*.csv"))
    if not tables:
        errors.append(f"{version_dir}:0: no factor tables (*.csv) in this version")
    factors: dict[str, Factor] = {}
    raw_rows: dict[str, list[str]] = {}
    first_line: dict[str, str] = {}
    for table in tables:
        for line, row in _rows(table, FACTOR_COLUMNS, errors, later=_LATER_FACTOR_COLUMNS):
            reasons = _check_factor_row(row, sources, first_line)
            if reasons:
                errors.append(f"{table}:{line}: {'; '.join(reasons)}")
                first_line.setdefault(row["id"], f"{table}:{line}")
                continue
            first_line[row["id"]] = f"{table}:{line}"
            raw_rows[row["id"]] = _hashed(row, FACTOR_COLUMNS, _LATER_FACTOR_COLUMNS)
            factors[row["id"]] = _factor(row, sources[row["source_id"]])
    if errors:
        raise FactorDataError(errors)
    return FactorSet(version=version, factors=factors, sources=sources,
                     content_hash=_content_hash(raw_rows, sources))


@functools.lru_cache(maxsize=1)
def default_factor_set() -> FactorSet:
    """The shipped default version, loaded once per process."""
    return load_factor_set(DEFAULT_VERSION, DEFAULT_DATA_DIR)


def _rows(path: Path, columns: tuple[str, ...], errors: list[str], later: tuple[str, ...] = ()):
    """Yield (first physical line, row dict) for each data row; header problems stop the file.

    A file written before the `later` columns existed may lack them all: its rows read them as empty.
    """
    with path.open(encoding="utf-8-sig", newline="") as stream:
        reader = csv.reader(stream)
        try:
            header = next(reader, None)
            if header is None:
                errors.append(f"{path}:1: empty file, expected header {','.join(columns)}")
                return
            earlier = tuple(c for c in columns if c not in later)
            file_columns = earlier if later and tuple(header) == earlier else columns
            missing = [c for c in file_columns if c not in header]
            if missing:
                errors.append(f"{path}:1: missing required column(s): {', '.join(missing)}")
                return
            if tuple(header) != file_columns:
                errors.append(f"{path}:1: wrong header: expected {','.join(columns)}, got {','.join(header)}")
                return
            last_line = reader.line_num
            for fields in reader:
                # A quoted field may span lines; the row starts on the line after the previous row ended.
                line, last_line = last_line + 1, reader.line_num
                if not fields or fields == [""]:
                    continue
                if len(fields) != len(file_columns):
                    errors.append(f"{path}:{line}: expected {len(file_columns)} fields, found {len(fields)}")
                    continue
                # Normalised so a file saved with Windows line endings loads (and hashes) the same.
                row = dict.fromkeys(columns, "")
                row.update((c, value.replace("\r\n", "\n")) for c, value in zip(file_columns, fields, strict=True))
                yield line, row
        except UnicodeDecodeError as error:
            errors.append(f"{path}:{reader.line_num + 1}: not UTF-8 text ({error.reason})")
        except csv.Error as error:
            errors.append(f"{path}:{reader.line_num}: unreadable CSV ({error})")


def _read_sources(path: Path, errors: list[str]) -> dict[str, Source]:
    sources: dict[str, Source] = {}
    first_line: dict[str, int] = {}
    if not path.is_file():
        errors.append(f"{path}:0: missing sources file")
        return sources
    for line, row in _rows(path, SOURCE_COLUMNS, errors, later=_LATER_SOURCE_COLUMNS):
        reasons = [f"missing required field '{c}'" for c in SOURCE_COLUMNS
                   if c not in _OPTIONAL_SOURCE_FIELDS and not row[c].strip()]
        if row["id"] in first_line:
            first = f"{path}:{first_line[row['id']]}"
            reasons.append(f"duplicate source id '{row['id']}' (first used at {first})")
        if row["year"] and not (_YEAR.fullmatch(row["year"]) or row["year"] == "not stated"):
            reasons.append(f"bad year '{row['year']}' (expected a year such as 2024, or 'not stated')")
        if reasons:
            errors.append(f"{path}:{line}: {'; '.join(reasons)}")
        # Kept even when bad, so its factors are not reported a second time as citing an unknown source.
        first_line.setdefault(row["id"], line)
        sources.setdefault(row["id"], Source(**row))
    return sources


def _check_factor_row(row: dict[str, str], sources: dict[str, Source],
                      first_line: dict[str, str]) -> list[str]:
    reasons = [f"missing required field '{c}'" for c in FACTOR_COLUMNS
               if c not in _OPTIONAL_FACTOR_FIELDS and not row[c].strip()]
    if reasons:
        return reasons
    if row["id"] in first_line:
        reasons.append(f"duplicate id '{row['id']}' (first used at {first_line[row['id']]})")
    elif not _ID.fullmatch(row["id"]):
        reasons.append(f"bad id '{row['id']}' (lower-case letters, digits, '.', '_' and '-' only)")
    if row["category"] not in CATEGORIES:
        reasons.append(f"unknown category '{row['category']}' (known: {', '.join(CATEGORIES)})")
    if row["unit"] not in KNOWN_UNITS:
        reasons.append(f"unknown unit '{row['unit']}' (known: {', '.join(KNOWN_UNITS)})")
    if not _is_positive_decimal(row["kgco2e_per_unit"]):
        reasons.append(f"kgco2e_per_unit '{row['kgco2e_per_unit']}' is not a finite positive decimal")
    if row["region"] not in KNOWN_REGIONS:
        reasons.append(f"unknown region '{row['region']}' (see factors.regions.KNOWN_REGIONS)")
    if not _YEAR.fullmatch(row["valid_year"]):
        reasons.append(f"bad valid_year '{row['valid_year']}' (expected a four-digit year)")
    if row["source_id"] not in sources:
        reasons.append(f"unknown source '{row['source_id']}' (not in sources.csv)")
    return reasons


def _is_positive_decimal(text: str) -> bool:
    if not _DECIMAL.fullmatch(text):
        return False
    try:
        value = Decimal(text)
    except InvalidOperation:
        return False
    return value.is_finite() and value > 0


def _factor(row: dict[str, str], source: Source) -> Factor:
    return Factor(
        id=row["id"], category=row["category"], activity=row["activity"], label_zh=row["label_zh"],
        label_en=row["label_en"], unit=row["unit"], kgco2e_per_unit=Decimal(row["kgco2e_per_unit"]),
        gases=row["gases"], region=row["region"], valid_year=int(row["valid_year"]), source=source,
        source_ref=row["source_ref"], notes=row["notes"], cross_checked_at=row["cross_checked_at"],
    )


def _content_hash(raw_rows: dict[str, list[str]], sources: dict[str, Source]) -> str:
    """sha256 of the rows as parsed (not the bytes), so line endings and file order do not change it."""
    used = sorted({row[FACTOR_COLUMNS.index("source_id")] for row in raw_rows.values()})  # an earlier column
    canonical = {
        "factors": [raw_rows[factor_id] for factor_id in sorted(raw_rows)],
        "sources": [_hashed(vars(sources[s]), SOURCE_COLUMNS, _LATER_SOURCE_COLUMNS) for s in used],
    }
    text = json.dumps(canonical, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()



def _hashed(row: dict[str, str], columns: tuple[str, ...], later: tuple[str, ...]) -> list:
    """The row's values in column order; the later columns only where filled, so empty ones hash as absent."""
    fields: list = [row[c] for c in columns if c not in later]
    filled = {c: row[c] for c in later if row[c]}
    return [*fields, filled] if filled else fields
