"""An organiser's neutralisation offer for a meeting, and where the meeting stands: tonnes needed, retired, held."""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal

from sqlmodel import Session, select

from certificates import shares
from certificates.issuing import meeting_valid_tonnes
from certificates.models import Certificate, CertificateKind, NeutralisationOffer, PersonalNeutralisation, PoolKind
from db import transaction, utcnow
from ledger.accounts import held_tonnes
from ledger.models import LedgerAccount
from meetings.events import get_event
from meetings.models import EventFootprintSnapshot


def save_offer(*, session: Session, organisation_id: int, event_id: int, values: dict) -> NeutralisationOffer:
    """Create or change the event's offer from NeutralisationOfferSchema's values (one row per event)."""
    get_event(session=session, organisation_id=organisation_id, event_id=event_id)
    with transaction(session):
        offer = session.get(NeutralisationOffer, event_id) or NeutralisationOffer(
            event_id=event_id, price_per_tonne_cny=values["price_per_tonne_cny"])
        for name, value in values.items():
            setattr(offer, name, value)
        offer.updated_at = utcnow()
        session.add(offer)
    return offer


@dataclass(frozen=True)
class MeetingCoverage:
    """Whole tonnes for the current snapshot (None before the first snapshot)."""

    required: int | None
    attendee_tonnes: int
    attendee_kg: Decimal
    attendees: int
    organiser_tonnes: int
    shortfall: int | None
    held: int  # ex-post tonnes in the organisation's account, which the organiser's part retires from


def meeting_coverage(*, session: Session, organisation_id: int, event_id: int) -> MeetingCoverage:
    get_event(session=session, organisation_id=organisation_id, event_id=event_id)
    snapshot = session.exec(select(EventFootprintSnapshot).where(EventFootprintSnapshot.event_id == event_id,
                                                                 EventFootprintSnapshot.is_current)).first()
    attendee_t, organiser_t = meeting_valid_tonnes(session, event_id)
    account_id = session.exec(select(LedgerAccount.id).where(
        LedgerAccount.organisation_id == organisation_id)).first()
    held = held_tonnes(session, account_id, ex_post_only=True) if account_id else 0
    grams = shares.pool_grams(session, PoolKind.event_attendees, event_id)
    count = len(shares.pool_leaves(session, PoolKind.event_attendees, event_id))
    required = snapshot.credits_needed_t if snapshot else None
    shortfall = max(0, required - attendee_t - organiser_t) if required is not None else None
    return MeetingCoverage(required=required, attendee_tonnes=attendee_t, attendee_kg=Decimal(grams) / 1000,
                           attendees=count, organiser_tonnes=organiser_t, shortfall=shortfall, held=held)


@dataclass(frozen=True)
class IssuedCertificate:
    certificate: Certificate
    holder_name: str | None  # a personal certificate's name


def event_certificates(*, session: Session, organisation_id: int, event_id: int) -> list[IssuedCertificate]:
    """The event's certificates, meeting ones first, newest first within each kind."""
    get_event(session=session, organisation_id=organisation_id, event_id=event_id)
    rows = session.exec(select(Certificate, PersonalNeutralisation.holder_name)
                        .join(PersonalNeutralisation, PersonalNeutralisation.certificate_id == Certificate.id,
                              isouter=True)
                        .where(Certificate.event_id == event_id, Certificate.organisation_id == organisation_id)
                        .order_by(Certificate.kind != CertificateKind.meeting, Certificate.id.desc())).all()
    return [IssuedCertificate(certificate, name) for certificate, name in rows]


def personal_credentials(*, session: Session, organisation_id: int, event_id: int) -> list[dict]:
    """The signed credentials of the event's personal certificates, oldest first (for the ZIP of them all)."""
    get_event(session=session, organisation_id=organisation_id, event_id=event_id)
    stored = session.exec(select(Certificate.credential).where(
        Certificate.event_id == event_id, Certificate.organisation_id == organisation_id,
        Certificate.kind == CertificateKind.personal).order_by(Certificate.id)).all()
    return [json.loads(text) for text in stored]
