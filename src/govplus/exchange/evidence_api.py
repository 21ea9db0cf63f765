"""Evidence endpoints (/api/v1/exchange/evidence/…): the signed tree head, entries, proofs, exports.

The tree head and consistency proofs hold hashes only and are public: an auditor or the other node of
a federation fetches them to keep this node honest (the head verifies with /o/.well-known/jwks.json).
An entry, its inclusion proof and exports name one exchange: staff of either side and auditors only
(`evidence_export.evidence_visible_to`), exports for data officers and auditors. Hashes are lowercase
hex, RFC 6962 SHA-256; proofs are computed from stored subtree hashes in O(log n) reads.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Field, Query, Router, Schema

from govplus.core.api import actor_of, auth_with, errors
from govplus.core.errors import NotFound, field_error
from govplus.exchange import evidence_export as exports
from govplus.exchange import evidence_tree, tree_heads
from govplus.exchange.evidence import evidence_canonical, leaf_position
from govplus.exchange.models import ExchangeTreeHead

router = Router(tags=["exchange 交换存证"])
EVIDENCE_AUTH = auth_with("exchange")
FIRST_DAY = Query(None, alias="from", description="第一天（本地）/ first day, local, YYYY-MM-DD")
LAST_DAY = Query(None, alias="to", description="最后一天（含）/ last day, included")


class EvidenceTreeHeadOut(Schema):
    log: str = Field(description="日志名 / log name, `exchange`")
    node: str = Field(description="签名节点 / the node that signed")
    tree_size: int = Field(description="树头覆盖的存证条数 / entries the head covers")
    root_hash: str = Field(description="RFC 6962 根哈希（hex）/ Merkle root, hex")
    timestamp: int = Field(description="签名时间（Unix 毫秒）/ signing time, ms since the Unix epoch")
    timestamp_iso: str
    kid: str = Field(description="签名密钥 / the OIDC signing key's kid (RFC 7638 thumbprint)")
    jws: str = Field(
        description="compact JWS, RS256, header typ `exchange-tree-head+jws`; its payload is "
        "{log, node, tree_size, root_hash, timestamp} as sorted, compact JSON"
    )
    jwks_uri: str = Field(description="where the verifying keys are published")
    signature: str = Field(description="the same compact JWS (the name the API contract gives it)")


class EvidenceEntryOut(Schema):
    evidence_id: str
    leaf_index: int
    leaf_hash: str = Field(description="SHA-256(0x00 || canonical), hex")
    canonical: str = Field(description="the exact UTF-8 JSON the leaf hashes")
    entry: dict[str, Any]


class EvidenceInclusionOut(Schema):
    evidence_id: str
    leaf_index: int
    leaf_hash: str
    tree_size: int
    root_hash: str
    audit_path: list[str] = Field(description="RFC 6962 §2.1.1 PATH, leaf to root")
    tree_head: EvidenceTreeHeadOut | None = Field(description="the signed head of this size, when there is one")


class EvidenceConsistencyOut(Schema):
    first: int
    second: int
    first_root: str
    second_root: str
    proof: list[str] = Field(description="RFC 6962 §2.1.2 PROOF(first, D[0:second])")


def head_out(head: ExchangeTreeHead) -> dict[str, Any]:
    return {
        **tree_heads.tree_head_payload(head),
        "timestamp_iso": dt.datetime.fromtimestamp(head.timestamp_ms / 1000, dt.UTC).isoformat(),
        "kid": head.kid,
        "jws": head.jws,
        "jwks_uri": tree_heads.jwks_uri(),
        "signature": head.jws,
    }


def _no_head() -> NotFound:
    return NotFound("存证日志还没有记录。", "The evidence log holds no entry yet.", code="no_tree_head")


@router.get(
    "/exchange/evidence/tree-head",
    response={200: EvidenceTreeHeadOut, **errors(404)},
    summary="最新签名树头 / the evidence log's latest signed tree head (public)",
)
def tree_head(request: HttpRequest) -> Any:
    """Signs a new head first when the log grew and the newest is older than
    GOVPLUS_EXCHANGE_STH_INTERVAL seconds — unless the log contradicts its last signed head: then that
    last good head is served (and nothing more is signed)."""
    head = tree_heads.tree_head_current()
    if head is None:
        raise _no_head()
    return head_out(head)


@router.get(
    "/exchange/evidence/entries/{evidence_id}",
    auth=EVIDENCE_AUTH,
    response={200: EvidenceEntryOut, **errors(401, 403, 404, 422)},
    summary="一条交换存证 / one evidence entry (staff of either side, auditors)",
)
def entry_detail(request: HttpRequest, evidence_id: str) -> Any:
    entry = exports.evidence_visible_to(actor=actor_of(request), evidence_id=evidence_id)
    canonical = evidence_canonical(entry)
    return {
        "evidence_id": entry.evidence_id,
        "leaf_index": entry.leaf_index,
        "leaf_hash": entry.leaf_hash,
        "canonical": canonical.decode("utf-8"),
        "entry": json.loads(canonical),
    }


@router.get(
    "/exchange/evidence/proof/inclusion",
    auth=EVIDENCE_AUTH,
    response={200: EvidenceInclusionOut, **errors(401, 403, 404, 422)},
    summary="一条存证的包含证明 / inclusion proof of one entry (staff of either side, auditors)",
)
def inclusion_proof(
    request: HttpRequest,
    evidence_id: str = Query(..., max_length=36),
    tree_size: int | None = Query(None, ge=1),
) -> Any:
    """Without `tree_size`: against the newest signed head (signed now if none covers the entry)."""
    return _inclusion(request, evidence_id, tree_size)


@router.get(
    "/exchange/evidence/{evidence_id}/proof",
    auth=EVIDENCE_AUTH,
    response={200: EvidenceInclusionOut, **errors(401, 403, 404, 422)},
    summary="一条存证的包含证明（API 约定的路径）/ inclusion proof of one entry (the contract's path)",
)
def evidence_proof(request: HttpRequest, evidence_id: str, tree_size: int | None = Query(None, ge=1)) -> Any:
    return _inclusion(request, evidence_id[:36], tree_size)


def _inclusion(request: HttpRequest, evidence_id: str, tree_size: int | None) -> dict[str, Any]:
    entry = exports.evidence_visible_to(actor=actor_of(request), evidence_id=evidence_id)
    index = leaf_position(entry)
    size = tree_size if tree_size is not None else tree_heads.tree_head_covering(index).tree_size
    if not index < size <= evidence_tree.log_size():
        raise field_error(
            "tree_size",
            f"须大于该存证的叶序号 {index} 且不超过日志大小 {evidence_tree.log_size()}",
            f"must be above the entry's leaf index {index} and at most the log's size",
        )
    signed = tree_heads.tree_head_of_size(size)
    return {
        "evidence_id": entry.evidence_id,
        "leaf_index": index,
        "leaf_hash": entry.leaf_hash,
        "tree_size": size,
        "root_hash": evidence_tree.root_at(size).hex(),
        "audit_path": [node.hex() for node in evidence_tree.inclusion_proof(index, size)],
        "tree_head": head_out(signed) if signed else None,
    }


@router.get(
    "/exchange/evidence/proof/consistency",
    response={200: EvidenceConsistencyOut, **errors(404, 422)},
    summary="两个树大小之间的一致性证明 / consistency proof between two tree sizes (public)",
)
def consistency_proof(request: HttpRequest, first: int = Query(...), second: int | None = Query(None)) -> Any:
    """Without `second`: up to the newest signed head."""
    return _consistency(first, second)


@router.get(
    "/exchange/evidence/consistency",
    response={200: EvidenceConsistencyOut, **errors(404, 422)},
    summary="一致性证明（API 约定的路径）/ consistency proof (the contract's path, public)",
)
def evidence_consistency(request: HttpRequest, first: int = Query(...), second: int | None = Query(None)) -> Any:
    return _consistency(first, second)


def _consistency(first: int, second: int | None) -> dict[str, Any]:
    if second is None:
        head = tree_heads.tree_head_current()
        if head is None:
            raise _no_head()
        second = head.tree_size
    size = evidence_tree.log_size()
    if first < 1:
        raise field_error("first", "须至少为 1", "must be at least 1")
    if second > size:
        raise field_error("second", f"不能超过日志大小 {size}", f"must be at most the log's size, {size}")
    if first > second:
        raise field_error("first", "不能大于 second", "must not be larger than second")
    return {
        "first": first,
        "second": second,
        "first_root": evidence_tree.root_at(first).hex(),
        "second_root": evidence_tree.root_at(second).hex(),
        "proof": [node.hex() for node in evidence_tree.consistency_proof(first, second)],
    }


@router.get(
    "/exchange/evidence/export",
    auth=EVIDENCE_AUTH,
    response={200: dict[str, Any], **errors(401, 403, 404, 422)},
    summary="导出交换存证（一次交换或一个时段）/ export the evidence of one exchange or a period "
    "(data officers of either side, auditors)",
)
def export(
    request: HttpRequest,
    evidence_id: str = Query("", max_length=36),
    period_from: dt.date | None = FIRST_DAY,
    period_to: dt.date | None = LAST_DAY,
    resource: str = Query("", max_length=40),
    consumer: str = Query("", max_length=100),
) -> Any:
    """A JSON file (`govplus-exchange-evidence-v1`) an auditor checks offline with
    docs/verifier/verify_exchange_evidence.py. Audited."""
    document = exports.evidence_export(
        actor=actor_of(request),
        evidence_id=evidence_id,
        period_from=period_from,
        period_to=period_to,
        resource_code=resource,
        consumer=consumer,
    )
    name = exports.export_file_name(evidence_id=evidence_id, period_from=period_from, period_to=period_to)
    response = HttpResponse(exports.export_content(document), content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
