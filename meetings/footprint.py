"""An event's footprint from what is stored: the organiser's inputs, the summed responses, the extrapolated rest.

How stored kg are summed (exactly, and without loading a response object per row):

- PostgreSQL keeps kg as NUMERIC, whose SUM is exact: the parts are summed by the database, GROUP BY nothing.
- SQLite keeps kg as text (its NUMERIC is a float), so the needed columns of every response are selected in one
  query and the Decimals summed in Python. A BIGINT of micrograms would not be exact: a car shared by three is a
  third of a distance, 28 significant digits.
- The extrapolation needs one total per respondent either way (calculators.event.extrapolate takes plain
  Decimals), so the totals column is read in one query on both databases.

The boundary decides what counts: attendee travel and lodging by their own categories, the meals attendees
report (outside the organiser's catering) with "catering". The priors of the non-respondents are filtered the
same way, so respondents and non-respondents are counted alike. A boundary item the organiser has given no data
for is listed as missing (on the dashboard, and in every snapshot, so that no neutrality claim covers it).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import Context, Decimal, Inexact, InvalidOperation, Overflow, localcontext

from sqlalchemy import func, text
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from calculators.enterprise import ElectricityUse, FuelUse, MaterialUse, WasteDisposal
from calculators.event import (
    ALL,
    DEFAULT_SHRINKAGE_K,
    EventInput,
    extrapolate,
    extrapolated_line,
    organiser_items,
    profile_notes,
    stratum_priors,
)
from calculators.footprint import (
    ONE,
    ZERO,
    CalculationError,
    Footprint,
    LineItem,
    Note,
    div,
    dsum,
    plain,
)
from db import transaction, utcnow
from errors import Conflict, NotFound, ValidationError
from factors import FactorSet, default_factor_set
from meetings import events
from meetings.inputs import MEAL_COLUMNS
from meetings.models import Event, EventFootprintSnapshot, Registration

# The boundary category of each part of an attendee's answer.
PART_BOUNDARY = {"travel": "attendee_travel", "lodging": "attendee_lodging", "meals": "catering"}
# The groups of the dashboard's breakdown, in the order they are shown.
GROUPS = ("venue_energy", "catering", "materials", "waste", "attendee_travel", "attendee_lodging",
          "attendee_meals", "extrapolated")
# Event waste keys name DESNZ streams; calculators.enterprise.waste_item knows them by these names.
_WASTE_STREAM_NAMES = {"commercial_industrial": "commercial_industrial", "food_drink": "food_drink",
                       "paper_board.mixed": "mixed_paper", "plastics_average": "plastics"}
VENUE_COUNTRY = "CN"


@dataclass(frozen=True)
class Respondents:
    """The stored responses of an event, reduced to what the footprint needs."""

    count: int
    totals: tuple[Decimal, ...]  # one in-boundary total per respondent
    strata: tuple[str, ...]  # the origin stratum of each, in the same order
    modes: tuple[str, ...]  # and how each travelled
    parts: Mapping[str, Decimal]  # travel / lodging / meals, each summed over the respondents
    factor_sets: tuple[str, ...]  # the versions the responses were computed with


@dataclass(frozen=True)
class EventFootprint:
    """The footprint and what the dashboard shows beside it."""

    footprint: Footprint
    breakdown: Mapping[str, Decimal]  # kg by GROUPS (only those counted)
    respondents: Respondents
    attendance: int  # the population the extrapolation used
    attendance_basis: str  # "actual", "expected" or "registrations"
    warnings: tuple[tuple[str, dict], ...] = field(default_factory=tuple)  # (code, params) for the page
    missing_inputs: tuple[str, ...] = ()  # boundary items counted without any data from the organiser


_PART_COLUMNS = {"travel": "travel_kgco2e", "lodging": "lodging_kgco2e", "meals": "meals_kgco2e"}
# Room for every digit of a sum of 100,000s of kg: any rounding raises (decimal.Inexact) instead of passing.
_EXACT_SUM = Context(prec=1000, traps=[Inexact, InvalidOperation, Overflow])


def exact_sum(values: Iterable[Decimal]) -> Decimal:
    """The exact sum, in C (sum() under a wide context): calculators.footprint.dsum's result, several times faster."""
    with localcontext(_EXACT_SUM):
        return sum(values, ZERO)


