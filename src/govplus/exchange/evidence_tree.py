"""The evidence tree from stored hashes: past roots, inclusion and consistency proofs in O(log n) reads.

Rule: a proof is computed from the hashes the log stored when it grew, never by reading every leaf.
The RFC 6962 tree over n leaves is made of perfect subtrees: every range the RFC's recursion names
(MTH(D[start:end]) with `start` a multiple of the split) is the right fold of at most log2(n) aligned
perfect subtrees, one per set bit of its length. Each perfect subtree of height ≥ 1 is an
`EvidenceNode`, written in the transaction of the append that completes it (one per leaf on average);
height 0 is the leaf's own `leaf_hash`. So the root at any past size, an inclusion proof (RFC 6962
§2.1.1 PATH) or a consistency proof (§2.1.2 PROOF) needs O(log² n) stored hashes, read with one query
on the leaves and one on the nodes (for a batch of proofs too, in chunks). Proofs verify with any
RFC 9162 verifier (`core.merkle.verify_inclusion`, `verify_consistency`, pymerkle, the auditor's
standalone script).

The stored nodes are a cache the verifier does not trust: a node rewritten in the database gives a
proof that fails against the signed root, and a new tree head is stored only after the consistency
proof from the previous one, computed from these nodes, verifies (`tree_heads.py`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence

from django.db.models import Q

from govplus.core.merkle import EMPTY_ROOT, NODE_PREFIX, Frontier, node_hash
from govplus.core.models import MerkleLogHead
from govplus.exchange.models import EvidenceNode, ExchangeEvidence

LOG_NAME = "exchange"
Range = tuple[int, int]
Block = tuple[int, int]  # (height, position)
_CHUNK = 400  # stored hashes asked for per query (well under SQLite's bound on parameters)


def _split(n: int) -> int:
    """The largest power of two strictly smaller than n (n ≥ 2), RFC 6962 §2.1's k."""
    return 1 << ((n - 1).bit_length() - 1)


# --- pure: which stored hashes a range, a proof, an append needs -------------------------------
def completed_nodes(frontier: Frontier, leaves: Sequence[bytes]) -> list[tuple[int, int, bytes]]:
    """(height, position, hash) of every perfect subtree of height ≥ 1 completed by appending `leaves`
    to the tree whose right edge is `frontier` (not changed)."""
    nodes = list(frontier.nodes)
    size = frontier.size
    completed = []
    for leaf in leaves:
        nodes.append(leaf)
        remaining, height, position = size, 0, size
        while remaining & 1:  # the same carries as Frontier.append, keeping each merged subtree
            right = nodes.pop()
            nodes[-1] = hashlib.sha256(NODE_PREFIX + nodes[-1] + right).digest()
            remaining >>= 1
            height += 1
            position >>= 1
            completed.append((height, position, nodes[-1]))
        size += 1
    return completed


def blocks_of(start: int, end: int) -> list[Block]:
    """The aligned perfect subtrees, largest first, that make up D[start:end] of the RFC's recursion."""
    blocks = []
    while start < end:
        height = (end - start).bit_length() - 1
        while start % (1 << height):
            height -= 1
        blocks.append((height, start >> height))
        start += 1 << height
    return blocks


def inclusion_ranges(index: int, size: int) -> list[Range]:
    """The subtrees of RFC 6962 §2.1.1 PATH(index, D[0:size]), leaf to root."""
    ranges: list[Range] = []
    start, end = 0, size
    while end - start > 1:
        k = _split(end - start)
        if index < start + k:
            ranges.append((start + k, end))
            end = start + k
        else:
            ranges.append((start, start + k))
            start += k
    ranges.reverse()
    return ranges


def consistency_ranges(first: int, second: int) -> list[Range]:
    """The subtrees of RFC 6962 §2.1.2 PROOF(first, D[0:second]) (0 < first ≤ second)."""

    def subproof(m: int, start: int, end: int, whole: bool) -> list[Range]:
        n = end - start
        if m == n:
            return [] if whole else [(start, end)]
        k = _split(n)
        if m <= k:
            return [*subproof(m, start, start + k, whole), (start + k, end)]
        return [*subproof(m - k, start + k, end, False), (start, start + k)]

    return subproof(first, 0, second, True)


