"""Background tasks of the core module (Huey)."""

from __future__ import annotations

import logging

from huey.contrib.djhuey import db_task

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
