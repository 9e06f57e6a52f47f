"""eddsa-jcs-2022 Data Integrity proofs: the W3C test vector, tampering, and a round trip over any document."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given, settings
from hypothesis import strategies as st

from certificates.signing import (
    ProofError,
    multibase_decode,
    private_key_from_multibase,
    public_key_from_multibase,
    public_key_multibase,
    sign,
    verify,
)

VECTORS = Path(__file__).resolve().parents[1] / "data" / "vc-di-eddsa"
# TestVectors/keyPair.json of the specification's repository.
SECRET_KEY = "z3u2en7t5LR2WtQH5PfFqMqwVHBeXouLzo6haApm8XHqvjxq"
PUBLIC_KEY = "z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2"
SIGNATURE_HEX = ("fc91dec6565f35fbe185a77352e7fc512f95d1904da305cfef32ab8135469301"
                 "f5a72d4e7a58368fc6ffc497b44633993bac054e3bc1436e3c846db8f1544503")


@pytest.fixture
def signed_vector() -> dict:
    return json.loads((VECTORS / "signedJCS.json").read_text())


def test_the_specification_key_pair_decodes_to_its_public_multikey():
    key = private_key_from_multibase(SECRET_KEY)
    assert public_key_multibase(key.public_key()) == PUBLIC_KEY


def test_signing_the_specification_credential_gives_its_published_proof_value(signed_vector):
    expected = signed_vector.pop("proof")
    signed = sign(signed_vector, key=private_key_from_multibase(SECRET_KEY),
                  verification_method=expected["verificationMethod"], created=expected["created"])
    assert signed["proof"] == expected
    assert multibase_decode(signed["proof"]["proofValue"]).hex() == SIGNATURE_HEX


def test_the_published_credential_verifies_with_the_published_public_key(signed_vector):
    verify(signed_vector, public_key=public_key_from_multibase(PUBLIC_KEY))


@pytest.mark.parametrize("path, value", [
    (("credentialSubject", "alumniOf"), "The School of Examplez"),
    (("validFrom",), "2023-01-01T00:00:01Z"),
    (("proof", "created"), "2023-02-24T23:36:39Z"),
    (("proof", "proofPurpose"), "authentication"),
])
def test_changing_one_value_of_the_published_credential_breaks_its_proof(signed_vector, path, value):
    target = signed_vector
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    with pytest.raises(ProofError) as refused:
        verify(signed_vector, public_key=public_key_from_multibase(PUBLIC_KEY))
    assert refused.value.code == "signature_mismatch"


def test_another_key_does_not_verify_the_published_credential(signed_vector):
    with pytest.raises(ProofError, match="does not match"):
        verify(signed_vector, public_key=Ed25519PrivateKey.generate().public_key())


def test_a_document_without_a_proof_or_with_another_cryptosuite_is_refused(signed_vector):
    key = public_key_from_multibase(PUBLIC_KEY)
    unsigned = {k: v for k, v in signed_vector.items() if k != "proof"}
    with pytest.raises(ProofError) as missing:
        verify(unsigned, public_key=key)
    assert missing.value.code == "no_proof"
    signed_vector["proof"]["cryptosuite"] = "eddsa-rdfc-2022"
    with pytest.raises(ProofError) as other:
        verify(signed_vector, public_key=key)
    assert other.value.code == "bad_proof_type"


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53) + 1, 2**53 - 1) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=20,
)


@settings(max_examples=60, deadline=None)
@given(st.dictionaries(st.text(max_size=10).filter(lambda k: k != "proof"), json_values, max_size=6))
def test_any_json_document_signed_here_verifies_and_fails_once_extended(document):
    key = Ed25519PrivateKey.generate()
    signed = sign(document, key=key, verification_method="https://tanzhong.example/verify/key#k", created="x")
    verify(signed, public_key=key.public_key())
    signed["tampered"] = True
    with pytest.raises(ProofError):
        verify(signed, public_key=key.public_key())
