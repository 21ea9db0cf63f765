"""Sharing request and grant endpoints, for the staff of both sides (the consumer department asks, the
provider's data officer decides). Thin: every rule lives in services/selectors."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Status

from govplus.core.api import OFFSET_MAX, actor_of, auth_with, errors
from govplus.core.errors import NotFound, ValidationFailed
from govplus.exchange import selectors, services
from govplus.exchange.models import Grant, ShareRequest
from govplus.exchange.schemas import DecisionIn, GrantOut, ReasonIn, ShareRequestIn, ShareRequestOut
from govplus.identity.models import User

router = Router(tags=["exchange 数据共享交换"])
EXCHANGE_AUTH = auth_with("exchange")


def grant_out(grant: Grant) -> dict[str, Any]:
    return {
        "id": grant.pk,
        "resource": grant.resource.code,
        "consumer": grant.consumer.application.client_id,
        "fields": grant.fields,
        "unmasked_fields": grant.unmasked_fields,
        "valid_from": grant.valid_from,
        "valid_until": grant.valid_until,
        "withdrawn_at": grant.withdrawn_at,
        "withdraw_reason": grant.withdraw_reason,
        "in_force": selectors.grant_in_force(grant),
    }


def request_out(request: ShareRequest) -> dict[str, Any]:
    grant = getattr(request, "grant", None) if request.status == ShareRequest.Status.GRANTED else None
    return {
        "number": request.number,
        "resource": request.resource.code,
        "resource_name": request.resource.name,
        "provider": request.resource.provider.code,
        "consumer": request.consumer.application.client_id,
        "consumer_department": request.consumer.department.code,
        "purpose": request.purpose,
        "legal_basis": request.legal_basis,
        "fields": request.fields,
        "valid_from": request.valid_from,
        "valid_until": request.valid_until,
        "status": request.status,
        "status_label": str(request.get_status_display()),
        "requested_at": request.requested_at,
        "due_on": request.due_on,
        "decided_at": request.decided_at,
        "decision_reason": request.decision_reason,
        "grant": grant_out(grant) if grant is not None else None,
    }


def _staff(request: HttpRequest) -> Any:
    actor = actor_of(request)
    if actor.kind != User.Kind.STAFF:
        raise NotFound("没有这个页面 / not found")
    return actor


def _request_for(actor: Any, number: str) -> ShareRequest:
    return selectors.request_visible_to(actor=actor, number=number)


@router.post(
    "/exchange/requests",
    auth=EXCHANGE_AUTH,
    response={201: ShareRequestOut, **errors(401, 403, 404, 422)},
    summary="申请共享数据资源 / ask for a resource for one of the department's systems",
)
def request_create(request: HttpRequest, payload: ShareRequestIn) -> Any:
    """无条件共享 is granted at once (`status` granted, with its `grant`); 有条件共享 waits for the
    provider's data officer, who answers by `due_on` (working days)."""
    actor = _staff(request)
    resource = selectors.resource_by_code(payload.resource)
    if resource is None:
        raise ValidationFailed({"resource": ["没有这个资源 / no such resource"]})
    consumer = selectors.consumer_of_client(payload.consumer)
    if consumer is None:
        raise ValidationFailed({"consumer": ["没有这个接入系统 / no such consumer system"]})
    created = services.share_request_create(
        actor=actor,
        resource=resource,
        consumer=consumer,
        purpose=payload.purpose,
        legal_basis=payload.legal_basis,
        fields=payload.fields,
        valid_from=payload.valid_from,
        valid_until=payload.valid_until,
    )
    return Status(201, request_out(_request_for(actor, created.number)))


@router.get(
    "/exchange/requests",
    auth=EXCHANGE_AUTH,
    response={200: list[ShareRequestOut], **errors(401, 403, 404, 422)},
    summary="共享申请（本部门提出的和待本部门审核的）/ requests made by or made to the actor's departments",
)
def request_list(
    request: HttpRequest,
    status: str = Query("", max_length=10),
    limit: int = Query(50, ge=1, le=200),
    offset: int = Query(0, ge=0, le=OFFSET_MAX),
) -> Any:
    actor = _staff(request)
    if status and status not in ShareRequest.Status.values:
        raise ValidationFailed({"status": [f"应为 {'、'.join(ShareRequest.Status.values)} 之一 / unknown status"]})
    rows = selectors.requests_visible_to(
        actor=actor, department_ids=selectors.departments_seen_by(actor), status=status
    )
    return [request_out(r) for r in rows[offset : offset + limit]]


@router.get(
    "/exchange/requests/{number}",
    auth=EXCHANGE_AUTH,
    response={200: ShareRequestOut, **errors(401, 403, 404, 422)},
    summary="一个共享申请 / one request",
)
def request_detail(request: HttpRequest, number: str) -> Any:
    return request_out(_request_for(_staff(request), number))


@router.post(
    "/exchange/requests/{number}/decide",
    auth=EXCHANGE_AUTH,
    response={200: ShareRequestOut, **errors(401, 403, 404, 409, 422)},
    summary="数据管理员审核申请 / the provider's data officer grants or refuses",
)
def request_decide(request: HttpRequest, number: str, payload: DecisionIn) -> Any:
    actor = _staff(request)
    services.share_request_decide(
        actor=actor,
        request_number=number,
        grant=payload.grant,
        reason=payload.reason,
        fields=payload.fields,
        unmasked_fields=payload.unmasked_fields,
    )
    return request_out(_request_for(actor, number))


@router.post(
    "/exchange/requests/{number}/cancel",
    auth=EXCHANGE_AUTH,
    response={200: ShareRequestOut, **errors(401, 403, 404, 409, 422)},
    summary="撤回待审核的申请 / the asking department cancels a pending request",
)
def request_cancel(request: HttpRequest, number: str) -> Any:
    actor = _staff(request)
    services.share_request_cancel(actor=actor, request_number=number)
    return request_out(_request_for(actor, number))


@router.post(
    "/exchange/grants/{grant_id}/withdraw",
    auth=EXCHANGE_AUTH,
    response={200: GrantOut, **errors(401, 403, 404, 409, 422)},
    summary="撤销授权（任一方）/ either side withdraws a grant",
)
def grant_withdraw(request: HttpRequest, grant_id: int, payload: ReasonIn) -> Any:
    grant = services.grant_withdraw(actor=_staff(request), grant_id=grant_id, reason=payload.reason)
    return grant_out(grant)