def load_respondents(session: Session, event: Event, *, strata: bool = True, modes: bool = True) -> Respondents:
    """Every response's total (within the boundary), and its stratum and mode when asked; the parts summed.

    Plain SQL read straight from the driver: no ORM object and no per-value type hook for 100,000 rows. In id
    order, so that the same answers are always read back alike.
    """
    counted = [part for part, category in PART_BOUNDARY.items() if category in event.boundary]
    everything = len(counted) == len(PART_BOUNDARY)
    labels = [name for name, wanted in (("stratum", strata), ("travel_mode", modes)) if wanted]
    where = {"event_id": event.id}
    if session.get_bind().dialect.name == "postgresql":
        # NUMERIC arithmetic is exact: the in-boundary total and the sums are the database's.
        total = "total_kgco2e" if everything else " + ".join(["0", *(_PART_COLUMNS[p] for p in counted)])
        cursor = session.connection().connection.cursor()  # the driver's rows: SQLAlchemy's cost more than the query
        try:
            cursor.execute(f"SELECT {', '.join([total, *labels])} FROM attendee_response "  # noqa: S608
                           "WHERE event_id = %s ORDER BY id", (event.id,))
            columns = list(zip(*cursor.fetchall(), strict=True)) or [()] * (1 + len(labels))
        finally:
            cursor.close()
        totals, named = tuple(columns[0]), dict(zip(labels, columns[1:], strict=True))
        sums = ", ".join(["count(*)", *(f"sum({_PART_COLUMNS[p]})" for p in counted)])
        _count, *sums = session.execute(text(f"SELECT {sums} FROM attendee_response "  # noqa: S608
                                             "WHERE event_id = :event_id"), where).one()
        parts = {p: (s if s is not None else ZERO) for p, s in zip(counted, sums, strict=True)}
        versions = session.execute(text("SELECT DISTINCT factor_set FROM attendee_response "
                                        "WHERE event_id = :event_id"), where).scalars().all()
    else:
        totals, named, parts, versions = _sqlite_respondents(session, event.id, counted, labels)
    return Respondents(len(totals), totals, named.get("stratum", ()), named.get("travel_mode", ()), parts,
                       tuple(sorted(versions)))


def _sqlite_respondents(session: Session, event_id: int, counted: list[str], labels: list[str]):
    """SQLite keeps kg as text (its NUMERIC is a float), so nothing is summed in SQL; yet 100,000 rows of four kg
    columns are too many to bring into Python. So, two queries:

    - each response's total (less the parts outside the boundary), in id order, read with the driver's own
      cursor (SQLAlchemy's row objects would cost more than the query);
    - lodging and meals grouped by value with their counts (hotel nights and meals take few values), summed as
      Σ value × count. Travel, whose values all differ, is what remains: total = travel + lodging + meals holds
      exactly on every row, so it holds for the sums.

    Every step is exact Decimal arithmetic. Returns (totals, {label: column}, part sums, factor-set versions).
    """
    excluded = [_PART_COLUMNS[p] for p in PART_BOUNDARY if p not in counted]
    cursor = session.connection().connection.cursor()
    try:
        cursor.execute(f"SELECT {', '.join([*labels, 'total_kgco2e', *excluded])} "  # noqa: S608
                       "FROM attendee_response WHERE event_id = ? ORDER BY id", (event_id,))
        columns = list(zip(*cursor.fetchall(), strict=True)) or [()] * (len(labels) + 1 + len(excluded))
        cursor.execute("SELECT lodging_kgco2e, meals_kgco2e, factor_set, count(*) FROM attendee_response "
                       "WHERE event_id = ? GROUP BY lodging_kgco2e, meals_kgco2e, factor_set", (event_id,))
        groups = cursor.fetchall()
    finally:
        cursor.close()
    named = dict(zip(labels, columns, strict=False))
    totals = tuple(map(Decimal, columns[len(labels)]))
    if excluded:
        outside = [tuple(map(Decimal, column)) for column in columns[len(labels) + 1:]]
        totals = tuple(exact_sum((total, *(-kg for kg in kgs))) for total, *kgs in zip(totals, *outside,
                                                                                        strict=True))
    parts = {"lodging": exact_sum(Decimal(lodging) * count for lodging, _meals, _version, count in groups),
             "meals": exact_sum(Decimal(meals) * count for _lodging, meals, _version, count in groups)}
    if "travel" in counted:
        parts["travel"] = exact_sum((exact_sum(totals), *(-parts[p] for p in counted if p != "travel")))
    return totals, named, {part: parts[part] for part in counted}, {version for *_kg, version, _n in groups}


