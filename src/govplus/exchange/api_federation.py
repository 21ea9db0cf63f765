"""Endpoints between govplus nodes (`/exchange/node…`, signed by the calling node) and the staff's
endpoints to register nodes, read a peer's catalogue and ask for its resources. Thin: the rules live in
federation.py."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema, Status
from ninja.security import APIKeyHeader

from govplus.core.api import actor_of, auth_with, errors
from govplus.core.errors import NotFound, PermissionDenied
from govplus.exchange import federation
from govplus.exchange.evidence_export import is_evidence_auditor
from govplus.exchange.models import ConsumerSystem, Node, RemoteRequest
from govplus.exchange.selectors import consumer_of_client
from govplus.identity.models import User
from govplus.identity.selectors import is_platform_admin

router = Router(tags=["exchange 跨节点交换 / federation"])
STAFF_AUTH = auth_with("exchange")


class NodeSignature(APIKeyHeader):
    """`Authorization: Node <JWS>`: a call signed by a registered peer node (node_keys.py)."""

    param_name = "Authorization"

    def authenticate(self, request: HttpRequest, key: str | None) -> Node | None:
        return federation.calling_node(
            authorization=key or "", method=request.method or "GET", path=request.path, body=request.body
        )


NODE_AUTH = NodeSignature()


class NodeDocumentOut(Schema):
    code: str
    name: str
    name_en: str
    level: str
    base_url: str
    jwks: dict[str, Any]
    thumbprint: str


class NodeRequestIn(Schema):
    resource: str
    consumer: dict[str, Any]
    purpose: str
    legal_basis: str
    fields: list[str]
    valid_from: str
    valid_until: str
    officer: str = ""


class NodeRequestOut(Schema):
    number: str
    resource: str
    resource_name: str
    status: str
    due_on: str | None
    decision_reason: str
    granted_fields: list[str]
    valid_until: str | None


class NodeRegisterIn(Schema):
    url: str
    thumbprint: str = ""


class NodeOut(Schema):
    code: str
    name: str
    level: str
    base_url: str
    thumbprint: str
    is_active: bool


class RemoteRequestIn(Schema):
    resource: str
    consumer: str  # the client id of one of this department's systems
    purpose: str
    legal_basis: str
    fields: list[str]
    valid_from: dt.date
    valid_until: dt.date


class RemoteRequestOut(Schema):
    node: str
    number: str
    resource: str
    resource_name: str
    consumer: str
    fields: list[str]
    status: str
    granted_fields: list[str]
    valid_until: dt.date | None


def _node_out(node: Node) -> dict[str, Any]:
    return {
        "code": node.code,
        "name": node.name,
        "level": node.level,
        "base_url": node.base_url,
        "thumbprint": node.thumbprint,
        "is_active": node.is_active,
    }


def _remote_out(mirrored: RemoteRequest) -> dict[str, Any]:
    return {
        "node": mirrored.node.code,
        "number": mirrored.number,
        "resource": mirrored.resource_code,
        "resource_name": mirrored.resource_name,
        "consumer": mirrored.consumer.application.client_id,
        "fields": mirrored.fields,
        "status": mirrored.status,
        "granted_fields": mirrored.granted_fields,
        "valid_until": mirrored.valid_until,
    }


def _staff(request: HttpRequest) -> Any:
    actor = actor_of(request)
    if actor.kind != User.Kind.STAFF:
        raise NotFound("没有这个页面 / not found")
    return actor


def _node(code: str) -> Node:
    node = Node.objects.filter(code=code, is_active=True).first()
    if node is None:
        raise NotFound("没有这个联邦节点 / no such node")
    return node


# ---- what peers call ---------------------------------------------------------------------------------


@router.get(
    "/exchange/node", auth=None, response={200: NodeDocumentOut}, summary="本节点信息与公钥 / this node and its keys"
)
def node_document(request: HttpRequest) -> Any:
    return federation.node_document()


@router.get(
    "/exchange/node/resources",
    auth=NODE_AUTH,
    response={200: list[dict[str, Any]], **errors(401)},
    summary="本节点的资源目录（节点调用）/ this node's catalogue, for a peer",
)
def node_resources(request: HttpRequest) -> Any:
    return federation.node_catalogue()


@router.post(
    "/exchange/node/requests",
    auth=NODE_AUTH,
    response={201: NodeRequestOut, **errors(401, 403, 404, 422)},
    summary="外节点提交共享申请 / a peer files a sharing request",
)
def node_request_create(request: HttpRequest, payload: NodeRequestIn) -> Any:
    filed = federation.node_request_receive(node=request.auth, payload=payload.dict())  # type: ignore[attr-defined]
    return Status(201, federation.request_out_for_node(filed))


@router.get(
    "/exchange/node/requests/{number}",
    auth=NODE_AUTH,
    response={200: NodeRequestOut, **errors(401, 404, 422)},
    summary="外节点查看其申请 / a peer reads its request",
)
def node_request_detail(request: HttpRequest, number: str) -> Any:
    return federation.request_out_for_node(federation.node_request_of(node=request.auth, number=number))  # type: ignore[attr-defined]


class NodeLookupIn(Schema):
    consumer: str
    resource: str
    keys: list[str]
    single: bool = False
    purpose: str
    case_number: str = ""
    consent: str = ""


@router.post(
    "/exchange/node/lookup",
    auth=NODE_AUTH,
    response={200: dict[str, Any], **errors(401, 403, 404, 422, 429)},
    summary="外节点经网关查询（节点调用）/ a peer's gateway lookup, for its standing-in system",
)
def node_lookup(request: HttpRequest, payload: NodeLookupIn) -> Any:
    return federation.node_lookup_receive(node=request.auth, payload=payload.dict())  # type: ignore[attr-defined]


@router.get(
    "/exchange/node/evidence/{evidence_id}",
    auth=NODE_AUTH,
    response={200: dict[str, Any], **errors(401, 404, 422)},
    summary="外节点核对其交换的存证与包含证明 / a peer checks the evidence of its own exchange",
)
def node_evidence(request: HttpRequest, evidence_id: str) -> Any:
    return federation.node_evidence_out(node=request.auth, evidence_id=evidence_id)  # type: ignore[attr-defined]


# ---- what this node's staff call -----------------------------------------------------------------------


@router.get(
    "/exchange/nodes", auth=STAFF_AUTH, response={200: list[NodeOut], **errors(401, 403)}, summary="联邦节点 / nodes"
)
def node_list(request: HttpRequest) -> Any:
    _staff(request)
    return [_node_out(node) for node in Node.objects.all()]


@router.post(
    "/exchange/nodes",
    auth=STAFF_AUTH,
    response={201: NodeOut, **errors(401, 403, 422)},
    summary="登记联邦节点（平台管理员）/ register a peer node",
)
def node_register(request: HttpRequest, payload: NodeRegisterIn) -> Any:
    node = federation.node_register(actor=_staff(request), url=payload.url, thumbprint=payload.thumbprint)
    return Status(201, _node_out(node))


@router.get(
    "/exchange/nodes/{code}/resources",
    auth=STAFF_AUTH,
    response={200: list[dict[str, Any]], **errors(401, 403, 404, 422)},
    summary="外节点的资源目录 / a peer's catalogue",
)
def node_remote_resources(request: HttpRequest, code: str) -> Any:
    _staff(request)
    return federation.node_call(_node(code), "GET", f"{federation.NODE_API}/resources")


@router.post(
    "/exchange/nodes/{code}/requests",
    auth=STAFF_AUTH,
    response={201: RemoteRequestOut, **errors(401, 403, 404, 422)},
    summary="向外节点申请共享 / ask a peer's resource",
)
def node_remote_request(request: HttpRequest, code: str, payload: RemoteRequestIn) -> Any:
    consumer: ConsumerSystem | None = consumer_of_client(payload.consumer)
    if consumer is None:
        raise NotFound("没有这个接入系统 / no such consumer system")
    mirrored = federation.remote_request_create(
        actor=_staff(request),
        node=_node(code),
        resource_code=payload.resource,
        consumer=consumer,
        purpose=payload.purpose,
        legal_basis=payload.legal_basis,
        fields=payload.fields,
        valid_from=payload.valid_from,
        valid_until=payload.valid_until,
    )
    return Status(201, _remote_out(mirrored))


@router.get(
    "/exchange/nodes/{code}/requests/{number}",
    auth=STAFF_AUTH,
    response={200: RemoteRequestOut, **errors(401, 403, 404, 422)},
    summary="跨节点申请的状态（向对方刷新）/ a cross-node request, refreshed from the peer",
)
def node_remote_request_detail(request: HttpRequest, code: str, number: str) -> Any:
    actor = _staff(request)
    mirrored = federation.remote_request_visible(actor=actor, node_code=code, number=number)
    return _remote_out(federation.remote_request_refresh(mirrored))


@router.post(
    "/exchange/nodes/{code}/audit",
    auth=STAFF_AUTH,
    response={200: dict[str, Any], **errors(401, 403, 404, 422)},
    summary="核验外节点的签名树头与一致性（平台管理员、监察员）/ audit a peer's tree head",
)
def node_audit(request: HttpRequest, code: str) -> Any:
    actor = _staff(request)
    if not (is_platform_admin(user=actor) or is_evidence_auditor(actor)):
        raise PermissionDenied("只有平台管理员或监察员可以核验", "only the platform administrator or auditors")
    return federation.node_tree_head_audit(actor=actor, node=_node(code))
