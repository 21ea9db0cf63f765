"""Template helpers for the portal."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.translation import gettext as _

register = template.Library()


@register.filter
def get_item(mapping: Any, key: str) -> Any:
    if isinstance(mapping, dict):
        return mapping.get(key)
    return None


@register.simple_tag
def form_field_errors(errors: Any, name: str) -> list[str]:
    """Problems of an application-form field, reported by the service under `form.<name>`."""
    if not isinstance(errors, dict):
        return []
    return list(errors.get(f"form.{name}", []))


@register.filter
def masked_name(user: Any) -> str:
    name = getattr(user, "display_name", "") or getattr(user, "username", "")
    return name[0] + "*" * (len(name) - 1) if len(name) > 1 else "*"


@register.filter
def working_days(days: Any) -> str:
    """A time limit as people read it: 0 working days is 即办 (done on the spot)."""
    try:
        count = int(days)
    except (TypeError, ValueError):
        return "—"
    if count == 0:
        return _("即办")
    return _("%(n)s 个工作日") % {"n": count}
