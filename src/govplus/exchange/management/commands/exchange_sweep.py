"""`govplus exchange_sweep`: delete the kept content of uploads checked but never applied within
GOVPLUS_EXCHANGE_UPLOAD_KEEP_DAYS days (what the nightly Huey task does), printing how many."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from govplus.exchange.sources import uploads_sweep


class Command(BaseCommand):
    help = "删除检查后未生效且已过保留期的上传表格 / delete checked uploads never applied after the keep period"

    def handle(self, *args: Any, **options: Any) -> None:
        swept = uploads_sweep()
        days = settings.GOVPLUS_EXCHANGE_UPLOAD_KEEP_DAYS
        self.stdout.write(
            f"已清理 {len(swept)} 个超过 {days} 天未生效的上传版本 / "
            f"swept {len(swept)} checked uploads not applied within {days} days"
        )
        for version in swept:
            self.stdout.write(f"  {version.resource.code} v{version.number}")
