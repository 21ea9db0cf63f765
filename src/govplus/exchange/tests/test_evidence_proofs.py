"""Proofs of the evidence log from stored hashes: the same roots and proofs as pymerkle (an independent
RFC 6962 implementation) and core's in-memory tree, every leaf and every pair of sizes of small trees,
and O(log n) database reads."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest
from django.utils import timezone
from pymerkle import InmemoryTree
from pymerkle import verify_consistency as pymerkle_verify_consistency

from govplus.core.merkle import TreeLevels, verify_consistency, verify_inclusion
from govplus.exchange import evidence_tree
from govplus.exchange.evidence import (
    EVIDENCE_LOG,
    evidence_canonical,
    evidence_placed,
    evidence_record,
    evidence_values,
)
from govplus.exchange.models import EvidenceNode, ExchangeEvidence


def _record(number: int) -> ExchangeEvidence:
    return evidence_placed(
        evidence_record(
            consumer="rsj-audit-system",
            consumer_department="rsj",
            operation="lookup",
            resource_code="330521-GAJ-0001",
            purpose="社保待遇资格审核",
            fields=["name"],
            record_count=1,
            request={"key_hash": f"k{number}"},
            response={"n": number},
        )
    )


def _grow(count: int, *, seed: int = 7) -> None:
    """`count` more entries through the log's own append path, in batches of random sizes (a batch
    exchange appends many entries at once)."""
    rng = random.Random(seed)
    base = timezone.now() - timedelta(days=1)
    made = ExchangeEvidence.objects.count()
    while made < count:
        rows = []
        for _ in range(min(rng.randint(1, 40), count - made)):
            rows.append(
                ExchangeEvidence(
                    evidence_id=f"00000000-0000-4000-8000-{made:012d}",
                    occurred_at=base + timedelta(seconds=made),
                    node="330521",
                    consumer="rsj-audit-system",
                    consumer_department="rsj",
                    operation="batch",
                    resource_code="330521-GAJ-0001",
                    purpose="社保待遇资格审核",
                    fields=["name"],
                    record_count=made % 5,
                    request_hash=f"{made:064x}",
                    response_hash=f"{made + 1:064x}",
                )
            )
            made += 1
        EVIDENCE_LOG.append(rows, evidence_values)


def _pymerkle_tree() -> InmemoryTree:
    tree = InmemoryTree(algorithm="sha256")
    for entry in ExchangeEvidence.objects.order_by("leaf_index"):
        tree.append_entry(evidence_canonical(entry))
    return tree


@pytest.fixture
def log65(db):
    for number in range(65):
        _record(number)
    return _pymerkle_tree()


def test_the_root_at_every_size_is_pymerkles(log65, django_assert_max_num_queries):
    for size in range(1, 66):
        with django_assert_max_num_queries(3):
            assert evidence_tree.root_at(size) == log65.get_root(size), size
    assert evidence_tree.root_at(0) == bytes.fromhex("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")


def test_every_inclusion_proof_of_small_trees_is_pymerkles_path(log65):
    """pymerkle's path is the leaf followed by the RFC 6962 audit path; ours verifies by RFC 9162."""
    leaves = list(ExchangeEvidence.objects.order_by("leaf_index").values_list("leaf_hash", flat=True))
    for size in range(1, 34):
        root = log65.get_root(size)
        for index in range(size):
            proof = evidence_tree.inclusion_proof(index, size)
            assert [node.hex() for node in proof] == log65.prove_inclusion(index + 1, size).serialize()["path"][1:]
            leaf = bytes.fromhex(leaves[index])
            assert verify_inclusion(leaf=leaf, index=index, size=size, proof=proof, root=root)
            other = bytes.fromhex(leaves[index + 1])
            assert not verify_inclusion(leaf=other, index=index, size=size, proof=proof, root=root)


def test_every_consistency_proof_up_to_33_verifies_against_pymerkles_roots(log65):
    for second in range(1, 34):
        for first in range(1, second + 1):
            proof = evidence_tree.consistency_proof(first, second)
            assert verify_consistency(
                first=first,
                second=second,
                first_root=log65.get_root(first),
                second_root=log65.get_root(second),
                proof=proof,
            ), (first, second)
            # and pymerkle's own proof verifies, with pymerkle, against our roots
            pymerkle_verify_consistency(
                evidence_tree.root_at(first),
                evidence_tree.root_at(second),
                log65.prove_consistency(first, second),
            )


@pytest.mark.parametrize("size", [97, 256, 513, 1000])
def test_larger_trees_appended_in_batches_agree_with_pymerkle_and_core(db, size):
    _grow(size, seed=size)
    tree = _pymerkle_tree()
    leaves = [
        bytes.fromhex(h) for h in ExchangeEvidence.objects.order_by("leaf_index").values_list("leaf_hash", flat=True)
    ]
    levels = TreeLevels(leaves)
    rng = random.Random(size)
    assert evidence_tree.root_at(size) == tree.get_root(size) == bytes.fromhex(EVIDENCE_LOG.verify()[0].root_hash)
    for _ in range(25):
        second = rng.randint(1, size)
        first = rng.randint(1, second)
        index = rng.randrange(second)
        assert evidence_tree.root_at(second) == tree.get_root(second)
        assert evidence_tree.inclusion_proof(index, second) == levels.inclusion_proof(index, second)
        assert evidence_tree.consistency_proof(first, second) == levels.consistency_proof(first, second)
    # every stored node is one of the tree's perfect subtrees, and there is one per completed subtree
    assert EvidenceNode.objects.count() == sum(size >> height for height in range(1, size.bit_length()))


def test_a_proof_reads_a_handful_of_rows_not_the_log(db, django_assert_max_num_queries):
    _grow(1000)
    with django_assert_max_num_queries(3):
        proof = evidence_tree.inclusion_proof(617, 1000)
    assert len(proof) == 10
    with django_assert_max_num_queries(3):
        assert len(evidence_tree.consistency_proof(300, 1000)) > 0
    with django_assert_max_num_queries(9):  # an export's proofs: a few chunks of stored hashes in all
        proofs = evidence_tree.inclusion_proofs(list(range(0, 1000, 7)), 1000)
    assert len(proofs) == 143


def test_a_rewritten_node_gives_a_proof_that_fails(db):
    _grow(40)
    root = evidence_tree.root_at(40)
    leaf = bytes.fromhex(ExchangeEvidence.objects.get(leaf_index=5).leaf_hash)
    assert verify_inclusion(leaf=leaf, index=5, size=40, proof=evidence_tree.inclusion_proof(5, 40), root=root)
    EvidenceNode.objects.filter(height=1, position=3).update(hash="00" * 32)
    assert not verify_inclusion(leaf=leaf, index=5, size=40, proof=evidence_tree.inclusion_proof(5, 40), root=root)


def test_sizes_outside_the_log_are_refused(db):
    _grow(3)
    with pytest.raises(ValueError):
        evidence_tree.inclusion_proof(0, 4)
    with pytest.raises(ValueError):
        evidence_tree.inclusion_proof(3, 3)
    with pytest.raises(ValueError):
        evidence_tree.consistency_proof(3, 2)
    with pytest.raises(ValueError):
        evidence_tree.root_at(4)
