"""Background tasks of the core module (Huey): delivery of domain events."""

from __future__ import annotations

import logging

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from govplus.core.events import events_deliver, events_prune, events_sweep

logger = logging.getLogger(__name__)


@db_task()
def deliver_event(event_id: int) -> None:
    """Queued when the publishing transaction commits: the fast path. Failures are retried by the
    sweep with backoff (the delivery rows hold the state), not by Huey."""
    events_deliver(event_id=event_id)


@db_periodic_task(crontab(minute="*"))
def sweep_events() -> None:
    """Every minute: deliver what the fast path missed (a process died after its commit) and retries
    whose backoff has passed."""
    counts = events_sweep()
    if any(counts.values()):
        logger.info("event sweep: %s", counts)


@db_periodic_task(crontab(hour="4", minute="10"))
def prune_events() -> None:
    """Every night: forget delivered events older than GOVPLUS_EVENTS_KEEP_DAYS."""
    logger.info("events pruned: %s", events_prune())


@db_periodic_task(crontab(minute="*"))
def sign_audit_tree_head() -> None:
    """Every minute: sign the audit log's tree head if it grew, and copy it to the checkpoint file."""
    from govplus.core.audit import AUDIT_LOG

    row = AUDIT_LOG.sign_tree_head()
    if row is not None:
        logger.info("audit tree head signed: size %s", row.tree_size)
