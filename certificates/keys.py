"""The issuer's Ed25519 key and its public identity: a did:key whose Multikey anyone can check offline.

The key comes from the CERTIFICATE_SIGNING_KEY setting (a base64 32-byte seed) or is created on first use in
`instance/certificate_signing_key` (mode 0600), as the ledger's checkpoint key is. A did:key carries the public
key in the identifier itself, so a certificate stays verifiable if this service disappears.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from certificates.signing import public_key_multibase
from ledger.checkpoint import load_signing_key

KEY_FILE = "certificate_signing_key"


@dataclass(frozen=True)
class Issuer:
    private_key: Ed25519PrivateKey
    name: str

    @property
    def public_key(self) -> Ed25519PublicKey:
        return self.private_key.public_key()

    @property
    def multikey(self) -> str:
        return public_key_multibase(self.public_key)

    @property
    def did(self) -> str:
        return f"did:key:{self.multikey}"

    @property
    def verification_method(self) -> str:
        return f"{self.did}#{self.multikey}"

    def did_document(self) -> dict:
        """The did:key document (W3C did:key method, Multikey verification method)."""
        return {
            "@context": ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"],
            "id": self.did,
            "verificationMethod": [{"id": self.verification_method, "type": "Multikey", "controller": self.did,
                                    "publicKeyMultibase": self.multikey}],
            "assertionMethod": [self.verification_method],
        }


@functools.lru_cache(maxsize=8)
def _issuer(seed_b64: str, instance_dir: str, name: str) -> Issuer:
    key = load_signing_key(seed_b64, Path(instance_dir), file_name=KEY_FILE, setting="CERTIFICATE_SIGNING_KEY")
    return Issuer(key, name)


def issuer_for(settings) -> Issuer:
    """The issuer a `settings.Settings` describes (its key loaded, or created, once per process)."""
    return _issuer(settings.certificate_signing_key, str(settings.instance_dir), ISSUER_NAME)


ISSUER_NAME = "碳中 Tanzhong"


def public_key_of_did(did_or_method: str) -> Ed25519PublicKey:
    """The Ed25519 key a did:key identifier (or its verification method) carries."""
    from certificates.signing import ProofError, public_key_from_multibase

    did = did_or_method.split("#", 1)[0]
    if not did.startswith("did:key:"):
        raise ProofError("unknown_issuer_key", f"{did_or_method!r} is not a did:key")
    return public_key_from_multibase(did.removeprefix("did:key:"))
