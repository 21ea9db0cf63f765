"""Exchange between govplus nodes (物理分散、逻辑集中): a county, its city and its province, each with its own
database, find, request and consume each other's resources through the same gateway.

Rules:
- **Registration.** Each side's platform administrator registers the other (`govplus exchange_node
  register URL`, or the nodes page): this node reads the peer's public node document
  (`GET /api/v1/exchange/node`: code, name, level, address, public keys) and pins its keys; the two
  administrators compare the keys' thumbprint (a register with `--thumbprint` refuses a mismatch). A node
  never registers itself; registering again with other keys needs the new thumbprint.
- **Signed calls.** Every call between nodes is signed by the caller's node key (node_keys.py) and
  verified with the keys pinned here: an unknown, deactivated or badly signed node is refused (401).
- **Catalogue.** A registered node reads this node's published catalogue (names, fields, share classes;
  never records).
- **Requests.** A department's data officer asks a peer's resource for one of the department's systems.
  The peer files it as any request, for a consumer system that stands for the remote one (a department
  row `<node>.<department>` and a ConsumerSystem with the node's keys and no secret, linked by
  NodeConsumer): 无条件 is granted at once, 有条件 waits for the peer's data officer. This node mirrors
  the request (RemoteRequest) and refreshes its status from the peer.
- **Lookups** go through the gateway: a consumer system asks its own node, which forwards a signed call
  to the peer; the peer checks the grant of the standing-in system and answers like its gateway; both
  append evidence with the same request and response hashes (operation `node-lookup` at the provider,
  `remote-lookup` at the consumer), so each side proves the exchange on its own.
- Every registration, request and lookup is audited or evidenced; no personal data crosses but what a
  grant allows.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any
from urllib.parse import urlsplit

import httpx
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from govplus.core.audit import audit_record
from govplus.core.errors import GovplusError, NotFound, PermissionDenied, ValidationFailed
from govplus.core.merkle import verify_consistency, verify_inclusion
from govplus.exchange.evidence import EVIDENCE_LOG, evidence_canonical, evidence_record, leaf_position, node_code
from govplus.exchange.evidence_tree import inclusion_proof
from govplus.exchange.gateway import CallPurpose, call_request, gateway_batch, gateway_lookup, gateway_rate_check
from govplus.exchange.models import (
    ConsumerSystem,
    ExchangeEvidence,
    Node,
    NodeConsumer,
    RemoteRequest,
    Resource,
    ShareRequest,
)
from govplus.exchange.node_keys import (
    NodeCallRefused,
    jwks_thumbprint,
    node_call_claims,
    node_call_sign,
    node_call_verify,
    node_jwks,
)
from govplus.exchange.records import record_key_hash
from govplus.exchange.selectors import NodeActor, departments_seen_by, resources_published, speaks_for
from govplus.exchange.services import consumer_system_create, share_request_create
from govplus.exchange.tree_heads import tree_head_check, tree_head_covering
from govplus.identity.models import Department
from govplus.identity.selectors import is_platform_admin

NODE_API = "/api/v1/exchange/node"
TIMEOUT = httpx.Timeout(10.0, connect=5.0)
_client: httpx.Client | None = None


def _http() -> httpx.Client:
    """One HTTP client per process for node-to-node calls: its connections are kept alive and reused
    (a new client per call would build a TLS context and open a connection every time, ~50 ms)."""
    global _client
    if _client is None:
        _client = httpx.Client(timeout=TIMEOUT)
    return _client


class NodeUnavailable(GovplusError):
    status = 502
    code = "node_unavailable"


class NodeNotTrusted(GovplusError):
    status = 401
    code = "node_not_trusted"


class RemoteRefused(GovplusError):
    """The peer answered with an error: its status (a 4xx) and its message, said to be the peer's."""

    code = "remote_refused"

    def __init__(self, status: int, answer: dict[str, Any], node: Node) -> None:
        super().__init__(
            f"{node.name}：{answer.get('message') or '拒绝了请求'}",
            f"{node.name_en or node.code}: {answer.get('message_en') or 'refused the request'}",
            fields={k: list(v) for k, v in (answer.get("fields") or {}).items() if isinstance(v, list)},
        )
        self.status = status if 400 <= status < 500 else 502  # type: ignore[misc]


# ---- this node ---------------------------------------------------------------------------------------


