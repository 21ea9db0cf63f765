"""Audit log endpoints (/api/v1/audit/…): the signed tree head, inclusion and consistency proofs.

The latest signed tree head and consistency proofs are public: they hold hashes only, and a witness
(e.g. the city's node) must be able to fetch them to keep the platform honest. Inclusion proofs name
one entry, so only superusers, platform administrators and supervisors (监察员) may ask for them.
All hashes are lowercase hex; interior nodes are RFC 6962 (SHA-256, 0x01 prefix); leaf hashes are
keyed (HMAC-SHA256 over 0x00 || entry), so a proof shows a stored leaf is in a signed tree.
Computing a proof reads the leaf hashes up to the tree size: O(n), about a second per million entries.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from django.http import HttpRequest
from ninja import Field, Router, Schema

from govplus.core.api import AUTH, actor_of, errors
from govplus.core.audit import AUDIT_LOG
from govplus.core.errors import NotFound, PermissionDenied, field_error
from govplus.core.models import AuditEntry
from govplus.core.transparency import STH_FORMAT, TreeHead, key_id, public_key_pem

router = Router(tags=["audit 审计"])


class TreeHeadOut(Schema):
    format: str = Field(description=f"签名格式 / signature format, `{STH_FORMAT}`")
    log: str = Field(description="日志名 / log name")
    tree_size: int = Field(description="叶子数 / number of entries the head covers")
    root_hash: str = Field(description="RFC 6962 根哈希（hex）/ Merkle tree root, hex")
    timestamp: int = Field(description="签名时间（Unix 毫秒）/ signing time, ms since the Unix epoch")
    timestamp_iso: str
    key_id: str = Field(description="SHA-256 of the raw Ed25519 public key, hex")
    signature: str = Field(
        description="Ed25519 signature (base64) over "
        "`govplus-sth-v1\\n{log}\\n{tree_size}\\n{root_hash}\\n{timestamp}\\n`"
    )
    public_key: str = Field(description="Ed25519 public key (PEM); witnesses pin it out of band")


class InclusionProofOut(Schema):
    entry_id: int
    leaf_index: int
    leaf_hash: str
    tree_size: int
    root_hash: str
    audit_path: list[str] = Field(description="RFC 6962 §2.1.1 PATH, leaf to root")
    tree_head: TreeHeadOut | None = Field(description="the signed head of this size, when there is one")


class ConsistencyProofOut(Schema):
    first: int
    second: int
    first_root: str
    second_root: str
    proof: list[str] = Field(description="RFC 6962 §2.1.2 PROOF(first, D[0:second])")


def _head_out(head: TreeHead) -> dict[str, Any]:
    return {
        **head.as_json(),
        "timestamp_iso": datetime.fromtimestamp(head.timestamp_ms / 1000, UTC).isoformat(),
        "key_id": head.key_id or key_id(),
        "public_key": public_key_pem(),
    }


def _require_auditor(user: Any) -> None:
    from govplus.identity.selectors import is_platform_admin, user_has_role

    if not (is_platform_admin(user=user) or user_has_role(user=user, roles={"supervisor"})):
        raise PermissionDenied(
            "仅超级管理员、平台管理员和监察员可以查看审计证明。",
            "Only superusers, platform administrators and supervisors may read audit proofs.",
        )


def _latest_size() -> int:
    head = AUDIT_LOG.latest_tree_head()
    if head is None:
        raise NotFound("尚无签名树头。", "No signed tree head yet.", code="no_tree_head")
    return head.tree_size


@router.get(
    "/audit/tree-head",
    response={200: TreeHeadOut, **errors(404)},
    summary="最新签名树头 / the latest signed tree head of the audit log (public)",
)
def tree_head(request: HttpRequest) -> Any:
    head = AUDIT_LOG.latest_tree_head()
    if head is None:
        raise NotFound("尚无签名树头。", "No signed tree head yet.", code="no_tree_head")
    return _head_out(head)


@router.get(
    "/audit/entries/{entry_id}/inclusion-proof",
    auth=AUTH,
    response={200: InclusionProofOut, **errors(401, 403, 404, 422)},
    summary="一条审计记录的包含证明 / inclusion proof of one audit entry (superuser, platform admin, supervisor)",
)
def inclusion_proof(request: HttpRequest, entry_id: int, tree_size: int | None = None) -> Any:
    _require_auditor(actor_of(request))
    entry = AuditEntry.objects.filter(pk=entry_id).values("leaf_index", "leaf_hash").first()
    if entry is None:
        raise NotFound("未找到该审计记录。", "No such audit entry.")
    size = tree_size if tree_size is not None else _latest_size()
    if not entry["leaf_index"] < size <= AUDIT_LOG.current_size():
        raise field_error(
            "tree_size",
            f"树大小须大于该记录的序号 {entry['leaf_index']} 且不超过日志大小",
            f"must be above the entry's leaf index {entry['leaf_index']} and at most the log's size",
        )
    levels = AUDIT_LOG.levels(size)
    signed = AUDIT_LOG.signed_head_of_size(size)
    return {
        "entry_id": entry_id,
        "leaf_index": entry["leaf_index"],
        "leaf_hash": entry["leaf_hash"],
        "tree_size": size,
        "root_hash": levels.root().hex(),
        "audit_path": [node.hex() for node in levels.inclusion_proof(entry["leaf_index"], size)],
        "tree_head": _head_out(signed) if signed else None,
    }


@router.get(
    "/audit/consistency-proof",
    response={200: ConsistencyProofOut, **errors(404, 422)},
    summary="两个树大小之间的一致性证明 / consistency proof between two tree sizes (public)",
)
def consistency_proof(request: HttpRequest, first: int, second: int | None = None) -> Any:
    size = second if second is not None else _latest_size()
    if not 0 < first <= size <= AUDIT_LOG.current_size():
        raise field_error(
            "first", "须满足 0 < first ≤ second ≤ 日志大小", "must satisfy 0 < first ≤ second ≤ the log's size"
        )
    levels = AUDIT_LOG.levels(size)
    return {
        "first": first,
        "second": size,
        "first_root": levels.root(first).hex(),
        "second_root": levels.root().hex(),
        "proof": [node.hex() for node in levels.consistency_proof(first, size)],
    }
