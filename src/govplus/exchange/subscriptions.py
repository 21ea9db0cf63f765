"""Change subscriptions (变更订阅): a consumer system follows the changes of a resource — some keys or
every record — and has them pushed to its endpoint as signed webhooks (delivery: webhooks.py).

Rules:
- The consumer department's administrators and data officers subscribe its systems (`speaks_for`),
  only to a resource the system holds a grant in force for (`selectors.grant_active`); the grant is
  checked again at every delivery, so deliveries stop when it is withdrawn or runs out.
- The keys followed are kept as their keyed hashes (`records.record_key_hash`), never in clear: at most
  `MAX_KEYS`; none means every record.
- The endpoint must be `https://`, except a loopback address (a receiver on the same machine). Each
  subscription has its own signing secret, shown once at creation and stored encrypted (it must be
  used to sign, so it cannot be stored hashed).
- A subscription is active or paused: paused by its department, or by the platform after
  `GOVPLUS_WEBHOOK_PAUSE_AFTER` consecutive failed deliveries. Resuming it delivers, as one webhook,
  the changes made since the version its endpoint last acknowledged (`delivered_version`).
- Every write is audited (`exchange.subscription_create`, `_pause`, `_resume`, `_delete`); errors name
  the field in Chinese and English; nothing is written on an error.
"""

from __future__ import annotations

import ipaddress
import secrets
from collections.abc import Sequence
from typing import Any
from urllib.parse import urlsplit

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from govplus.core.audit import audit_record
from govplus.core.crypto import encrypt_text
from govplus.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from govplus.core.events import event_publish
from govplus.exchange.models import ConsumerSystem, Resource, Subscription
from govplus.exchange.records import record_key_hash
from govplus.exchange.selectors import departments_seen_by, grant_active, speaks_for

MAX_KEYS = 1_000
WEBHOOK_DUE = "exchange.webhook_due"


def _is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def endpoint_problems(url: str) -> list[str]:
    """What is wrong with an endpoint URL ([] when nothing): https, or http on a loopback host only."""
    if not url:
        return ["请填写推送地址 / give the endpoint URL"]
    if len(url) > 500:
        return ["推送地址最长 500 个字符 / at most 500 characters"]
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        parts.port  # noqa: B018 - a bad port raises ValueError here
    except ValueError:
        return ["推送地址格式不正确 / the endpoint URL is malformed"]
    if parts.scheme not in {"https", "http"} or not host:
        return ["请填写完整的推送地址（https://…）/ give the full endpoint URL (https://…)"]
    if parts.username or parts.password:
        return ["推送地址不能包含用户名或密码 / the endpoint URL must not hold a user name or password"]
    if parts.scheme == "http" and not _is_loopback(host):
        return ["推送地址须使用 https（本机地址除外）/ the endpoint must use https (except a loopback address)"]
    return []