def node_document() -> dict[str, Any]:
    """What this node publishes to its peers (public): who it is, where, and the keys it signs with."""
    jwks = node_jwks()
    return {
        "code": node_code(),
        "name": settings.GOVPLUS_NODE_NAME,
        "name_en": settings.GOVPLUS_NODE_NAME_EN,
        "level": settings.GOVPLUS_NODE_LEVEL,
        "base_url": settings.GOVPLUS_NODE_URL.rstrip("/"),
        "jwks": jwks,
        "thumbprint": jwks_thumbprint(jwks),
    }


def node_catalogue() -> list[dict[str, Any]]:
    """This node's published resources as a peer sees them: what they are and their fields, no records."""
    out = []
    for resource in resources_published().select_related("provider").prefetch_related("fields"):
        out.append(
            {
                "code": resource.code,
                "name": resource.name,
                "name_en": resource.name_en,
                "summary": resource.summary,
                "provider": resource.provider.name,
                "share_class": resource.share_class,
                "share_conditions": resource.share_conditions,
                "key_field": resource.key_field,
                "fields": [
                    {
                        "name": f.name,
                        "label": f.label,
                        "label_en": f.label_en,
                        "kind": f.kind,
                        "sensitivity": f.sensitivity,
                        "is_personal": f.is_personal,
                    }
                    for f in resource.fields.all()
                ],
            }
        )
    return out


# ---- registering a peer ------------------------------------------------------------------------------


def _fetch_document(url: str) -> dict[str, Any]:
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValidationFailed({"url": ["请填写对方节点的地址，如 https://zwfw.huzhou.gov.cn / the peer's address"]})
    base = f"{parts.scheme}://{parts.netloc}{parts.path.rstrip('/')}"
    try:
        answer = httpx.get(base + NODE_API, timeout=TIMEOUT)
        document = answer.json() if answer.status_code == 200 else None
    except (httpx.HTTPError, ValueError) as error:
        raise NodeUnavailable(
            f"无法读取对方节点信息（{type(error).__name__}）", f"cannot read the peer's node document ({error})"
        ) from error
    if not isinstance(document, dict) or not isinstance(document.get("jwks"), dict):
        raise ValidationFailed({"url": ["该地址不是 govplus 节点 / no govplus node answers at this address"]})
    document["base_url"] = base
    return document


def node_register(*, actor: Any, url: str, thumbprint: str = "") -> Node:
    """Register (or update) a peer node from its published document; the platform administrator only."""
    if actor is not None and not is_platform_admin(user=actor):
        raise PermissionDenied("只有平台管理员可以登记联邦节点", "only the platform administrator registers nodes")
    document = _fetch_document(url)
    code = str(document.get("code") or "").strip()
    problems: dict[str, list[str]] = {}
    if not code or len(code) > 40:
        problems["url"] = ["对方节点没有有效的节点代码 / the peer has no valid node code"]
    elif code == node_code():
        problems["url"] = ["不能登记本节点自己 / this is this node itself"]
    if document.get("level") not in Node.Level.values:
        problems.setdefault("url", []).append("对方节点的层级无效 / the peer's level is not county, city or province")
    keys = document["jwks"]
    try:
        measured = jwks_thumbprint(keys)
    except Exception:  # a key set that is no JWKS
        measured = ""
        problems.setdefault("url", []).append("对方节点的公钥无效 / the peer's public keys are not a JWKS")
    if thumbprint and measured and thumbprint.strip().lower() != measured:
        problems["thumbprint"] = ["密钥指纹不符，请与对方管理员核对 / the key thumbprint does not match"]
    existing = Node.objects.filter(code=code).first() if code else None
    if existing and measured and existing.thumbprint != measured and not thumbprint:
        problems["thumbprint"] = [
            "对方节点的密钥已变更，请提供新的密钥指纹 / the peer's keys changed: give the new thumbprint"
        ]
    if problems:
        raise ValidationFailed(problems)
    with transaction.atomic():
        node, created = Node.objects.update_or_create(
            code=code,
            defaults={
                "name": str(document.get("name") or code)[:100],
                "name_en": str(document.get("name_en") or "")[:150],
                "level": document["level"],
                "base_url": document["base_url"][:200],
                "jwks": keys,
                "thumbprint": measured,
                "is_active": True,
                "registered_by": actor if getattr(actor, "pk", None) else None,
                "registered_at": timezone.now(),
            },
        )
        audit_record(
            actor=actor,
            action="exchange.node_register",
            object_type="node",
            object_id=node.code,
            changes={"base_url": node.base_url, "thumbprint": measured, "new": created},
        )
    return node


