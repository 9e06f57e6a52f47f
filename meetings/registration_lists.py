"""Use cases of an event's registration list: replace it with an imported CSV, and summarise it by stratum.

Reading the CSV is meetings.registrations' job; this module stores what it read.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import delete, func, insert
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from db import transaction
from errors import Conflict, ValidationError
from meetings.events import get_event, lock_event
from meetings.models import Registration, Stratum
from meetings.registrations import parse_registrations

MAX_REGISTRATIONS = 100_000


@dataclass(frozen=True)
class RegistrationSummary:
    total: int = 0
    by_stratum: dict[str, int] = field(default_factory=dict)
    by_ticket_type: dict[str, int] = field(default_factory=dict)
    unresolved: list[tuple[str, int]] = field(default_factory=list)  # origins not in the city table, with counts


def import_registrations(*, session: Session, organisation_id: int, event_id: int,
                         csv_text: str) -> RegistrationSummary:
    """Replace the event's registration list with the rows of `csv_text`, or with nothing if any row is bad.

    Two imports of one event at once take turns on the event's row: the later one replaces the earlier.
    """
    try:
        with transaction(session):
            event = lock_event(session=session, organisation_id=organisation_id, event_id=event_id)
            rows, errors = parse_registrations(csv_text, event_city_code=event.city_code,
                                               event_province=event.province, max_rows=MAX_REGISTRATIONS)
            if errors:
                raise ValidationError(
                    f"{len(errors)} problem(s) in the registration list; nothing was imported: {errors[0]}",
                    fields={"registrations": errors},
                )
            session.exec(delete(Registration).where(Registration.event_id == event.id))
            if rows:
                session.exec(insert(Registration), params=[
                    {"event_id": event.id, "line_no": r.line_no, "origin_raw": r.origin_raw,
                     "origin_code": r.origin_code, "origin_country": r.origin_country,
                     "origin_province": r.origin_province, "stratum": r.stratum, "ticket_type": r.ticket_type}
                    for r in rows
                ])
    except IntegrityError:
        # The lock makes imports take turns; (event, line) uniqueness is the last line of defence behind it.
        raise Conflict("the registration list was replaced by someone else at the same time; upload it again",
                       fields={"registrations": ["replaced at the same time; upload again"]}) from None
    return registration_summary(session=session, organisation_id=organisation_id, event_id=event_id)


def registration_summary(*, session: Session, organisation_id: int, event_id: int,
                         max_unresolved: int = 20) -> RegistrationSummary:
    event = get_event(session=session, organisation_id=organisation_id, event_id=event_id)
    mine = Registration.event_id == event.id
    by_stratum = {s.value: n for s, n in session.exec(
        select(Registration.stratum, func.count()).where(mine).group_by(Registration.stratum)).all()}
    by_ticket = {t or "": n for t, n in session.exec(
        select(Registration.ticket_type, func.count()).where(mine).group_by(Registration.ticket_type)).all()}
    unresolved = session.exec(
        select(Registration.origin_raw, func.count().label("n"))
        .where(mine, Registration.stratum == Stratum.unknown)
        .group_by(Registration.origin_raw).order_by(func.count().desc(), Registration.origin_raw)
        .limit(max_unresolved)
    ).all()
    ordered = {s.value: by_stratum[s.value] for s in Stratum if s.value in by_stratum}
    return RegistrationSummary(total=sum(by_stratum.values()), by_stratum=ordered,
                               by_ticket_type=dict(sorted(by_ticket.items())),
                               unresolved=[(origin, n) for origin, n in unresolved])
