"""`govplus exchange_sync [--resource CODE]`: read the SQL and HTTP sources that are due (or the named
ones, due or not) and apply them, printing each new version's counts."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from govplus.exchange.selectors import resource_by_code
from govplus.exchange.sources import sources_refresh_due


class Command(BaseCommand):
    help = "刷新数据库/接口来源的资源数据 / refresh the resources fed by a SQL or HTTP source"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--resource", action="append", default=[], help="资源代码（可重复）/ a resource code (repeatable)"
        )

    def handle(self, *args: Any, resource: list[str], **options: Any) -> None:
        for code in resource:
            if resource_by_code(code) is None:
                raise CommandError(f"没有这个资源 / no such resource: {code}")
        versions = sources_refresh_due(codes=resource)
        for version in versions:
            self.stdout.write(
                f"{version.resource.code} v{version.number} {version.status}: "
                f"+{version.added} ~{version.changed} -{version.removed} ={version.unchanged}"
                + (f" ({len(version.problems)} problems)" if version.problems else "")
            )
        if not versions:
            self.stdout.write("没有需要刷新的来源 / no source is due")
