"""W3C Data Integrity proofs with the `eddsa-jcs-2022` cryptosuite: RFC 8785 canonical JSON, SHA-256, Ed25519.

Follows "Data Integrity EdDSA Cryptosuites v1.0" (W3C), section 3.3: the proof configuration (the proof without
`proofValue`, carrying the document's `@context`) and the unsecured document are each canonicalised with JCS
and hashed with SHA-256; the signature is Ed25519 over hash(proof config) || hash(document), written as a
multibase base58-btc string. Keys are Multikey values: `z` + base58-btc(0xed01 || public key).
"""

from __future__ import annotations

import copy
import hashlib
from collections.abc import Mapping
from typing import Any

import rfc8785
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

CRYPTOSUITE = "eddsa-jcs-2022"
PROOF_TYPE = "DataIntegrityProof"
_ED25519_PUB = b"\xed\x01"  # multicodec ed25519-pub
_ED25519_PRIV = b"\x80\x26"  # multicodec ed25519-priv
_B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


class ProofError(ValueError):
    """A proof that is malformed or does not verify; `code` says which check failed."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code


def b58encode(data: bytes) -> str:
    number = int.from_bytes(data, "big")
    out = ""
    while number:
        number, rest = divmod(number, 58)
        out = _B58[rest] + out
    return "1" * (len(data) - len(data.lstrip(b"\0"))) + out


def b58decode(text: str) -> bytes:
    number = 0
    for char in text:
        index = _B58.find(char)
        if index < 0:
            raise ProofError("bad_multibase", f"{char!r} is not a base58-btc character")
        number = number * 58 + index
    body = number.to_bytes((number.bit_length() + 7) // 8, "big") if number else b""
    return b"\0" * (len(text) - len(text.lstrip("1"))) + body


def multibase_decode(value: str) -> bytes:
    if not isinstance(value, str) or not value.startswith("z"):
        raise ProofError("bad_multibase", "only base58-btc multibase values (starting with 'z') are accepted")
    return b58decode(value[1:])


def public_key_multibase(key: Ed25519PublicKey) -> str:
    return "z" + b58encode(_ED25519_PUB + key.public_bytes(Encoding.Raw, PublicFormat.Raw))


def public_key_from_multibase(value: str) -> Ed25519PublicKey:
    raw = multibase_decode(value)
    if raw[:2] != _ED25519_PUB or len(raw) != 34:
        raise ProofError("bad_public_key", "not an Ed25519 Multikey public key")
    return Ed25519PublicKey.from_public_bytes(raw[2:])


def private_key_from_multibase(value: str) -> Ed25519PrivateKey:
    raw = multibase_decode(value)
    if raw[:2] != _ED25519_PRIV or len(raw) != 34:
        raise ProofError("bad_private_key", "not an Ed25519 Multikey secret key")
    return Ed25519PrivateKey.from_private_bytes(raw[2:])


def _hash_data(document: Mapping[str, Any], proof_config: Mapping[str, Any]) -> bytes:
    return (hashlib.sha256(rfc8785.dumps(dict(proof_config))).digest()
            + hashlib.sha256(rfc8785.dumps(dict(document))).digest())


def _proof_config(document: Mapping[str, Any], options: Mapping[str, Any]) -> dict:
    config = {key: value for key, value in options.items() if key != "proofValue"}
    if config.get("type") != PROOF_TYPE or config.get("cryptosuite") != CRYPTOSUITE:
        raise ProofError("bad_proof_type", f"the proof must be a {PROOF_TYPE} with cryptosuite {CRYPTOSUITE}")
    if "@context" in document:
        config["@context"] = document["@context"]
    return config


def sign(document: Mapping[str, Any], *, key: Ed25519PrivateKey, verification_method: str, created: str,
         proof_purpose: str = "assertionMethod") -> dict:
    """A copy of `document` (which must carry no proof) with an eddsa-jcs-2022 DataIntegrityProof added."""
    if "proof" in document:
        raise ProofError("already_signed", "the document already carries a proof")
    options = {"type": PROOF_TYPE, "cryptosuite": CRYPTOSUITE, "created": created,
               "verificationMethod": verification_method, "proofPurpose": proof_purpose}
    config = _proof_config(document, options)
    signature = key.sign(_hash_data(document, config))
    signed = copy.deepcopy(dict(document))
    signed["proof"] = {**config, "proofValue": "z" + b58encode(signature)}
    return signed


def verify(signed: Mapping[str, Any], *, public_key: Ed25519PublicKey) -> None:
    """Return if the proof verifies with `public_key`; raise ProofError naming what failed otherwise."""
    proof = signed.get("proof")
    if not isinstance(proof, Mapping):
        raise ProofError("no_proof", "the document carries no proof")
    document = {key: value for key, value in signed.items() if key != "proof"}
    config = _proof_config(document, proof)
    if "@context" in proof and proof["@context"] != document.get("@context"):
        raise ProofError("context_mismatch", "the proof's @context differs from the document's")
    signature = multibase_decode(proof.get("proofValue", ""))
    if len(signature) != 64:
        raise ProofError("bad_signature", "an Ed25519 signature is 64 bytes")
    try:
        public_key.verify(signature, _hash_data(document, config))
    except InvalidSignature:
        raise ProofError("signature_mismatch", "the signature does not match the document") from None
