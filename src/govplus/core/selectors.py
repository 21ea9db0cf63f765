"""Core reads: a person's messages (the inbox), for the inbox page, the API and the unread badge."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from govplus.core.models import Notification


def notification_list_for(
    *, recipient: Any, unread_only: bool = False, limit: int | None = 100
) -> QuerySet[Notification]:
    """The recipient's messages, newest first (the model's order), at most `limit` (None: all, to page)."""
    rows = Notification.objects.filter(recipient=recipient)
    if unread_only:
        rows = rows.filter(read_at__isnull=True)
    return rows if limit is None else rows[:limit]


def notification_unread_count(*, recipient: Any) -> int:
    return Notification.objects.filter(recipient=recipient, read_at__isnull=True).count()
