"""A citizen's calculator result kept for neutralisation: recomputed here from the posted form, never trusted."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass

from sqlmodel import Session, select

from calculators.footprint import Footprint
from certificates.models import Certificate, PersonalFootprint, PersonalNeutralisation
from db import transaction
from errors import NotFound, ValidationError
from footprints.schemas import LineItemSchema

TOKEN_BYTES = 18  # 24 URL-safe characters, 144 bits: not guessable


def keep_footprint(*, session: Session, footprint: Footprint, request_data: Mapping,
                   owner_user_id: int | None = None) -> PersonalFootprint:
    """Keep the footprint (its line items and total as computed) under a new unguessable public token; a signed-in
    citizen's is listed on their dashboard (`owner_user_id`)."""
    if footprint.total_kgco2e <= 0:
        raise ValidationError("there is nothing to neutralise: the footprint is 0 kg",
                              fields={"kgco2e": ["must be more than 0"]})
    document = {"kind": footprint.kind, "items": LineItemSchema(many=True).dump(footprint.items),
                "by_category": {k: str(v) for k, v in footprint.by_category().items()},
                "total_kgco2e": str(footprint.total_kgco2e), "request": dict(request_data)}
    kept = PersonalFootprint(public_token=secrets.token_urlsafe(TOKEN_BYTES), factor_set=footprint.factor_set,
                             footprint=document, total_kgco2e=footprint.total_kgco2e, owner_user_id=owner_user_id)
    with transaction(session):
        session.add(kept)
    return kept


def kept_footprint(session: Session, token: str) -> PersonalFootprint:
    found = session.exec(select(PersonalFootprint).where(PersonalFootprint.public_token == token[:64])).first()
    if found is None:
        raise NotFound("no kept footprint has this address")
    return found


def neutralisation_of(session: Session, footprint_kind: str, footprint_id: int) -> PersonalNeutralisation | None:
    return session.exec(select(PersonalNeutralisation).where(PersonalNeutralisation.footprint_kind == footprint_kind,
                                                             PersonalNeutralisation.footprint_id == footprint_id)
                        ).first()


@dataclass(frozen=True)
class OwnedFootprint:
    """A citizen's kept footprint, and its personal certificate once neutralised."""

    footprint: PersonalFootprint
    neutralisation: PersonalNeutralisation | None
    certificate: Certificate | None


def footprints_of_owner(session: Session, user_id: int) -> list[OwnedFootprint]:
    """The footprints a citizen kept while signed in, newest first, each with its neutralisation and certificate."""
    rows = session.exec(
        select(PersonalFootprint, PersonalNeutralisation, Certificate)
        .join(PersonalNeutralisation, (PersonalNeutralisation.footprint_kind == "personal_footprint")
              & (PersonalNeutralisation.footprint_id == PersonalFootprint.id), isouter=True)
        .join(Certificate, Certificate.id == PersonalNeutralisation.certificate_id, isouter=True)
        .where(PersonalFootprint.owner_user_id == user_id)
        .order_by(PersonalFootprint.created_at.desc(), PersonalFootprint.id.desc())).all()
    return [OwnedFootprint(footprint, neutralisation, certificate) for footprint, neutralisation, certificate in rows]
