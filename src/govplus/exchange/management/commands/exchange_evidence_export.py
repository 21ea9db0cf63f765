"""Write the evidence of one exchange or a period as JSON on stdout, for an auditor to verify offline:

govplus exchange_evidence_export --from 2026-11-01 --to 2026-11-30 [--resource CODE] [--consumer ID] > file.json
govplus exchange_evidence_export --evidence-id 6f1c… > file.json
python3 docs/verifier/verify_exchange_evidence.py file.json [--jwks jwks.json]
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from govplus.core.errors import GovplusError
from govplus.exchange.evidence_export import evidence_export


def _day(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError as error:
        raise CommandError(f"不是日期 YYYY-MM-DD / not a date: {text!r}") from error


class Command(BaseCommand):
    help = "导出交换存证（JSON，供离线核验）/ export exchange evidence as JSON for offline verification"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--from", dest="period_from", type=_day, help="first day (local), YYYY-MM-DD")
        parser.add_argument("--to", dest="period_to", type=_day, help="last day (local, included), YYYY-MM-DD")
        parser.add_argument("--resource", default="", help="only this resource code")
        parser.add_argument("--consumer", default="", help="only this consumer system (client id)")
        parser.add_argument("--evidence-id", default="", help="one exchange instead of a period")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            document = evidence_export(
                actor=None,
                evidence_id=options["evidence_id"],
                period_from=options["period_from"],
                period_to=options["period_to"],
                resource_code=options["resource"],
                consumer=options["consumer"],
            )
        except GovplusError as error:
            details = "; ".join(f"{field}: {' '.join(texts)}" for field, texts in error.fields.items())
            raise CommandError(f"{error.message} / {error.message_en} {details}".strip()) from error
        self.stdout.write(json.dumps(document, ensure_ascii=False, indent=1))
