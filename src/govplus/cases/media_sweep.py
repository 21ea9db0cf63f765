"""Remove uploaded files that no case refers to.

A file is written before the row that refers to it commits. When the transaction rolls back, the
service deletes the file again (`application_file`); but a process killed between the two (power
loss, OOM kill, a deploy) leaves the file behind with no row. The sweep finds such files — under
`materials/<year>/<month>/<receipt>/`, older than a grace period so that nothing still being written is
touched — and deletes them. Cost: one query per month directory plus one listing per case directory.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.files.storage import default_storage
from django.utils import timezone

from govplus.cases.models import ApplicationMaterial
from govplus.core.audit import audit_record

ROOT = "materials"


@dataclass(frozen=True)
class SweepResult:
    orphans: list[str]
    bytes: int
    deleted: bool


def _month_dirs() -> list[str]:
    if not default_storage.exists(ROOT):
        return []
    months = []
    for year in default_storage.listdir(ROOT)[0]:
        months += [f"{ROOT}/{year}/{month}" for month in default_storage.listdir(f"{ROOT}/{year}")[0]]
    return sorted(months)


def orphan_files_sweep(*, older_than: dt.timedelta = dt.timedelta(hours=24), dry_run: bool = False) -> SweepResult:
    """Find (and unless `dry_run`, delete) stored material files no ApplicationMaterial row refers to."""
    cutoff = timezone.now() - older_than
    orphans: list[str] = []
    size = 0
    for month in _month_dirs():
        known = set(ApplicationMaterial.objects.filter(file__startswith=month + "/").values_list("file", flat=True))
        for case_dir in default_storage.listdir(month)[0]:
            for name in default_storage.listdir(f"{month}/{case_dir}")[1]:
                path = f"{month}/{case_dir}/{name}"
                if path in known or default_storage.get_modified_time(path) > cutoff:
                    continue
                orphans.append(path)
                size += default_storage.size(path)
    if orphans and not dry_run:
        for path in orphans:
            default_storage.delete(path)
        audit_record(
            actor=None,
            action="cases.orphan_files_deleted",
            object_type="media",
            object_id=ROOT,
            changes={"count": len(orphans), "bytes": size},
        )
    return SweepResult(orphans=orphans, bytes=size, deleted=bool(orphans) and not dry_run)
