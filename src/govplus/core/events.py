"""Domain events with a transactional outbox: how one module reacts to another's writes.

Rule: a service publishes an event *inside* its transaction (`event_publish`), which writes an
`OutboxEvent` row and one `EventDelivery` row per subscribed handler. They commit with the write or
vanish with its rollback, so an event is never announced for a write that did not happen, and never
lost for one that did: a process that dies between the commit and its `on_commit` hook loses only the
fast path (the Huey task queued on commit); the minute sweep (`events_sweep`) delivers what it left.

Delivery is at least once. Each (event, handler) pair has its own state, attempts and exponential
backoff, so a failing handler never makes the others run again. A handler runs in one transaction
together with the row that marks its delivery done: its database effects happen exactly once; an
effect outside the database (an SMS) may repeat if the process dies between sending and committing,
so such handlers use the event id to be idempotent where the outside system allows it. A delivery is
claimed with one conditional UPDATE (pending, due, not held by a live claim), so two workers — or the
on-commit task and the sweep — never run the same delivery at once, on SQLite and PostgreSQL alike.
After `GOVPLUS_EVENTS_MAX_ATTEMPTS` failures a delivery is `failed`: visible in the admin and in
`govplus events failed`, and re-queued by `govplus events retry`.

Handlers are registered by the modules that care, in their `AppConfig.ready()`:

    @event_handler("application.concluded", name="licences.issue_on_approval")
    def licence_issue_on_approval(event: Event) -> None: ...

or `event_subscribe("application.concluded", handler, name=...)`. The name is stored with each
delivery and must stay stable (keep `name=` when renaming the function). A handler whose failures
must leave a trace of their own (a webhook counting its endpoint's failures) names an `on_failure`
hook: it runs after the handler's transaction rolled back, in a transaction of its own, with the
event, the error and the attempt number; its own errors are logged, never retried. Payloads carry ids and codes,
never personal data (names, phones, ID numbers): `event_publish` refuses the obvious keys.
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from govplus.core.models import EventDelivery, OutboxEvent

logger = logging.getLogger(__name__)

PERSONAL_KEYS = frozenset(
    {"name", "full_name", "phone", "mobile", "email", "id_number", "id_card", "address", "contact_phone"}
)
MAX_BACKOFF_SECONDS = 6 * 3600
SWEEP_BATCH = 500


@dataclass(frozen=True)
class Event:
    """What a handler receives. `id` is the outbox row's id: stable across redeliveries."""

    id: int
    name: str
    payload: dict[str, Any]
    occurred_at: dt.datetime


Handler = Callable[[Event], None]
FailureHook = Callable[[Event, Exception, int], None]


@dataclass(frozen=True)
class Subscription:
    event_name: str
    name: str
    function: Handler
    on_failure: FailureHook | None = None


_subscriptions: dict[str, dict[str, Subscription]] = {}


def event_subscribe(
    event_name: str, function: Handler, *, name: str | None = None, on_failure: FailureHook | None = None
) -> Handler:
    """Register `function` for events called `event_name` under a stable handler name (default: its
    dotted path). Registering the same function again is harmless; another one under a taken name is
    a configuration error. `on_failure(event, error, attempt)` runs after each failed attempt, once the
    handler's transaction has rolled back (see the module's docstring)."""
    handler_name = name or f"{function.__module__}.{function.__qualname__}"
    taken = _subscriptions.setdefault(event_name, {}).get(handler_name)
    if taken is not None and taken.function is not function:
        raise ImproperlyConfigured(f"event handler name {handler_name!r} is already used for {event_name!r}")
    _subscriptions[event_name][handler_name] = Subscription(event_name, handler_name, function, on_failure)
    return function


def event_handler(event_name: str, *, name: str | None = None) -> Callable[[Handler], Handler]:
    """Decorator form of `event_subscribe`."""

    def register(function: Handler) -> Handler:
        return event_subscribe(event_name, function, name=name)

    return register


def event_unsubscribe(event_name: str, name: str) -> None:
    """Remove a registration (tests register handlers of their own and remove them afterwards)."""
    _subscriptions.get(event_name, {}).pop(name, None)


def subscriptions_for(event_name: str) -> list[Subscription]:
    return list(_subscriptions.get(event_name, {}).values())


