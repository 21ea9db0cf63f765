"""`govplus seed_demo`: load the demo county (refuses with DEBUG off unless --force)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from govplus.core.errors import GovplusError
from govplus.demo.seed import demo_accounts_text, demo_seed


class Command(BaseCommand):
    help = "载入演示县数据 / seed the demo county"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--force", action="store_true", help="即使 DEBUG 关闭也写入 / seed even with DEBUG off")
        parser.add_argument("--history", type=int, default=500, help="历史办件数量 / historical cases")

    def handle(self, *args: Any, force: bool, history: int, **options: Any) -> None:
        try:
            demo_seed(force=force, history_size=history, log=self.stdout.write)
        except GovplusError as error:
            raise CommandError(f"{error.message} {error.message_en}") from error
        self.stdout.write(demo_accounts_text())
