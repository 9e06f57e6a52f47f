"""The RFC 6962 Merkle tree: published test vectors, a recursive reference, and properties of every proof."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ledger import merkle

# Test vectors of RFC 6962's 8-leaf tree as published in transparency-dev/merkle (Go, Apache-2.0):
# the leaf inputs and roots in testonly/constants.go (commit 417fb0c314750d94e53942e9f92e79b6d35915db) and the
# inclusion and consistency paths in proof/verify_test.go (commit eb3bd591752971664eb483bd854f9097ba1ea45e;
# that file writes leaf indexes 1-based, converted to 0-based here). They came from
# google/certificate-transparency's C++ merkle_tree_test.cc.
LEAVES = [bytes.fromhex(h) for h in (
    "", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f")]
ROOTS = {  # tree size -> root
    0: "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    1: "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    2: "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    3: "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    4: "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    5: "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    6: "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    7: "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    8: "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
}
LEAF_HASHES = [  # level 0 of NodeHashes() in testonly/constants.go
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
    "0298d122906dcfc10892cb53a73992fc5b9f493ea4c9badb27b791b4127a7fe7",
    "07506a85fd9dd2f120eb694f86011e5bb4662e5c415a62917033d4a9624487e7",
    "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
    "4271a26be0d8a84f0bd54c8c302e7cb3a3b5d1fa6780a40bcce2873477dab658",
    "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
    "46f6ffadd3d06a09ff3c5860d2755c8b9819db7df44251788c7d8e3180de8eb1",
]
INCLUSION = [  # (index, size, path)
    (0, 1, []),
    (0, 8, ["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"]),
    (5, 8, ["bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"]),
    (2, 3, ["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"]),
    (1, 5, ["6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"]),
]
CONSISTENCY = [  # (old size, new size, proof)
    (1, 1, []),
    (1, 8, ["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"]),
    (6, 8, ["0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"]),
    (2, 5, ["5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"]),
    (6, 7, ["0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"]),
]

HASHED = [merkle.leaf_hash(leaf) for leaf in LEAVES]
PROPERTY = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _hex(hashes: list[bytes]) -> list[str]:
    return [h.hex() for h in hashes]


def _reference_root(hashes: list[bytes]) -> bytes:
    """MTH as RFC 6962 section 2.1 writes it, recursively: the definition the fast tree must agree with."""
    if not hashes:
        return hashlib.sha256(b"").digest()
    if len(hashes) == 1:
        return hashes[0]
    k = 1 << ((len(hashes) - 1).bit_length() - 1)
    return merkle.node_hash(_reference_root(hashes[:k]), _reference_root(hashes[k:]))


def test_the_leaf_hashes_are_the_published_ones():
    assert _hex(HASHED) == LEAF_HASHES


@pytest.mark.parametrize("size", range(9))
def test_the_root_of_each_prefix_of_the_eight_leaves_is_the_published_one(size):
    assert merkle.root(HASHED[:size]).hex() == ROOTS[size]
    assert merkle.MerkleTree(HASHED).root(size).hex() == ROOTS[size]


@pytest.mark.parametrize(("index", "size", "path"), INCLUSION)
def test_inclusion_paths_are_the_published_ones_and_verify(index, size, path):
    assert _hex(merkle.inclusion_proof(index, size, HASHED)) == path
    proof = [bytes.fromhex(p) for p in path]
    assert merkle.verify_inclusion(index, size, HASHED[index], proof, bytes.fromhex(ROOTS[size]))
    # The same path for a neighbouring index, another size or another root does not verify.
    assert not merkle.verify_inclusion(index, size, HASHED[index], proof, bytes.fromhex(ROOTS[size - 1]))
    if size > 1:
        assert not merkle.verify_inclusion(index ^ 1 if index ^ 1 < size else index - 1, size, HASHED[index],
                                           proof, bytes.fromhex(ROOTS[size]))


@pytest.mark.parametrize(("old", "new", "path"), CONSISTENCY)
def test_consistency_proofs_are_the_published_ones_and_verify(old, new, path):
    assert _hex(merkle.consistency_proof(old, new, HASHED)) == path
    proof = [bytes.fromhex(p) for p in path]
    old_root, new_root = bytes.fromhex(ROOTS[old]), bytes.fromhex(ROOTS[new])
    assert merkle.verify_consistency(old, new, old_root, new_root, proof)
    if old != new:
        assert not merkle.verify_consistency(old, new, new_root, old_root, proof)
        assert not merkle.verify_consistency(old, new, old_root, new_root, proof[:-1])


def test_a_consistency_proof_from_the_empty_tree_or_backwards_is_refused():
    with pytest.raises(merkle.ProofError):
        merkle.consistency_proof(0, 3, HASHED)
    with pytest.raises(merkle.ProofError):
        merkle.consistency_proof(5, 3, HASHED)
    assert not merkle.verify_consistency(0, 3, merkle.EMPTY_ROOT, bytes.fromhex(ROOTS[3]), [])


def test_an_inclusion_proof_beyond_the_tree_is_refused():
    with pytest.raises(merkle.ProofError, match="index 8 is not below size 8"):
        merkle.inclusion_proof(8, 8, HASHED)
    with pytest.raises(merkle.ProofError, match="size 9"):
        merkle.MerkleTree(HASHED).inclusion_proof(0, 9)
    assert not merkle.verify_inclusion(8, 8, HASHED[0], [], bytes.fromhex(ROOTS[8]))


def _flip(hashes: list[bytes], which: int, byte: int) -> list[bytes]:
    changed = list(hashes)
    target = bytearray(changed[which])
    target[byte] ^= 0x01
    changed[which] = bytes(target)
    return changed


trees = st.integers(min_value=1, max_value=300).map(
    lambda n: [merkle.leaf_hash(i.to_bytes(4, "big")) for i in range(n)])


@PROPERTY
@given(trees, st.data())
def test_every_inclusion_proof_verifies_and_a_flipped_byte_fails(leaves, data):
    tree = merkle.MerkleTree(leaves)
    size = data.draw(st.integers(min_value=1, max_value=len(leaves)))
    index = data.draw(st.integers(min_value=0, max_value=size - 1))
    root = tree.root(size)
    assert root == _reference_root(leaves[:size])
    proof = tree.inclusion_proof(index, size)
    assert merkle.verify_inclusion(index, size, leaves[index], proof, root)
    byte = data.draw(st.integers(min_value=0, max_value=31))
    assert not merkle.verify_inclusion(index, size, _flip(leaves, index, byte)[index], proof, root)
    assert not merkle.verify_inclusion(index, size, leaves[index], proof, _flip([root], 0, byte)[0])
    if proof:
        which = data.draw(st.integers(min_value=0, max_value=len(proof) - 1))
        assert not merkle.verify_inclusion(index, size, leaves[index], _flip(proof, which, byte), root)


@PROPERTY
@given(trees, st.data())
def test_every_consistency_proof_verifies_and_a_flipped_byte_fails(leaves, data):
    tree = merkle.MerkleTree(leaves)
    new = data.draw(st.integers(min_value=1, max_value=len(leaves)))
    old = data.draw(st.integers(min_value=1, max_value=new))
    old_root, new_root = tree.root(old), tree.root(new)
    proof = tree.consistency_proof(old, new)
    assert merkle.verify_consistency(old, new, old_root, new_root, proof)
    byte = data.draw(st.integers(min_value=0, max_value=31))
    assert not merkle.verify_consistency(old, new, _flip([old_root], 0, byte)[0], new_root, proof)
    assert not merkle.verify_consistency(old, new, old_root, _flip([new_root], 0, byte)[0], proof)
    if proof:
        which = data.draw(st.integers(min_value=0, max_value=len(proof) - 1))
        assert not merkle.verify_consistency(old, new, old_root, new_root, _flip(proof, which, byte))


@PROPERTY
@given(trees, st.data())
def test_a_rewritten_leaf_inside_the_old_tree_breaks_consistency(leaves, data):
    new = len(leaves)
    old = data.draw(st.integers(min_value=1, max_value=new))
    changed = data.draw(st.integers(min_value=0, max_value=old - 1))
    rewritten = _flip(leaves, changed, 0)
    honest_old_root = merkle.MerkleTree(leaves).root(old)
    forged = merkle.MerkleTree(rewritten)
    assert not merkle.verify_consistency(old, new, honest_old_root, forged.root(new),
                                         forged.consistency_proof(old, new))
