"""诉求公开: the answered appeals their citizens agreed to publish, with their answers — anonymised
(no caller; phone and ID numbers and e-mail addresses in the text masked, as Open311 shows them)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from govplus.appeals.models import Appeal
from govplus.appeals.open311 import public_text
from govplus.portal.helpers import pager_for

PER_PAGE = 20


def public_appeals(request: HttpRequest) -> HttpResponse:
    rows = Appeal.objects.filter(
        is_public=True, status__in=(Appeal.Status.REPLIED, Appeal.Status.CLOSED), replied_at__isnull=False
    ).select_related("category", "department", "region")
    pager = pager_for(request, total=rows.count(), per_page=PER_PAGE, filters={})
    shown = [
        {
            "title": public_text(a.title),
            "body": public_text(a.body),
            "reply": public_text(a.reply),
            "appeal": a,
        }
        for a in rows.order_by("-replied_at")[pager.offset : pager.offset + PER_PAGE]
    ]
    return render(request, "appeals/public.html", {"rows": shown, "pager": pager})
