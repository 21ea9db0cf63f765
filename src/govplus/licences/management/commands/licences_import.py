"""`govplus licences_import --type CODE --department CODE FILE [--dry-run] [--issue]`: bulk import of existing
licences, or with `--issue` a bulk issuance of new ones, each sealed as a PDF (批量签发并盖章).

For the county's IT team: the same check and the same batched, resumable commit as the staff page
(`licences/imports.py`), run in this process with its progress printed. Without `--dry-run` a clean
file is committed at once; a file with problems is not (they are printed, and the exit status is 1).
`--resume JOB` continues an interrupted job after its last committed batch.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from govplus.core.errors import GovplusError
from govplus.identity.models import User
from govplus.licences.bulk_issue import seal_all
from govplus.licences.imports import (
    BATCH_SIZE,
    licence_import_check,
    licence_import_commit,
    licence_import_resume,
    licence_import_run,
)
from govplus.licences.models import LicenceImport


class Command(BaseCommand):
    help = "批量导入部门存量证照（CSV 或 .xlsx）/ bulk import a department's existing licences"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", nargs="?", help="CSV (UTF-8 / GB18030) or .xlsx file")
        parser.add_argument("--type", dest="type_code", default="", help="licence type code (21 characters)")
        parser.add_argument("--department", default="", help="issuing department code, e.g. gaj")
        parser.add_argument("--dry-run", action="store_true", help="check only; write nothing")
        parser.add_argument(
            "--issue", action="store_true", help="issue new licences and seal their PDFs (批量签发并盖章)"
        )
        parser.add_argument(
            "--processes", type=int, default=2, help="with --issue: processes sealing PDFs side by side (default 2)"
        )
        parser.add_argument("--user", default="", help="act as this staff user (default: the system)")
        parser.add_argument("--batch-size", type=int, default=BATCH_SIZE, help=f"rows per batch (default {BATCH_SIZE})")
        parser.add_argument("--max-batches", type=int, default=None, help="stop after this many batches (resume later)")
        parser.add_argument("--resume", type=int, default=None, metavar="JOB", help="continue an interrupted job")

    def handle(self, *args: Any, **options: Any) -> None:
        actor = self._actor(options["user"])
        try:
            if options["resume"] is not None:
                job = licence_import_resume(actor=actor, job_id=options["resume"], enqueue=False)
                if job.status == LicenceImport.Status.SEALING:
                    self._seal(job, options["processes"])
                    return
                self._run(job, options["max_batches"])
                return
            if not options["file"] or not options["type_code"] or not options["department"]:
                raise CommandError("需要 FILE、--type 和 --department / FILE, --type and --department are required")
            path = Path(options["file"])
            if not path.is_file():
                raise CommandError(f"文件不存在 / no such file: {path}")
            started = time.perf_counter()
            with path.open("rb") as stream:
                job = licence_import_check(
                    actor=actor,
                    department_code=options["department"],
                    type_code=options["type_code"],
                    file_name=path.name,
                    file=stream,
                    batch_size=options["batch_size"],
                    mode=LicenceImport.Mode.ISSUE if options["issue"] else LicenceImport.Mode.IMPORT,
                )
            self.stdout.write(
                f"检查 / check: 任务 / job #{job.pk}, {job.rows_total} 行 / rows, "
                f"{job.problem_count} 个问题 / problems ({time.perf_counter() - started:.1f} s)"
            )
            if job.status == LicenceImport.Status.REJECTED:
                for problem in job.problems:
                    self.stdout.write(f"{problem['message']} | {problem['message_en']}")
                if job.problem_count > len(job.problems):
                    self.stdout.write(f"… {job.problem_count - len(job.problems)} more")
                raise CommandError("检查未通过，未写入任何数据 / the check found problems; nothing written")
            if options["dry_run"]:
                self.stdout.write("检查通过（未写入）/ the check passed (nothing written: --dry-run)")
                return
            job = licence_import_commit(actor=actor, job_id=job.pk, enqueue=False)
            job = self._run(job, options["max_batches"])
            if job.status == LicenceImport.Status.SEALING:
                self._seal(job, options["processes"])
        except GovplusError as error:
            fields = "; ".join(f"{name}: {' '.join(messages)}" for name, messages in error.fields.items())
            raise CommandError(f"{error.message} {error.message_en} {fields}".strip()) from error

    def _actor(self, username: str) -> User | None:
        if not username:
            return None
        user = User.objects.filter(username=username, kind=User.Kind.STAFF, is_active=True).first()
        if user is None:
            raise CommandError(f"没有这个工作人员 / no such staff user: {username}")
        return user

    def _run(self, job: LicenceImport, max_batches: int | None) -> LicenceImport:
        started, first = time.perf_counter(), job.rows_done

        def progress(current: LicenceImport) -> None:
            rate = (current.rows_done - first) / (time.perf_counter() - started)
            self.stdout.write(f"  {current.rows_done} / {current.rows_total} ({rate:,.0f} rows/s)")

        job = licence_import_run(job_id=job.pk, max_batches=max_batches, progress=progress)
        elapsed = time.perf_counter() - started
        self.stdout.write(
            f"导入 / import: 任务 / job #{job.pk} {job.status}, {job.rows_done} / {job.rows_total} ({elapsed:.1f} s)"
        )
        if job.status == LicenceImport.Status.REJECTED:
            for problem in job.problems:
                self.stdout.write(f"{problem['message']} | {problem['message_en']}")
            raise CommandError("文件与证照库冲突，未写入 / the file clashes with the library; nothing written")
        if job.status == LicenceImport.Status.INTERRUPTED and max_batches is not None and job.rows_done:
            self.stdout.write(f"已暂停 / paused: govplus licences_import --resume {job.pk}")
        elif job.status == LicenceImport.Status.INTERRUPTED:
            raise CommandError(f"导入中断 / interrupted: {job.error} — govplus licences_import --resume {job.pk}")
        return job

    def _seal(self, job: LicenceImport, processes: int) -> None:
        """Seal the job's PDFs here, in `processes` processes, with the progress printed."""
        started, first = time.perf_counter(), job.pdfs_done

        def progress(done: int, total: int) -> None:
            rate = (done - first) / max(time.perf_counter() - started, 1e-9)
            self.stdout.write(f"  盖章 / sealed {done} / {total} ({rate:,.1f} PDFs/s)")

        job = seal_all(job_id=job.pk, processes=processes, progress=progress)
        elapsed = time.perf_counter() - started
        self.stdout.write(
            f"签发盖章 / sealed: 任务 / job #{job.pk} {job.status}, {job.pdfs_done} / {job.rows_total} "
            f"({elapsed:.1f} s, {(job.pdfs_done - first) / max(elapsed, 1e-9):.1f} PDFs/s)"
        )
        if job.status != LicenceImport.Status.DONE:
            raise CommandError(f"盖章未完成 / sealing unfinished — govplus licences_import --resume {job.pk}")
