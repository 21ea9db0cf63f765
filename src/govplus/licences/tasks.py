"""Background work of the licence library (Huey): the nightly expiry sweep, writing a committed bulk import
and sealing a bulk issuance's PDFs."""

from __future__ import annotations

import logging

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from govplus.licences.bulk_issue import licences_seal
from govplus.licences.imports import licence_import_run
from govplus.licences.services import licences_expire_due

logger = logging.getLogger(__name__)


@db_periodic_task(crontab(hour="0", minute="10"))
def expire_licences() -> None:
    """Every night after midnight: licences whose validity ended yesterday become 失效 (expired), so
    their status list entry, the wallet and tell-us-once all say so from the first minute of the day."""
    logger.info("licences expired: %s", licences_expire_due())


@db_task()
def licence_import_task(job_id: int) -> None:
    """Queued when a bulk import is committed or resumed: write its batches from where it stands.
    Huey does not retry it: an interrupted job waits for a person to resume it from its page."""
    job = licence_import_run(job_id=job_id)
    logger.info("licence import %s: %s, %s of %s rows", job_id, job.status, job.rows_done, job.rows_total)


@db_task(retries=3, retry_delay=10)
def licence_seal_task(job_id: int, licence_pks: list[int]) -> None:
    """Queued for each chunk of a bulk issuance's licences once their batch is committed: render and seal
    their PDFs. The workers run chunks side by side; a chunk run again seals only what is still unsealed."""
    sealed = licences_seal(job_id=job_id, licence_pks=licence_pks)
    logger.info("licence import %s: sealed %s of %s", job_id, sealed, len(licence_pks))