# ---- signed calls --------------------------------------------------------------------------------------


def node_call(node: Node, method: str, path: str, payload: Any = None) -> Any:
    """Call a peer node (signed); returns its JSON answer or raises its refusal (RemoteRefused)."""
    if not node.is_active:
        raise NodeNotTrusted("该节点已停用", "this node is deactivated")
    body = b"" if payload is None else json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
    url = urlsplit(node.base_url)
    full_path = url.path.rstrip("/") + path
    authorization = node_call_sign(issuer=node_code(), audience=node.code, method=method, path=full_path, body=body)
    try:
        answer = _http().request(
            method,
            node.base_url.rstrip("/") + path,
            content=body,
            headers={"Authorization": authorization, "Content-Type": "application/json"},
        )
    except httpx.HTTPError as error:
        raise NodeUnavailable(
            f"{node.name}暂时无法连接，请稍后再试", f"{node.name_en or node.code} cannot be reached: {error}"
        ) from error
    try:
        data = answer.json()
    except ValueError:
        data = {}
    if answer.status_code >= 400:
        raise RemoteRefused(answer.status_code, data if isinstance(data, dict) else {}, node)
    return data


def calling_node(*, authorization: str, method: str, path: str, body: bytes) -> Node:
    """The registered, active node that signed this call (401 otherwise)."""
    try:
        issuer = str(node_call_claims(authorization).get("iss") or "")
        node = Node.objects.filter(code=issuer, is_active=True).first()
        if node is None:
            raise NodeCallRefused("调用方不是本节点登记的联邦节点", "the caller is not a node registered here")
        node_call_verify(
            authorization=authorization, jwks=node.jwks, audience=node_code(), method=method, path=path, body=body
        )
    except NodeCallRefused as refused:
        raise NodeNotTrusted(refused.message, refused.message_en) from refused
    return node


# ---- requests across nodes ---------------------------------------------------------------------------------


def _date(value: Any, name: str, problems: dict[str, list[str]]) -> dt.date | None:
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        problems[name] = ["日期格式应为 YYYY-MM-DD / a date must be YYYY-MM-DD"]
        return None


def remote_request_create(
    *,
    actor: Any,
    node: Node,
    resource_code: str,
    consumer: ConsumerSystem,
    purpose: str,
    legal_basis: str,
    fields: list[str],
    valid_from: dt.date,
    valid_until: dt.date,
) -> RemoteRequest:
    """Ask a peer node's resource for one of this department's systems; the peer files and decides it."""
    if not speaks_for(actor, consumer.department_id):
        raise PermissionDenied(
            "只有本部门的管理员或数据管理员可以为本部门系统申请数据",
            "only the consumer department's administrators or data officers may ask for its systems",
        )
    payload = {
        "resource": resource_code,
        "consumer": {
            "client_id": consumer.application.client_id,
            "name": consumer.name,
            "department": {"code": consumer.department.code, "name": consumer.department.name},
        },
        "purpose": purpose,
        "legal_basis": legal_basis,
        "fields": list(fields),
        "valid_from": valid_from.isoformat(),
        "valid_until": valid_until.isoformat(),
        "officer": getattr(actor, "display_name", "") or getattr(actor, "username", "") or "system",
    }
    answer = node_call(node, "POST", f"{NODE_API}/requests", payload)
    with transaction.atomic():
        mirrored = RemoteRequest.objects.create(
            node=node,
            number=answer["number"],
            resource_code=resource_code,
            resource_name=answer.get("resource_name", resource_code)[:100],
            consumer=consumer,
            fields=list(fields),
            purpose=purpose[:200],
            status=answer["status"],
            granted_fields=answer.get("granted_fields") or [],
            valid_until=dt.date.fromisoformat(answer["valid_until"]) if answer.get("valid_until") else None,
            requested_by=actor if getattr(actor, "pk", None) else None,
            requested_at=timezone.now(),
            synced_at=timezone.now(),
        )
        audit_record(
            actor=actor,
            action="exchange.remote_request_create",
            object_type="remote_request",
            object_id=f"{node.code}:{mirrored.number}",
            changes={"resource": resource_code, "consumer": consumer.name, "fields": list(fields)},
        )
    return mirrored


