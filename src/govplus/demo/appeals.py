"""The demo county's 12345 partner app: the Open311 key `demo-open311-key` (demo only, like the demo
passwords; `make run` prints it, the README lists it)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from govplus.appeals.models import Partner
from govplus.appeals.partners import partner_issue
from govplus.core.crypto import lookup_hash

DEMO_OPEN311_KEY = "demo-open311-key"


def demo_partner_create(*, actor: Any, log: Callable[[str], None] = print) -> bool:
    """「我的德清」 app as an Open311 partner with the demo key; a second run changes nothing."""
    if Partner.objects.filter(key_hash=lookup_hash(DEMO_OPEN311_KEY)).exists():
        return False
    partner_issue(actor=actor, name="我的德清 App（演示）", contact="12345 热线办", key=DEMO_OPEN311_KEY)
    log(f"Open311 演示接入密钥 / demo Open311 API key: {DEMO_OPEN311_KEY}")
    return True
