"""Signed tree heads of the exchange evidence log (签名树头), publishable to auditors and peer nodes.

Rules:
- A tree head states {log: "exchange", node, tree_size, root_hash (hex), timestamp (ms)}. It is signed
  as a compact JWS (RFC 7515), RS256, header {"alg": "RS256", "kid", "typ": "exchange-tree-head+jws"},
  the payload being that object as JSON with sorted keys and no spaces.
- The key is the platform's OIDC signing key (OIDC_RSA_PRIVATE_KEY, the key of its ID tokens), `kid`
  its RFC 7638 thumbprint, exactly as the provider publishes it at `/o/.well-known/jwks.json`: an
  auditor, or the other node of a federation, checks a head with the keys it already fetches to trust
  our ID tokens; no second key store to publish or rotate. (The Ed25519 heads core's Merkle log also
  signs for this log, every GOVPLUS_AUDIT_STH_EVERY entries, guard the database against its own
  administrators; these are the ones shown outside.) A rotated OIDC key stays in
  OIDC_RSA_PRIVATE_KEYS_INACTIVE, so heads it signed still verify against the published set.
- One head per tree size. A new head is signed only when the log grew: when someone asks for the
  current head and the newest is at least GOVPLUS_EXCHANGE_STH_INTERVAL seconds old, when an export
  needs a head covering its entries, and every five minutes (Huey, `tasks.py`).
- Before a new head is stored, the consistency proof (RFC 6962 §2.1.2) from the previous head is
  computed from the stored nodes and verified against both roots: a log rewritten under an already
  signed head is refused a new signature (Conflict for the signing service and task; readers keep
  getting the last good head), so no signed head ever contradicts an earlier one.
"""

from __future__ import annotations

import contextlib
import json
import logging
import time
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from jwcrypto.common import JWException
from jwcrypto.jwk import JWKSet
from jwcrypto.jws import JWS

from govplus.core.audit import audit_record
from govplus.core.errors import Conflict, NotFound
from govplus.core.merkle import Frontier, verify_consistency
from govplus.core.models import MerkleLogHead
from govplus.exchange.evidence import evidence_sequence, node_code
from govplus.exchange.evidence_tree import LOG_NAME, consistency_proof
from govplus.exchange.models import ExchangeTreeHead
from govplus.exchange.node_keys import node_private_key

logger = logging.getLogger(__name__)

ALGORITHM = "RS256"
HEAD_TYPE = "exchange-tree-head+jws"
JWKS_PATH = "/o/.well-known/jwks.json"


def _canonical(value: dict[str, Any]) -> bytes:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def jwks_uri() -> str:
    """Where anyone fetches the keys independently of an export."""
    return f"{str(settings.SITE_URL).rstrip('/')}{JWKS_PATH}"


def tree_head_payload(head: ExchangeTreeHead) -> dict[str, Any]:
    return {
        "log": LOG_NAME,
        "node": head.node,
        "tree_size": head.tree_size,
        "root_hash": head.root_hash,
        "timestamp": head.timestamp_ms,
    }


def tree_head_check(*, jws: str, jwks: dict[str, Any]) -> dict[str, Any]:
    """The payload of a tree head (ours or a peer node's) whose RS256 signature verifies with a key of
    `jwks` named by its `kid`; ValueError saying why otherwise."""
    try:
        token = JWS()
        token.deserialize(jws)
        header = token.jose_header
        if header.get("alg") != ALGORITHM or header.get("typ") != HEAD_TYPE:
            raise ValueError(f"not an {HEAD_TYPE} signed with {ALGORITHM}")
        key = JWKSet.from_json(json.dumps(jwks)).get_key(str(header.get("kid", "")))
        if key is None:
            raise ValueError(f"no published key with kid {header.get('kid')!r}")
        token.verify(key, alg=ALGORITHM)
        payload = json.loads(token.payload)
    except (JWException, json.JSONDecodeError, TypeError, KeyError) as error:
        raise ValueError(f"tree head signature does not verify: {error}") from error
    if not isinstance(payload, dict) or payload.get("log") != LOG_NAME:
        raise ValueError("not a tree head of an exchange log")
    return payload


