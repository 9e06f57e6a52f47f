"""Reporting years: revenue for intensity, the national-carbon-market flag, and closing a year."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from db import transaction, utcnow
from errors import Conflict, ValidationError
from inventory.models import ReportingYear
from inventory.rights import Actor

MIN_YEAR, MAX_YEAR = 1990, 2999


def _check_year(year: int) -> None:
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise ValidationError(f"year {year} is outside {MIN_YEAR}-{MAX_YEAR}", fields={"year": [
            f"from {MIN_YEAR} to {MAX_YEAR}"]})


def find_year(session: Session, organisation_id: int, year: int) -> ReportingYear | None:
    return session.exec(select(ReportingYear).where(ReportingYear.organisation_id == organisation_id,
                                                    ReportingYear.year == year)).first()


def is_closed(session: Session, organisation_id: int, year: int) -> bool:
    found = find_year(session, organisation_id, year)
    return found is not None and found.closed_at is not None


def closed_years(session: Session, organisation_id: int) -> set[int]:
    return set(session.exec(select(ReportingYear.year).where(ReportingYear.organisation_id == organisation_id,
                                                             ReportingYear.closed_at.is_not(None))))


def _year_row(session: Session, organisation_id: int, year: int) -> ReportingYear:
    found = find_year(session, organisation_id, year)
    if found is not None:
        return found
    row = ReportingYear(organisation_id=organisation_id, year=year)
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:
        # Created by a concurrent request between the look-up and the insert: use that one.
        return find_year(session, organisation_id, year)
    return row


def get_year(*, session: Session, actor: Actor, year: int) -> ReportingYear:
    """The year's row (an unsaved, open one when nothing was recorded for it yet)."""
    actor.require("read")
    _check_year(year)
    return find_year(session, actor.organisation_id, year) or ReportingYear(organisation_id=actor.organisation_id,
                                                                             year=year)


def set_year_details(*, session: Session, actor: Actor, year: int, values: Mapping) -> ReportingYear:
    """Revenue (for intensity), its currency, national-carbon-market membership and verified emissions."""
    actor.require("facilities")
    _check_year(year)
    with transaction(session):
        row = _year_row(session, actor.organisation_id, year)
        for name in ("revenue", "revenue_currency", "in_national_carbon_market", "verified_emissions_t"):
            if name in values:
                setattr(row, name, values[name])
        session.add(row)
    return row


def close_year(*, session: Session, actor: Actor, year: int, now: datetime | None = None) -> ReportingYear:
    """Lock a year: from now on its records change only by an admin who gives a reason."""
    actor.require("close")
    _check_year(year)
    with transaction(session):
        row = _year_row(session, actor.organisation_id, year)
        if row.closed_at is not None:
            raise Conflict(f"the year {year} is already closed", fields={"year": ["already closed"]},
                           code="year_closed")
        row.closed_at = now or utcnow()
        row.closed_by_id, row.closed_by_api_key_id = actor.user_id, actor.api_key_id
        session.add(row)
    return row