def event_footprint_of(*, session: Session, event: Event, factor_set: FactorSet | None = None,
                       segments: bool = False) -> EventFootprint:
    """The event's footprint now: organiser lines, the respondents' sums, and the non-respondents estimated.

    With `segments`, each respondent's stratum and mode are read too (the dashboard's segment views); the strata
    are read anyway when a registration list stratifies the extrapolation.
    """
    factor_set = factor_set or default_factor_set()
    registrants = _registrants(session, event)
    respondents = load_respondents(session, event, strata=segments or bool(registrants), modes=segments)
    warnings: list[tuple[str, dict]] = []
    grouped: list[tuple[str, LineItem]] = []
    try:
        for group, item in _organiser_lines(event, factor_set, warnings):
            grouped.append((group, item))
    except CalculationError as error:
        raise ValidationError(f"the organiser's inputs cannot be computed: {error}",
                              fields={error.field or "_schema": [error.message]}) from None
    versions = ", ".join(respondents.factor_sets)
    note = f"sum of {respondents.count} stored responses computed with factor set {versions}"
    labels = {"travel": ("Attendee travel (responses)", "参会者交通（填报）"),
              "lodging": ("Attendee hotel nights (responses)", "参会者住宿（填报）"),
              "meals": ("Attendees' own meals (responses)", "参会者自费餐饮（填报）")}
    for part, kg in respondents.parts.items():
        if kg:
            group = "attendee_meals" if part == "meals" else PART_BOUNDARY[part]
            label, label_zh = labels[part]
            grouped.append((group, LineItem(group, label, label_zh, kg, "kg CO2e", "", ONE, "kg CO2e/kg CO2e", kg,
                                            "", (note,))))
    extrapolation, lines, population, basis = _extrapolation(event, factor_set, respondents, registrants,
                                                             warnings)
    grouped += [("extrapolated", line) for line in lines]
    items = tuple(item for _, item in grouped)
    assumptions = tuple(note.text for note in extrapolation.notes) if extrapolation else ()
    footprint = Footprint("event", factor_set.version, items, assumptions, extrapolation)
    breakdown: dict[str, list[Decimal]] = {}
    for group, item in grouped:
        breakdown.setdefault(group, []).append(item.kgco2e)
    ordered = {group: dsum(breakdown[group]) for group in GROUPS if group in breakdown}
    return EventFootprint(footprint, ordered, respondents, population, basis, tuple(warnings),
                          missing_inputs(event, population))


def missing_inputs(event: Event, population: int) -> tuple[str, ...]:
    """The boundary items the organiser has given no data for (a zero is data; an empty field is not)."""
    given = {
        "venue_energy": any(value is not None for value in (event.electricity_kwh, event.natural_gas_m3,
                                                            event.diesel_kg)),
        "catering": any(getattr(event, column) is not None for column in MEAL_COLUMNS),
        "materials": event.paper_kg is not None,
        "waste": bool(event.waste_kg),
        # Attendees are counted from their answers and, for the rest, the attendance and the meeting's prior.
        "attendee_travel": bool(population),
        "attendee_lodging": bool(population),
    }
    return tuple(item for item in event.boundary if not given.get(item, True))


