"""RFC 6962 (Certificate Transparency) Merkle tree hashing and proofs — pure, no Django.

Leaves are hashed `HMAC-SHA256(key, 0x00 || data)`: the RFC 6962 §2.1 leaf hash, keyed so that
someone who can write the database but does not hold the key cannot compute the hash of an entry
they forge or edit. Interior nodes are the RFC's `SHA-256(0x01 || left || right)`, unkeyed, so anyone
holding leaf hashes can check an inclusion or consistency proof against a signed tree head with any
RFC 6962 / RFC 9162 implementation.

The tree over n leaves splits at k, the largest power of two below n (RFC 6962 §2.1). `Frontier`
keeps only the roots of the perfect subtrees along the right edge (one per set bit of n), so an
append costs O(log n) and the root of the whole log is available at any size without reading it.
`TreeLevels` holds every level of a finished tree in flat byte strings (2n × 32 bytes) and answers
the RFC's PATH (inclusion) and PROOF (consistency) in O(log n) each. Verification of both proofs
follows RFC 9162 §2.1.3.2 and §2.1.4.2.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable, Sequence

HASH_SIZE = 32
LEAF_PREFIX = b"\x00"
NODE_PREFIX = b"\x01"
EMPTY_ROOT = hashlib.sha256(b"").digest()


def leaf_hash(*, key: bytes, data: bytes) -> bytes:
    """RFC 6962 leaf hash, keyed: HMAC-SHA256(key, 0x00 || data)."""
    return hmac.new(key, LEAF_PREFIX + data, hashlib.sha256).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """RFC 6962 interior node: SHA-256(0x01 || left || right)."""
    return hashlib.sha256(NODE_PREFIX + left + right).digest()


def _split(n: int) -> int:
    """The largest power of two strictly smaller than n (n >= 2)."""
    return 1 << ((n - 1).bit_length() - 1)


class Frontier:
    """The right edge of a growing tree: roots of its perfect subtrees, largest (leftmost) first."""

    __slots__ = ("nodes", "size")

    def __init__(self, size: int = 0, nodes: Sequence[bytes] = ()) -> None:
        if len(nodes) != bin(size).count("1"):
            raise ValueError("frontier does not match its size")
        self.size = size
        self.nodes = list(nodes)

    def append(self, leaf: bytes) -> None:
        nodes = self.nodes
        nodes.append(leaf)
        size = self.size
        while size & 1:  # merge equal-sized subtrees, like carrying in binary addition
            right = nodes.pop()
            nodes[-1] = hashlib.sha256(NODE_PREFIX + nodes[-1] + right).digest()
            size >>= 1
        self.size += 1

    def extend(self, leaves: Iterable[bytes]) -> None:
        for leaf in leaves:
            self.append(leaf)

    def root(self) -> bytes:
        if not self.nodes:
            return EMPTY_ROOT
        accumulated = self.nodes[-1]
        for node in reversed(self.nodes[:-1]):
            accumulated = node_hash(node, accumulated)
        return accumulated

    def to_hex(self) -> list[str]:
        return [node.hex() for node in self.nodes]

    @classmethod
    def from_hex(cls, size: int, nodes: Sequence[str]) -> Frontier:
        return cls(size, [bytes.fromhex(node) for node in nodes])


def tree_root(leaves: Iterable[bytes]) -> bytes:
    frontier = Frontier()
    frontier.extend(leaves)
    return frontier.root()


class TreeLevels:
    """All levels of the tree over `leaves`: level h holds the roots of the aligned perfect subtrees of
    2**h leaves, concatenated. Every subtree the RFC's proofs need is one of these or is combined from
    O(log n) of them."""

    def __init__(self, leaves: Sequence[bytes]) -> None:
        self.size = len(leaves)
        level = b"".join(leaves)
        self.levels = [level]
        while len(level) >= 2 * HASH_SIZE:
            pairs = len(level) // (2 * HASH_SIZE)
            sha = hashlib.sha256
            level = b"".join(sha(NODE_PREFIX + level[i * 64 : i * 64 + 64]).digest() for i in range(pairs))
            self.levels.append(level)

    def _node(self, height: int, index: int) -> bytes:
        return self.levels[height][index * HASH_SIZE : (index + 1) * HASH_SIZE]

    def subtree(self, start: int, end: int) -> bytes:
        """MTH(D[start:end]) for a range of the RFC's recursion (start is aligned to the split)."""
        n = end - start
        if n == 0:
            return EMPTY_ROOT
        if n & (n - 1) == 0 and start % n == 0:
            return self._node(n.bit_length() - 1, start // n)
        k = _split(n)
        return node_hash(self.subtree(start, start + k), self.subtree(start + k, end))

    def root(self, size: int | None = None) -> bytes:
        return self.subtree(0, self.size if size is None else size)

    def inclusion_proof(self, index: int, size: int) -> list[bytes]:
        """RFC 6962 §2.1.1 PATH(m, D[0:size])."""
        if not 0 <= index < size <= self.size:
            raise ValueError("leaf index outside the tree")
        proof: list[bytes] = []
        start, end = 0, size
        while end - start > 1:
            k = _split(end - start)
            if index < start + k:
                proof.append(self.subtree(start + k, end))
                end = start + k
            else:
                proof.append(self.subtree(start, start + k))
                start += k
        proof.reverse()
        return proof

    def consistency_proof(self, first: int, second: int) -> list[bytes]:
        """RFC 6962 §2.1.2 PROOF(first, D[0:second])."""
        if not 0 < first <= second <= self.size:
            raise ValueError("tree sizes out of range")
        return self._subproof(first, 0, second, True)

    def _subproof(self, m: int, start: int, end: int, whole: bool) -> list[bytes]:
        n = end - start
        if m == n:
            return [] if whole else [self.subtree(start, end)]
        k = _split(n)
        if m <= k:
            return [*self._subproof(m, start, start + k, whole), self.subtree(start + k, end)]
        return [*self._subproof(m - k, start + k, end, False), self.subtree(start, start + k)]


def verify_inclusion(*, leaf: bytes, index: int, size: int, proof: Sequence[bytes], root: bytes) -> bool:
    """RFC 9162 §2.1.3.2: does `proof` lead from leaf `index` to `root` of a tree of `size` leaves?"""
    if not 0 <= index < size:
        return False
    fn, sn = index, size - 1
    result = leaf
    for node in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            result = node_hash(node, result)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            result = node_hash(result, node)
        fn >>= 1
        sn >>= 1
    return sn == 0 and hmac.compare_digest(result, root)


def verify_consistency(
    *, first: int, second: int, first_root: bytes, second_root: bytes, proof: Sequence[bytes]
) -> bool:
    """RFC 9162 §2.1.4.2: is the tree of `second` leaves an append-only extension of the `first`?"""
    if not 0 < first <= second:
        return False
    if first == second:
        return not proof and hmac.compare_digest(first_root, second_root)
    path = list(proof)
    if first & (first - 1) == 0:  # a power of two: the old root is itself a node of the new tree
        path.insert(0, first_root)
    if not path:
        return False
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for node in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(node, fr)
            sr = node_hash(node, sr)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            sr = node_hash(sr, node)
        fn >>= 1
        sn >>= 1
    return sn == 0 and hmac.compare_digest(fr, first_root) and hmac.compare_digest(sr, second_root)