def remote_request_refresh(mirrored: RemoteRequest) -> RemoteRequest:
    """Read the request's status at the peer (granted, refused …) into its mirror here."""
    answer = node_call(mirrored.node, "GET", f"{NODE_API}/requests/{mirrored.number}")
    mirrored.status = answer["status"]
    mirrored.granted_fields = answer.get("granted_fields") or []
    mirrored.valid_until = dt.date.fromisoformat(answer["valid_until"]) if answer.get("valid_until") else None
    mirrored.synced_at = timezone.now()
    mirrored.save(update_fields=["status", "granted_fields", "valid_until", "synced_at"])
    return mirrored


def _standing_in(node: Node, consumer: dict[str, Any]) -> ConsumerSystem:
    """The local system that stands for a peer's consumer system (made on its first request)."""
    problems: dict[str, list[str]] = {}
    client_id = str(consumer.get("client_id") or "").strip()
    name = str(consumer.get("name") or "").strip()
    given = consumer.get("department")
    department: dict[str, Any] = given if isinstance(given, dict) else {}
    department_code = str(department.get("code") or "").strip()
    if not client_id or len(client_id) > 60:
        problems["consumer.client_id"] = ["缺少接入系统标识 / the system's client id is missing"]
    if not name:
        problems["consumer.name"] = ["缺少系统名称 / the system's name is missing"]
    if not department_code or len(node.code) + 1 + len(department_code) > 32:
        problems["consumer.department"] = ["缺少或过长的部门编码 / the department code is missing or too long"]
    if problems:
        raise ValidationFailed(problems)
    link = NodeConsumer.objects.select_related("consumer").filter(node=node, remote_client_id=client_id).first()
    if link is not None:
        return link.consumer
    row, _ = Department.objects.get_or_create(
        code=f"{node.code}.{department_code}",
        defaults={"name": f"{str(department.get('name') or department_code)[:80]}（{node.name}）"[:100]},
    )
    system, _secret = consumer_system_create(
        actor=None, department=row, name=name, client_id=f"{node.code}:{client_id}"[:100], jwks=node.jwks
    )
    NodeConsumer.objects.create(
        consumer=system, node=node, remote_client_id=client_id, remote_department=department_code
    )
    return system


def request_out_for_node(request: ShareRequest) -> dict[str, Any]:
    grant = getattr(request, "grant", None)
    return {
        "number": request.number,
        "resource": request.resource.code,
        "resource_name": request.resource.name,
        "status": request.status,
        "due_on": request.due_on.isoformat() if request.due_on else None,
        "decision_reason": request.decision_reason,
        "granted_fields": list(grant.fields) if grant else [],
        "valid_until": grant.valid_until.isoformat() if grant else None,
    }


def node_request_receive(*, node: Node, payload: dict[str, Any]) -> ShareRequest:
    """File a peer's request here, for the system standing in for its consumer."""
    problems: dict[str, list[str]] = {}
    resource = Resource.objects.filter(code=str(payload.get("resource") or ""), is_published=True).first()
    if resource is None:
        raise NotFound("本节点没有这个资源 / no such resource on this node")
    valid_from = _date(payload.get("valid_from"), "valid_from", problems)
    valid_until = _date(payload.get("valid_until"), "valid_until", problems)
    fields = payload.get("fields")
    if not isinstance(fields, list) or not all(isinstance(f, str) for f in fields):
        problems["fields"] = ["字段应为字段名的列表 / fields must be a list of field names"]
    consumer_data = payload.get("consumer")
    if not isinstance(consumer_data, dict):
        problems["consumer"] = ["缺少接入系统 / the consumer system is missing"]
    if problems:
        raise ValidationFailed(problems)
    assert valid_from and valid_until and isinstance(fields, list) and isinstance(consumer_data, dict)
    with transaction.atomic():
        consumer = _standing_in(node, consumer_data)
        actor = NodeActor(
            node=node, department_ids=frozenset({consumer.department_id}), officer=str(payload.get("officer") or "")
        )
        return share_request_create(
            actor=actor,
            resource=resource,
            consumer=consumer,
            purpose=str(payload.get("purpose") or ""),
            legal_basis=str(payload.get("legal_basis") or ""),
            fields=fields,
            valid_from=valid_from,
            valid_until=valid_until,
        )


def node_request_of(*, node: Node, number: str) -> ShareRequest:
    """A request one of the node's systems filed here (404 for any other)."""
    request = (
        ShareRequest.objects.select_related("resource", "consumer")
        .filter(number=number, consumer__node_link__node=node)
        .first()
    )
    if request is None:
        raise NotFound("没有这个申请 / no such request")
    return request