def _organiser_lines(event: Event, factor_set: FactorSet, warnings: list):
    counted = set(event.boundary)
    if "venue_energy" in counted:
        uses = EventInput(
            electricity=(ElectricityUse(event.electricity_kwh, "kWh", event.province),)
            if event.electricity_kwh is not None else (),
            fuels=tuple(FuelUse(fuel, quantity, unit) for fuel, quantity, unit in (
                ("natural_gas", event.natural_gas_m3, "m3"), ("diesel", event.diesel_kg, "kg"))
                if quantity is not None),
        )
        if event.electricity_kwh is None and event.floor_area_m2 is not None:
            # No citable kWh per m² and hour is published (calculators.event.VenueEstimate): say so, count nothing.
            warnings.append(("venue_estimate_not_counted", {}))
        yield from (("venue_energy", item) for item in organiser_items(uses, factor_set))
    if "catering" in counted:
        catering = {meal: getattr(event, column) for column, meal in MEAL_COLUMNS.items()
                    if getattr(event, column)}
        yield from (("catering", item) for item in organiser_items(EventInput(catering=catering), factor_set))
    if "materials" in counted and event.paper_kg is not None:
        uses = EventInput(materials=(MaterialUse("paper", event.paper_kg, "kg"),))
        yield from (("materials", item) for item in organiser_items(uses, factor_set))
    if "waste" in counted and event.waste_kg:
        disposals = []
        for key, kg in event.waste_kg.items():
            stream, treatment = key.rsplit(".", 1)
            disposals.append(WasteDisposal(_WASTE_STREAM_NAMES[stream], treatment, Decimal(kg), "kg"))
        yield from (("waste", item) for item in organiser_items(EventInput(waste=tuple(disposals)), factor_set))


def _registrants(session: Session, event: Event) -> dict[str, int]:
    rows = session.exec(select(Registration.stratum, func.count()).where(Registration.event_id == event.id)
                        .group_by(Registration.stratum)).all()
    return {stratum.value: count for stratum, count in rows}


def _extrapolation(event: Event, factor_set: FactorSet, respondents: Respondents, registrants: dict[str, int],
                   warnings: list):
    counted_parts = tuple(p for p, category in PART_BOUNDARY.items() if category in event.boundary)
    if not counted_parts:
        return None, [], 0, "none"
    registrants = dict(registrants)
    n = respondents.count
    if registrants:
        basis = "registrations"
        answered: dict[str, int] = {}
        for stratum in respondents.strata:
            answered[stratum] = answered.get(stratum, 0) + 1
        for stratum, count in answered.items():
            if count > registrants.get(stratum, 0):
                # More answers than registrants of a stratum: the list is incomplete there, so the answers count.
                warnings.append(("stratum_over_registrations", {"stratum": stratum, "answers": count,
                                                                "registered": registrants.get(stratum, 0)}))
                registrants[stratum] = count
        population = sum(registrants.values())
        stated = event.actual_attendance if event.actual_attendance is not None else event.expected_attendance
        if population != stated:
            warnings.append(("registrations_replace_attendance", {
                "registered": population, "attendance": stated,
                "basis": "actual" if event.actual_attendance is not None else "expected"}))
    else:
        basis = "actual" if event.actual_attendance is not None else "expected"
        population = event.actual_attendance if event.actual_attendance is not None else event.expected_attendance
        if n > population:
            warnings.append(("answers_over_attendance", {"answers": n, "attendance": population}))
            population = n
    if not population:
        return None, [], 0, basis
    priors = stratum_priors(factor_set, event.meeting_type.value, VENUE_COUNTRY, True, counted_parts)
    try:
        if registrants:
            extrapolation = extrapolate(respondents.totals, strata=respondents.strata,
                                        registrants_by_stratum=registrants, priors_by_stratum=priors,
                                        prior_weight=DEFAULT_SHRINKAGE_K)
        else:
            extrapolation = extrapolate(respondents.totals, population, prior=priors[ALL],
                                        prior_weight=DEFAULT_SHRINKAGE_K)
    except CalculationError as error:  # pragma: no cover - the population is raised to the answers above
        raise ValidationError(f"the extrapolation cannot be computed: {error}") from None
    if any(e.non_respondents for e in extrapolation.strata):
        extrapolation = replace(extrapolation, notes=(
            *profile_notes(event.meeting_type.value, DEFAULT_SHRINKAGE_K),
            Note("event_boundary_parts", {"parts": list(counted_parts)},
                 f"only the parts within the meeting's boundary are counted for them: {', '.join(counted_parts)}")))
    lines = [extrapolated_line(estimate, extrapolation) for estimate in extrapolation.strata
             if estimate.non_respondents]
    return extrapolation, lines, population, basis


