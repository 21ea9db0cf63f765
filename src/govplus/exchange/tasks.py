"""Background work of the exchange (Huey): signing the evidence log's tree head, refreshing SQL and HTTP
sources by their update cycle, deleting uploads checked but never applied, and auditing the federated
nodes' evidence logs."""

from __future__ import annotations

import logging

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from govplus.core.errors import GovplusError
from govplus.exchange.evidence import evidence_sequence
from govplus.exchange.federation import node_tree_head_audit
from govplus.exchange.models import Node
from govplus.exchange.sources import sources_refresh_due, uploads_sweep
from govplus.exchange.tree_heads import tree_head_sign

logger = logging.getLogger(__name__)


@db_task()
def sequence_exchange_evidence() -> None:
    """A second after an exchange commits (queued once a second at most): place the staged evidence
    entries in the log (`evidence.evidence_sequence`)."""
    evidence_sequence()


@db_periodic_task(crontab(minute="*/5"))
def sign_exchange_tree_head() -> None:
    """Every five minutes: sign the evidence log's tree head if it grew, so entries appended while
    nobody asked for a head are covered by a signed one within minutes."""
    head = tree_head_sign()
    if head is not None:
        logger.info("exchange tree head signed: size %s", head.tree_size)


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


@db_periodic_task(crontab(hour="3", minute="40"))
def sweep_unapplied_uploads() -> None:
    """Every night: the content of uploads checked but not applied within GOVPLUS_EXCHANGE_UPLOAD_KEEP_DAYS
    is deleted and their versions become 已过期 (audited with the count)."""
    swept = uploads_sweep()
    if swept:
        logger.info("exchange uploads swept: %s checked versions never applied", len(swept))


@db_periodic_task(crontab(minute="20"))
def audit_federated_nodes() -> None:
    """Every hour: check each active peer's signed tree head against the one checked last (a peer that
    rewrote its evidence is logged as an error and audited; a peer that cannot be reached is retried
    next hour)."""
    for node in Node.objects.filter(is_active=True):
        try:
            result = node_tree_head_audit(actor=None, node=node)
        except GovplusError as error:
            logger.warning("node %s not audited: %s", node.code, error.message_en)
            continue
        if not result["valid"]:
            logger.error("node %s evidence log: %s", node.code, result["problem"])
