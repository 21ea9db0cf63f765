"""The audit API: a witness fetches the signed head and checks proofs with its own RFC 6962 code."""

from __future__ import annotations

import base64
import hashlib

import pytest
from cryptography.hazmat.primitives import serialization

from govplus.core.audit import AUDIT_LOG
from govplus.core.models import AuditEntry
from govplus.core.tests.test_merkle import rfc_mth, rfc_path, rfc_proof
from govplus.identity.models import Role
from govplus.identity.services import staff_create
from govplus.testing.factories import PASSWORD


def rfc9162_inclusion_root(leaf: bytes, index: int, size: int, path: list[bytes]) -> bytes:
    """Recompute the root from an audit path the way the RFC's PATH defines it (recursively)."""
    if size == 1:
        assert not path
        return leaf
    k = 1
    while k * 2 < size:
        k *= 2
    *rest, sibling = path
    if index < k:
        return hashlib.sha256(b"\x01" + rfc9162_inclusion_root(leaf, index, k, rest) + sibling).digest()
    return hashlib.sha256(b"\x01" + sibling + rfc9162_inclusion_root(leaf, index - k, size - k, rest)).digest()


@pytest.fixture
def supervisor(county):
    return staff_create(
        actor=None,
        username="jc_supervisor",
        password=PASSWORD,
        display_name="监察员",
        roles=[(county.departments["gaj"], Role.SUPERVISOR)],
    )


@pytest.fixture
def signed(county):
    county.submitted_application()
    county.submitted_application(applicant=county.other_citizen)
    AUDIT_LOG.sign_tree_head()
    return list(AuditEntry.objects.order_by("leaf_index"))


def test_anyone_gets_the_latest_signed_tree_head_and_can_check_its_signature(client, signed):
    response = client.get("/api/v1/audit/tree-head")
    assert response.status_code == 200
    head = response.json()
    assert head["tree_size"] == len(signed)
    leaves = [bytes.fromhex(entry.leaf_hash) for entry in signed]
    assert head["root_hash"] == rfc_mth(leaves).hex()
    public_key = serialization.load_pem_public_key(head["public_key"].encode())
    message = f"govplus-sth-v1\naudit\n{head['tree_size']}\n{head['root_hash']}\n{head['timestamp']}\n".encode()
    public_key.verify(base64.b64decode(head["signature"]), message)  # raises when not signed by the platform


def test_no_tree_head_yet_is_a_404_with_the_error_shape(client, db):
    response = client.get("/api/v1/audit/tree-head")
    assert response.status_code == 404
    assert response.json()["code"] == "no_tree_head"


def test_a_supervisor_gets_an_inclusion_proof_that_checks_against_the_signed_root(client, signed, supervisor):
    client.force_login(supervisor)
    head = client.get("/api/v1/audit/tree-head").json()
    leaves = [bytes.fromhex(entry.leaf_hash) for entry in signed]
    for entry in signed:
        response = client.get(f"/api/v1/audit/entries/{entry.pk}/inclusion-proof")
        assert response.status_code == 200, response.content
        proof = response.json()
        path = [bytes.fromhex(node) for node in proof["audit_path"]]
        assert path == rfc_path(entry.leaf_index, leaves)
        root = rfc9162_inclusion_root(bytes.fromhex(proof["leaf_hash"]), proof["leaf_index"], proof["tree_size"], path)
        assert root.hex() == head["root_hash"] == proof["tree_head"]["root_hash"]


def test_inclusion_proofs_are_for_auditors_only(client, signed, county):
    entry = signed[0]
    assert client.get(f"/api/v1/audit/entries/{entry.pk}/inclusion-proof").status_code == 401
    for user in (county.citizen, county.staff["clerk"]):
        client.force_login(user)
        response = client.get(f"/api/v1/audit/entries/{entry.pk}/inclusion-proof")
        assert response.status_code == 403
        assert "监察员" in response.json()["message"]


def test_bad_proof_requests_are_4xx_naming_the_field(client, signed, supervisor):
    client.force_login(supervisor)
    response = client.get(f"/api/v1/audit/entries/{signed[3].pk}/inclusion-proof?tree_size=2")
    assert response.status_code == 422 and "tree_size" in response.json()["fields"]
    assert client.get("/api/v1/audit/entries/999999/inclusion-proof").status_code == 404
    for query in ("first=0", "first=5&second=3", "first=1&second=1000000", "first=99999999999999999999"):
        response = client.get(f"/api/v1/audit/consistency-proof?{query}")
        assert response.status_code == 422, query
        assert "first" in response.json()["fields"]


def test_anyone_gets_a_consistency_proof_between_two_sizes(client, signed, county):
    older = len(signed)
    county.submitted_application()
    AUDIT_LOG.sign_tree_head()
    leaves = [bytes.fromhex(e.leaf_hash) for e in AuditEntry.objects.order_by("leaf_index")]
    newer = len(leaves)
    response = client.get(f"/api/v1/audit/consistency-proof?first={older}")
    assert response.status_code == 200
    body = response.json()
    assert body["second"] == newer
    assert body["first_root"] == rfc_mth(leaves[:older]).hex()
    assert body["second_root"] == rfc_mth(leaves).hex()
    assert [bytes.fromhex(node) for node in body["proof"]] == rfc_proof(older, leaves)
