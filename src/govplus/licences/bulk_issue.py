"""Bulk issuance (批量签发并盖章): seal the PDFs of a bulk job's newly issued licences, in parallel.

Rules:
- A bulk job in mode `issue` writes its rows as the platform's own licences (origin 签发) in the import's
  batches (imports.py); each committed batch queues its licences for sealing in chunks of `SEAL_CHUNK`,
  which the Huey workers (processes, one per core) render and seal side by side.
- A licence is sealed once: its PDF is recorded only if it has none yet (`pdf_path` empty), in one
  transaction with the job's `pdfs_done`, so a chunk run twice (a retry, a resume, two workers) neither
  seals twice nor counts twice. A PDF made but not recorded (a crash in between) is made again.
- Its holder is told when its PDF is ready (they can download it at once). The job is done when its rows
  are written and every licence it wrote has its PDF; a sealing job silent for `imports.STALE_AFTER`
  (its workers died) is resumed from its page or `licences_import --resume`, which queues again only the
  licences still without a PDF.
- Each chunk is one audit entry (`licences.bulk_seal`: the job, how many sealed) besides the licences'
  own history rows written with them.
"""

from __future__ import annotations

import logging
import multiprocessing
from collections.abc import Callable, Sequence
from typing import Any

from django.db import connections, transaction
from django.db.models import F
from django.utils import timezone

from govplus.core.audit import audit_record
from govplus.licences.models import Licence, LicenceImport
from govplus.licences.pdf_store import licence_pdf_make
from govplus.licences.services import _tell_holder

logger = logging.getLogger(__name__)

SEAL_CHUNK = 20  # licences per task: small enough to spread over the workers, big enough to be cheap
S = LicenceImport.Status


def seal_enqueue(job_id: int, licence_pks: Sequence[int]) -> None:
    """Queue the licences' sealing in chunks (the Huey task). A queue that is down leaves them unsealed:
    the job then goes silent and its page offers to resume it."""
    from govplus.licences.tasks import licence_seal_task

    for chunk in _chunks(list(licence_pks), SEAL_CHUNK):
        try:
            licence_seal_task(job_id, chunk)
        except Exception:
            logger.exception("could not queue the sealing of licence import %s", job_id)
            return


def unsealed_of(job_id: int) -> list[int]:
    """The job's licences that have no PDF yet, in the order they were written."""
    return list(Licence.objects.filter(import_job_id=job_id, pdf_path="").order_by("pk").values_list("pk", flat=True))


def licences_seal(*, job_id: int, licence_pks: Sequence[int]) -> int:
    """Seal the PDFs of these licences of the job that have none yet; returns how many this call sealed."""
    pending = list(
        Licence.objects.select_related("licence_type", "issuer", "holder")
        .filter(pk__in=list(licence_pks), import_job_id=job_id, pdf_path="")
        .order_by("pk")
    )
    made: list[tuple[Licence, str, str]] = []
    for licence in pending:
        _content, path, digest = licence_pdf_make(licence)
        made.append((licence, path, digest))
    sealed: list[Licence] = []
    with transaction.atomic():
        for licence, path, digest in made:
            if Licence.objects.filter(pk=licence.pk, pdf_path="").update(pdf_path=path, pdf_digest=digest):
                licence.pdf_path, licence.pdf_digest = path, digest
                sealed.append(licence)
        if sealed:
            LicenceImport.objects.filter(pk=job_id).update(
                pdfs_done=F("pdfs_done") + len(sealed), heartbeat_at=timezone.now()
            )
            audit_record(
                actor=None,
                action="licences.bulk_seal",
                object_type="licence_import",
                object_id=job_id,
                changes={"sealed": len(sealed), "first": sealed[0].licence_id, "last": sealed[-1].licence_id},
            )
    for licence in sealed:
        if licence.holder_id:
            _tell_holder(licence, f"您的电子证照“{licence.licence_type.name}”已签发，可在“我的证照”查看和下载。")
    seal_finish_if_done(job_id)
    return len(sealed)


def seal_finish_if_done(job_id: int) -> bool:
    """A sealing job whose licences all have their PDF is done (once, whoever sees it first)."""
    with transaction.atomic():
        done = LicenceImport.objects.filter(pk=job_id, status=S.SEALING, pdfs_done=F("rows_total")).update(
            status=S.DONE, finished_at=timezone.now(), error=""
        )
        if done:
            job = LicenceImport.objects.only("pk", "committed_by", "rows_done", "pdfs_done").get(pk=job_id)
            audit_record(
                actor=job.committed_by,
                action="licences.import_done",
                object_type="licence_import",
                object_id=job_id,
                changes={"rows": job.rows_done, "sealed": job.pdfs_done},
            )
    return bool(done)


def seal_resume(job: LicenceImport, *, enqueue: bool = True) -> list[int]:
    """Queue again the licences of a silent sealing job that still have no PDF (their earlier tasks were
    lost with their workers). Returns them; with `enqueue=False` the caller seals them itself."""
    pks = unsealed_of(job.pk)
    if enqueue:
        transaction.on_commit(lambda: seal_enqueue(job.pk, pks))
    return pks


def seal_progress(job: LicenceImport) -> dict[str, Any]:
    """The sealing part of a job's progress (the second bar of the job page)."""
    if job.mode != LicenceImport.Mode.ISSUE:
        return {"pdfs_done": 0, "pdf_percent": 0.0}
    return {
        "pdfs_done": job.pdfs_done,
        "pdf_percent": round(100 * job.pdfs_done / job.rows_total, 1) if job.rows_total else 0.0,
    }


def _seal_chunk(job_and_pks: tuple[int, list[int]]) -> int:
    job_id, pks = job_and_pks
    return licences_seal(job_id=job_id, licence_pks=pks)


def seal_all(*, job_id: int, processes: int = 1, progress: Callable[[int, int], None] | None = None) -> LicenceImport:
    """Seal, here, every licence of the job that has no PDF yet (the command line's `--issue`, and the
    benchmark): in `processes` forked processes side by side, or in this one. `progress(done, total)`
    is called after each chunk. Returns the job as it ends (done when every PDF is made)."""
    job = LicenceImport.objects.get(pk=job_id)
    chunks = [(job_id, pks) for pks in _chunks(unsealed_of(job_id), SEAL_CHUNK)]
    done = job.pdfs_done
    if processes <= 1 or len(chunks) <= 1:
        for chunk in chunks:
            done += _seal_chunk(chunk)
            if progress:
                progress(done, job.rows_total)
    else:
        connections.close_all()  # each process opens its own connection
        with multiprocessing.get_context("fork").Pool(processes, initializer=connections.close_all) as pool:
            for sealed in pool.imap_unordered(_seal_chunk, chunks):
                done += sealed
                if progress:
                    progress(done, job.rows_total)
    seal_finish_if_done(job_id)
    return LicenceImport.objects.get(pk=job_id)


def _chunks(items: list[int], size: int) -> list[list[int]]:
    return [items[start : start + size] for start in range(0, len(items), size)]
