"""The checks a node runs on a peer's proofs (core.merkle's RFC 9162 verifiers) agree with the proofs the
evidence log serves, for every leaf and every pair of sizes of small trees, and refuse a proof with one
byte changed."""

from __future__ import annotations

import pytest

from govplus.core.merkle import verify_consistency as consistency_holds
from govplus.core.merkle import verify_inclusion as inclusion_holds
from govplus.exchange import evidence_tree
from govplus.exchange.evidence import EVIDENCE_LOG, evidence_canonical, evidence_record, evidence_sequence
from govplus.exchange.models import ExchangeEvidence

pytestmark = pytest.mark.django_db


def _log(size: int) -> list[ExchangeEvidence]:
    for number in range(size):
        evidence_record(
            consumer=f"c{number}", consumer_department="rsj", operation="lookup", resource_code="R",
            purpose="核对", fields=["name"], record_count=1, request={"n": number}, response={"n": number},
        )  # fmt: skip
    evidence_sequence()
    return list(ExchangeEvidence.objects.order_by("leaf_index"))


def test_inclusion_and_consistency_of_every_leaf_and_size_up_to_17():
    entries = _log(17)
    for size in range(1, 18):
        root = evidence_tree.root_at(size)
        for entry in entries[:size]:
            leaf = EVIDENCE_LOG.hash_leaf(evidence_canonical(entry))
            assert leaf.hex() == entry.leaf_hash
            proof = evidence_tree.inclusion_proof(entry.leaf_index, size)
            assert inclusion_holds(index=entry.leaf_index, size=size, leaf=leaf, proof=proof, root=root)
            assert not inclusion_holds(index=entry.leaf_index, size=size, leaf=leaf[::-1], proof=proof, root=root)
        for first in range(1, size + 1):
            proof = evidence_tree.consistency_proof(first, size)
            old = evidence_tree.root_at(first)
            assert consistency_holds(first=first, second=size, first_root=old, second_root=root, proof=proof)
            if proof:
                bent = [proof[0][:-1] + bytes([proof[0][-1] ^ 1]), *proof[1:]]
                assert not consistency_holds(first=first, second=size, first_root=old, second_root=root, proof=bent)
    assert not consistency_holds(first=0, second=3, first_root=b"", second_root=b"", proof=[])
