"""RFC 6962 / RFC 9162 Merkle tree hashes, inclusion and consistency proofs, and their verification (pure).

A leaf's hash is SHA-256(0x00 || data); an interior node's is SHA-256(0x01 || left || right); a tree of n > 1
leaves splits at the largest power of two smaller than n. Hashes are `bytes` of 32.

`MerkleTree` hashes each level once, pairing neighbours left to right; a level's odd last node is not paired
(the RFC's unbalanced right edge). Every complete, aligned subtree is then stored, so the root of any prefix
and every proof is a fold of O(log n) stored hashes: no recursion over leaves, and a million leaves take about
a million SHA-256 calls in list comprehensions.

Verification follows RFC 9162 sections 2.1.3.2 (inclusion) and 2.1.4.2 (consistency) step by step, plus the
edge cases the reference implementation (transparency-dev/merkle) fixes: a consistency proof between equal sizes
is empty, and none exists from the empty tree.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()  # MTH({}) = SHA-256()


class ProofError(ValueError):
    """A proof was asked for sizes or an index the tree cannot give one for."""


def leaf_hash(data: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def _largest_power_of_two_below(n: int) -> int:
    """k with k < n <= 2k (n > 1)."""
    return 1 << ((n - 1).bit_length() - 1)


class MerkleTree:
    """Every complete aligned subtree hash of a list of leaf hashes: roots and proofs for any size up to it."""

    def __init__(self, leaf_hashes: Sequence[bytes]):
        levels: list[Sequence[bytes]] = [leaf_hashes]
        current = leaf_hashes
        sha256 = hashlib.sha256
        while len(current) > 1:
            current = [sha256(b"\x01" + current[i] + current[i + 1]).digest()
                       for i in range(0, len(current) - 1, 2)]
            levels.append(current)
        self._levels = levels
        self.size = len(leaf_hashes)

    def _range_hash(self, start: int, end: int) -> bytes:
        """MTH(D[start:end]) for a range the RFC's splits produce (start aligned to the range's width)."""
        if start == end:
            return EMPTY_ROOT
        complete: list[bytes] = []
        while start < end:
            # The largest complete subtree that starts at `start` and fits before `end`.
            level = min((start & -start).bit_length() - 1 if start else 63, (end - start).bit_length() - 1)
            complete.append(self._levels[level][start >> level])
            start += 1 << level
        result = complete.pop()
        while complete:
            result = node_hash(complete.pop(), result)
        return result

    def root(self, size: int | None = None) -> bytes:
        size = self.size if size is None else size
        if not 0 <= size <= self.size:
            raise ProofError(f"size {size} is not between 0 and the tree's {self.size}")
        return self._range_hash(0, size)

    def inclusion_proof(self, index: int, size: int) -> list[bytes]:
        """PATH(index, D[0:size]) of RFC 9162 2.1.3.1, nearest the leaf first."""
        if not 0 < size <= self.size:
            raise ProofError(f"size {size} is not between 1 and the tree's {self.size}")
        if not 0 <= index < size:
            raise ProofError(f"index {index} is not below size {size}")
        path: list[bytes] = []
        start, end = 0, size
        while end - start > 1:
            k = _largest_power_of_two_below(end - start)
            if index < start + k:
                path.append(self._range_hash(start + k, end))
                end = start + k
            else:
                path.append(self._range_hash(start, start + k))
                start += k
        path.reverse()
        return path

    def consistency_proof(self, old: int, new: int) -> list[bytes]:
        """PROOF(old, D[0:new]) of RFC 9162 2.1.4.1 (SUBPROOF unrolled), nearest the old tree's edge first."""
        if not 0 < old <= new <= self.size:
            raise ProofError(f"sizes must satisfy 0 < old <= new <= {self.size}; got old={old}, new={new}")
        proof: list[bytes] = []
        start, end, m, whole = 0, new, old, True
        while m != end - start:
            k = _largest_power_of_two_below(end - start)
            if m <= k:
                proof.append(self._range_hash(start + k, end))
                end = start + k
            else:
                proof.append(self._range_hash(start, start + k))
                start, m, whole = start + k, m - k, False
        if not whole:
            proof.append(self._range_hash(start, end))
        proof.reverse()
        return proof


def root(leaf_hashes: Sequence[bytes]) -> bytes:
    return MerkleTree(leaf_hashes).root()


def inclusion_proof(index: int, size: int, leaf_hashes: Sequence[bytes]) -> list[bytes]:
    return MerkleTree(leaf_hashes[:size]).inclusion_proof(index, size)


def consistency_proof(old: int, new: int, leaf_hashes: Sequence[bytes]) -> list[bytes]:
    return MerkleTree(leaf_hashes[:new]).consistency_proof(old, new)


def verify_inclusion(index: int, size: int, leaf: bytes, proof: Sequence[bytes], root_hash: bytes) -> bool:
    """RFC 9162 2.1.3.2: does `proof` show the leaf hash `leaf` at `index` in the tree of `size` with `root_hash`?"""
    if not 0 <= index < size or any(len(p) != HASH_SIZE for p in proof):
        return False
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root_hash


def verify_consistency(old: int, new: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]) -> bool:
    """RFC 9162 2.1.4.2: does `proof` show the tree of size `old` with `old_root` is a prefix of `new`'s?"""
    if old <= 0 or new < old or any(len(p) != HASH_SIZE for p in proof):
        return False
    if old == new:
        return not proof and old_root == new_root
    if not proof:
        return False
    path = list(proof)
    if old & (old - 1) == 0:  # an exact power of two: the old root is itself a node of the new tree
        path.insert(0, old_root)
    fn, sn = old - 1, new - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return fr == old_root and sr == new_root and sn == 0
