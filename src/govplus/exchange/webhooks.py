"""Signed webhooks of change subscriptions (变更推送): delivered at least once through the outbox.

Rules:
- `records_write` announces each write that changed a resource (`exchange.records_changed`). Its
  handler queues one `exchange.webhook_due` event per active subscription the change concerns (its keys
  intersect the changed ones, or it follows every record), so each endpoint has its own outbox
  delivery, attempts and backoff: a failing endpoint never delays the others.
- The handler of `exchange.webhook_due` checks, at every attempt, that the subscription is active and
  the consumer's grant in force (deliveries stop when the grant ends), then POSTs JSON
  `{event_id, resource, version_from, version_to, has_more, changed}`: the records changed in that
  range (each `{key, version, deleted, values}`; a deletion is a tombstone with `values` null), only
  the granted fields, the sensitive ones masked unless the grant unmasks them (`grant_fields.py`, the
  same rule as the gateway's pull feed), at most `PAGE` records; the rest follows as the next webhook.
- Signature (as Stripe's): headers `X-Govplus-Event-Id` (the outbox event id, the same on every
  redelivery: the receiver's idempotency key), `X-Govplus-Timestamp` (unix seconds) and
  `X-Govplus-Signature: v1=<hex HMAC-SHA256 with the subscription's secret of "<timestamp>.<body>">`.
  A receiver recomputes it over the raw body, compares in constant time, and rejects a timestamp more
  than `TOLERANCE_SECONDS` (5 minutes) away from its clock, which stops a captured request being
  replayed later (docs/exchange.md gives the receiver's code).
- A 2xx answer within `TIMEOUT_SECONDS` is a delivery: the subscription's failures are reset, the
  version it acknowledged recorded, and one evidence entry appended (operation `webhook`: consumer,
  purpose, fields, record count, hashes of request and response — never the data). Anything else
  (another status, a timeout, no connection) raises, so the outbox retries with its backoff; its failure
  hook counts the endpoint's consecutive failures, records the last error (a status or an error type,
  never the answer's text), appends evidence of an attempt the endpoint answered (`webhook-failed`),
  and after `GOVPLUS_WEBHOOK_PAUSE_AFTER` of them pauses the subscription and tells the consumer
  department's data officers. Redirects are not followed (the endpoint is the one that was registered).
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Sequence
from typing import Any

import httpx
from django.conf import settings
from django.db.models import F
from django.db.models.functions import Greatest
from django.utils import timezone

from govplus.core.audit import audit_record
from govplus.core.crypto import decrypt_text
from govplus.core.events import Event
from govplus.core.notify import notification_send
from govplus.exchange.evidence import evidence_record
from govplus.exchange.grant_fields import grant_field_rules, grant_fields_view, mask_value
from govplus.exchange.models import Grant, ResourceRecord, Subscription
from govplus.exchange.records import record_values, records_changed_since
from govplus.exchange.selectors import DATA_ROLES, grant_active
from govplus.exchange.subscriptions import subscriptions_to_push, webhook_due_publish
from govplus.identity.models import User

FAN_OUT_HANDLER = "exchange.webhooks_fan_out"
DELIVER_HANDLER = "exchange.webhook_deliver"
TIMEOUT_SECONDS = 10
TOLERANCE_SECONDS = 5 * 60
PAGE = 500  # records per webhook
SCAN = 2_000  # records read per step while looking for a key set's changes


class WebhookFailed(Exception):
    """A delivery that did not get a 2xx answer; carries what its evidence needs (hashes, not data)."""

    def __init__(
        self,
        message: str,
        *,
        answered: bool,
        request_body: bytes,
        response_body: bytes = b"",
        record_count: int = 0,
        grant: Grant | None = None,
    ) -> None:
        super().__init__(message)
        self.answered = answered
        self.request_body = request_body
        self.response_body = response_body
        self.record_count = record_count
        self.grant = grant


def webhook_signature(secret: str, timestamp: int, body: bytes) -> str:
    """`v1=<hex HMAC-SHA256 of "<timestamp>.<body>">` with the subscription's secret."""
    signed = str(timestamp).encode("ascii") + b"." + body
    return "v1=" + hmac.new(secret.encode("utf-8"), signed, hashlib.sha256).hexdigest()


