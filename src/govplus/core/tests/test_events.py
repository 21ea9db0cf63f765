"""Domain events: delivered after commit, never for a rolled-back write, never lost to a crash between
commit and on_commit, retried with backoff per handler, run once per (event, handler), visible and
retryable when they fail."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterator
from io import StringIO
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import CommandError, call_command
from django.db import connections, transaction
from django.utils import timezone

from govplus.core.audit import audit_record
from govplus.core.events import (
    Event,
    event_handled,
    event_publish,
    event_subscribe,
    event_unsubscribe,
    events_deliver,
    events_prune,
    events_sweep,
)
from govplus.core.models import AuditEntry, EventDelivery, OutboxEvent

EVENT = "test.thing_happened"


class Recorder:
    """A handler that remembers what it saw and can be told to fail the next `failures` times."""

    def __init__(self) -> None:
        self.seen: list[int] = []
        self.failures = 0

    def __call__(self, event: Event) -> None:
        if self.failures:
            self.failures -= 1
            raise ConnectionError("the other system is down")
        self.seen.append(event.id)


@pytest.fixture
def handlers() -> Iterator[dict[str, Recorder]]:
    recorders = {"test.first": Recorder(), "test.second": Recorder()}
    for name, recorder in recorders.items():
        event_subscribe(EVENT, recorder, name=name)
    yield recorders
    for name in recorders:
        event_unsubscribe(EVENT, name)


def publish(**payload: Any) -> OutboxEvent:
    with transaction.atomic():
        return event_publish(name=EVENT, payload={"thing_id": 7, **payload})


@pytest.mark.django_db(transaction=True)
def test_an_event_is_delivered_once_its_transaction_commits(handlers):
    with transaction.atomic():
        event = event_publish(name=EVENT, payload={"thing_id": 7})
        assert handlers["test.first"].seen == []  # nothing leaves before the commit
    assert handlers["test.first"].seen == [event.pk]
    assert handlers["test.second"].seen == [event.pk]
    assert set(EventDelivery.objects.values_list("status", flat=True)) == {EventDelivery.Status.DELIVERED}


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_write_announces_nothing(handlers):
    with pytest.raises(RuntimeError), transaction.atomic():
        event_publish(name=EVENT, payload={"thing_id": 7})
        raise RuntimeError("the write failed")
    events_sweep(now=timezone.now() + dt.timedelta(hours=1))
    assert handlers["test.first"].seen == []
    assert not OutboxEvent.objects.exists()


def test_a_crash_between_commit_and_on_commit_loses_nothing(db, handlers):
    # Under the `db` fixture on_commit hooks never run: exactly what a process killed after its
    # commit leaves behind — the rows, without the queued task.
    event = publish()
    assert handlers["test.first"].seen == []
    assert events_sweep() == {"delivered": 2, "retrying": 0, "failed": 0}
    assert handlers["test.first"].seen == handlers["test.second"].seen == [event.pk]


def test_a_failing_handler_is_retried_with_growing_delays_and_the_others_are_not_rerun(
    db, handlers, settings, django_capture_on_commit_callbacks
):
    settings.GOVPLUS_EVENTS_RETRY_SECONDS = 30
    handlers["test.second"].failures = 2
    start = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        event = publish()
    second = EventDelivery.objects.get(event=event, handler="test.second")
    assert (second.status, second.attempts) == (EventDelivery.Status.PENDING, 1)
    assert "the other system is down" in second.last_error
    first_delay = (second.next_attempt_at - start).total_seconds()
    assert 29 <= first_delay <= 35

    assert events_sweep(now=start + dt.timedelta(seconds=10)) == {"delivered": 0, "retrying": 0, "failed": 0}
    assert events_sweep(now=second.next_attempt_at + dt.timedelta(seconds=1))["retrying"] == 1
    second.refresh_from_db()
    assert second.attempts == 2
    assert (second.next_attempt_at - start).total_seconds() >= first_delay + 59  # doubled: 60 s
    assert events_sweep(now=second.next_attempt_at + dt.timedelta(seconds=1))["delivered"] == 1

    assert handlers["test.second"].seen == [event.pk]
    assert handlers["test.first"].seen == [event.pk]  # delivered once, at the first attempt, never again
    second.refresh_from_db()
    assert second.status == EventDelivery.Status.DELIVERED


def test_a_failure_hook_keeps_its_trace_though_the_handler_rolled_back(db, settings):
    """The handler's own writes vanish with its failure; what its `on_failure` hook writes stays, with
    the attempt number, and a failing hook does not disturb the retry."""
    settings.GOVPLUS_EVENTS_RETRY_SECONDS = 30
    traces: list[tuple[int, str, int]] = []

    def handler(event: Event) -> None:
        audit_record(actor=None, action="test.handler_wrote", object_type="event", object_id=event.id)
        raise ConnectionError("endpoint down")

    def on_failure(event: Event, error: Exception, attempt: int) -> None:
        traces.append((event.id, str(error), attempt))
        audit_record(actor=None, action="test.failure_seen", object_type="event", object_id=event.id)
        if attempt == 2:
            raise RuntimeError("the hook itself fails")

    event_subscribe(EVENT, handler, name="test.hooked", on_failure=on_failure)
    try:
        event = publish()
        start = timezone.now()
        assert events_sweep(now=start)["retrying"] == 1
        assert events_sweep(now=start + dt.timedelta(minutes=2))["retrying"] == 1
    finally:
        event_unsubscribe(EVENT, "test.hooked")
    assert traces == [(event.pk, "endpoint down", 1), (event.pk, "endpoint down", 2)]
    assert AuditEntry.objects.filter(action="test.failure_seen").count() == 1  # the failing hook rolled back
    assert not AuditEntry.objects.filter(action="test.handler_wrote").exists()
    delivery = EventDelivery.objects.get(event=event, handler="test.hooked")
    assert (delivery.status, delivery.attempts) == (EventDelivery.Status.PENDING, 2)


def test_delivering_twice_runs_the_handler_once(db, handlers):
    event = publish()
    events_deliver(event_id=event.pk)
    events_deliver(event_id=event.pk)  # the on-commit task repeated
    events_sweep(now=timezone.now() + dt.timedelta(days=1))  # and the sweep on top
    assert handlers["test.first"].seen == [event.pk]
    assert event_handled(event_id=event.pk, handler="test.first")


def test_a_delivery_held_by_a_live_worker_is_left_alone_and_taken_over_when_its_claim_expires(db, handlers, settings):
    event = publish()
    now = timezone.now()
    # Another worker claimed both deliveries and died while holding them.
    EventDelivery.objects.filter(event=event).update(
        claimed_until=now + dt.timedelta(seconds=settings.GOVPLUS_EVENTS_CLAIM_SECONDS), claim_token="other"
    )
    assert events_sweep(now=now)["delivered"] == 0
    assert handlers["test.first"].seen == []
    later = now + dt.timedelta(seconds=settings.GOVPLUS_EVENTS_CLAIM_SECONDS + 1)
    assert events_sweep(now=later)["delivered"] == 2
    assert handlers["test.first"].seen == [event.pk]


def test_failed_deliveries_are_listed_and_retried_by_the_command(db, handlers, settings):
    settings.GOVPLUS_EVENTS_MAX_ATTEMPTS = 2
    handlers["test.second"].failures = 5
    event = publish()
    events_deliver(event_id=event.pk)
    assert events_sweep(now=timezone.now() + dt.timedelta(hours=1))["failed"] == 1
    delivery = EventDelivery.objects.get(event=event, handler="test.second")
    assert (delivery.status, delivery.attempts) == (EventDelivery.Status.FAILED, 2)
    assert events_sweep(now=timezone.now() + dt.timedelta(days=2)) == {"delivered": 0, "retrying": 0, "failed": 0}

    out = StringIO()
    call_command("events", "failed", stdout=out)
    listing = out.getvalue()
    assert f"#{delivery.pk}" in listing and "test.second" in listing and EVENT in listing
    assert "ConnectionError" in listing

    handlers["test.second"].failures = 0  # the other system is back
    out = StringIO()
    call_command("events", "retry", str(delivery.pk), stdout=out)
    assert "1 re-queued" in out.getvalue()
    delivery.refresh_from_db()
    assert delivery.status == EventDelivery.Status.DELIVERED
    assert handlers["test.second"].seen == [event.pk]
    assert handlers["test.first"].seen == [event.pk]
    assert AuditEntry.objects.filter(action="core.event_retry", object_id=str(delivery.pk)).exists()
    out = StringIO()
    call_command("events", "failed", stdout=out)
    assert "no failed deliveries" in out.getvalue()


def test_retry_all_and_a_retry_without_target_is_refused(db, handlers, settings):
    settings.GOVPLUS_EVENTS_MAX_ATTEMPTS = 1
    handlers["test.first"].failures = 2
    first, second = publish(), publish()
    events_sweep()
    assert EventDelivery.objects.filter(status=EventDelivery.Status.FAILED).count() == 2
    with pytest.raises(CommandError):
        call_command("events", "retry", stdout=StringIO())
    call_command("events", "retry", "--all", stdout=StringIO())
    assert not EventDelivery.objects.exclude(status=EventDelivery.Status.DELIVERED).exists()
    assert sorted(handlers["test.first"].seen) == [first.pk, second.pk]


def test_failed_deliveries_are_visible_in_the_admin(db, handlers, settings, admin_client):
    settings.GOVPLUS_EVENTS_MAX_ATTEMPTS = 1
    handlers["test.second"].failures = 1
    events_deliver(event_id=publish().pk)
    page = admin_client.get("/admin/core/eventdelivery/", {"status__exact": "failed"})
    assert page.status_code == 200
    html = page.content.decode()
    assert '<td class="field-handler">test.second</td>' in html and "ConnectionError" in html
    assert '<td class="field-handler">test.first</td>' not in html  # delivered: not in the failed list
    assert admin_client.get("/admin/core/outboxevent/").status_code == 200

    handlers["test.second"].failures = 0
    failed = EventDelivery.objects.get(handler="test.second")
    answer = admin_client.post(
        "/admin/core/eventdelivery/", {"action": "retry_deliveries", "_selected_action": [failed.pk]}
    )
    assert answer.status_code == 302
    failed.refresh_from_db()
    assert (failed.status, failed.attempts) == (EventDelivery.Status.PENDING, 0)  # re-queued, due now
    events_sweep()
    assert handlers["test.second"].seen == [failed.event_id]


def test_payloads_refuse_personal_data(db):
    with pytest.raises(ValueError, match="phone"):
        event_publish(name=EVENT, payload={"application_id": 1, "contact": {"phone": "13800138000"}})


def test_a_handler_name_cannot_be_taken_twice(handlers):
    with pytest.raises(ImproperlyConfigured):
        event_subscribe(EVENT, Recorder(), name="test.first")


def test_old_delivered_events_are_pruned_but_unfinished_ones_kept(db, handlers, settings):
    settings.GOVPLUS_EVENTS_MAX_ATTEMPTS = 1
    done = publish()
    events_deliver(event_id=done.pk)
    handlers["test.first"].failures = 1
    stuck = publish()
    events_deliver(event_id=stuck.pk)
    assert events_prune(now=timezone.now() + dt.timedelta(days=settings.GOVPLUS_EVENTS_KEEP_DAYS + 1)) == 1
    assert list(OutboxEvent.objects.values_list("pk", flat=True)) == [stuck.pk]


@pytest.mark.django_db(transaction=True)
def test_two_workers_sweeping_at_once_run_each_delivery_once(handlers):
    count = 15
    for recorder in handlers.values():
        recorder.failures = count  # every first attempt fails: all deliveries wait for the sweep
    published = [publish(n=number).pk for number in range(count)]
    assert EventDelivery.objects.filter(status=EventDelivery.Status.PENDING).count() == 2 * count
    later = timezone.now() + dt.timedelta(hours=1)
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            events_sweep(now=later)
        except BaseException as error:  # re-raised below, in the test's thread
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    for recorder in handlers.values():
        assert sorted(recorder.seen) == published  # each event once per handler, none twice
    assert not EventDelivery.objects.exclude(status=EventDelivery.Status.DELIVERED).exists()
