"""The gateway's API (/api/v1/exchange/gateway/…), called by consumer systems with an access token of
the client-credentials grant (scope `exchange`), and the usage figures for the departments' staff.
Thin: the rules are in `gateway.py`, the figures in `usage.py`."""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

from django.conf import settings
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from ninja import Field, Header, Query, Router, Schema
from ninja.security import APIKeyHeader
from ninja.security.base import SecuritySchema

from govplus.core.api import InputSchema, actor_of, auth_with, errors
from govplus.core.errors import InsufficientScope, NotFound, PermissionDenied
from govplus.exchange import federation, gateway, selectors, usage
from govplus.exchange.gateway_openapi import resource_openapi
from govplus.exchange.models import ConsumerSystem, Node

router = Router(tags=["exchange gateway 共享交换网关"])


def consumer_security_scheme() -> dict[str, Any]:
    """In the platform's API document the consumer's token is a plain Bearer scheme (the docs' Authorize
    dialog takes a pasted token; its OAuth2 login is the citizens' and staff's authorization code
    flow). Each resource's own document (`gateway_openapi`) names the client-credentials flow."""
    return {
        "type": "http",
        "scheme": "bearer",
        "description": "接入系统以客户端凭证模式在 /o/token/ 获取的访问令牌（client_secret 或 private_key_jwt，"
        "RFC 7523），范围 exchange / an access token of a consumer system from the client-credentials grant at "
        "/o/token/ (client secret or private_key_jwt), scope `exchange`.",
    }


@dataclass(frozen=True)
class _KnownConsumer:
    until: float
    consumer: ConsumerSystem


_known_consumers: dict[str, _KnownConsumer] = {}
_KNOWN_MAX = 10_000


def forget_known_consumers() -> None:
    """Verify every gateway token with the provider again (tests; after revoking tokens)."""
    _known_consumers.clear()


class ConsumerTokenAuth(APIKeyHeader):
    """A Bearer token of a consumer system (client credentials, scope `exchange`); `request.auth` is the
    ConsumerSystem. Like core's BearerTokenAuth, a verified token is remembered in the process for
    GOVPLUS_TOKEN_CACHE_SECONDS (never past its expiry); grants are checked on every call regardless."""

    param_name = "Authorization"

    def __init__(self) -> None:
        super().__init__()
        self.openapi_security_schema = SecuritySchema(**consumer_security_scheme())

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        if not key or not key.lower().startswith("bearer "):
            return None
        digest = hashlib.sha256(key[7:].strip().encode()).hexdigest()
        now = time.monotonic()
        known = _known_consumers.get(digest)
        if known is not None and known.until > now:
            return known.consumer
        from oauth2_provider.oauth2_backends import get_oauthlib_core

        core = get_oauthlib_core()
        valid, oauth_request = core.verify_request(request, scopes=["exchange"])
        if not valid:
            _known_consumers.pop(digest, None)
            if core.verify_request(request, scopes=[])[0]:
                raise InsufficientScope(["exchange"])
            return None
        token = oauth_request.access_token
        consumer = selectors.consumer_of_client(token.application.client_id) if token.application_id else None
        if consumer is None:
            raise PermissionDenied(
                "该令牌不属于已启用的接入系统",
                "the token is not one of an active consumer system",
                code="not_a_consumer",
            )
        seconds = float(settings.GOVPLUS_TOKEN_CACHE_SECONDS)
        remaining = (token.expires - timezone.now()).total_seconds()
        if seconds > 0:
            if len(_known_consumers) >= _KNOWN_MAX:
                _known_consumers.clear()
            _known_consumers[digest] = _KnownConsumer(now + min(seconds, remaining), consumer)
        return consumer


CONSUMER_AUTH = ConsumerTokenAuth()


def _answer(result: dict[str, Any]) -> JsonResponse:
    """The service's answer as it is: built by the service in the documented shape (the schemas below
    are its description), so it skips a second validation — for a batch, a thousand records through
    pydantic again."""
    return JsonResponse(result, json_dumps_params={"ensure_ascii": False, "separators": (",", ":")})


def _text(value: str) -> str:
    """A header's text: UTF-8 percent-encoded (or raw UTF-8, which WSGI hands over as Latin-1)."""
    with contextlib.suppress(UnicodeEncodeError, UnicodeDecodeError):
        value = value.encode("latin-1").decode("utf-8")
    return unquote(value).strip()


def _call(purpose: str, case_number: str, consent: str) -> gateway.CallPurpose:
    return gateway.CallPurpose(purpose=_text(purpose), case_number=_text(case_number), consent=_text(consent))


class RecordOut(Schema):
    key: str
    version: int
    values: dict[str, Any]


class LookupOut(Schema):
    evidence_id: str
    resource: str
    data: RecordOut


