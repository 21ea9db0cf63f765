"""The data officer's evidence page (交换存证, /staff/exchange/evidence): the newest exchanges of their
departments (either side) with a download of each one's export, and a period's export. The files are the
API's (`GET /api/v1/exchange/evidence/export`, `evidence_export.evidence_export`): the same people may
download them — data officers for their departments' exchanges, platform administrators and supervisors
for all — each download audited, a period bounded to EXPORT_MAX_ENTRIES entries (a 422 asking for a
shorter one). `docs/verifier/verify_exchange_evidence.py` checks a file offline."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from govplus.core.errors import GovplusError, PermissionDenied, ValidationFailed
from govplus.exchange import evidence_export as exports
from govplus.portal.helpers import field_errors, staff_required, user_of


def _day(request: HttpRequest, name: str, problems: dict[str, list[str]]) -> dt.date | None:
    text = request.GET.get(name, "").strip()
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        problems[name] = [f"日期应为 YYYY-MM-DD（如 2026-12-01）：“{text[:20]}” / a date must be YYYY-MM-DD"]
        return None


def _page(request: HttpRequest, actor: Any, *, status: int = 200, **context: Any) -> HttpResponse:
    today = timezone.localdate()
    context.setdefault("form", {"from": (today - dt.timedelta(days=6)).isoformat(), "to": today.isoformat()})
    context["entries"] = exports.evidence_exportable(actor=actor)
    context["max_entries"] = exports.EXPORT_MAX_ENTRIES
    return render(request, "exchange/evidence.html", context, status=status)


def _refused() -> PermissionDenied:
    return PermissionDenied(
        "仅数据管理员、平台管理员和监察员可以导出交换存证。",
        "Only data officers, platform administrators and supervisors may export exchange evidence.",
    )


@staff_required
def evidence_page(request: HttpRequest) -> HttpResponse:
    actor = user_of(request)
    if not exports.may_export_evidence(actor):
        error = _refused()
        return _page(request, actor, status=error.status, message=f"{error.message} / {error.message_en}")
    return _page(request, actor)


@staff_required
def evidence_download(request: HttpRequest) -> HttpResponse:
    """`?evidence_id=` (one exchange) or `?from=&to=` (a period): the export as a file; a bad or empty
    selection is the page again with the problem named (422, 404, 403)."""
    actor = user_of(request)
    evidence_id = request.GET.get("evidence_id", "").strip()[:36]
    problems: dict[str, list[str]] = {}
    period_from, period_to = _day(request, "from", problems), _day(request, "to", problems)
    form = {"from": request.GET.get("from", "")[:20], "to": request.GET.get("to", "")[:20]}
    try:
        if not exports.may_export_evidence(actor):
            raise _refused()
        if problems and not evidence_id:
            raise ValidationFailed(problems)
        document = exports.evidence_export(
            actor=actor, evidence_id=evidence_id, period_from=period_from, period_to=period_to
        )
    except GovplusError as error:
        return _page(
            request,
            actor,
            status=error.status,
            form=form,
            errors=field_errors(error),
            message=f"{error.message} / {error.message_en}" if error.message_en != error.message else error.message,
        )
    name = exports.export_file_name(evidence_id=evidence_id, period_from=period_from, period_to=period_to)
    response = HttpResponse(exports.export_content(document), content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