def _personal_keys_in(value: Any) -> set[str]:
    if isinstance(value, dict):
        found = {key for key in value if key in PERSONAL_KEYS}
        for inner in value.values():
            found |= _personal_keys_in(inner)
        return found
    if isinstance(value, list | tuple):
        return set().union(*(_personal_keys_in(inner) for inner in value)) if value else set()
    return set()


def event_publish(*, name: str, payload: dict[str, Any], when: dt.datetime | None = None) -> OutboxEvent:
    """Announce a write from inside the transaction that makes it: the outbox row and one delivery
    row per subscribed handler commit with it; delivery is queued for after the commit."""
    personal = _personal_keys_in(payload)
    if personal:
        raise ValueError(f"event payloads carry ids and codes, not personal data: {sorted(personal)}")
    now = when or timezone.now()
    event = OutboxEvent.objects.create(name=name, payload=payload, occurred_at=now)
    handlers = subscriptions_for(name)
    if handlers:
        EventDelivery.objects.bulk_create(
            [EventDelivery(event=event, handler=handler.name, next_attempt_at=now) for handler in handlers]
        )
        event_id = event.pk
        transaction.on_commit(lambda: _queue_delivery(event_id))
    return event


def _queue_delivery(event_id: int) -> None:
    from govplus.core.tasks import deliver_event

    try:
        deliver_event(event_id)
    except Exception:  # the queue is down: the sweep delivers it within a minute
        logger.exception("could not queue delivery of event %s; the sweep will deliver it", event_id)


def backoff_seconds(attempts: int) -> int:
    """Delay before the next attempt after `attempts` failures: base, 2×base, 4×base … at most 6 h."""
    base = settings.GOVPLUS_EVENTS_RETRY_SECONDS
    return int(min(base * 2 ** max(attempts - 1, 0), MAX_BACKOFF_SECONDS))


def _claimable(now: dt.datetime) -> Q:
    return Q(status=EventDelivery.Status.PENDING, next_attempt_at__lte=now) & (
        Q(claimed_until__isnull=True) | Q(claimed_until__lt=now)
    )


def _deliver_one(delivery_id: int, *, now: dt.datetime) -> str | None:
    """Claim and run one delivery. Returns its new status, or None if it was not ours to run."""
    token = secrets.token_hex(16)
    claimed = EventDelivery.objects.filter(_claimable(now), pk=delivery_id).update(
        claimed_until=now + dt.timedelta(seconds=settings.GOVPLUS_EVENTS_CLAIM_SECONDS),
        claim_token=token,
        attempts=F("attempts") + 1,
    )
    if not claimed:
        return None
    delivery = EventDelivery.objects.select_related("event").get(pk=delivery_id)
    outbox = delivery.event
    subscription = _subscriptions.get(outbox.name, {}).get(delivery.handler)
    try:
        if subscription is None:
            raise LookupError(f"no handler {delivery.handler!r} is registered for {outbox.name!r}")
        with transaction.atomic():
            subscription.function(Event(outbox.pk, outbox.name, outbox.payload, outbox.occurred_at))
            marked = EventDelivery.objects.filter(pk=delivery_id, claim_token=token).update(
                status=EventDelivery.Status.DELIVERED,
                delivered_at=timezone.now(),
                claimed_until=None,
                claim_token="",
                last_error="",
            )
            if not marked:  # our claim ran out and another worker took the delivery over: let it
                raise _ClaimLost
    except _ClaimLost:
        return None
    except Exception as error:
        failed = delivery.attempts >= settings.GOVPLUS_EVENTS_MAX_ATTEMPTS
        status = EventDelivery.Status.FAILED if failed else EventDelivery.Status.PENDING
        EventDelivery.objects.filter(pk=delivery_id, claim_token=token).update(
            status=status,
            next_attempt_at=now + dt.timedelta(seconds=backoff_seconds(delivery.attempts)),
            claimed_until=None,
            claim_token="",
            last_error=f"{type(error).__name__}: {error}"[:2000],
        )
        logger.warning(
            "event %s (%s) to %s failed, attempt %s%s",
            outbox.pk,
            outbox.name,
            delivery.handler,
            delivery.attempts,
            " — gave up" if failed else "",
            exc_info=True,
        )
        if subscription is not None and subscription.on_failure is not None:
            _failure_hook_run(
                subscription.on_failure,
                Event(outbox.pk, outbox.name, outbox.payload, outbox.occurred_at),
                error,
                delivery.attempts,
            )
        return status
    return EventDelivery.Status.DELIVERED


