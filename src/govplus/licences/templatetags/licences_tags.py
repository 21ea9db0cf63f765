"""Template helpers of the licence pages: status and history labels, masks."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.translation import gettext as _

from govplus.core.crypto import mask_name
from govplus.licences.models import Licence, LicenceEvent

register = template.Library()

# The look of each status: a colour class and a symbol, always next to the status's name (never colour alone).
STATUS_STYLES = {
    Licence.Status.VALID: ("valid", "✓"),
    Licence.Status.SUSPENDED: ("suspended", "‖"),
    Licence.Status.REVOKED: ("ended", "✕"),
    Licence.Status.CANCELLED: ("ended", "✕"),
    Licence.Status.WITHDRAWN: ("ended", "✕"),
    Licence.Status.EXPIRED: ("expired", "⌛"),
}


@register.filter
def status_label(status: Any) -> str:
    return str(Licence.Status(status).label) if status in Licence.Status.values else "—"


@register.filter
def status_class(status: Any) -> str:
    return STATUS_STYLES.get(status, ("expired", ""))[0]


@register.filter
def status_symbol(status: Any) -> str:
    return STATUS_STYLES.get(status, ("", "•"))[1]


@register.filter
def event_kind_label(kind: Any) -> str:
    """The history entry's name; "withdraw" is the kind a 吊销 writes."""
    if kind == "withdraw":
        return _("吊销")
    return str(LicenceEvent.Kind(kind).label) if kind in LicenceEvent.Kind.values else str(kind)


@register.filter
def masked(text: Any) -> str:
    """A person's name as the holder sees staff named: 钱审批 → 钱**."""
    return mask_name(str(text or ""))
