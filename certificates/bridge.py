"""From a meeting certificate to a company's inventory: its people's travel to the meeting, already compensated.

Where the travel comes from: the personal certificates of the meeting. A meeting certificate (ZCM-) covers the
whole meeting, its attendees' travel included; attendees' answers are anonymous (a device, an origin, a mode),
and only those who neutralised their own share put their name on a personal certificate (PCN-), which anyone
can already verify. So a staff member enters the meeting certificate's number, sees the named holders of that
meeting (name, travel mode and travel kg, not where they came from), ticks their colleagues, and their journeys
become the company's business-travel lines flagged `compensated_by_certificate = <meeting number>`. Anonymous
answers are never offered: nothing ties them to a company, and listing them would expose strangers' journeys.

The meeting certificate must stand valid (not revoked, not superseded, no shortfall, its signature good). The
journey is the attendee's answer as given (origin, mode, cabin, round trip), to the meeting's city, entered in
the month the meeting began; its kg are computed by the inventory's calculator like any other line.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlmodel import Session, select

from calculators.footprint import plain
from calculators.travel import UnknownPlaceError, route
from certificates import status
from certificates.models import Certificate, CertificateKind, PersonalNeutralisation, PoolKind
from errors import Conflict, NotFound, ValidationError
from inventory import records
from inventory.models import ActivityRecord
from inventory.rights import Actor
from meetings.models import AttendeeResponse, Event
from meetings.responses import _LEGS

MEETING_PREFIX = "ZCM-"


@dataclass(frozen=True)
class Traveller:
    """A named holder of a personal certificate of the meeting, and the journey their answer gives."""

    neutralisation_id: int
    holder_name: str
    personal_number: str
    travel_mode: str
    travel_kgco2e: Decimal
    imported: bool  # already a line of this organisation's inventory

    @property
    def evidence(self) -> str:
        return evidence_note(self.personal_number, self.holder_name)


@dataclass(frozen=True)
class MeetingTravel:
    certificate: Certificate
    event: Event
    travellers: list[Traveller]


def evidence_note(personal_number: str, holder_name: str) -> str:
    return f"{personal_number} · {holder_name}"


def meeting_travel(*, session: Session, actor: Actor, number: str, issuer_key: Ed25519PublicKey) -> MeetingTravel:
    """The meeting certificate `number` (valid, a meeting's) and its named travellers; NotFound or Conflict."""
    actor.require("log")
    number = (number or "").strip().upper()
    if not number.startswith(MEETING_PREFIX):
        raise ValidationError(f"{number!r} is not a meeting certificate number (ZCM-YYYY-NNNNNN)",
                              fields={"number": ["a meeting certificate number, ZCM-YYYY-NNNNNN"]})
    certificate = session.exec(select(Certificate).where(Certificate.number == number)).first()
    if certificate is None or certificate.kind != CertificateKind.meeting or certificate.event_id is None:
        raise NotFound(f"no meeting certificate {number}", fields={"number": ["no such meeting certificate"]})
    standing = status.standing(session, certificate, issuer_key=issuer_key)
    if standing.state != "valid" or not standing.signature.ok:
        raise Conflict(f"meeting certificate {number} is {standing.state}: its travel cannot be imported",
                       fields={"number": [f"the certificate is {standing.state}"]}, code="certificate_not_valid")
    event = session.get(Event, certificate.event_id)
    rows = session.exec(select(PersonalNeutralisation, AttendeeResponse, Certificate)
                        .join(AttendeeResponse, AttendeeResponse.id == PersonalNeutralisation.footprint_id)
                        .join(Certificate, Certificate.id == PersonalNeutralisation.certificate_id)
                        .where(PersonalNeutralisation.pool_kind == PoolKind.event_attendees,
                               PersonalNeutralisation.pool_id == event.id,
                               PersonalNeutralisation.footprint_kind == "attendee_response",
                               AttendeeResponse.event_id == event.id)
                        .order_by(PersonalNeutralisation.holder_name, PersonalNeutralisation.id)).all()
    imported = set(session.exec(select(ActivityRecord.evidence_note).where(
        ActivityRecord.organisation_id == actor.organisation_id,
        ActivityRecord.compensated_by_certificate == number)))
    travellers = [Traveller(n.id, n.holder_name, personal.number, response.travel_mode, response.travel_kgco2e,
                            evidence_note(personal.number, n.holder_name) in imported)
                  for n, response, personal in rows if response.travel_mode in _LEGS]
    return MeetingTravel(certificate, event, travellers)


def import_meeting_travel(*, session: Session, actor: Actor, number: str, neutralisation_ids: list[int],
                          facility: str, issuer_key: Ed25519PublicKey, reason: str | None = None,
                          now: datetime | None = None) -> list[ActivityRecord]:
    """The chosen holders' journeys as business-travel lines of `facility`, compensated by the meeting's number."""
    found = meeting_travel(session=session, actor=actor, number=number, issuer_key=issuer_key)
    chosen = sorted(set(neutralisation_ids))
    if not chosen:
        raise ValidationError("choose at least one attendee", fields={"neutralisation_ids": ["choose one or more"]})
    by_id = {t.neutralisation_id: t for t in found.travellers}
    unknown = [i for i in chosen if i not in by_id]
    if unknown:
        raise ValidationError(f"attendee {unknown[0]} has no personal certificate of meeting "
                              f"{found.certificate.number}", fields={"neutralisation_ids": [f"{unknown[0]}: unknown"]})
    entries = []
    for neutralisation_id in chosen:
        traveller = by_id[neutralisation_id]
        neutralisation = session.get(PersonalNeutralisation, neutralisation_id)
        response = session.get(AttendeeResponse, neutralisation.footprint_id)
        entries.append(_entry(found.event, response, traveller, facility))
    return records.create_compensated_records(session=session, actor=actor, entries=entries,
                                              certificate=found.certificate.number, reason=reason, now=now)


def _entry(event: Event, response: AttendeeResponse, traveller: Traveller, facility: str) -> dict:
    answers = response.answers or {}
    leg = _LEGS[response.travel_mode]
    # The codes the meeting resolved the answer's places to (a city id or an IATA code): they resolve again.
    origin, destination = response.origin_code, event.city_code
    distance = answers.get("distance_km")
    if distance in (None, ""):
        try:
            distance = route(origin, destination, flight=leg["mode"] == "flight").km
        except UnknownPlaceError:
            raise ValidationError(f"the journey of {traveller.holder_name} from {origin!r} cannot be measured",
                                  fields={"neutralisation_ids": [f"{traveller.neutralisation_id}: unknown origin "
                                                                 f"{origin!r}"]}) from None
    entry = {"facility": facility, "month": event.starts_on.strftime("%Y-%m"), "kind": "business_travel",
             "activity": leg["mode"], "quantity": plain(Decimal(str(distance))), "unit": "km", "origin": origin,
             "destination": destination, "round_trip": "1" if answers.get("round_trip", True) else "0",
             "data_source": "survey", "evidence_note": traveller.evidence}
    if leg["mode"] == "flight":
        entry["cabin"] = answers.get("cabin") or "economy"
    if "rail_type" in leg:
        entry["rail_type"] = leg["rail_type"]
    if leg["mode"] == "car":
        entry["car_fuel"] = answers.get("car_fuel") or "unknown"
        entry["occupancy"] = str(answers.get("car_occupancy") or 1)
    return entry
