"""Partner apps of the Open311 API (接入应用) and their API keys.

Rules: a key is 32 random URL-safe characters, shown once when issued and stored only as its keyed hash
(`core.crypto.lookup_hash`) with its first characters as a hint; a partner belongs to one jurisdiction
(this installation's region code); disabling a partner refuses its key at once. Only the platform
administrator issues or disables keys; audited (never the key).
"""

from __future__ import annotations

import secrets
from typing import Any

from django.conf import settings
from django.db import transaction

from govplus.appeals.models import Partner
from govplus.core.audit import audit_record
from govplus.core.crypto import lookup_hash
from govplus.core.errors import Conflict, PermissionDenied, ValidationFailed
from govplus.identity.selectors import is_platform_admin


def partner_issue(*, actor: Any, name: str, contact: str = "", key: str = "") -> tuple[Partner, str]:
    """Register a partner of this jurisdiction and issue its key (`key` only for the demo's fixed
    one); returns the partner and the key, which is not kept."""
    if actor is not None and not is_platform_admin(user=actor):
        raise PermissionDenied("仅平台管理员可以登记接入应用", "Only a platform administrator registers partner apps")
    if not name.strip() or len(name) > 100:
        raise ValidationFailed({"name": ["必填，不超过 100 个字符 / required, at most 100 characters"]})
    key = key or secrets.token_urlsafe(24)
    if Partner.objects.filter(key_hash=lookup_hash(key)).exists():
        raise Conflict("该密钥已登记", "this key is already registered")
    with transaction.atomic():
        partner = Partner.objects.create(
            name=name.strip(),
            contact=contact.strip()[:100],
            key_hash=lookup_hash(key),
            key_hint=key[:6],
            jurisdiction=settings.GOVPLUS_REGION_CODE,
        )
        audit_record(actor=actor, action="appeals.partner_issue", object_type="appeals_partner", object_id=partner.pk)
    return partner, key


def partner_disable(*, actor: Any, partner_id: int) -> Partner:
    if actor is not None and not is_platform_admin(user=actor):
        raise PermissionDenied("仅平台管理员可以停用接入应用", "Only a platform administrator disables partner apps")
    with transaction.atomic():
        partner = Partner.objects.select_for_update().get(pk=partner_id)
        partner.is_active = False
        partner.save(update_fields=["is_active"])
        audit_record(actor=actor, action="appeals.partner_disable", object_type="appeals_partner", object_id=partner.pk)
    return partner
