"""`govplus audit verify`: walk the hash chain and report the first changed or removed entry."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from govplus.core.audit import audit_verify


class Command(BaseCommand):
    help = "审计日志校验 / verify the audit log's hash chain"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("action", choices=["verify"])

    def handle(self, *args: Any, **options: Any) -> None:
        result = audit_verify()
        if not result.is_intact:
            raise CommandError(
                f"审计链校验失败 / audit chain BROKEN at entry #{result.broken_entry_id}: {result.problem} "
                f"({result.entries_checked} entries verified before it)"
            )
        self.stdout.write(f"审计链完整 / audit chain intact: {result.entries_checked} entries")
