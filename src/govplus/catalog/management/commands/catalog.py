"""`govplus catalog export FILE` / `govplus catalog import FILE`: the catalog as JSON.

Import is all-or-nothing and prints every problem with the item's position and field.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from govplus.catalog.services import catalog_export, catalog_import
from govplus.core.errors import ValidationFailed


class Command(BaseCommand):
    help = "导入/导出事项清单 / import or export the service catalog as JSON"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("action", choices=["import", "export"])
        parser.add_argument("path", help="JSON 文件路径，'-' 表示标准输出 / JSON file, '-' for stdout")

    def handle(self, *args: Any, action: str, path: str, **options: Any) -> None:
        if action == "export":
            text = json.dumps(catalog_export(), ensure_ascii=False, indent=2, default=str)
            if path == "-":
                self.stdout.write(text)
            else:
                Path(path).write_text(text)
                self.stdout.write(f"已导出 / exported to {path}")
            return
        try:
            data = json.loads(Path(path).read_text())
        except (OSError, json.JSONDecodeError) as error:
            raise CommandError(f"无法读取 JSON / cannot read JSON: {error}") from error
        try:
            counts = catalog_import(actor=None, data=data)
        except ValidationFailed as error:
            lines = [f"  {field}: {'; '.join(problems)}" for field, problems in error.fields.items()]
            raise CommandError("\n".join([f"{error.message} {error.message_en}", *lines])) from error
        self.stdout.write(f"导入完成 / imported: {counts}")