# ---- segments ----------------------------------------------------------------------------------------------------

MIN_GROUP = 3  # a distribution or segment is shown only when at least this many responses stand behind it


@dataclass(frozen=True)
class Segment:
    key: str
    count: int
    total_kgco2e: Decimal
    mean_kgco2e: Decimal


def segments(respondents: Respondents, by: str) -> tuple[list[Segment], int]:
    """Respondents grouped by "stratum" or "mode", largest first; and how many groups are hidden (fewer than 3)."""
    keys = respondents.strata if by == "stratum" else respondents.modes
    groups: dict[str, list[Decimal]] = {}
    for key, total in zip(keys, respondents.totals, strict=True):
        groups.setdefault(key, []).append(total)
    shown = [Segment(key, len(values), dsum(values), div(dsum(values), Decimal(len(values))))
             for key, values in groups.items() if len(values) >= MIN_GROUP]
    shown.sort(key=lambda s: (-s.count, s.key))
    return shown, len(groups) - len(shown)


# ---- snapshots ---------------------------------------------------------------------------------------------------


def snapshot_document(event: Event, result: EventFootprint) -> dict:
    """What a snapshot freezes: the footprint as the API shows it, plus the dashboard's breakdown and context."""
    document = result.footprint.to_dict()
    document.update({
        "breakdown": {group: plain(kg) for group, kg in result.breakdown.items()},
        "respondents": result.respondents.count,
        "attendance": result.attendance,
        "attendance_basis": result.attendance_basis,
        "response_factor_sets": list(result.respondents.factor_sets),
        "boundary": list(event.boundary),
        # A certificate refuses a carbon-neutral claim while any of these has no data.
        "missing_inputs": list(result.missing_inputs),
        "warnings": [{"code": code, **{k: str(v) for k, v in params.items()}} for code, params in result.warnings],
        "event": {"id": event.id, "name_zh": event.name_zh, "name_en": event.name_en,
                  "starts_on": event.starts_on.isoformat(), "ends_on": event.ends_on.isoformat(),
                  "meeting_type": event.meeting_type.value, "city": event.city, "province": event.province},
    })
    return document