class BatchIn(InputSchema):
    keys: list[str] = Field(description=f"最多 {gateway.MAX_BATCH_KEYS} 个主键 / at most {gateway.MAX_BATCH_KEYS} keys")


class BatchData(Schema):
    records: list[RecordOut]
    missing: list[str]


class BatchOut(Schema):
    evidence_id: str
    resource: str
    data: BatchData


class ChangeOut(Schema):
    key: str | None
    version: int
    deleted: bool
    values: dict[str, Any] | None


class ChangesData(Schema):
    records: list[ChangeOut]
    next_since: int
    has_more: bool


class ChangesOut(Schema):
    evidence_id: str
    resource: str
    data: ChangesData


class UsageOut(Schema):
    day: dt.date
    consumer: str
    consumer_name: str
    consumer_department: str
    resource: str
    operation: str
    calls: int
    records: int


PURPOSE = Header("", alias="X-Purpose", description="本次调用的用途（必填，UTF-8 百分号编码）/ the purpose (required)")
CASE = Header("", alias="X-Case-Number", description="办件编号（为办件调取个人信息时）/ the case, for personal data")
CONSENT = Header("", alias="X-Consent", description="本人授权编号（注明办件时必填）/ the person's consent reference")


@router.get(
    "/exchange/gateway/{resource}/records/{key}",
    auth=CONSUMER_AUTH,
    response={200: LookupOut, **errors(401, 403, 404, 422, 429)},
    summary="按主键查询一条记录 / one record by its key",
)
def gateway_lookup(
    request: HttpRequest,
    resource: str,
    key: str,
    purpose: str = PURPOSE,
    case_number: str = CASE,
    consent: str = CONSENT,
) -> Any:
    """Only the granted fields; sensitive ones masked unless the grant unmasks them. A resource with
    personal fields needs `X-Case-Number` and `X-Consent`. The evidence entry is `evidence_id`."""
    return _answer(
        gateway.gateway_lookup(
            consumer=actor_of(request), resource_code=resource, key=key, call=_call(purpose, case_number, consent)
        )
    )


@router.post(
    "/exchange/gateway/{resource}/records:batch",
    auth=CONSUMER_AUTH,
    response={200: BatchOut, **errors(401, 403, 404, 422, 429)},
    summary=f"批量查询（最多 {gateway.MAX_BATCH_KEYS} 个主键）/ up to {gateway.MAX_BATCH_KEYS} records by key",
)
def gateway_batch(
    request: HttpRequest,
    resource: str,
    payload: BatchIn,
    purpose: str = PURPOSE,
    case_number: str = CASE,
    consent: str = CONSENT,
) -> Any:
    return _answer(
        gateway.gateway_batch(
            consumer=actor_of(request),
            resource_code=resource,
            keys=payload.keys,
            call=_call(purpose, case_number, consent),
        )
    )


# ---- the paths of the API contract: the same operations, under the catalogue's resource ---------


class ContractChangeOut(Schema):
    key: str | None
    version: int
    deleted: bool
    record: dict[str, Any] | None


class ContractChangesOut(Schema):
    evidence_id: str
    next: int = Field(description="下次查询的 since / the `since` of the next call")
    has_more: bool
    results: list[ContractChangeOut]


@router.get(
    "/exchange/resources/{code}/records/{key}",
    auth=CONSUMER_AUTH,
    response={200: LookupOut, **errors(401, 403, 404, 422, 429)},
    summary="按主键查询一条记录（同 gateway/{resource}/records/{key}）/ one record by its key",
)
def resource_record(
    request: HttpRequest,
    code: str,
    key: str,
    purpose: str = PURPOSE,
    case_number: str = CASE,
    consent: str = CONSENT,
) -> Any:
    return _answer(
        gateway.gateway_lookup(
            consumer=actor_of(request), resource_code=code, key=key, call=_call(purpose, case_number, consent)
        )
    )


@router.post(
    "/exchange/resources/{code}/lookup",
    auth=CONSUMER_AUTH,
    response={200: BatchOut, **errors(401, 403, 404, 422, 429)},
    summary=f"批量查询（最多 {gateway.MAX_BATCH_KEYS} 个主键）/ up to {gateway.MAX_BATCH_KEYS} records by key",
)
def resource_lookup(
    request: HttpRequest,
    code: str,
    payload: BatchIn,
    purpose: str = PURPOSE,
    case_number: str = CASE,
    consent: str = CONSENT,
) -> Any:
    return _answer(
        gateway.gateway_batch(
            consumer=actor_of(request), resource_code=code, keys=payload.keys, call=_call(purpose, case_number, consent)
        )
    )