def _sign(node: str, tree_size: int, root_hash: str) -> ExchangeTreeHead:
    key = node_private_key()
    head = ExchangeTreeHead(
        node=node, tree_size=tree_size, root_hash=root_hash, timestamp_ms=time.time_ns() // 1_000_000
    )
    head.kid = key.thumbprint()
    token = JWS(_canonical(tree_head_payload(head)))
    token.add_signature(key, alg=ALGORITHM, protected={"alg": ALGORITHM, "kid": head.kid, "typ": HEAD_TYPE})
    head.jws = token.serialize(compact=True)
    return head


def tree_head_latest_row() -> ExchangeTreeHead | None:
    return ExchangeTreeHead.objects.order_by("-tree_size").first()


def tree_head_sign(*, min_interval_seconds: float = 0) -> ExchangeTreeHead | None:
    """Sign and store the head of the log as it stands, if it grew since the newest signed head and that
    one is at least `min_interval_seconds` old; None when nothing was signed. Checks consistency with
    the previous head first (Conflict when the log contradicts it). Staged entries are placed first, so
    a head covers every exchange committed before it was asked for. Audited."""
    evidence_sequence()
    with transaction.atomic():
        log_head = MerkleLogHead.objects.select_for_update().filter(log_name=LOG_NAME).first()
        size = log_head.tree_size if log_head else 0
        previous = tree_head_latest_row()
        if size == 0 or (previous is not None and previous.tree_size >= size):
            return None
        now_ms = time.time_ns() // 1_000_000
        if previous is not None and now_ms - previous.timestamp_ms < min_interval_seconds * 1000:
            return None
        assert log_head is not None
        root = Frontier.from_hex(log_head.tree_size, log_head.frontier).root()
        if previous is not None:
            proof = consistency_proof(previous.tree_size, size)
            if not verify_consistency(
                first=previous.tree_size,
                second=size,
                first_root=bytes.fromhex(previous.root_hash),
                second_root=root,
                proof=proof,
            ):
                logger.error("exchange evidence log inconsistent with its tree head of size %s", previous.tree_size)
                raise Conflict(
                    f"存证日志与已签名的第 {previous.tree_size} 号树头不一致，拒绝签名，请立即核查。",
                    f"The evidence log is not consistent with its signed tree head of size {previous.tree_size}; "
                    "no new head is signed. Investigate at once.",
                    code="evidence_inconsistent",
                )
        head = _sign(node_code(), size, root.hex())
        try:
            with transaction.atomic():
                head.save()
        except IntegrityError:  # another process signed this size a moment ago
            return None
        audit_record(
            actor=None,
            action="exchange.tree_head_sign",
            object_type="exchange_tree_head",
            object_id=size,
            changes={"root_hash": head.root_hash, "kid": head.kid},
        )
    return head


def tree_head_current() -> ExchangeTreeHead | None:
    """The newest signed head, signing one first when the log grew and the newest is at least
    GOVPLUS_EXCHANGE_STH_INTERVAL seconds old; None for an empty log. A log that fails the consistency
    check keeps its last good head (the failure is logged, and the five-minute task fails loudly)."""
    with contextlib.suppress(Conflict):
        tree_head_sign(min_interval_seconds=float(settings.GOVPLUS_EXCHANGE_STH_INTERVAL))
    return tree_head_latest_row()


def tree_head_covering(leaf_index: int) -> ExchangeTreeHead:
    """A signed head whose tree holds entry `leaf_index` (the newest; signed now if none does yet).
    NotFound when there is none and none can be signed (the log failed its consistency check)."""
    head = tree_head_latest_row()
    if head is None or head.tree_size <= leaf_index:
        try:
            tree_head_sign()
        except Conflict as error:
            raise NotFound(error.message, error.message_en, code="evidence_inconsistent") from error
        head = tree_head_latest_row()
    if head is None or head.tree_size <= leaf_index:
        raise NotFound("没有覆盖该存证的签名树头。", "No signed tree head covers this entry.", code="no_tree_head")
    return head


def tree_head_of_size(tree_size: int) -> ExchangeTreeHead | None:
    return ExchangeTreeHead.objects.filter(tree_size=tree_size).first()
