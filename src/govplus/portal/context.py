"""Template context shared by every page."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest


def portal_context(request: HttpRequest) -> dict[str, Any]:
    user = request.user
    unread = 0
    if user.is_authenticated:
        unread = user.notifications.filter(read_at__isnull=True).count()  # type: ignore[union-attr]
    return {
        "site_name": settings.GOVPLUS_SITE_NAME,
        "unread_count": unread,
        "is_staff_user": user.is_authenticated and getattr(user, "kind", "") == "staff",
    }
