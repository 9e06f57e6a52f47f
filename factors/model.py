"""The immutable values of the factor library: sources, factors, factor sets and their errors."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from types import MappingProxyType

# The order is the order in which categories are listed to people.
CATEGORIES: tuple[str, ...] = (
    "electricity", "fuel", "heat", "refrigerant", "flight", "rail", "road", "hotel", "meal", "food",
    "material", "waste", "water",
)


class FactorError(Exception):
    """Base of every error raised by the factor library."""


class FactorDataError(FactorError):
    """The CSV files of a factor set are invalid; `errors` holds one "<path>:<line>: <reason>" per bad row."""

    def __init__(self, errors: list[str]):
        self.errors = list(errors)
        super().__init__(f"{len(self.errors)} error(s) in factor data:\n" + "\n".join(self.errors))


class UnknownFactor(FactorError, KeyError):
    """No factor with this id in the factor set."""

    def __init__(self, factor_id: str, version: str):
        self.factor_id = factor_id
        self.version = version
        super().__init__(factor_id)

    def __str__(self) -> str:
        # KeyError would print the repr of its argument; people need a sentence.
        return f"no factor '{self.factor_id}' in factor set {self.version}"


class UnknownCategory(FactorError, KeyError):
    """A category name outside `CATEGORIES`."""

    def __init__(self, category: str):
        self.category = category
        super().__init__(category)

    def __str__(self) -> str:
        return f"unknown category '{self.category}' (known: {', '.join(CATEGORIES)})"


class UnknownVersion(FactorError, LookupError):
    """No directory for this factor-set version."""

    def __init__(self, version: str, available: tuple[str, ...]):
        self.version = version
        self.available = available
        super().__init__(f"no factor set version '{version}' (available: {', '.join(available) or 'none'})")


@dataclass(frozen=True)
class Source:
    """One entry of `sources.csv`: the primary publication of factors, and under which licence."""

    id: str
    title: str
    publisher: str
    year: str  # a year, or "not stated" where the source gives none
    url: str  # the publisher's own page; never a mirror or a code repository
    licence: str
    document_number: str = ""  # e.g. 公告2025年第47号, a DOI, a standard's number
    table_ref: str = ""  # the table or sheet of the document, where the source is one table
    cross_checked_at: str = ""  # mirrors, copies or repositories where values were read or checked: not sources


@dataclass(frozen=True)
class Factor:
    """One emission factor: kg CO2e per `unit` of `activity`, with its source."""

    id: str
    category: str
    activity: str
    label_zh: str
    label_en: str
    unit: str
    kgco2e_per_unit: Decimal
    gases: str
    region: str
    valid_year: int
    source: Source
    source_ref: str
    notes: str
    cross_checked_at: str = ""  # where this row's value was read or checked, when not at the source itself

    @property
    def source_id(self) -> str:
        return self.source.id


@dataclass(frozen=True, eq=False)
class FactorSet:
    """A validated, immutable version of the factor library."""

    version: str
    factors: Mapping[str, Factor]
    sources: Mapping[str, Source]
    content_hash: str

    def __post_init__(self) -> None:
        # Read-only views, so a shared (cached) set cannot be changed by one of its users.
        object.__setattr__(self, "factors", MappingProxyType(dict(self.factors)))
        object.__setattr__(self, "sources", MappingProxyType(dict(self.sources)))

    def get(self, factor_id: str) -> Factor:
        try:
            return self.factors[factor_id]
        except KeyError:
            raise UnknownFactor(factor_id, self.version) from None

    def by_category(self, category: str) -> tuple[Factor, ...]:
        if category not in CATEGORIES:
            raise UnknownCategory(category)
        return tuple(f for f in self.factors.values() if f.category == category)

    def categories(self) -> tuple[str, ...]:
        present = {f.category for f in self.factors.values()}
        return tuple(c for c in CATEGORIES if c in present)

    def search(self, q: str, category: str | None = None) -> tuple[Factor, ...]:
        """Factors whose id, labels or activity contain every word of `q`, ignoring case."""
        candidates = self.by_category(category) if category else tuple(self.factors.values())
        words = q.casefold().split()
        return tuple(
            f for f in candidates
            if all(w in f"{f.id}\n{f.label_zh}\n{f.label_en}\n{f.activity}".casefold() for w in words)
        )