def webhooks_fan_out(event: Event) -> None:
    """Handler of `exchange.records_changed`: one `exchange.webhook_due` per subscription concerned."""
    payload = event.payload
    key_hashes = payload.get("changed_key_hashes") if payload.get("changed") == "keys" else None
    version_from, version_to = int(payload["version_from"]), int(payload["version_to"])
    concerned = subscriptions_to_push(
        resource_code=payload["resource_code"], version_to=version_to, key_hashes=key_hashes
    )
    for subscription in concerned:
        start = max(version_from, subscription.start_version)
        webhook_due_publish(subscription, version_from=start, version_to=version_to)


def _changes(subscription: Subscription, version_from: int, version_to: int) -> tuple[list[ResourceRecord], int, bool]:
    """The subscription's records changed in (version_from, version_to], oldest first, at most `PAGE`;
    the version they reach, and whether more may follow."""
    wanted = set(subscription.key_hashes)
    found: list[ResourceRecord] = []
    cursor = version_from
    while cursor < version_to:
        rows = records_changed_since(subscription.resource, cursor, limit=SCAN)
        for row in rows:
            if row.version > version_to:
                return found, version_to, False
            if not wanted or row.key_hash in wanted:
                found.append(row)
                if len(found) == PAGE:
                    return found, row.version, row.version < version_to
        if len(rows) < SCAN:
            break
        cursor = rows[-1].version
    return found, version_to, False


def _key_shown(key: Any, subscription: Subscription, key_field: str, rules: Sequence[tuple[str, bool]]) -> Any:
    """The record's key as the consumer may see it: in clear when it follows a key set (it gave those
    keys), otherwise as the grant shows the key field (masked, or not at all)."""
    if key is None:
        return None
    if subscription.key_hashes:
        return str(key)
    masked = dict(rules).get(key_field)
    if masked is None:
        return None
    return mask_value(str(key)) if masked else str(key)


def _record_shown(
    record: ResourceRecord, subscription: Subscription, grant: Grant, rules: Sequence[tuple[str, bool]]
) -> dict[str, Any]:
    key_field = subscription.resource.key_field
    if record.is_deleted:
        # a tombstone keeps its key where records keep it in the tombstone; older ones carry none
        kept = json.loads(decrypt_text(record.data_encrypted) or "{}")
        key = kept.get(key_field) if isinstance(kept, dict) else None
        shown = {"key": _key_shown(key, subscription, key_field, rules), "deleted": True, "values": None}
        return {**shown, "version": record.version}
    values = record_values(record)
    return {
        "key": _key_shown(values.get(key_field), subscription, key_field, rules),
        "version": record.version,
        "deleted": False,
        "values": grant_fields_view(grant, values, rules=rules),
    }


def _body(value: dict[str, Any]) -> bytes:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str).encode("utf-8")


def _evidence(
    subscription: Subscription, grant: Grant, *, operation: str, count: int, request: bytes, response: bytes
) -> None:
    evidence_record(
        consumer=subscription.consumer.application.client_id,
        consumer_department=subscription.consumer.department.code,
        operation=operation,
        resource_code=subscription.resource.code,
        purpose=grant.request.purpose,
        fields=grant.fields,
        record_count=count,
        request=request,
        response=response,
    )


