"""Periodic work of the cases module (Huey)."""

from __future__ import annotations

import logging

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from govplus.cases.deadline_scan import deadline_scan
from govplus.cases.media_sweep import orphan_files_sweep

logger = logging.getLogger(__name__)


@db_periodic_task(crontab(minute="*/15"))
def scan_deadlines() -> None:
    """Every 15 minutes: mark near-due (yellow) and overdue (red) cases and notify their staff."""
    counts = deadline_scan()
    logger.info("deadline scan: %s", counts)


@db_periodic_task(crontab(hour="3", minute="30"))
def sweep_orphan_files() -> None:
    """Every night: delete uploaded files left behind by a process killed mid-request (24 h grace)."""
    result = orphan_files_sweep()
    logger.info("orphan files: %s deleted, %s bytes", len(result.orphans), result.bytes)
