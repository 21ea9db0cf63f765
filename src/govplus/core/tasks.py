"""Background tasks of the core module (Huey)."""

from __future__ import annotations

import logging

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from govplus.core.models import Notification

logger = logging.getLogger(__name__)


@db_task(retries=3, retry_delay=30)
def deliver_external_notification(notification_id: int) -> None:
    """Send the SMS/email copies of an inbox message; retried when a gateway fails."""
    from govplus.core.notify import deliver_external

    notification = Notification.objects.select_related("recipient").filter(pk=notification_id).first()
    if notification is None:
        return
    deliver_external(notification)


@db_periodic_task(crontab(minute="*"))
def sign_audit_tree_head() -> None:
    """Every minute: sign the audit log's tree head if it grew, and copy it to the checkpoint file."""
    from govplus.core.audit import AUDIT_LOG

    row = AUDIT_LOG.sign_tree_head()
    if row is not None:
        logger.info("audit tree head signed: size %s", row.tree_size)