def webhook_deliver(event: Event) -> None:
    """Handler of `exchange.webhook_due`: POST the signed webhook (see the module's rules)."""
    payload = event.payload
    subscription = (
        Subscription.objects.select_related("resource", "consumer__application", "consumer__department")
        .filter(pk=payload["subscription"])
        .first()
    )
    if subscription is None or subscription.status != Subscription.Status.ACTIVE:
        return  # deleted, or paused: a resumed subscription catches up from the version last acknowledged
    grant = grant_active(consumer=subscription.consumer, resource=subscription.resource)
    if grant is None or not subscription.consumer.is_active:
        return  # the grant ended: nothing more is pushed
    version_from, version_to = int(payload["version_from"]), int(payload["version_to"])
    rows, reached, has_more = _changes(subscription, version_from, version_to)
    rules = grant_field_rules(grant)
    changed = [_record_shown(row, subscription, grant, rules) for row in rows]
    body = _body(
        {
            "event_id": event.id,
            "resource": subscription.resource.code,
            "version_from": version_from,
            "version_to": reached,
            "has_more": has_more,
            "changed": changed,
        }
    )
    timestamp = int(timezone.now().timestamp())
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": "govplus-webhooks/1",
        "X-Govplus-Event-Id": str(event.id),
        "X-Govplus-Timestamp": str(timestamp),
        "X-Govplus-Signature": webhook_signature(decrypt_text(subscription.secret_encrypted), timestamp, body),
    }
    count = len(changed)
    try:
        response = httpx.post(
            subscription.endpoint_url, content=body, headers=headers, timeout=TIMEOUT_SECONDS, follow_redirects=False
        )
    except httpx.HTTPError as error:
        raise WebhookFailed(
            f"网络错误 / network error: {type(error).__name__}",
            answered=False,
            request_body=body,
            record_count=count,
            grant=grant,
        ) from error
    if not 200 <= response.status_code < 300:
        raise WebhookFailed(
            f"HTTP {response.status_code}",
            answered=True,
            request_body=body,
            response_body=response.content,
            record_count=count,
            grant=grant,
        )
    _evidence(subscription, grant, operation="webhook", count=len(changed), request=body, response=response.content)
    Subscription.objects.filter(pk=subscription.pk).update(
        consecutive_failures=0,
        last_error="",
        last_delivered_at=timezone.now(),
        delivered_version=Greatest(F("delivered_version"), reached),
    )
    if has_more:
        webhook_due_publish(subscription, version_from=reached, version_to=version_to)


def webhook_failure_record(event: Event, error: Exception, attempt: int) -> None:
    """Failure hook of `webhook_deliver` (runs after its rollback): count the endpoint's consecutive
    failures, keep the last error, and pause the subscription after `GOVPLUS_WEBHOOK_PAUSE_AFTER`."""
    subscription = (
        Subscription.objects.select_for_update()
        .select_related("resource", "consumer__application", "consumer__department")
        .filter(pk=int(event.payload.get("subscription") or 0))
        .first()
    )
    if subscription is None or subscription.status != Subscription.Status.ACTIVE:
        return
    message = str(error) if isinstance(error, WebhookFailed) else type(error).__name__
    if isinstance(error, WebhookFailed) and error.answered and error.grant is not None:
        _evidence(
            subscription,
            error.grant,
            operation="webhook-failed",
            count=error.record_count,
            request=error.request_body,
            response=error.response_body,
        )
    subscription.consecutive_failures += 1
    subscription.last_error = message[:300]
    fields = ["consecutive_failures", "last_error"]
    paused = subscription.consecutive_failures >= settings.GOVPLUS_WEBHOOK_PAUSE_AFTER
    if paused:
        subscription.status, subscription.paused_at = Subscription.Status.PAUSED, timezone.now()
        fields += ["status", "paused_at"]
    subscription.save(update_fields=fields)
    if not paused:
        return
    audit_record(
        actor=None,
        action="exchange.subscription_pause",
        object_type="subscription",
        object_id=subscription.pk,
        changes={
            "by": "platform",
            "failures": subscription.consecutive_failures,
            "last_error": subscription.last_error,
        },
    )
    resource = subscription.resource
    officers = User.objects.filter(
        staff_roles__department_id=subscription.consumer.department_id, staff_roles__role__in=DATA_ROLES
    ).distinct()
    for officer in officers:
        notification_send(
            recipient=officer,
            title=f"数据订阅已暂停：{resource.name}",
            body=(
                f"推送地址连续 {subscription.consecutive_failures} 次失败（{subscription.last_error}），"
                f"订阅 #{subscription.pk} 已暂停；恢复后补发暂停期间的变更。"
            ),
            link="/staff/exchange/subscriptions",
            category="exchange",
            name_en=resource.name_en or resource.code,
        )
