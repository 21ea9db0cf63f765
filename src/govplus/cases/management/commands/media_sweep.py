"""`govplus media_sweep [--older-than-hours 24] [--dry-run]`: delete uploaded files no case refers to."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from govplus.cases.media_sweep import orphan_files_sweep

MIN_GRACE_HOURS = 1


class Command(BaseCommand):
    help = "删除没有办件引用的上传文件（崩溃遗留）/ delete uploaded files that no case refers to"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--older-than-hours", type=float, default=24.0, help="grace period (default 24)")
        parser.add_argument("--dry-run", action="store_true", help="only list them")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["older_than_hours"] < MIN_GRACE_HOURS:
            raise CommandError(
                f"--older-than-hours 至少为 {MIN_GRACE_HOURS}：更新的文件可能属于仍在进行的请求 / "
                f"must be at least {MIN_GRACE_HOURS}: newer files may belong to requests still running"
            )
        result = orphan_files_sweep(
            older_than=dt.timedelta(hours=options["older_than_hours"]), dry_run=options["dry_run"]
        )
        for path in result.orphans:
            self.stdout.write(path)
        verb = "已删除 / deleted" if result.deleted else "找到 / found"
        self.stdout.write(f"{verb}: {len(result.orphans)} 个文件 / files, {result.bytes} bytes")