def remote_request_visible(*, actor: Any, node_code: str, number: str) -> RemoteRequest:
    """A mirrored cross-node request of a department the actor belongs to (404 otherwise)."""
    mirrored = (
        RemoteRequest.objects.select_related("node", "consumer__application")
        .filter(node__code=node_code, number=number)
        .first()
    )
    seen = departments_seen_by(actor)
    if mirrored is None or (seen is not None and mirrored.consumer.department_id not in seen):
        raise NotFound("没有这个申请 / no such request")
    return mirrored


# ---- lookups across nodes, and each side's evidence ------------------------------------------------------


def _keys_of(payload: dict[str, Any]) -> list[str]:
    keys = payload.get("keys")
    if not isinstance(keys, list) or not keys or not all(isinstance(k, str) for k in keys):
        raise ValidationFailed({"keys": ["请给出主键的列表 / give a list of keys"]})
    return keys


def node_lookup_receive(*, node: Node, payload: dict[str, Any]) -> dict[str, Any]:
    """Serve a peer's lookup for the system standing in for its consumer: the gateway's own checks (rate,
    grant, purpose, case and consent, fields, masking) and its evidence, here."""
    client_id = str(payload.get("consumer") or "")
    link = (
        NodeConsumer.objects.select_related("consumer__application", "consumer__department")
        .filter(node=node, remote_client_id=client_id)
        .first()
    )
    if link is None:
        raise NotFound("本节点没有该系统的授权 / this node holds no grant for that system")
    keys = _keys_of(payload)
    call = CallPurpose(
        purpose=str(payload.get("purpose") or ""),
        case_number=str(payload.get("case_number") or ""),
        consent=str(payload.get("consent") or ""),
    )
    resource_code = str(payload.get("resource") or "")
    if payload.get("single"):
        return gateway_lookup(consumer=link.consumer, resource_code=resource_code, key=keys[0], call=call)
    return gateway_batch(consumer=link.consumer, resource_code=resource_code, keys=keys, call=call)


def remote_lookup(
    *, consumer: ConsumerSystem, node: Node, resource_code: str, keys: list[str], call: CallPurpose, single: bool
) -> dict[str, Any]:
    """A consumer system's lookup of a peer's resource through this node's gateway: forwarded signed,
    answered by the peer under its grant, and evidenced here too with the same request and response
    hashes as the peer's entry (`peer_evidence_id`)."""
    gateway_rate_check(consumer=consumer)
    if not keys:
        raise ValidationFailed({"keys": ["请至少给出一个主键 / give at least one key"]})
    payload = {
        "consumer": consumer.application.client_id,
        "resource": resource_code,
        "keys": list(keys),
        "single": single,
        "purpose": call.purpose,
        "case_number": call.case_number,
        "consent": call.consent,
    }
    answer = node_call(node, "POST", f"{NODE_API}/lookup", payload)
    data = answer["data"]
    operation = "lookup" if single else "batch"
    asked: dict[str, Any] = {"key": keys[0]} if single else {"keys": list(keys)}
    request = call_request(operation, resource_code, call, **asked)  # what the peer's gateway hashed
    records = [data] if single else data.get("records", [])
    with transaction.atomic():
        entry = evidence_record(
            consumer=consumer.application.client_id,
            consumer_department=consumer.department.code,
            operation=f"remote-{operation}",
            resource_code=f"{node.code}:{resource_code}",
            purpose=call.purpose,
            fields=sorted({name for r in records for name in (r.get("values") or {})}),
            record_count=len(records),
            request=request,
            response=data,
            case_number=call.case_number,
            consent=call.consent,
            subject_hash=record_key_hash(keys[0]) if single else "",
        )
    return {
        "evidence_id": entry.evidence_id,
        "peer_evidence_id": answer["evidence_id"],
        "node": node.code,
        "resource": resource_code,
        "data": data,
    }


def node_evidence_out(*, node: Node, evidence_id: str) -> dict[str, Any]:
    """An entry of this node's log about one of the peer's systems, with its inclusion proof against a
    signed tree head: what the peer needs to check the exchange on its own."""
    entry = ExchangeEvidence.objects.filter(evidence_id=evidence_id, consumer__startswith=f"{node.code}:").first()
    if entry is None:
        raise NotFound("没有这条存证 / no such evidence entry")
    index = leaf_position(entry)
    head = tree_head_covering(index)
    return {
        "evidence_id": entry.evidence_id,
        "leaf_index": index,
        "canonical": evidence_canonical(entry).decode("utf-8"),
        "tree_size": head.tree_size,
        "audit_path": [node_hash.hex() for node_hash in inclusion_proof(index, head.tree_size)],
        "tree_head": {"jws": head.jws},
    }


