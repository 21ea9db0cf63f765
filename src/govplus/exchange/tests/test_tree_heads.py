"""Signed tree heads of the evidence log and the evidence API: a head verifies with the keys the OIDC
provider publishes (checked with jwcrypto, as a peer node would), a head is never signed over a log
that contradicts the previous one, and entries and proofs are shown only to those entitled."""

from __future__ import annotations

import base64
import itertools
import json
from typing import Any

import pytest
from django.test import Client, override_settings
from jwcrypto.jwk import JWK, JWKSet
from jwcrypto.jws import JWS

from govplus.core.errors import Conflict
from govplus.core.merkle import verify_consistency, verify_inclusion
from govplus.core.models import AuditEntry
from govplus.exchange import tree_heads
from govplus.exchange.evidence import evidence_placed, evidence_record
from govplus.exchange.models import EvidenceNode, ExchangeEvidence, ExchangeTreeHead
from govplus.exchange.node_keys import node_jwks
from govplus.exchange.tasks import sign_exchange_tree_head
from govplus.identity.models import Role
from govplus.identity.services import staff_create
from govplus.testing.factories import PASSWORD

API = "/api/v1/exchange/evidence"


PERSON = "330521199003071234"


def lookup(exchange: Any, number: int) -> ExchangeEvidence:
    return evidence_placed(
        evidence_record(
            consumer=exchange.consumer.application.client_id,
            consumer_department="rsj",
            operation="lookup",
            resource_code=exchange.population.code,
            purpose="社保待遇资格审核",
            fields=["name"],
            record_count=1,
            request={"key": f"{PERSON}-{number}"},  # the request itself is never in the entry, only its hash
            response={"n": number},
        )
    )


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def supervisor(county):
    return staff_create(
        actor=None,
        username="jc_supervisor",
        password=PASSWORD,
        display_name="监察员",
        roles=[(county.departments["gaj"], Role.SUPERVISOR)],
    )


def published_keys(client: Client) -> JWKSet:
    response = client.get("/o/.well-known/jwks.json")
    assert response.status_code == 200
    return JWKSet.from_json(response.content.decode())


def test_a_signed_head_verifies_with_the_published_oidc_keys(exchange, client):
    entries = [lookup(exchange, n) for n in range(5)]
    response = client.get(f"{API}/tree-head")
    assert response.status_code == 200
    head = response.json()
    assert (
        head["tree_size"] == 5 and head["log"] == "exchange" and head["jwks_uri"].endswith("/o/.well-known/jwks.json")
    )
    token = JWS()
    token.deserialize(head["jws"])
    assert token.jose_header["alg"] == "RS256" and token.jose_header["typ"] == "exchange-tree-head+jws"
    keys = published_keys(client)
    token.verify(keys.get_key(token.jose_header["kid"]), alg="RS256")  # raises if it does not verify
    payload = json.loads(token.payload)
    assert payload == {k: head[k] for k in ("log", "node", "tree_size", "root_hash", "timestamp")}
    # the same keys make the platform's own check, as a peer node runs it, accept the head
    assert tree_heads.tree_head_check(jws=head["jws"], jwks=json.loads(keys.export(private_keys=False))) == payload
    # the root is the root of those five entries: each one's inclusion proof leads to it
    proof = client_for(exchange.consumer_officer).get(f"{API}/proof/inclusion", {"evidence_id": entries[3].evidence_id})
    assert proof.status_code == 200
    body = proof.json()
    assert body["tree_size"] == 5 and body["root_hash"] == head["root_hash"] and body["tree_head"]["jws"] == head["jws"]
    assert verify_inclusion(
        leaf=bytes.fromhex(entries[3].leaf_hash),
        index=3,
        size=5,
        proof=[bytes.fromhex(node) for node in body["audit_path"]],
        root=bytes.fromhex(head["root_hash"]),
    )


def test_a_head_signed_with_another_key_or_altered_is_refused(exchange):
    lookup(exchange, 1)
    head = tree_heads.tree_head_sign()
    assert head is not None
    keys = node_jwks()
    header, payload, signature = head.jws.split(".")
    # the payload changed (a bigger tree, say) under the genuine signature
    bigger = json.dumps({**json.loads(_b64(payload)), "tree_size": 99}, sort_keys=True, separators=(",", ":"))
    with pytest.raises(ValueError, match="does not verify"):
        tree_heads.tree_head_check(jws=f"{header}.{_b64e(bigger.encode())}.{signature}", jwks=keys)
    # a head made with another RSA key that claims the platform's kid
    impostor = JWK.generate(kty="RSA", size=2048)
    token = JWS(_b64(payload))
    token.add_signature(impostor, alg="RS256", protected={"alg": "RS256", "kid": head.kid, "typ": tree_heads.HEAD_TYPE})
    with pytest.raises(ValueError, match="does not verify"):
        tree_heads.tree_head_check(jws=token.serialize(compact=True), jwks=keys)
    with pytest.raises(ValueError, match="kid"):
        tree_heads.tree_head_check(jws=head.jws, jwks={"keys": []})


