"""A certificate's standing now: its signature, and valid, revoked, superseded or short of credits.

The signed credential never changes; what can change is around it: an admin revokes it (with a reason), a newer
certificate of the same subject supersedes it, or the registry invalidates credits it relied on (shortfall, until
replacement credits are retired). Offline checks (`check_credential`) need only the credential and the issuer's
public key (and an earlier ledger checkpoint, if one is given).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlmodel import Session, select

from certificates.access import may_read
from certificates.keys import public_key_of_did
from certificates.models import Certificate, CertificateKind, CertificateStatus, PoolKind
from certificates.signing import ProofError, verify
from db import utcnow
from errors import Conflict, NotFound, ValidationError
from ledger.coverage import coverage
from ledger.models import BlockStatus, CreditBlock, Retirement
from meetings.models import EventFootprintSnapshot

MAX_REASON = 500


@dataclass(frozen=True)
class SignatureCheck:
    ok: bool
    code: str = "ok"  # or the ProofError code
    message: str = ""


@dataclass(frozen=True)
class Standing:
    state: str  # valid, revoked, superseded, shortfall
    signature: SignatureCheck
    reason: str | None = None
    superseded_by: str | None = None  # the newer certificate's number
    shortfall_tonnes: int = 0
    notes: list[str] = field(default_factory=list)


def check_credential(document: dict, *, expected_issuer: Ed25519PublicKey | None = None) -> SignatureCheck:
    """The credential's proof checked with its issuer's did:key (and that it is the key expected, when given)."""
    try:
        issuer = document.get("issuer", {})
        issuer_id = issuer.get("id") if isinstance(issuer, dict) else issuer
        key = public_key_of_did(str(issuer_id))
        if expected_issuer is not None and key.public_bytes_raw() != expected_issuer.public_bytes_raw():
            return SignatureCheck(False, "unknown_issuer_key", "signed by a key that is not this service's")
        method = str(document.get("proof", {}).get("verificationMethod", ""))
        if method.split("#", 1)[0] != issuer_id:
            return SignatureCheck(False, "method_not_issuer", "the proof's key is not the issuer's")
        verify(document, public_key=key)
    except ProofError as error:
        return SignatureCheck(False, error.code, str(error))
    return SignatureCheck(True)


def find(session: Session, number: str) -> Certificate:
    certificate = session.exec(select(Certificate).where(Certificate.number == number)).first()
    if certificate is None:
        raise NotFound(f"no certificate {number}")
    return certificate


def find_public(session: Session, number: str, given_key: str | None, *,
                organisation_id: int | None = None) -> Certificate:
    """The certificate of this number as a caller may read it: a personal one needs its key (`?k=`) unless the
    caller is its organisation (`organisation_id`, an API key's); otherwise it is as missing as a number never
    issued, with the same NotFound (certificates.access)."""
    certificate = session.exec(select(Certificate).where(Certificate.number == number)).first()
    owner = organisation_id is not None and certificate is not None and certificate.organisation_id == organisation_id
    if certificate is None or not (owner or may_read(certificate.access_key, given_key)):
        raise NotFound(f"no certificate {number}")
    return certificate


def _shortfall(session: Session, certificate: Certificate) -> int:
    if certificate.kind == CertificateKind.meeting and certificate.event_id is not None:
        snapshot = session.get(EventFootprintSnapshot, certificate.subject_id)
        snapshot_ids = session.exec(select(EventFootprintSnapshot.id).where(
            EventFootprintSnapshot.event_id == certificate.event_id)).all()
        valid = coverage(session, subject_kind=PoolKind.event_attendees.value, subject_id=certificate.event_id,
                         required_tonnes=0).valid
        valid += sum(coverage(session, subject_kind="event_snapshot", subject_id=sid, required_tonnes=0).valid
                     for sid in snapshot_ids)
        return max(0, snapshot.credits_needed_t - valid)
    document = json.loads(certificate.credential)
    if certificate.kind == CertificateKind.enterprise:
        # An inventory period: the tonnes it states as required, against those still valid for it.
        required = int(document["credentialSubject"].get("required_tonnes") or 0)
        valid = coverage(session, subject_kind=certificate.subject_kind, subject_id=certificate.subject_id,
                         required_tonnes=0).valid
        return max(0, required - valid)
    # A person's share: any of its tonnes invalidated since.
    retirements = {c["retirement"] for c in document["credentialSubject"].get("credits", [])}
    invalid = session.exec(select(CreditBlock.id).join(Retirement, Retirement.id == CreditBlock.retirement_id)
                           .where(Retirement.public_id.in_(retirements),
                                  CreditBlock.status == BlockStatus.invalidated)).first()
    return 1 if invalid is not None else 0


def standing(session: Session, certificate: Certificate, *, issuer_key: Ed25519PublicKey) -> Standing:
    try:
        document = json.loads(certificate.credential)
    except ValueError:
        document = {}
    signature = check_credential(document, expected_issuer=issuer_key)
    if certificate.status == CertificateStatus.revoked:
        return Standing("revoked", signature, reason=certificate.revoked_reason)
    if certificate.status == CertificateStatus.superseded:
        newer = session.get(Certificate, certificate.superseded_by_id)
        return Standing("superseded", signature, superseded_by=newer.number if newer else None)
    short = _shortfall(session, certificate)
    if short:
        return Standing("shortfall", signature, shortfall_tonnes=short)
    return Standing("valid", signature)


def revoke(session: Session, *, number: str, reason: str, now=None) -> Certificate:
    """Revoke a certificate with a reason (an admin's decision); its signed content stays as it was."""
    reason = (reason or "").strip()
    if not reason or len(reason) > MAX_REASON:
        raise ValidationError("a revocation needs a reason of 1 to 500 characters",
                              fields={"reason": [f"1 to {MAX_REASON} characters"]})
    certificate = find(session, number)
    if certificate.status == CertificateStatus.revoked:
        raise Conflict(f"certificate {number} is already revoked", code="already_revoked")
    certificate.status = CertificateStatus.revoked
    certificate.revoked_reason = reason
    certificate.revoked_at = now or utcnow()
    session.add(certificate)
    session.commit()
    return certificate