class _ClaimLost(Exception):
    pass


def _failure_hook_run(hook: FailureHook, event: Event, error: Exception, attempt: int) -> None:
    try:
        with transaction.atomic():
            hook(event, error, attempt)
    except Exception:
        logger.exception("the failure hook of event %s (%s) failed", event.id, event.name)


def _deliver_ids(delivery_ids: Iterable[int], *, now: dt.datetime) -> dict[str, int]:
    counts = {EventDelivery.Status.DELIVERED.value: 0, "retrying": 0, EventDelivery.Status.FAILED.value: 0}
    for delivery_id in delivery_ids:
        status = _deliver_one(delivery_id, now=now)
        if status == EventDelivery.Status.PENDING:
            counts["retrying"] += 1
        elif status is not None:
            counts[status] += 1
    return counts


def events_deliver(*, event_id: int, now: dt.datetime | None = None) -> dict[str, int]:
    """Deliver one event to every handler whose delivery is due (the task queued on commit)."""
    now = now or timezone.now()
    due = EventDelivery.objects.filter(_claimable(now), event_id=event_id).values_list("pk", flat=True)
    return _deliver_ids(list(due), now=now)


def events_sweep(*, now: dt.datetime | None = None, limit: int = SWEEP_BATCH) -> dict[str, int]:
    """Deliver every due delivery, oldest first: retries whose backoff has passed, and deliveries whose
    on-commit task never ran (the process died) or whose worker died holding the claim."""
    now = now or timezone.now()
    due = EventDelivery.objects.filter(_claimable(now)).order_by("next_attempt_at", "pk").values_list("pk", flat=True)
    return _deliver_ids(list(due[:limit]), now=now)


def events_failed() -> list[EventDelivery]:
    """Deliveries that used up their attempts, newest first (for the admin and `govplus events failed`)."""
    return list(
        EventDelivery.objects.filter(status=EventDelivery.Status.FAILED).select_related("event").order_by("-pk")
    )


def events_retry(*, actor: Any, delivery_ids: list[int] | None = None) -> int:
    """Give failed deliveries (the given ones, or all) a fresh set of attempts, due now; returns how
    many. The operator's retry is audited. Delivery itself happens in the caller or the next sweep."""
    from govplus.core.audit import audit_record

    with transaction.atomic():
        rows = EventDelivery.objects.select_for_update().filter(status=EventDelivery.Status.FAILED)
        if delivery_ids is not None:
            rows = rows.filter(pk__in=delivery_ids)
        chosen = list(rows.values_list("pk", flat=True))
        if not chosen:
            return 0
        EventDelivery.objects.filter(pk__in=chosen).update(
            status=EventDelivery.Status.PENDING, attempts=0, next_attempt_at=timezone.now(), claimed_until=None
        )
        for delivery_id in chosen:
            audit_record(actor=actor, action="core.event_retry", object_type="event_delivery", object_id=delivery_id)
    return len(chosen)


def event_handled(*, event_id: int, handler: str) -> bool:
    """Whether `handler` has already processed event `event_id` (for handlers that want to check)."""
    return EventDelivery.objects.filter(
        event_id=event_id, handler=handler, status=EventDelivery.Status.DELIVERED
    ).exists()


def events_prune(*, now: dt.datetime | None = None) -> int:
    """Delete events older than `GOVPLUS_EVENTS_KEEP_DAYS` whose every delivery is done; returns how many.
    Events with a pending or failed delivery are kept whatever their age."""
    now = now or timezone.now()
    cutoff = now - dt.timedelta(days=settings.GOVPLUS_EVENTS_KEEP_DAYS)
    unfinished = EventDelivery.objects.exclude(status=EventDelivery.Status.DELIVERED).values("event_id")
    old = OutboxEvent.objects.filter(occurred_at__lt=cutoff).exclude(pk__in=unfinished)
    _total, per_model = old.delete()
    return per_model.get(OutboxEvent._meta.label, 0)