# --- the database ------------------------------------------------------------------------------
def nodes_store(frontier: Frontier, leaves: Sequence[bytes]) -> None:
    """Store the subtrees completed by appending `leaves` after `frontier` (inside the append's
    transaction, with the log's head row locked)."""
    nodes = completed_nodes(frontier, leaves)
    EvidenceNode.objects.bulk_create(
        [EvidenceNode(height=height, position=position, hash=digest.hex()) for height, position, digest in nodes],
        batch_size=5000,
    )


def log_size() -> int:
    """How many entries the evidence log holds now."""
    head = MerkleLogHead.objects.filter(log_name=LOG_NAME).values_list("tree_size", flat=True).first()
    return int(head or 0)


def _stored(blocks: Iterable[Block]) -> dict[Block, bytes]:
    wanted = sorted(set(blocks))
    found: dict[Block, bytes] = {}
    for offset in range(0, len(wanted), _CHUNK):
        chunk = wanted[offset : offset + _CHUNK]
        leaves = [position for height, position in chunk if height == 0]
        if leaves:
            for index, digest in ExchangeEvidence.objects.filter(leaf_index__in=leaves).values_list(
                "leaf_index", "leaf_hash"
            ):
                if index is not None:  # always: asked by index
                    found[(0, index)] = bytes.fromhex(digest)
        by_height: dict[int, list[int]] = {}
        for height, position in chunk:
            if height:
                by_height.setdefault(height, []).append(position)
        if by_height:
            condition = Q()
            for height, positions in by_height.items():
                condition |= Q(height=height, position__in=positions)
            for height, position, digest in EvidenceNode.objects.filter(condition).values_list(
                "height", "position", "hash"
            ):
                found[(height, position)] = bytes.fromhex(digest)
    missing = set(wanted) - set(found)
    if missing:
        raise LookupError(f"evidence tree: {len(missing)} stored hashes missing, e.g. {min(missing)}")
    return found


def range_hashes(ranges: Iterable[Range]) -> dict[Range, bytes]:
    """MTH(D[start:end]) of each RFC range, from the stored hashes (one query each on leaves and nodes,
    per chunk of hashes)."""
    wanted = set(ranges)
    plan = {span: blocks_of(*span) for span in wanted}
    stored = _stored(block for blocks in plan.values() for block in blocks)
    hashes = {}
    for span, blocks in plan.items():
        if not blocks:
            hashes[span] = EMPTY_ROOT
            continue
        accumulated = stored[blocks[-1]]
        for block in reversed(blocks[:-1]):
            accumulated = node_hash(stored[block], accumulated)
        hashes[span] = accumulated
    return hashes


def _check_size(size: int) -> None:
    if not 0 <= size <= log_size():
        raise ValueError("tree size outside the log")


def root_at(size: int) -> bytes:
    """The root of the log when it held `size` entries (0 ≤ size ≤ the log's size)."""
    _check_size(size)
    return range_hashes([(0, size)])[(0, size)]


def inclusion_proofs(indices: Sequence[int], size: int) -> dict[int, list[bytes]]:
    """PATH(index, D[0:size]) for each index: every proof of an export from one batch of reads."""
    _check_size(size)
    if any(not 0 <= index < size for index in indices):
        raise ValueError("leaf index outside the tree")
    plans = {index: inclusion_ranges(index, size) for index in indices}
    hashes = range_hashes(span for ranges in plans.values() for span in ranges)
    return {index: [hashes[span] for span in ranges] for index, ranges in plans.items()}


def inclusion_proof(index: int, size: int) -> list[bytes]:
    """RFC 6962 §2.1.1 PATH(index, D[0:size]) from O(log n) stored hashes."""
    return inclusion_proofs([index], size)[index]


def consistency_proof(first: int, second: int) -> list[bytes]:
    """RFC 6962 §2.1.2 PROOF(first, D[0:second]) from O(log n) stored hashes (0 < first ≤ second)."""
    _check_size(second)
    if not 0 < first <= second:
        raise ValueError("tree sizes out of range")
    ranges = consistency_ranges(first, second)
    hashes = range_hashes(ranges)
    return [hashes[span] for span in ranges]