def endpoint_shown(url: str) -> str:
    """The endpoint as the audit log and the pages show it: scheme, host and port (a path or query may
    hold the receiver's own token)."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _key_problems(keys: Sequence[str]) -> list[str]:
    if any(not key for key in keys):
        return ["主键值不能为空 / a key must not be empty"]
    if len(set(keys)) > MAX_KEYS:
        return [f"最多订阅 {MAX_KEYS} 个主键 / at most {MAX_KEYS} keys"]
    return []


NO_GRANT = (
    "该系统没有这个资源的有效授权，请先申请共享 / the system holds no grant in force for this resource: "
    "ask for it first"
)


def subscription_create(
    *,
    actor: Any,
    consumer: ConsumerSystem,
    resource: Resource,
    endpoint_url: str,
    keys: Sequence[str] | None = None,
) -> tuple[Subscription, str]:
    """Subscribe `consumer` to the changes of `resource` (only `keys`, or every record when none are
    given), pushed to `endpoint_url`. Returns the subscription and its signing secret, shown once."""
    if not speaks_for(actor, consumer.department_id):
        raise PermissionDenied(
            "只有本部门的管理员或数据管理员可以为本部门系统订阅变更 / only the consumer department's "
            "administrators or data officers subscribe its systems"
        )
    url = endpoint_url.strip()
    cleaned = [str(key).strip() for key in keys or ()]
    problems = {
        name: found
        for name, found in (
            ("endpoint_url", endpoint_problems(url)),
            ("keys", _key_problems(cleaned)),
            ("resource", [NO_GRANT] if grant_active(consumer=consumer, resource=resource) is None else []),
        )
        if found
    }
    if problems:
        raise ValidationFailed(problems)
    hashes = sorted({record_key_hash(key) for key in cleaned})
    secret = "whsec_" + secrets.token_urlsafe(32)
    with transaction.atomic():
        version = Resource.objects.filter(pk=resource.pk).values_list("version", flat=True).get()
        subscription = Subscription.objects.create(
            consumer=consumer,
            resource=resource,
            key_hashes=hashes,
            endpoint_url=url,
            secret_encrypted=encrypt_text(secret),
            start_version=version,  # it follows the changes from now on
            delivered_version=version,
            created_by=actor if getattr(actor, "pk", None) else None,
        )
        audit_record(
            actor=actor,
            action="exchange.subscription_create",
            object_type="subscription",
            object_id=subscription.pk,
            changes={
                "resource": resource.code,
                "consumer": consumer.application.client_id,
                "endpoint": endpoint_shown(url),
                "keys": len(hashes) or "all",
            },
        )
    return subscription, secret


def _locked_for(actor: Any, subscription_id: int) -> Subscription:
    subscription = (
        Subscription.objects.select_for_update()
        .select_related("consumer", "resource")
        .filter(pk=subscription_id)
        .first()
    )
    if subscription is None or not speaks_for(actor, subscription.consumer.department_id):
        raise NotFound("没有这个订阅 / no such subscription")
    return subscription


def subscription_pause(*, actor: Any, subscription_id: int) -> Subscription:
    """The consumer department stops the pushes for a while; pausing a paused one is a conflict."""
    with transaction.atomic():
        subscription = _locked_for(actor, subscription_id)
        if subscription.status == Subscription.Status.PAUSED:
            raise Conflict("该订阅已暂停 / the subscription is already paused")
        subscription.status, subscription.paused_at = Subscription.Status.PAUSED, timezone.now()
        subscription.save(update_fields=["status", "paused_at"])
        audit_record(
            actor=actor,
            action="exchange.subscription_pause",
            object_type="subscription",
            object_id=subscription.pk,
            changes={"by": "department"},
        )
    return subscription


def subscription_resume(*, actor: Any, subscription_id: int) -> Subscription:
    """Push again, from the version the endpoint last acknowledged: the changes missed meanwhile come
    as one webhook. Needs the grant still in force; resuming an active one is a conflict."""
    with transaction.atomic():
        subscription = _locked_for(actor, subscription_id)
        if subscription.status == Subscription.Status.ACTIVE:
            raise Conflict("该订阅正在推送 / the subscription is already active")
        if grant_active(consumer=subscription.consumer, resource=subscription.resource) is None:
            raise ValidationFailed({"resource": [NO_GRANT]})
        subscription.status, subscription.paused_at = Subscription.Status.ACTIVE, None
        subscription.consecutive_failures, subscription.last_error = 0, ""
        subscription.save(update_fields=["status", "paused_at", "consecutive_failures", "last_error"])
        version = Resource.objects.filter(pk=subscription.resource_id).values_list("version", flat=True).get()
        if version > subscription.delivered_version:
            webhook_due_publish(subscription, version_from=subscription.delivered_version, version_to=version)
        audit_record(
            actor=actor,
            action="exchange.subscription_resume",
            object_type="subscription",
            object_id=subscription.pk,
            changes={"from_version": subscription.delivered_version, "to_version": version},
        )
    return subscription


def subscription_delete(*, actor: Any, subscription_id: int) -> None:
    """End a subscription; webhooks still queued for it are dropped when their turn comes."""
    with transaction.atomic():
        subscription = _locked_for(actor, subscription_id)
        audit_record(
            actor=actor,
            action="exchange.subscription_delete",
            object_type="subscription",
            object_id=subscription.pk,
            changes={"resource": subscription.resource.code, "endpoint": endpoint_shown(subscription.endpoint_url)},
        )
        subscription.delete()


def webhook_due_publish(subscription: Subscription, *, version_from: int, version_to: int) -> None:
    """Queue one webhook of the subscription's changes in (version_from, version_to], inside the
    caller's transaction: its own outbox event, whose id is the receiver's idempotency key."""
    event_publish(
        name=WEBHOOK_DUE,
        payload={
            "subscription": subscription.pk,
            "resource_code": subscription.resource.code,
            "version_from": version_from,
            "version_to": version_to,
        },
    )


# --- reads --------------------------------------------------------------------------------------


def subscriptions_visible_to(*, actor: Any) -> QuerySet[Subscription]:
    """The subscriptions of the systems of the actor's departments (every one for the platform admin)."""
    rows = Subscription.objects.select_related(
        "resource", "consumer", "consumer__department", "consumer__application"
    ).order_by("-created_at", "-id")
    department_ids = departments_seen_by(actor)
    if department_ids is not None:
        rows = rows.filter(consumer__department_id__in=department_ids)
    return rows


def subscription_visible_to(*, actor: Any, subscription_id: int) -> Subscription:
    """One subscription the actor may see; 404 otherwise (it reveals nothing)."""
    found = subscriptions_visible_to(actor=actor).filter(pk=subscription_id).first()
    if found is None:
        raise NotFound("没有这个订阅 / no such subscription")
    return found


def subscriptions_to_push(
    *, resource_code: str, version_to: int, key_hashes: Sequence[str] | None
) -> list[Subscription]:
    """The active subscriptions of a resource that a change up to `version_to` of these keys concerns
    (`key_hashes` None: a change too large to list, which concerns every subscription); one made after
    the change is not concerned."""
    rows = Subscription.objects.filter(resource__code=resource_code, status=Subscription.Status.ACTIVE).select_related(
        "resource"
    )
    changed = None if key_hashes is None else set(key_hashes)
    return [
        s
        for s in rows.filter(start_version__lt=version_to).order_by("id")
        if changed is None or not s.key_hashes or changed & set(s.key_hashes)
    ]
