"""Periodic work of the cases module (Huey)."""

from __future__ import annotations

import logging

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from govplus.cases.deadline_scan import deadline_scan

logger = logging.getLogger(__name__)


@db_periodic_task(crontab(minute="*/15"))
def scan_deadlines() -> None:
    """Every 15 minutes: mark near-due (yellow) and overdue (red) cases and notify their staff."""
    counts = deadline_scan()
    logger.info("deadline scan: %s", counts)
