"""Template context shared by every page."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest

from govplus.core.modules import Audience, NavEntry, navigation_entries
from govplus.core.selectors import notification_unread_count
from govplus.identity.selectors import staff_assignments


def portal_context(request: HttpRequest) -> dict[str, Any]:
    user = request.user
    unread = 0
    if user.is_authenticated:
        unread = notification_unread_count(recipient=user)
    is_staff_user = user.is_authenticated and getattr(user, "kind", "") == "staff"
    audience: Audience = "staff" if is_staff_user else "citizen" if user.is_authenticated else "anonymous"
    return {
        "site_name": settings.GOVPLUS_SITE_NAME,
        "unread_count": unread,
        "is_staff_user": is_staff_user,
        "navigation": [
            {"label": entry.label, "url_name": entry.url_name, "badge": {"unread_count": unread}.get(entry.badge, 0)}
            for entry in _navigation_for(user, audience)
        ],
    }


def _navigation_for(user: Any, audience: Audience) -> list[NavEntry]:
    """The modules' navigation entries this visitor may see (staff roles are read only if an entry needs them)."""
    entries = navigation_entries()
    roles: frozenset[str] | None = None
    if audience == "staff" and any(entry.staff_roles for entry in entries):
        roles = frozenset(assignment.role for assignment in staff_assignments(user=user))
    return [entry for entry in entries if entry.visible_to(audience=audience, roles=roles)]
