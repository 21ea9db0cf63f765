"""Background work of the exchange (Huey): refreshing SQL and HTTP sources by their update cycle."""

from __future__ import annotations

import logging

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from govplus.exchange.sources import sources_refresh_due

logger = logging.getLogger(__name__)


@db_periodic_task(crontab(minute="*/15"))
def refresh_sources() -> None:
    """Every quarter of an hour: each SQL or HTTP source whose update cycle has passed since its last
    import is read again and applied (实时 every 15 minutes, 每日 daily …; 不定期 only by hand). Counts
    only in the log, never values."""
    for version in sources_refresh_due():
        logger.info(
            "exchange source %s v%s: %s (+%s ~%s -%s)",
            version.resource.code,
            version.number,
            version.status,
            version.added,
            version.changed,
            version.removed,
        )