def take_snapshot(*, session: Session, organisation_id: int, event_id: int, taken_by_id: int | None = None,
                  api_key_id: int | None = None, now: datetime | None = None) -> EventFootprintSnapshot:
    """Freeze the event's footprint now; the previous current snapshot is superseded, never changed otherwise."""
    event = events.get_event(session=session, organisation_id=organisation_id, event_id=event_id)
    result = event_footprint_of(session=session, event=event)
    footprint = result.footprint
    now = now or utcnow()
    try:
        with transaction(session):
            previous = session.exec(
                select(EventFootprintSnapshot).where(EventFootprintSnapshot.event_id == event.id,
                                                     EventFootprintSnapshot.is_current)
                .with_for_update()
            ).first()
            if previous is not None:
                # Demoted first, so that the one-current index never sees two current snapshots.
                previous.is_current = False
                previous.superseded_at = now
                session.add(previous)
                session.flush()
            snapshot = EventFootprintSnapshot(
                event_id=event.id, taken_at=now, taken_by_id=taken_by_id, api_key_id=api_key_id,
                factor_set=footprint.factor_set, footprint=snapshot_document(event, result),
                total_kgco2e=footprint.total_kgco2e, neutralisation_kgco2e=footprint.neutralisation_kgco2e,
                credits_needed_t=footprint.credits_needed_t, respondents=result.respondents.count,
                attendance=result.attendance, is_current=True,
            )
            session.add(snapshot)
            session.flush()
            if previous is not None:
                previous.superseded_by_id = snapshot.id
                session.add(previous)
    except IntegrityError:
        raise Conflict("another snapshot of this event was taken at the same moment; reload the page") from None
    return snapshot


def list_snapshots(*, session: Session, organisation_id: int, event_id: int) -> list[EventFootprintSnapshot]:
    event = events.get_event(session=session, organisation_id=organisation_id, event_id=event_id)
    return list(session.exec(select(EventFootprintSnapshot).where(EventFootprintSnapshot.event_id == event.id)
                             .order_by(EventFootprintSnapshot.taken_at.desc(),
                                       EventFootprintSnapshot.id.desc())).all())


def get_snapshot(*, session: Session, organisation_id: int, event_id: int,
                 snapshot_id: int) -> EventFootprintSnapshot:
    event = events.get_event(session=session, organisation_id=organisation_id, event_id=event_id)
    snapshot = session.exec(select(EventFootprintSnapshot).where(EventFootprintSnapshot.id == snapshot_id,
                                                                 EventFootprintSnapshot.event_id == event.id)).first()
    if snapshot is None:
        raise NotFound(f"no snapshot {snapshot_id} of event {event_id}")
    return snapshot


def current_snapshots(*, session: Session, organisation_id: int) -> list[tuple[Event, EventFootprintSnapshot]]:
    """Each of the organisation's events that has a current snapshot, with it (latest meeting first)."""
    rows = session.exec(
        select(Event, EventFootprintSnapshot)
        .join(EventFootprintSnapshot, EventFootprintSnapshot.event_id == Event.id)
        .where(Event.organisation_id == organisation_id, EventFootprintSnapshot.is_current == True)  # noqa: E712
        .order_by(Event.starts_on.desc(), Event.id.desc())
    ).all()
    return [(event, snapshot) for event, snapshot in rows]


def snapshot_ids_of(*, session: Session, organisation_id: int, event_id: int) -> list[int]:
    """Every snapshot id of one of the organisation's events (credits retired against any of them count)."""
    event = events.get_event(session=session, organisation_id=organisation_id, event_id=event_id)
    return list(session.exec(select(EventFootprintSnapshot.id)
                             .where(EventFootprintSnapshot.event_id == event.id)).all())


@dataclass(frozen=True)
class CreditsCoverage:
    """Whole tonnes for a meeting: its current snapshot's need against what was retired for any of its snapshots."""

    required: int
    retired: int
    invalidated: int
    valid: int
    shortfall: int


def credits_coverage(*, session: Session, organisation_id: int, event_id: int,
                     snapshot: EventFootprintSnapshot) -> CreditsCoverage:
    """Retirements name the snapshot they were made for; a newer snapshot of the same meeting keeps them and needs
    only what it adds. Credits the registry invalidated since no longer count."""
    from ledger.coverage import coverage

    retired = invalidated = valid = 0
    for snapshot_id in snapshot_ids_of(session=session, organisation_id=organisation_id, event_id=event_id):
        found = coverage(session, subject_kind="event_snapshot", subject_id=snapshot_id, required_tonnes=0)
        retired, invalidated, valid = retired + found.retired, invalidated + found.invalidated, valid + found.valid
    required = snapshot.credits_needed_t
    return CreditsCoverage(required, retired, invalidated, valid, max(0, required - valid))
