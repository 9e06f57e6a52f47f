"""The sink library: sourced forestry parameters (IPCC tables), 碳普惠 points rules and carbon prices.

These tables sit beside a version's emission factors, in `<version>/sinks/`, and are not emission factors
(a root-to-shoot ratio is not kg CO2e per unit), so they have their own columns, validation and content hash;
the emission-factor set of the same version, and its published hash, are unchanged by them.
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from types import MappingProxyType

from factors.loader import (
    _DECIMAL,
    _ID,
    DEFAULT_DATA_DIR,
    DEFAULT_VERSION,
    _is_positive_decimal,
    _read_sources,
    _rows,
    available_versions,
)
from factors.model import FactorDataError, Source, UnknownVersion

SINK_DIR = "sinks"

PARAMETERS = ("carbon_fraction", "root_shoot_ratio", "bcef_s", "growth_natural", "growth_plantation")
# FAO global ecological zones as the IPCC tables name them; only those some row of the table covers.
CLIMATE_ZONES = ("subtropical_humid", "subtropical_dry", "subtropical_mountain", "temperate_continental",
                 "temperate_mountain", "boreal")
CONTINENTS = ("asia", "any")
ORIGINS = ("planted", "natural")
SPECIES_GROUPS = ("eucalyptus", "pine", "other_conifer", "quercus", "other_broadleaf")
# What a row's condition may test: above-ground biomass (t d.m./ha), stand age (years), growing stock (m³/ha).
CONDITION_VARIABLES = ("agb", "age", "gs")
INCLUSION_ACTIONS = ("walk", "cycle", "bus", "metro")
MARKETS = ("ccer", "cea")

PARAMETER_COLUMNS = ("id", "parameter", "climate_zone", "continent", "origin", "species_group", "condition",
                     "value", "unit", "value_range", "rank", "source_id", "source_ref", "notes", "cross_checked_at")
INCLUSION_COLUMNS = ("id", "parameter", "action", "value", "unit", "source_id", "source_ref", "notes",
                     "cross_checked_at")
PRICE_COLUMNS = ("id", "market", "value", "unit", "as_of", "source_id", "source_ref", "notes", "cross_checked_at")
_OPTIONAL = {"condition", "value_range", "notes", "cross_checked_at"}

_NUMBER = r"[0-9]+(?:\.[0-9]+)?"
# "agb<=125", "agb>125", "50<=agb<=150", "20<gs<=40": a variable bounded on one side or both.
_CONDITION = re.compile(rf"(?:(?P<low>{_NUMBER})(?P<lowop><=|<))?(?P<var>[a-z]+)"
                        rf"(?:(?P<op><=|<|>=|>)(?P<bound>{_NUMBER}))?")
_DATE = re.compile(r"(19|20)[0-9]{2}-[01][0-9]-[0-3][0-9]")


@dataclass(frozen=True)
class Condition:
    """An interval of one variable; None bounds are open ends."""

    variable: str
    lower: Decimal | None
    lower_inclusive: bool
    upper: Decimal | None
    upper_inclusive: bool
    text: str

    def holds(self, value: Decimal) -> bool:
        if self.lower is not None and (value < self.lower or (value == self.lower and not self.lower_inclusive)):
            return False
        return not (self.upper is not None
                    and (value > self.upper or (value == self.upper and not self.upper_inclusive)))


@dataclass(frozen=True)
class SinkParameter:
    """One row of an IPCC table: a value for some zones, origins and species groups, maybe within a range."""

    id: str
    parameter: str
    climate_zones: tuple[str, ...]  # ("any",) for every zone
    continent: str
    origin: str  # "planted", "natural" or "any"
    species_groups: tuple[str, ...]  # ("any",) for every group
    condition: Condition | None
    value: Decimal
    unit: str
    value_range: str
    rank: int  # among rows that match, the lowest rank is used
    source: Source
    source_ref: str
    notes: str
    cross_checked_at: str

    def applies_to(self, *, climate_zone: str, origin: str, species_group: str) -> bool:
        return ((self.climate_zones == ("any",) or climate_zone in self.climate_zones)
                and self.origin in ("any", origin)
                and (self.species_groups == ("any",) or species_group in self.species_groups))


@dataclass(frozen=True)
class InclusionRule:
    """One 碳普惠 rule: points per step, minute or trip, a daily cap, or avoided g CO2 per passenger-km."""

    id: str
    parameter: str
    action: str
    value: Decimal
    unit: str
    source: Source
    source_ref: str
    notes: str
    cross_checked_at: str


@dataclass(frozen=True)
class CarbonPrice:
    """A price per tonne with the date it describes and where it was read."""

    id: str
    market: str
    value: Decimal
    unit: str
    as_of: str
    source: Source
    source_ref: str
    notes: str
    cross_checked_at: str


@dataclass(frozen=True, eq=False)
class SinkLibrary:
    version: str
    parameters: Mapping[str, SinkParameter]
    inclusion: Mapping[str, InclusionRule]
    prices: Mapping[str, CarbonPrice]
    content_hash: str

    def __post_init__(self) -> None:
        for name in ("parameters", "inclusion", "prices"):
            object.__setattr__(self, name, MappingProxyType(dict(getattr(self, name))))
        # The same few stands are asked for over and over (every year of every plot): remember the answers.
        object.__setattr__(self, "_candidates", {})

    def candidates(self, parameter: str, *, climate_zone: str, origin: str,
                   species_group: str) -> tuple[SinkParameter, ...]:
        """The rows of `parameter` for this stand, best rank first (conditions not yet applied)."""
        key = (parameter, climate_zone, origin, species_group)
        known = self._candidates.get(key)
        if known is not None:
            return known
        rows = [p for p in self.parameters.values() if p.parameter == parameter
                and p.applies_to(climate_zone=climate_zone, origin=origin, species_group=species_group)]
        self._candidates[key] = found = tuple(sorted(rows, key=lambda p: (p.rank, p.id)))
        return found

    def rule(self, rule_id: str) -> InclusionRule:
        return self.inclusion[rule_id]


def parse_condition(text: str) -> Condition | None:
    """None for an empty condition; ValueError naming what is wrong otherwise."""
    if not text:
        return None
    match = _CONDITION.fullmatch(text.replace(" ", ""))
    if not match or match["var"] not in CONDITION_VARIABLES:
        raise ValueError(f"bad condition '{text}' (e.g. agb<=125, 50<=agb<=150, age>20; variables: "
                         f"{', '.join(CONDITION_VARIABLES)})")
    lower = Decimal(match["low"]) if match["low"] else None
    lower_inclusive = match["lowop"] == "<="
    upper = None
    upper_inclusive = False
    op, bound = match["op"], match["bound"]
    if op in ("<", "<="):
        upper, upper_inclusive = Decimal(bound), op == "<="
    elif op in (">", ">="):
        if lower is not None:
            raise ValueError(f"bad condition '{text}': a lower bound on both sides")
        lower, lower_inclusive = Decimal(bound), op == ">="
    if lower is None and upper is None:
        raise ValueError(f"bad condition '{text}': no bound")
    return Condition(match["var"], lower, lower_inclusive, upper, upper_inclusive, text)


def load_sink_library(version: str | None = None, data_dir: Path = DEFAULT_DATA_DIR) -> SinkLibrary:
    """Load and validate `<version>/sinks/*.csv`; FactorDataError lists every bad row as path:line: reason."""
    version = version or DEFAULT_VERSION
    data_dir = Path(data_dir)
    folder = data_dir / version / SINK_DIR
    if not re.fullmatch(r"[0-9]{4}\.[0-9]+", version) or not folder.is_dir():
        raise UnknownVersion(version, tuple(v for v in available_versions(data_dir)
                                            if (data_dir / v / SINK_DIR).is_dir()))
    errors: list[str] = []
    sources = _read_sources(data_dir / "sources.csv", errors)
    parameters: dict[str, SinkParameter] = {}
    inclusion: dict[str, InclusionRule] = {}
    prices: dict[str, CarbonPrice] = {}
    raw: dict[str, list] = {"parameters": [], "inclusion": [], "prices": []}
    seen: dict[str, str] = {}
    readers = (("sink_parameters.csv", PARAMETER_COLUMNS, _parameter, parameters, "parameters"),
               ("carbon_inclusion.csv", INCLUSION_COLUMNS, _inclusion_rule, inclusion, "inclusion"),
               ("prices.csv", PRICE_COLUMNS, _price, prices, "prices"))
    for name, columns, build, into, key in readers:
        path = folder / name
        if not path.is_file():
            errors.append(f"{path}:0: missing table")
            continue
        for line, row in _rows(path, columns, errors):
            reasons = [f"missing required field '{c}'" for c in columns if c not in _OPTIONAL and not row[c].strip()]
            if not reasons:
                if row["id"] in seen:
                    reasons.append(f"duplicate id '{row['id']}' (first used at {seen[row['id']]})")
                elif not _ID.fullmatch(row["id"]):
                    reasons.append(f"bad id '{row['id']}'")
                if row["source_id"] not in sources:
                    reasons.append(f"unknown source '{row['source_id']}' (not in sources.csv)")
                if not _is_positive_decimal(row["value"]):
                    reasons.append(f"value '{row['value']}' is not a finite positive decimal as printed")
            if not reasons:
                try:
                    item = build(row, sources[row["source_id"]])
                except ValueError as error:
                    reasons.append(str(error))
            seen.setdefault(row["id"], f"{path}:{line}")
            if reasons:
                errors.append(f"{path}:{line}: {'; '.join(reasons)}")
                continue
            into[row["id"]] = item
            raw[key].append([row[c] for c in columns])
    if errors:
        raise FactorDataError(errors)
    used = sorted({item.source.id for table in (parameters, inclusion, prices) for item in table.values()})
    canonical = {key: sorted(rows) for key, rows in raw.items()}
    canonical["sources"] = [[getattr(sources[s], field) for field in vars(sources[s])] for s in used]
    digest = hashlib.sha256(json.dumps(canonical, ensure_ascii=False, separators=(",", ":")).encode()).hexdigest()
    return SinkLibrary(version=version, parameters=parameters, inclusion=inclusion, prices=prices,
                       content_hash=digest)


@functools.lru_cache(maxsize=1)
def default_sink_library() -> SinkLibrary:
    return load_sink_library(DEFAULT_VERSION, DEFAULT_DATA_DIR)


def _choices(text: str, known: tuple[str, ...], column: str) -> tuple[str, ...]:
    values = tuple(text.split("|"))
    if values == ("any",):
        return values
    unknown = [v for v in values if v not in known]
    if unknown:
        raise ValueError(f"unknown {column} '{'|'.join(unknown)}' (known: any, {', '.join(known)})")
    return values


def _parameter(row: dict[str, str], source: Source) -> SinkParameter:
    if row["parameter"] not in PARAMETERS:
        raise ValueError(f"unknown parameter '{row['parameter']}' (known: {', '.join(PARAMETERS)})")
    if row["continent"] not in CONTINENTS:
        raise ValueError(f"unknown continent '{row['continent']}' (known: {', '.join(CONTINENTS)})")
    if row["origin"] not in (*ORIGINS, "any"):
        raise ValueError(f"unknown origin '{row['origin']}' (known: any, {', '.join(ORIGINS)})")
    if not row["rank"].isdigit() or int(row["rank"]) < 1:
        raise ValueError(f"bad rank '{row['rank']}' (a whole number from 1)")
    return SinkParameter(
        id=row["id"], parameter=row["parameter"],
        climate_zones=_choices(row["climate_zone"], CLIMATE_ZONES, "climate_zone"), continent=row["continent"],
        origin=row["origin"], species_groups=_choices(row["species_group"], SPECIES_GROUPS, "species_group"),
        condition=parse_condition(row["condition"]), value=Decimal(row["value"]), unit=row["unit"],
        value_range=row["value_range"], rank=int(row["rank"]), source=source, source_ref=row["source_ref"],
        notes=row["notes"], cross_checked_at=row["cross_checked_at"])


def _inclusion_rule(row: dict[str, str], source: Source) -> InclusionRule:
    if row["action"] not in INCLUSION_ACTIONS:
        raise ValueError(f"unknown action '{row['action']}' (known: {', '.join(INCLUSION_ACTIONS)})")
    return InclusionRule(id=row["id"], parameter=row["parameter"], action=row["action"], value=Decimal(row["value"]),
                         unit=row["unit"], source=source, source_ref=row["source_ref"], notes=row["notes"],
                         cross_checked_at=row["cross_checked_at"])


def _price(row: dict[str, str], source: Source) -> CarbonPrice:
    if row["market"] not in MARKETS:
        raise ValueError(f"unknown market '{row['market']}' (known: {', '.join(MARKETS)})")
    if not _DATE.fullmatch(row["as_of"]):
        raise ValueError(f"bad as_of '{row['as_of']}' (a date such as 2025-12-31)")
    if not _DECIMAL.fullmatch(row["value"]):
        raise ValueError(f"bad value '{row['value']}'")
    return CarbonPrice(id=row["id"], market=row["market"], value=Decimal(row["value"]), unit=row["unit"],
                       as_of=row["as_of"], source=source, source_ref=row["source_ref"], notes=row["notes"],
                       cross_checked_at=row["cross_checked_at"])
