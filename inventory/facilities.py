"""Facilities of an organisation: the sites whose activity is recorded."""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from db import transaction
from errors import Conflict, NotFound
from inventory.models import ActivityRecord, Facility
from inventory.rights import Actor

FACILITY_COLUMNS = ("name", "country", "province", "facility_type", "floor_area_m2", "headcount")


def _taken(name: str) -> Conflict:
    return Conflict(f"a facility named {name!r} already exists", fields={"name": ["already exists"]})


def create_facility(*, session: Session, actor: Actor, values: Mapping) -> Facility:
    actor.require("facilities")
    facility = Facility(organisation_id=actor.organisation_id, **{k: values[k] for k in FACILITY_COLUMNS
                                                                    if k in values})
    try:
        with transaction(session):
            if session.exec(select(Facility.id).where(Facility.organisation_id == actor.organisation_id,
                                                      Facility.name == facility.name)).first():
                raise _taken(facility.name)
            session.add(facility)
    except IntegrityError:
        raise _taken(facility.name) from None
    return facility


def get_facility(*, session: Session, actor: Actor, facility_id: int) -> Facility:
    actor.require("read")
    found = session.exec(select(Facility).where(Facility.id == facility_id,
                                                Facility.organisation_id == actor.organisation_id)).first()
    if found is None:
        raise NotFound(f"no facility {facility_id} in this organisation")
    return found


def list_facilities(*, session: Session, actor: Actor) -> list[Facility]:
    actor.require("read")
    return list(session.exec(select(Facility).where(Facility.organisation_id == actor.organisation_id)
                             .order_by(Facility.name)))


def update_facility(*, session: Session, actor: Actor, facility_id: int, values: Mapping) -> Facility:
    """Change a facility's details; stored records keep the kg they were computed with."""
    actor.require("facilities")
    try:
        with transaction(session):
            facility = get_facility(session=session, actor=actor, facility_id=facility_id)
            for name in FACILITY_COLUMNS:
                if name in values:
                    setattr(facility, name, values[name])
            session.add(facility)
    except IntegrityError:
        raise _taken(values.get("name", "")) from None
    return facility


def delete_facility(*, session: Session, actor: Actor, facility_id: int) -> None:
    actor.require("facilities")
    with transaction(session):
        facility = get_facility(session=session, actor=actor, facility_id=facility_id)
        if session.exec(select(ActivityRecord.id).where(ActivityRecord.facility_id == facility.id)).first():
            raise Conflict(f"facility {facility.name!r} has activity records; it cannot be deleted",
                           code="facility_in_use")
        session.delete(facility)
