"""Periodic work of the licences module (Huey)."""

from __future__ import annotations

import logging

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from govplus.licences.services import licences_expire_due

logger = logging.getLogger(__name__)


@db_periodic_task(crontab(hour="0", minute="10"))
def expire_licences() -> None:
    """Every night after midnight: licences whose validity ended yesterday become 失效 (expired), so
    their status list entry, the wallet and tell-us-once all say so from the first minute of the day."""
    logger.info("licences expired: %s", licences_expire_due())
