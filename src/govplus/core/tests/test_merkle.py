"""core/merkle.py against an independent RFC 6962 implementation written here, from §2.1 itself.

The reference below is the RFC's recursive definitions (MTH, PATH, PROOF/SUBPROOF) transcribed
literally, sharing nothing with the code under test; the known-answer roots are the Certificate
Transparency project's test vectors (certificate-transparency-go, merkle tree tests).
"""

from __future__ import annotations

import hashlib
import hmac

import pytest

from govplus.core.merkle import (
    EMPTY_ROOT,
    Frontier,
    TreeLevels,
    leaf_hash,
    tree_root,
    verify_consistency,
    verify_inclusion,
)


# --- RFC 6962 §2.1, transcribed ---------------------------------------------------------------
def rfc_k(n: int) -> int:
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def rfc_mth(hashed_leaves: list[bytes]) -> bytes:
    n = len(hashed_leaves)
    if n == 0:
        return hashlib.sha256(b"").digest()
    if n == 1:
        return hashed_leaves[0]
    k = rfc_k(n)
    return hashlib.sha256(b"\x01" + rfc_mth(hashed_leaves[:k]) + rfc_mth(hashed_leaves[k:])).digest()


def rfc_path(m: int, leaves: list[bytes]) -> list[bytes]:
    n = len(leaves)
    if n == 1:
        return []
    k = rfc_k(n)
    if m < k:
        return [*rfc_path(m, leaves[:k]), rfc_mth(leaves[k:])]
    return [*rfc_path(m - k, leaves[k:]), rfc_mth(leaves[:k])]


def rfc_subproof(m: int, leaves: list[bytes], whole: bool) -> list[bytes]:
    n = len(leaves)
    if m == n:
        return [] if whole else [rfc_mth(leaves)]
    k = rfc_k(n)
    if m <= k:
        return [*rfc_subproof(m, leaves[:k], whole), rfc_mth(leaves[k:])]
    return [*rfc_subproof(m - k, leaves[k:], False), rfc_mth(leaves[:k])]


def rfc_proof(m: int, leaves: list[bytes]) -> list[bytes]:
    return rfc_subproof(m, leaves, True)


CT_INPUTS = [
    b"",
    b"\x00",
    b"\x10",
    b"\x20\x21",
    b"\x30\x31",
    b"\x40\x41\x42\x43",
    bytes(range(0x50, 0x58)),
    bytes(range(0x60, 0x70)),
]
CT_ROOTS = [
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]
KEY = b"k" * 32


def keyed_leaves(count: int) -> list[bytes]:
    return [hmac.new(KEY, b"\x00" + f"entry {i}".encode(), hashlib.sha256).digest() for i in range(count)]


def test_roots_match_the_certificate_transparency_test_vectors():
    leaves = [hashlib.sha256(b"\x00" + data).digest() for data in CT_INPUTS]
    for size, expected in enumerate(CT_ROOTS, start=1):
        assert tree_root(leaves[:size]).hex() == expected
        assert TreeLevels(leaves).root(size).hex() == expected
    assert tree_root([]) == EMPTY_ROOT == rfc_mth([])


def test_the_leaf_hash_is_the_rfc_leaf_hash_keyed_with_hmac():
    assert leaf_hash(key=KEY, data=b"abc") == hmac.new(KEY, b"\x00abc", hashlib.sha256).digest()
    assert leaf_hash(key=KEY, data=b"abc") != hashlib.sha256(b"\x00abc").digest()
    assert leaf_hash(key=KEY, data=b"abc") != leaf_hash(key=b"x" * 32, data=b"abc")


@pytest.mark.parametrize("size", [*range(1, 34), 100, 257])
def test_roots_paths_and_proofs_match_the_rfc_definitions(size):
    leaves = keyed_leaves(size)
    levels = TreeLevels(leaves)
    frontier = Frontier()
    for count, leaf in enumerate(leaves, start=1):
        frontier.append(leaf)
        assert frontier.root() == rfc_mth(leaves[:count])
    assert levels.root() == rfc_mth(leaves)
    restored = Frontier.from_hex(frontier.size, frontier.to_hex())
    assert restored.root() == levels.root()
    for index in range(size):
        path = levels.inclusion_proof(index, size)
        assert path == rfc_path(index, leaves)
        assert verify_inclusion(leaf=leaves[index], index=index, size=size, proof=path, root=levels.root())
    for first in range(1, size + 1):
        proof = levels.consistency_proof(first, size)
        assert proof == rfc_proof(first, leaves)
        assert verify_consistency(
            first=first, second=size, first_root=rfc_mth(leaves[:first]), second_root=levels.root(), proof=proof
        )


def test_verification_rejects_wrong_proofs():
    leaves = keyed_leaves(13)
    levels = TreeLevels(leaves)
    root = levels.root()
    path = rfc_path(5, leaves)
    assert not verify_inclusion(leaf=leaves[6], index=5, size=13, proof=path, root=root)
    assert not verify_inclusion(leaf=leaves[5], index=6, size=13, proof=path, root=root)
    assert not verify_inclusion(leaf=leaves[5], index=5, size=13, proof=path[:-1], root=root)
    assert not verify_inclusion(leaf=leaves[5], index=5, size=13, proof=[*path, path[0]], root=root)
    proof = rfc_proof(6, leaves)
    old_root = rfc_mth(leaves[:6])
    assert verify_consistency(first=6, second=13, first_root=old_root, second_root=root, proof=proof)
    # a log that rewrote one of its first six entries is not an extension of the old tree
    rewritten = [*leaves[:2], hashlib.sha256(b"forged").digest(), *leaves[3:]]
    forged_root = rfc_mth(rewritten)
    assert not verify_consistency(
        first=6, second=13, first_root=old_root, second_root=forged_root, proof=rfc_proof(6, rewritten)
    )
    assert not verify_consistency(first=6, second=13, first_root=old_root, second_root=root, proof=proof[:-1])
    assert not verify_consistency(first=7, second=13, first_root=old_root, second_root=root, proof=proof)


def test_a_frontier_that_does_not_match_its_size_is_refused():
    with pytest.raises(ValueError):
        Frontier(3, [EMPTY_ROOT])