def peer_evidence_check(*, node: Node, evidence_id: str, peer_evidence_id: str) -> dict[str, Any]:
    """Check the peer's evidence of one of this node's remote lookups, trusting only its pinned keys: its
    tree head is signed by the peer, its entry is in that tree, and it records the same exchange (same
    system, request and response hashes) as this node's own entry `evidence_id`. Returns each check."""
    own = ExchangeEvidence.objects.filter(evidence_id=evidence_id, operation__startswith="remote-").first()
    if own is None:
        raise NotFound("没有这条跨节点存证 / no such cross-node evidence entry")
    answer = node_call(node, "GET", f"{NODE_API}/evidence/{peer_evidence_id}")
    checks: dict[str, bool] = {}
    try:
        head = tree_head_check(jws=answer["tree_head"]["jws"], jwks=node.jwks)
        checks["signed_by_peer"] = head.get("node") == node.code
    except ValueError:
        head, checks["signed_by_peer"] = {}, False
    canonical = str(answer.get("canonical", "")).encode("utf-8")
    checks["in_peer_log"] = bool(head) and verify_inclusion(
        index=int(answer.get("leaf_index", -1)),
        size=int(head.get("tree_size", 0)),
        leaf=EVIDENCE_LOG.hash_leaf(canonical),
        proof=[bytes.fromhex(p) for p in answer.get("audit_path", [])],
        root=bytes.fromhex(str(head.get("root_hash", ""))),
    )
    theirs = json.loads(canonical or b"{}")
    checks["same_exchange"] = (
        theirs.get("consumer") == f"{node_code()}:{own.consumer}"
        and theirs.get("request_hash") == own.request_hash
        and theirs.get("response_hash") == own.response_hash
    )
    return {"valid": all(checks.values()), "checks": checks, "peer_entry": theirs}


def node_tree_head_audit(*, actor: Any, node: Node) -> dict[str, Any]:
    """Audit a peer's evidence log: its newest tree head must be signed with its pinned keys, name the
    peer, and extend the head this node checked last (a consistency proof; never a shorter or another
    tree). A head that holds is kept as the new reference; one that does not is refused and audited."""
    head = node_call(node, "GET", "/api/v1/exchange/evidence/tree-head")
    problem = ""
    try:
        payload = tree_head_check(jws=str(head.get("jws", "")), jwks=node.jwks)
    except ValueError:
        payload, problem = {}, "树头签名无效 / the tree head's signature does not verify with the pinned keys"
    previous = node.tree_head or {}
    size, root = int(payload.get("tree_size", 0)), str(payload.get("root_hash", ""))
    if not problem and payload.get("node") != node.code:
        problem = "树头不属于该节点 / the tree head names another node"
    elif not problem and previous:
        old_size, old_root = int(previous["tree_size"]), str(previous["root_hash"])
        if size < old_size:
            problem = "对方日志比上次核验时短 / the peer's log is shorter than at the last check"
        elif size == old_size:
            problem = "" if root == old_root else "同一大小的树根不同 / another root for the same size"
        else:
            proof = node_call(
                node, "GET", f"/api/v1/exchange/evidence/proof/consistency?first={old_size}&second={size}"
            )
            if not verify_consistency(
                first=old_size,
                second=size,
                first_root=bytes.fromhex(old_root),
                second_root=bytes.fromhex(root),
                proof=[bytes.fromhex(p) for p in proof.get("proof", [])],
            ):
                problem = "一致性证明不成立：对方日志被改写 / the consistency proof fails: the log was rewritten"
    with transaction.atomic():
        if not problem:
            node.tree_head = {"tree_size": size, "root_hash": root, "timestamp": payload.get("timestamp")}
            node.tree_head_checked_at = timezone.now()
            node.save(update_fields=["tree_head", "tree_head_checked_at"])
        audit_record(
            actor=actor,
            action="exchange.node_tree_head_check",
            object_type="node",
            object_id=node.code,
            changes={"tree_size": size, "root_hash": root, "previous": previous.get("tree_size"), "problem": problem},
        )
    return {"valid": not problem, "problem": problem, "tree_size": size, "root_hash": root}