@router.get(
    "/exchange/resources/{code}/changes",
    auth=CONSUMER_AUTH,
    response={200: ContractChangesOut, **errors(401, 403, 404, 422, 429)},
    summary="自某版本以来的变更：{next, results: [{key, version, record}]}（since=0 逐页读取全部记录）"
    " / the changes since a version (since=0 pages through every record)",
)
def resource_changes(
    request: HttpRequest,
    code: str,
    since: int = Query(0, ge=0, le=2**62),
    limit: int = Query(100, ge=1, le=gateway.MAX_CHANGES),
    purpose: str = PURPOSE,
    case_number: str = CASE,
    consent: str = CONSENT,
) -> Any:
    answer = gateway.gateway_changes(
        consumer=actor_of(request),
        resource_code=code,
        since=since,
        limit=limit,
        call=_call(purpose, case_number, consent),
    )
    data = answer["data"]
    return _answer(
        {
            "evidence_id": answer["evidence_id"],
            "next": data["next_since"],
            "has_more": data["has_more"],
            "results": [
                {"key": r["key"], "version": r["version"], "deleted": r["deleted"], "record": r["values"]}
                for r in data["records"]
            ],
        }
    )


def _peer(code: str) -> Any:
    node = Node.objects.filter(code=code, is_active=True).first()
    if node is None:
        raise NotFound("没有这个联邦节点 / no such node")
    return node


@router.get(
    "/exchange/gateway/nodes/{node}/{resource}/records/{key}",
    auth=CONSUMER_AUTH,
    response={200: dict[str, Any], **errors(401, 403, 404, 422, 429)},
    summary="经本节点查询外节点的一条记录 / one record of a peer node's resource, through this gateway",
)
def gateway_remote_lookup(
    request: HttpRequest,
    node: str,
    resource: str,
    key: str,
    purpose: str = PURPOSE,
    case_number: str = CASE,
    consent: str = CONSENT,
) -> Any:
    """Forwarded, signed, to the peer, which checks its grant to this system and answers; both nodes keep
    the evidence (`evidence_id` here, `peer_evidence_id` there, with the same hashes)."""
    return _answer(
        federation.remote_lookup(
            consumer=actor_of(request),
            node=_peer(node),
            resource_code=resource,
            keys=[key],
            call=_call(purpose, case_number, consent),
            single=True,
        )
    )


@router.post(
    "/exchange/gateway/nodes/{node}/{resource}/records:batch",
    auth=CONSUMER_AUTH,
    response={200: dict[str, Any], **errors(401, 403, 404, 422, 429)},
    summary="经本节点批量查询外节点的记录 / records of a peer node's resource by key, through this gateway",
)
def gateway_remote_batch(
    request: HttpRequest,
    node: str,
    resource: str,
    payload: BatchIn,
    purpose: str = PURPOSE,
    case_number: str = CASE,
    consent: str = CONSENT,
) -> Any:
    return _answer(
        federation.remote_lookup(
            consumer=actor_of(request),
            node=_peer(node),
            resource_code=resource,
            keys=payload.keys,
            call=_call(purpose, case_number, consent),
            single=False,
        )
    )


@router.get(
    "/exchange/gateway/{resource}/changes",
    auth=CONSUMER_AUTH,
    response={200: ChangesOut, **errors(401, 403, 404, 422, 429)},
    summary="自某版本以来的变更（含删除的记录）/ the changes since a version, deletions included",
)
def gateway_changes(
    request: HttpRequest,
    resource: str,
    since: int = Query(0, ge=0, le=2**62),
    limit: int = Query(100, ge=1, le=gateway.MAX_CHANGES),
    purpose: str = PURPOSE,
    case_number: str = CASE,
    consent: str = CONSENT,
) -> Any:
    return _answer(
        gateway.gateway_changes(
            consumer=actor_of(request),
            resource_code=resource,
            since=since,
            limit=limit,
            call=_call(purpose, case_number, consent),
        )
    )


@router.get(
    "/exchange/gateway/{resource}/openapi.json",
    auth=None,
    response={200: dict[str, Any], **errors(404, 422)},
    summary="该资源的 OpenAPI 3.1 接口描述 / the OpenAPI 3.1 document of this resource's gateway",
)
def gateway_openapi(request: HttpRequest, resource: str) -> Any:
    """For generating a client of one resource (its record schema, the three operations, the token URL).
    Catalogue metadata only: no token needed."""
    found = selectors.resource_by_code(resource)
    if found is None or not found.is_published:
        raise NotFound("没有这个数据资源", "no such resource")
    return JsonResponse(resource_openapi(found), json_dumps_params={"ensure_ascii": False})


@router.get(
    "/exchange/usage",
    auth=auth_with("exchange"),
    response={200: list[UsageOut], **errors(401, 403, 422)},
    summary="网关调用量（按日）/ gateway usage by day, of the department's systems and resources",
)
def usage_by_day(request: HttpRequest, date_from: dt.date | None = None, date_until: dt.date | None = None) -> Any:
    rows = usage.usage_by_day(actor=actor_of(request), date_from=date_from, date_until=date_until)
    return [row.__dict__ for row in rows]
