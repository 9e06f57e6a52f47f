"""The result of every calculator: a Footprint of traceable line items, its errors, and exact Decimal arithmetic."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import (
    ROUND_CEILING,
    Context,
    Decimal,
    DivisionByZero,
    Inexact,
    InvalidOperation,
    Overflow,
    localcontext,
)
from functools import cached_property
from threading import local

from factors import Factor, FactorSet

ZERO = Decimal(0)
ONE = Decimal(1)
KG_PER_TONNE = Decimal(1000)

# Products and sums are computed at a precision far above any input the API accepts (at most 20 significant
# digits) times any factor (at most 17), and Inexact is trapped: a product or sum is exact or it is an error,
# never silently rounded.
_EXACT = Context(prec=120, traps=[InvalidOperation, DivisionByZero, Overflow, Inexact])
# A division (a mean, a car's share by occupancy, GJ to kWh) can have no finite decimal result; it stops at
# Python's default 28 significant digits. This is the only place a value is cut.
_DIVISION = Context(prec=28, traps=[InvalidOperation, DivisionByZero, Overflow])
# How many divisions this thread has cut: a caller that scales a result computed for one unit checks that none was.
_CUTS = local()


def divisions_cut() -> int:
    """The number of divisions cut at 28 digits so far in this thread (only its change means anything)."""
    return getattr(_CUTS, "count", 0)


class Message(str):
    """English text that also carries a code and its parameters, so that each page can say it in its language.

    It is a str, so the API, stored snapshots and logs keep the English text unchanged; the web layer renders
    `code` with `params` through the catalogs (core.messages). `format()` keeps the code, so marshmallow, which
    formats its error messages, can carry one too.
    """

    code: str
    params: dict

    def __new__(cls, code: str, template: str, **params: object) -> Message:
        message = super().__new__(cls, template % params if params else template)
        message.code = code
        message.params = params
        return message

    def format(self, *args: object, **kwargs: object) -> Message:
        message = str.__new__(Message, str.format(self, *args, **kwargs))
        message.code = self.code
        message.params = {**kwargs, **self.params}  # its own parameters win: they are what the text says
        return message

    def __reduce__(self):
        return _message, (self.code, str(self), self.params)


def _message(code: str, text: str, params: dict) -> Message:
    message = str.__new__(Message, text)
    message.code, message.params = code, params
    return message


class Name(str):
    """A name in English that knows its Chinese form, for a message parameter each language writes its own way."""

    zh: str

    def __new__(cls, english: str, chinese: str = "") -> Name:
        name = super().__new__(cls, english)
        name.zh = chinese or english
        return name

    def __reduce__(self):
        return Name, (str(self), self.zh)


class CalculationError(ValueError):
    """An input a calculator cannot compute; `field` is a JSON path such as "legs[0].from".

    `message` is English; when it is a Message its code and parameters let a page say it in its language.
    """

    def __init__(self, field: str, message: str):
        self.field = field
        self.message = message
        super().__init__(f"{field}: {message}" if field else message)

    @property
    def code(self) -> str:
        return getattr(self.message, "code", "calc.error")

    @property
    def params(self) -> dict:
        return getattr(self.message, "params", {})

    def at(self, path: str) -> CalculationError:
        """The same error with its field inside `path`: "from" at "legs[0]" is "legs[0].from".

        Calculators raise fields relative to what they were given and callers prefix them, so no path string
        is built unless something is wrong.
        """
        error = self.__class__.__new__(self.__class__)
        error.__dict__.update(self.__dict__)
        error.field = f"{path}.{self.field}" if self.field else path
        error.args = (f"{error.field}: {self.message}",)
        return error


class UnknownPlaceError(CalculationError):
    """An airport or city that is not found: the value asked for and the closest matches."""

    def __init__(self, field: str, value: str, suggestions: tuple[str, ...] = ()):
        self.value = value
        self.suggestions = tuple(suggestions)
        if self.suggestions:
            message = Message("calc.unknown_place_suggest", "unknown airport or city %(value)r; did you mean "
                              "%(suggestions)s?", value=value, suggestions=", ".join(self.suggestions))
            message.params["suggestions"] = self.suggestions  # a list, so each language joins it its own way
        else:
            message = Message("calc.unknown_place", "unknown airport or city %(value)r", value=value)
        super().__init__(field, message)


def mul(a: Decimal, b: Decimal) -> Decimal:
    """a × b, exactly."""
    try:
        return _EXACT.multiply(a, b)
    except Inexact:
        raise CalculationError("", Message("calc.too_precise", "%(a)s × %(b)s has more significant digits than can be "
                                            "computed exactly", a=a, b=b)) from None


def dsum(values: Iterable[Decimal]) -> Decimal:
    """The exact sum (the built-in sum() would round to the thread's 28 digits)."""
    total = ZERO
    add = _EXACT.add
    try:
        for value in values:
            total = add(total, value)
    except Inexact:
        raise CalculationError("", Message("calc.sum_too_precise", "a sum has more significant digits than can be "
                                                                "computed exactly")) from None
    return total


def div(a: Decimal, b: Decimal) -> Decimal:
    """a ÷ b: exact when the quotient has a finite decimal form, else cut at 28 significant digits."""
    try:
        quotient = _EXACT.divide(a, b)
    except Inexact:
        _CUTS.count = getattr(_CUTS, "count", 0) + 1
        return _DIVISION.divide(a, b)
    # 3.6 / 0.0036 is Decimal("1E+3"): the same number, but people should read "1000".
    return quotient.quantize(ONE) if quotient.as_tuple().exponent > 0 else quotient


def sqrt(value: Decimal) -> Decimal:
    """The square root to 28 significant digits."""
    return _DIVISION.sqrt(value)


def sum_and_squares(values: Iterable[Decimal]) -> tuple[int, Decimal, Decimal]:
    """(count, Σ v, Σ v²), exactly: the builtin sum in C under the exact context, fast for 100,000s of values."""
    values = list(values)
    try:
        with localcontext(_EXACT):
            return len(values), sum(values, ZERO), sum((v * v for v in values), ZERO)
    except Inexact:
        raise CalculationError("", "a sum of squares has more significant digits than can be computed "
                                   "exactly") from None


def to_decimal(value: object, field: str) -> Decimal:
    """A non-negative finite Decimal from a Decimal, int or decimal string (a float via its shortest repr)."""
    if type(value) is Decimal:
        number = value
    elif isinstance(value, bool) or value is None:
        raise CalculationError(field, Message("calc.not_a_number", "expected a number, got %(value)s",
                                              value=repr(value)))
    elif isinstance(value, int | str):
        try:
            number = Decimal(value.strip() if isinstance(value, str) else value)
        except InvalidOperation:
            raise CalculationError(field, Message("calc.not_a_decimal", "%(value)r is not a decimal number",
                                                  value=value)) from None
    elif isinstance(value, float):
        number = Decimal(repr(value))
    elif isinstance(value, Decimal):
        number = Decimal(value)
    else:
        raise CalculationError(field, Message("calc.not_a_number", "expected a number, got %(value)s",
                                              value=type(value).__name__))
    if not number.is_finite():
        raise CalculationError(field, Message("calc.not_finite", "%(value)s is not a finite number", value=str(value)))
    if number < 0:
        raise CalculationError(field, Message("calc.negative", "%(value)s is negative; quantities must be zero or more",
                                              value=str(value)))
    return number


def ceil_tonnes(kg: Decimal) -> int:
    """Whole tonnes of credit that cover `kg` kilograms (rounded up)."""
    return int(kg.scaleb(-3).to_integral_value(rounding=ROUND_CEILING))


def plain(value: Decimal) -> str:
    """A decimal as a string without exponent ("1.5E+3" would confuse people and some JSON readers)."""
    return format(value, "f")


_FACTOR_UNITS: dict[str, str] = {}


def factor_unit(unit: str) -> str:
    """ "passenger.km" -> "kg CO2e/passenger.km" (cached: built for every line item)."""
    text = _FACTOR_UNITS.get(unit)
    if text is None:
        text = _FACTOR_UNITS[unit] = f"kg CO2e/{unit}"
    return text


@dataclass(frozen=True)
class LineItem:
    """One counted activity: quantity × factor_value = kgco2e exactly, with the factor's id and source."""

    category: str  # the factor's category (flight, rail, hotel, meal, electricity...) or "attendees"
    activity: str  # what was counted, in English
    activity_zh: str
    quantity: Decimal
    unit: str
    factor_id: str  # "" for a line that is not one factor row (a sum of stored responses, an extrapolation)
    factor_value: Decimal
    factor_unit: str
    kgco2e: Decimal
    source_id: str
    notes: tuple[str, ...] = ()
    estimated: bool = False
    # Enterprise inventories only.
    scope: str | None = None  # "1", "2-location", "2-market", "3", or "outside scopes"
    ghg_category: str | None = None  # "1 Stationary combustion", "3.6 Business travel"...
    iso_category: int | None = None  # ISO 14064-1:2018 category 1-6
    facility: str | None = None
    month: str | None = None  # YYYY-MM

    def to_dict(self) -> dict:
        return {
            "category": self.category, "activity": self.activity, "activity_zh": self.activity_zh,
            "quantity": plain(self.quantity), "unit": self.unit, "factor_id": self.factor_id,
            "factor_value": plain(self.factor_value), "factor_unit": self.factor_unit,
            "kgco2e": plain(self.kgco2e), "source_id": self.source_id, "notes": list(self.notes),
            "estimated": self.estimated, "scope": self.scope, "ghg_category": self.ghg_category,
            "iso_category": None if self.iso_category is None else str(self.iso_category),
            "facility": self.facility, "month": self.month,
        }


_new = object.__new__


def line_item(category: str, activity: str, activity_zh: str, quantity: Decimal, unit: str, factor_id: str,
              factor_value: Decimal, factor_unit: str, kgco2e: Decimal, source_id: str, notes: tuple[str, ...] = (),
              estimated: bool = False, scope: str | None = None, ghg_category: str | None = None,
              iso_category: int | None = None, facility: str | None = None, month: str | None = None) -> LineItem:
    """A LineItem, built without the frozen dataclass's __init__.

    That __init__ sets each of the 17 fields through object.__setattr__ (about 2 µs); a personal footprint of
    ten items must take under 50 µs in all, so items are built by filling the instance's __dict__ directly.
    """
    item = _new(LineItem)
    item.__dict__.update(
        category=category, activity=activity, activity_zh=activity_zh, quantity=quantity, unit=unit,
        factor_id=factor_id, factor_value=factor_value, factor_unit=factor_unit, kgco2e=kgco2e,
        source_id=source_id, notes=notes, estimated=estimated, scope=scope, ghg_category=ghg_category,
        iso_category=iso_category, facility=facility, month=month,
    )
    return item


def factor_item(factor: Factor, quantity: Decimal, activity: str, activity_zh: str, *,
                unit: str | None = None, notes: tuple[str, ...] = (), estimated: bool = False,
                category: str | None = None) -> LineItem:
    """The line item for `quantity` (in the factor's unit unless `unit` says otherwise) of one factor row."""
    value = factor.kgco2e_per_unit
    return line_item(
        category or factor.category, activity, activity_zh, quantity, unit or factor.unit, factor.id, value,
        factor_unit(factor.unit), mul(quantity, value), factor.source.id, notes, estimated,
    )


def scaled(item: LineItem, times: Decimal, *, activity: str | None = None, activity_zh: str | None = None,
           notes: tuple[str, ...] | None = None, estimated: bool | None = None) -> LineItem:
    """The same activity `times` over: quantity and kg both multiplied, so kg = quantity × factor still holds."""
    return line_item(
        item.category, item.activity if activity is None else activity,
        item.activity_zh if activity_zh is None else activity_zh, mul(item.quantity, times), item.unit,
        item.factor_id, item.factor_value, item.factor_unit, mul(item.kgco2e, times), item.source_id,
        item.notes if notes is None else notes, item.estimated if estimated is None else estimated,
        item.scope, item.ghg_category, item.iso_category, item.facility, item.month,
    )


def merge_items(items: Iterable[LineItem], suffix: str = "", suffix_zh: str = "",
                factor_set: FactorSet | None = None) -> tuple[LineItem, ...]:
    """Items of the same factor (and scope, facility, month) added into one: quantities and kg summed.

    Every item of a group has the same factor value, so the sum of the kg is the summed quantity × that
    value exactly. A merged line is labelled by its factor (from `factor_set`); notes are kept once each, in
    the order first seen; the line is estimated if any of its items is.
    """
    groups: dict[tuple, list[LineItem]] = {}
    for item in items:
        key = (item.category, item.factor_id, item.unit, item.factor_value, item.scope, item.facility, item.month)
        groups.setdefault(key, []).append(item)
    merged = []
    for group in groups.values():
        first = group[0]
        notes = tuple(dict.fromkeys(note for item in group for note in item.notes))
        label, label_zh = first.activity, first.activity_zh
        if len(group) > 1:
            factor = factor_set.factors.get(first.factor_id) if factor_set is not None else None
            label = f"{factor.label_en if factor else first.factor_id or first.category} ({len(group)} lines)"
            label_zh = f"{factor.label_zh if factor else first.factor_id or first.category}（{len(group)}项）"
        merged.append(line_item(
            first.category, label + suffix, label_zh + suffix_zh, dsum(i.quantity for i in group), first.unit,
            first.factor_id, first.factor_value, first.factor_unit, dsum(i.kgco2e for i in group),
            first.source_id, notes, any(i.estimated for i in group), first.scope, first.ghg_category,
            first.iso_category, first.facility, first.month,
        ))
    return tuple(merged)


@dataclass(frozen=True)
class Note:
    """A statement of pure code as a code and its parameters (pages render it in their language), with English text.

    The JSON API carries all three; `text` is what an English reader of the API sees.
    """

    code: str
    params: Mapping[str, object]
    text: str

    def to_dict(self) -> dict:
        return {"code": self.code, "params": {key: _param(value) for key, value in self.params.items()},
                "text": self.text}


def _param(value: object) -> object:
    if isinstance(value, Decimal):
        return plain(value)
    if isinstance(value, list | tuple):
        return [_param(item) for item in value]
    return value


@dataclass(frozen=True)
class StratumEstimate:
    """The extrapolation for one origin stratum (or the whole audience when there are no strata)."""

    stratum: str
    population: Decimal  # registrants (or expected attendees) in the stratum
    respondents: int
    respondent_mean_kgco2e: Decimal | None  # None when no one of this stratum answered
    default_kgco2e: Decimal | None  # the prior mean: the meeting type's per-attendee default for this stratum
    weight: Decimal  # the respondents' share of the estimate: n / (n + n0)
    per_attendee_kgco2e: Decimal  # the posterior mean
    non_respondents: Decimal
    kgco2e: Decimal  # non_respondents × per_attendee_kgco2e
    prior_weight: int = 0  # n0: the prior counts as this many answers
    prior_sd_kgco2e: Decimal | None = None  # one attendee's spread under the stated assumptions
    sd_kgco2e: Decimal = ZERO  # one attendee's spread used for the interval: the prior's pooled with the answers'
    part_sd_kgco2e: Decimal = ZERO  # the standard deviation of this stratum's non-respondents' total

    def to_dict(self) -> dict:
        return {
            "stratum": self.stratum, "population": plain(self.population), "respondents": self.respondents,
            "respondent_mean_kgco2e": _opt(self.respondent_mean_kgco2e),
            "default_kgco2e": _opt(self.default_kgco2e), "weight": plain(self.weight),
            "per_attendee_kgco2e": plain(self.per_attendee_kgco2e),
            "non_respondents": plain(self.non_respondents), "kgco2e": plain(self.kgco2e),
            "prior_weight": self.prior_weight, "prior_sd_kgco2e": _opt(self.prior_sd_kgco2e),
            "sd_kgco2e": plain(self.sd_kgco2e), "part_sd_kgco2e": plain(self.part_sd_kgco2e),
        }


@dataclass(frozen=True)
class Extrapolation:
    """How the attendees who did not answer were estimated, with a 90% interval for that part."""

    method: str
    attendance: Decimal
    respondents: int
    coverage: Decimal  # respondents / attendance
    point_kgco2e: Decimal  # the non-respondents' estimate included in the footprint's total
    low_kgco2e: Decimal  # 90% interval of that estimate
    high_kgco2e: Decimal
    interval_method: str
    confidence: Decimal
    samples: int  # resamples drawn (0: the interval is computed in closed form)
    seed: int | None
    shrinkage: str  # the formula, or "" when no shrinkage applies
    strata: tuple[StratumEstimate, ...]
    neutralisation_basis: str
    # The same statements as codes and parameters, for pages in every language.
    method_note: Note | None = None
    interval_note: Note | None = None
    notes: tuple[Note, ...] = ()  # the stated assumptions behind the prior

    def to_dict(self) -> dict:
        return {
            "method": self.method, "attendance": plain(self.attendance), "respondents": self.respondents,
            "coverage": plain(self.coverage), "point_kgco2e": plain(self.point_kgco2e),
            "low_kgco2e": plain(self.low_kgco2e), "high_kgco2e": plain(self.high_kgco2e),
            "interval_method": self.interval_method, "confidence": plain(self.confidence),
            "samples": self.samples, "seed": self.seed, "shrinkage": self.shrinkage,
            "strata": [s.to_dict() for s in self.strata], "neutralisation_basis": self.neutralisation_basis,
            "method_code": self.method_note.code if self.method_note else None,
            "method_params": self.method_note.to_dict()["params"] if self.method_note else {},
            "interval_code": self.interval_note.code if self.interval_note else None,
            "interval_params": self.interval_note.to_dict()["params"] if self.interval_note else {},
            "notes": [note.to_dict() for note in self.notes],
        }


def _opt(value: Decimal | None) -> str | None:
    return None if value is None else plain(value)


def _grouped(items: Iterable[LineItem], key) -> dict[str, Decimal]:
    sums: dict[str, list[Decimal]] = {}
    for item in items:
        sums.setdefault(key(item), []).append(item.kgco2e)
    return {name: dsum(values) for name, values in sums.items()}


@dataclass(frozen=True)
class Footprint:
    """Line items and what follows from them; every total is a sum of items, never computed another way."""

    kind: str  # "personal" | "event" | "enterprise"
    factor_set: str  # the version of the factor set used
    items: tuple[LineItem, ...]
    assumptions: tuple[str, ...] = ()
    extrapolation: Extrapolation | None = None
    # Reported beside the total, not in it: the Scope 2 figure of the other method, gases the GHG Protocol
    # reports outside the scopes.
    memo_items: tuple[LineItem, ...] = ()

    @cached_property
    def total_kgco2e(self) -> Decimal:
        return dsum(item.kgco2e for item in self.items)

    def by_category(self) -> dict[str, Decimal]:
        """kg by line-item category, in the order categories first appear."""
        return _grouped(self.items, lambda item: item.category)

    def by_scope(self) -> dict[str, Decimal]:
        """kg by GHG Protocol scope; both Scope 2 methods are listed, only the chosen one is in the total."""
        return _grouped((*self.items, *self.memo_items), lambda item: item.scope or "unassigned")

    def by_facility(self) -> dict[str, Decimal]:
        """kg of the total by facility."""
        return _grouped(self.items, lambda item: item.facility or "")

    @property
    def neutralisation_kgco2e(self) -> Decimal:
        """The kg to neutralise: the total, with an extrapolation counted at the upper end of its interval."""
        if self.extrapolation is None:
            return self.total_kgco2e
        # Never below the point estimate, even where a tiny skewed sample puts the 95th percentile under it.
        upper = max(self.extrapolation.high_kgco2e, self.extrapolation.point_kgco2e)
        return dsum((self.total_kgco2e, -self.extrapolation.point_kgco2e, upper))

    @property
    def credits_needed_t(self) -> int:
        """Whole tonnes of credit needed to cover neutralisation_kgco2e (rounded up)."""
        return ceil_tonnes(self.neutralisation_kgco2e)

    def to_dict(self) -> dict:
        result = {
            "kind": self.kind, "factor_set": self.factor_set, "total_kgco2e": plain(self.total_kgco2e),
            "credits_needed_t": self.credits_needed_t,
            "neutralisation_kgco2e": plain(self.neutralisation_kgco2e),
            "by_category": {name: plain(kg) for name, kg in self.by_category().items()},
            "items": [item.to_dict() for item in self.items],
            "assumptions": list(self.assumptions),
        }
        if self.kind == "enterprise":
            result["by_scope"] = {name: plain(kg) for name, kg in self.by_scope().items()}
            result["by_facility"] = {name: plain(kg) for name, kg in self.by_facility().items()}
            result["memo_items"] = [item.to_dict() for item in self.memo_items]
        if self.extrapolation is not None:
            result["extrapolation"] = self.extrapolation.to_dict()
        return result
