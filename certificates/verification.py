"""What the public verification of a certificate shows, each proof checked here before it is shown.

- the standing (valid, revoked, superseded, shortfall) and the signature check (certificates.status);
- each retirement behind the certificate with its ledger log entry's inclusion proof in the current tree, checked
  against the current signed checkpoint's root;
- the ledger checkpoint printed in the certificate, proved a prefix of today's log (a consistency proof);
- for a personal share, its allocation proof: the leaf in the root the certificate carries, and, once the
  meeting's certificate exists, the same leaf in the root that certificate prints (inclusion and consistency).
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass, field

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlmodel import Session, select

from certificates import shares, status
from certificates.models import Certificate, CertificateKind, PoolKind
from ledger import merkle
from ledger.checkpoint import LogSigner, log_tree
from ledger.models import LogEntry, Retirement


@dataclass(frozen=True)
class RetirementProof:
    public_id: str
    tonnes: int
    serials: list[str]
    entry_seq: int | None
    leaf_hash: str = ""
    audit_path: list[str] = field(default_factory=list)
    tree_size: int = 0
    root_hash: str = ""
    included: bool | None = None  # None: the retirement has no log entry (or is unknown here)


@dataclass(frozen=True)
class CheckpointProof:
    printed_size: int
    printed_root: str
    current_size: int
    consistent: bool | None  # None: nothing printed


@dataclass(frozen=True)
class AllocationProof:
    index: int
    tree_size: int
    root: str
    in_own_root: bool
    meeting_number: str | None = None
    meeting_size: int | None = None
    meeting_root: str | None = None
    in_meeting_root: bool | None = None  # None: no meeting certificate yet, or it predates this share
    consistent_with_meeting: bool | None = None


@dataclass(frozen=True)
class Verification:
    certificate: Certificate
    credential: dict
    standing: status.Standing
    retirements: list[RetirementProof]
    checkpoint: CheckpointProof | None
    allocation: AllocationProof | None
    signed_checkpoint: str  # the current checkpoint the proofs above lead to

    @property
    def proofs_ok(self) -> bool:
        checks = [r.included for r in self.retirements if r.included is not None]
        if self.checkpoint and self.checkpoint.consistent is not None:
            checks.append(self.checkpoint.consistent)
        if self.allocation:
            checks += [self.allocation.in_own_root] + [c for c in (self.allocation.in_meeting_root,
                                                                  self.allocation.consistent_with_meeting)
                                                       if c is not None]
        return all(checks)


def standing_json(standing: status.Standing) -> dict:
    """A standing as the API states it."""
    return {"state": standing.state, "reason": standing.reason, "superseded_by": standing.superseded_by,
            "shortfall_tonnes": standing.shortfall_tonnes,
            "signature": {"valid": standing.signature.ok, "code": standing.signature.code,
                          "message": standing.signature.message}}


def _unhex(value) -> bytes | None:
    try:
        return bytes.fromhex(str(value))
    except ValueError:
        return None


def _retirements(session: Session, subject: dict, tree: merkle.MerkleTree) -> list[RetirementProof]:
    by_id: dict[str, list[dict]] = {}
    for credit in subject.get("credits") or []:
        if isinstance(credit, dict) and credit.get("retirement"):
            by_id.setdefault(str(credit["retirement"]), []).append(credit)
    proofs = []
    for public_id, credits in by_id.items():
        retirement = session.exec(select(Retirement).where(Retirement.public_id == public_id)).first()
        serials = [s for c in credits for s in c.get("serials") or []]
        tonnes = sum(int(c.get("tonnes") or 0) for c in credits)
        seq = retirement.log_seq if retirement else None
        if seq is None or seq >= tree.size:
            proofs.append(RetirementProof(public_id, tonnes, serials, seq))
            continue
        body = session.get(LogEntry, seq).body.encode()
        leaf = merkle.leaf_hash(body)
        path = tree.inclusion_proof(seq, tree.size)
        root = tree.root()
        proofs.append(RetirementProof(public_id, tonnes, serials, seq, leaf.hex(), [h.hex() for h in path],
                                      tree.size, root.hex(), merkle.verify_inclusion(seq, tree.size, leaf, path,
                                                                                     root)))
    return proofs


def _checkpoint(subject: dict, tree: merkle.MerkleTree) -> CheckpointProof | None:
    printed = subject.get("ledger_checkpoint")
    if not isinstance(printed, dict) or not isinstance(printed.get("size"), int):
        return None
    size = printed["size"]
    try:
        root = base64.b64decode(str(printed.get("root")), validate=True)
    except (binascii.Error, ValueError):
        return CheckpointProof(size, str(printed.get("root")), tree.size, False)
    if not 0 < size <= tree.size:
        return CheckpointProof(size, str(printed.get("root")), tree.size, False)
    proof = tree.consistency_proof(size, tree.size)
    return CheckpointProof(size, str(printed.get("root")), tree.size,
                           merkle.verify_consistency(size, tree.size, root, tree.root(), proof))


def _allocation(session: Session, certificate: Certificate, subject: dict) -> AllocationProof | None:
    proof = subject.get("allocation_proof")
    if certificate.kind != CertificateKind.personal or not isinstance(proof, dict):
        return None
    try:
        index, size = int(proof["index"]), int(proof["tree_size"])
        leaf = merkle.leaf_hash(str(proof["leaf"]).encode())
        path = [bytes.fromhex(h) for h in proof["audit_path"]]
        own_root = bytes.fromhex(proof["root"])
    except (KeyError, TypeError, ValueError):
        return AllocationProof(0, 0, "", False)
    try:
        in_own = merkle.verify_inclusion(index, size, leaf, path, own_root)
    except merkle.ProofError:
        in_own = False
    result = AllocationProof(index, size, own_root.hex(), in_own)
    if certificate.event_id is None:
        return result
    meeting = session.exec(select(Certificate).where(Certificate.event_id == certificate.event_id,
                                                     Certificate.kind == CertificateKind.meeting)
                           .order_by(Certificate.id.desc())).first()
    if meeting is None:
        return result
    parts = json.loads(meeting.credential)["credentialSubject"].get("parts") or {}
    meeting_size, meeting_root = parts.get("allocations_size"), _unhex(parts.get("allocations_root"))
    if not isinstance(meeting_size, int) or meeting_root is None:
        return result
    found = dict(meeting_number=meeting.number, meeting_size=meeting_size, meeting_root=meeting_root.hex())
    if meeting_size < size:  # the meeting's certificate was issued before this share
        return AllocationProof(index, size, own_root.hex(), in_own, **found)
    pool = shares.pool_tree(session, PoolKind.event_attendees, certificate.event_id)
    tree = merkle.MerkleTree(pool.leaves)
    if meeting_size > tree.size:
        return AllocationProof(index, size, own_root.hex(), in_own, **found, in_meeting_root=False,
                               consistent_with_meeting=False)
    inclusion = tree.inclusion_proof(index, meeting_size)
    in_meeting = merkle.verify_inclusion(index, meeting_size, leaf, inclusion, meeting_root)
    consistent = merkle.verify_consistency(size, meeting_size, own_root, meeting_root,
                                           tree.consistency_proof(size, meeting_size)) if size < meeting_size \
        else own_root == meeting_root
    return AllocationProof(index, size, own_root.hex(), in_own, **found, in_meeting_root=in_meeting,
                           consistent_with_meeting=consistent)


def verify_certificate(session: Session, certificate: Certificate, *, issuer_key: Ed25519PublicKey,
                       log_signer: LogSigner) -> Verification:
    try:
        document = json.loads(certificate.credential)
    except ValueError:
        document = {}
    subject = document.get("credentialSubject") if isinstance(document.get("credentialSubject"), dict) else {}
    standing = status.standing(session, certificate, issuer_key=issuer_key)
    tree, _head = log_tree(session)
    signed = log_signer.sign(tree.size, tree.root()) if tree.size else ""
    return Verification(certificate=certificate, credential=document, standing=standing,
                        retirements=_retirements(session, subject, tree), checkpoint=_checkpoint(subject, tree),
                        allocation=_allocation(session, certificate, subject), signed_checkpoint=signed)
