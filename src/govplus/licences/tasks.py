"""Background work of the licence library (Huey): writing a committed bulk import."""

from __future__ import annotations

import logging

from huey.contrib.djhuey import db_task

from govplus.licences.imports import licence_import_run

logger = logging.getLogger(__name__)


@db_task()
def licence_import_task(job_id: int) -> None:
    """Queued when a bulk import is committed or resumed: write its batches from where it stands.
    Huey does not retry it: an interrupted job waits for a person to resume it from its page."""
    job = licence_import_run(job_id=job_id)
    logger.info("licence import %s: %s, %s of %s rows", job_id, job.status, job.rows_done, job.rows_total)
