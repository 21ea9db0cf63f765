"""Print the county's tell-us-once figures (licences and shared data) as JSON."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand

from govplus.exchange.figures import need_not_bring_figures


class Command(BaseCommand):
    help = "免提交统计：全县必需材料中无需申请人提交的份额 / the share of required materials no applicant brings"

    def handle(self, *args: Any, **options: Any) -> None:
        figures = need_not_bring_figures()
        self.stdout.write(
            json.dumps(
                {
                    "items": figures.items,
                    "required_materials": figures.required_materials,
                    "from_library": figures.from_library,
                    "from_shared_data": figures.from_shared_data,
                    "need_not_bring": figures.need_not_bring,
                    "share_percent": float(figures.share_percent),
                    "uploads_avoided_per_application": figures.uploads_avoided_per_application,
                    "weighted_by_applications": figures.is_weighted_by_applications,
                },
                ensure_ascii=False,
            )
        )