def _b64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _b64e(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def test_heads_are_signed_when_the_log_grew_and_no_more_often_than_the_interval(exchange):
    assert tree_heads.tree_head_current() is None  # an empty log has no head
    lookup(exchange, 1)
    first = tree_heads.tree_head_current()
    assert first is not None and first.tree_size == 1
    lookup(exchange, 2)
    with override_settings(GOVPLUS_EXCHANGE_STH_INTERVAL=3600):
        assert tree_heads.tree_head_current() == first  # asked again within the interval: the same head
    with override_settings(GOVPLUS_EXCHANGE_STH_INTERVAL=0):
        second = tree_heads.tree_head_current()
    assert second is not None and second.tree_size == 2
    assert tree_heads.tree_head_sign() is None  # nothing new: nothing signed
    lookup(exchange, 3)
    sign_exchange_tree_head.call_local()  # the five-minute task signs regardless of the interval
    assert ExchangeTreeHead.objects.latest("tree_size").tree_size == 3
    assert list(ExchangeTreeHead.objects.values_list("tree_size", flat=True)) == [1, 2, 3]
    signed = AuditEntry.objects.filter(action="exchange.tree_head_sign")
    assert sorted(int(object_id) for object_id in signed.values_list("object_id", flat=True)) == [1, 2, 3]
    # each head is consistent with the one before, by the public consistency proof
    heads = list(ExchangeTreeHead.objects.order_by("tree_size"))
    for older, newer in itertools.pairwise(heads):
        body = Client().get(f"{API}/proof/consistency", {"first": older.tree_size, "second": newer.tree_size}).json()
        assert verify_consistency(
            first=older.tree_size,
            second=newer.tree_size,
            first_root=bytes.fromhex(older.root_hash),
            second_root=bytes.fromhex(newer.root_hash),
            proof=[bytes.fromhex(node) for node in body["proof"]],
        )


def test_a_log_rewritten_under_a_signed_head_gets_no_new_signature(exchange, client):
    for n in range(3):
        lookup(exchange, n)
    assert tree_heads.tree_head_sign() is not None
    lookup(exchange, 3)
    lookup(exchange, 4)
    # someone with database access rewrites the subtree over entries 0..1, covered by the signed head
    # (PROOF(3, D[0:5]) is leaf 2, leaf 3, that subtree, leaf 4)
    EvidenceNode.objects.filter(height=1, position=0).update(hash="ab" * 32)
    with pytest.raises(Conflict):
        tree_heads.tree_head_sign()
    assert ExchangeTreeHead.objects.count() == 1
    with override_settings(GOVPLUS_EXCHANGE_STH_INTERVAL=0):
        response = client.get(f"{API}/tree-head")
    assert response.status_code == 200 and response.json()["tree_size"] == 3  # the last good head, no newer
    newest = ExchangeEvidence.objects.get(leaf_index=4)
    proof = client_for(exchange.consumer_officer).get(f"{API}/proof/inclusion", {"evidence_id": newest.evidence_id})
    assert proof.status_code == 404 and proof.json()["code"] == "evidence_inconsistent"
    assert ExchangeTreeHead.objects.count() == 1


def test_entries_are_shown_to_either_sides_staff_and_auditors_only(exchange, supervisor, county, client):
    entry = lookup(exchange, 1)
    url = f"{API}/entries/{entry.evidence_id}"
    assert client.get(url).status_code == 401
    for user in (exchange.consumer_officer, exchange.provider_officer, exchange.clerk, supervisor):
        response = client_for(user).get(url)
        assert response.status_code == 200, user
        body = response.json()
        assert body["leaf_index"] == 0 and body["entry"]["resource_code"] == exchange.population.code
        # the marker is an ID number (a random client id could contain a short one such as "k1" by chance)
        assert body["entry"]["consumer_department"] == "rsj" and PERSON not in body["canonical"]
    outsider = county.staff["swj_clerk"]  # 税务局: neither side
    assert client_for(outsider).get(url).status_code == 404
    proof = client_for(outsider).get(f"{API}/proof/inclusion", {"evidence_id": entry.evidence_id})
    assert proof.status_code == 404
    assert client_for(supervisor).get(f"{API}/entries/no-such-entry").status_code == 404


def test_bad_proof_parameters_are_422_naming_the_field(exchange, supervisor):
    entries = [lookup(exchange, n) for n in range(3)]
    auditor = client_for(supervisor)
    too_big = auditor.get(f"{API}/proof/inclusion", {"evidence_id": entries[2].evidence_id, "tree_size": 4})
    assert too_big.status_code == 422 and "tree_size" in too_big.json()["fields"]
    not_yet = auditor.get(f"{API}/proof/inclusion", {"evidence_id": entries[2].evidence_id, "tree_size": 2})
    assert not_yet.status_code == 422 and "tree_size" in not_yet.json()["fields"]
    assert (
        auditor.get(f"{API}/proof/inclusion", {"evidence_id": entries[2].evidence_id, "tree_size": 3}).status_code
        == 200
    )
    public = Client()
    reversed_sizes = public.get(f"{API}/proof/consistency", {"first": 3, "second": 2})
    assert reversed_sizes.status_code == 422 and "first" in reversed_sizes.json()["fields"]
    beyond = public.get(f"{API}/proof/consistency", {"first": 1, "second": 9})
    assert beyond.status_code == 422 and "second" in beyond.json()["fields"]
    zero = public.get(f"{API}/proof/consistency", {"first": 0, "second": 2})
    assert zero.status_code == 422 and "first" in zero.json()["fields"]
    not_a_number = public.get(f"{API}/proof/consistency", {"first": "x"})
    assert not_a_number.status_code == 422 and "first" in json.dumps(not_a_number.json()["fields"])
    fine = public.get(f"{API}/proof/consistency", {"first": 1})  # up to the newest signed head
    assert fine.status_code == 200 and fine.json()["second"] == 3
