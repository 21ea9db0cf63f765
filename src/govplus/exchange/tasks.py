"""Background work of the exchange (Huey): signing the evidence log's tree head."""

from __future__ import annotations

import logging

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from govplus.exchange.tree_heads import tree_head_sign

logger = logging.getLogger(__name__)


@db_periodic_task(crontab(minute="*/5"))
def sign_exchange_tree_head() -> None:
    """Every five minutes: sign the evidence log's tree head if it grew, so entries appended while
    nobody asked for a head are covered by a signed one within minutes."""
    head = tree_head_sign()
    if head is not None:
        logger.info("exchange tree head signed: size %s", head.tree_size)
