"""Change subscription endpoints, for the consumer department's staff (its administrators and data
officers write; its staff read). Thin: every rule lives in subscriptions.py; the signing secret is in
the create response only."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status

from govplus.core.api import InputSchema, actor_of, auth_with, errors
from govplus.core.errors import NotFound, ValidationFailed
from govplus.exchange import selectors, subscriptions
from govplus.exchange.models import Subscription
from govplus.identity.models import User

router = Router(tags=["exchange 数据共享交换"])
EXCHANGE_AUTH = auth_with("exchange")


class SubscriptionIn(InputSchema):
    """Subscribe the consumer system `consumer` (its OAuth client id) to the changes of `resource` (its
    code), pushed to `endpoint_url`; `keys` are the key values to follow (omit for every record)."""

    resource: str = Field(max_length=40)
    consumer: str = Field(max_length=100)
    endpoint_url: str = Field(max_length=500)
    keys: list[str] | None = Field(default=None, max_length=subscriptions.MAX_KEYS)


class SubscriptionOut(Schema):
    id: int
    resource: str
    consumer: str
    covers_all_records: bool
    key_count: int
    endpoint_url: str
    status: str
    status_label: str
    consecutive_failures: int
    last_error: str
    paused_at: dt.datetime | None
    delivered_version: int
    last_delivered_at: dt.datetime | None
    created_at: dt.datetime


class SubscriptionCreatedOut(SubscriptionOut):
    secret: str = Field(description="签名密钥，只显示这一次 / the signing secret, shown this once")


def subscription_out(subscription: Subscription) -> dict[str, Any]:
    return {
        "id": subscription.pk,
        "resource": subscription.resource.code,
        "consumer": subscription.consumer.application.client_id,
        "covers_all_records": subscription.covers_all_records,
        "key_count": len(subscription.key_hashes),
        "endpoint_url": subscription.endpoint_url,
        "status": subscription.status,
        "status_label": str(subscription.get_status_display()),
        "consecutive_failures": subscription.consecutive_failures,
        "last_error": subscription.last_error,
        "paused_at": subscription.paused_at,
        "delivered_version": subscription.delivered_version,
        "last_delivered_at": subscription.last_delivered_at,
        "created_at": subscription.created_at,
    }


def _staff(request: HttpRequest) -> Any:
    actor = actor_of(request)
    if actor.kind != User.Kind.STAFF:
        raise NotFound("没有这个页面 / not found")
    return actor


@router.post(
    "/exchange/subscriptions",
    auth=EXCHANGE_AUTH,
    response={201: SubscriptionCreatedOut, **errors(401, 403, 404, 422)},
    summary="订阅资源变更（签名推送）/ subscribe a system to a resource's changes (signed webhooks)",
)
def subscription_create(request: HttpRequest, payload: SubscriptionIn) -> Any:
    """The system must hold a grant in force for the resource; the endpoint must be https (a loopback
    address may be http). The `secret` signs every webhook and is shown only in this response."""
    actor = _staff(request)
    problems: dict[str, list[str]] = {}
    resource = selectors.resource_by_code(payload.resource)
    if resource is None:
        problems["resource"] = ["没有这个资源 / no such resource"]
    consumer = selectors.consumer_of_client(payload.consumer)
    if consumer is None:
        problems["consumer"] = ["没有这个接入系统 / no such consumer system"]
    if problems or resource is None or consumer is None:
        raise ValidationFailed(problems)
    created, secret = subscriptions.subscription_create(
        actor=actor, consumer=consumer, resource=resource, endpoint_url=payload.endpoint_url, keys=payload.keys
    )
    return Status(201, {**subscription_out(created), "secret": secret})


@router.get(
    "/exchange/subscriptions",
    auth=EXCHANGE_AUTH,
    response={200: list[SubscriptionOut], **errors(401, 403, 404)},
    summary="本部门系统的变更订阅 / the change subscriptions of the actor's departments' systems",
)
def subscription_list(request: HttpRequest) -> Any:
    return [subscription_out(s) for s in subscriptions.subscriptions_visible_to(actor=_staff(request))[:500]]


@router.post(
    "/exchange/subscriptions/{subscription_id}/pause",
    auth=EXCHANGE_AUTH,
    response={200: SubscriptionOut, **errors(401, 403, 404, 409, 422)},
    summary="暂停推送 / pause the pushes",
)
def subscription_pause(request: HttpRequest, subscription_id: int) -> Any:
    actor = _staff(request)
    subscriptions.subscription_pause(actor=actor, subscription_id=subscription_id)
    return subscription_out(subscriptions.subscription_visible_to(actor=actor, subscription_id=subscription_id))


@router.post(
    "/exchange/subscriptions/{subscription_id}/resume",
    auth=EXCHANGE_AUTH,
    response={200: SubscriptionOut, **errors(401, 403, 404, 409, 422)},
    summary="恢复推送，补发暂停期间的变更 / resume, delivering the changes missed meanwhile",
)
def subscription_resume(request: HttpRequest, subscription_id: int) -> Any:
    actor = _staff(request)
    subscriptions.subscription_resume(actor=actor, subscription_id=subscription_id)
    return subscription_out(subscriptions.subscription_visible_to(actor=actor, subscription_id=subscription_id))


@router.delete(
    "/exchange/subscriptions/{subscription_id}",
    auth=EXCHANGE_AUTH,
    response={204: None, **errors(401, 403, 404, 422)},
    summary="取消订阅 / end a subscription",
)
def subscription_delete(request: HttpRequest, subscription_id: int) -> Any:
    subscriptions.subscription_delete(actor=_staff(request), subscription_id=subscription_id)
    return Status(204, None)
