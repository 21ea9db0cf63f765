"""Staff pages: the department register (证照库) and one licence — its face masked by default (a reveal
with a reason is recorded), its history, status changes and annotations by the issuing department, and
for a case that used it, its status then and now."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy
from django.views.decorators.http import require_POST

from govplus.core.errors import GovplusError, NotFound, ValidationFailed
from govplus.licences import selectors, services
from govplus.licences.list_rows import LicenceRow
from govplus.licences.models import Licence
from govplus.licences.services import STAFF_STATUS_ACTIONS, STATUS_ACTIONS
from govplus.portal.helpers import field_errors, pager_for, staff_required, user_of, whole_number

REGISTER_PER_PAGE = 30
# Translated with the context "licence action" (a verb), apart from the statuses they lead to.
ACTION_LABELS = {
    "suspend": pgettext_lazy("licence action", "暂扣"),
    "restore": pgettext_lazy("licence action", "恢复"),
    "revoke": pgettext_lazy("licence action", "撤销"),
    "cancel": pgettext_lazy("licence action", "注销"),
    "withdraw": pgettext_lazy("licence action", "吊销"),
}


def _date_filter(request: HttpRequest, name: str, errors: dict[str, list[str]]) -> dt.date | None:
    text = request.GET.get(name, "").strip()
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        errors[name] = ["日期格式应为 YYYY-MM-DD / date must be YYYY-MM-DD"]
        return None


@staff_required
def register(request: HttpRequest) -> HttpResponse:
    errors: dict[str, list[str]] = {}
    types = selectors.licence_types_for_register()
    filters = {
        "type": request.GET.get("type", ""),
        "status": request.GET.get("status", ""),
        "number": request.GET.get("number", "").strip()[:60],
        "holder": request.GET.get("holder", "").strip()[:18],
        "issued_from": request.GET.get("issued_from", "").strip()[:10],
        "issued_to": request.GET.get("issued_to", "").strip()[:10],
    }
    if filters["type"] not in {t.code for t in types}:
        filters["type"] = ""
    if filters["status"] not in Licence.Status.values:
        filters["status"] = ""
    issued_from = _date_filter(request, "issued_from", errors)
    issued_to = _date_filter(request, "issued_to", errors)
    page = max(1, whole_number(request.GET.get("page", "1"), default=1, maximum=10_000))

    def fetch(offset: int) -> tuple[list[LicenceRow], int]:
        return selectors.licence_register(
            actor=user_of(request),
            type_code=filters["type"],
            status=filters["status"],
            number=filters["number"],
            holder_code=filters["holder"],
            issued_from=issued_from,
            issued_to=issued_to,
            offset=offset,
            limit=REGISTER_PER_PAGE,
        )

    rows, total = fetch((page - 1) * REGISTER_PER_PAGE)
    pager = pager_for(request, total=total, per_page=REGISTER_PER_PAGE, filters=filters)
    if pager.page != page:  # past the end: show the last page
        rows, total = fetch(pager.offset)
    return render(
        request,
        "licences/register.html",
        {
            "rows": [(licence, selectors.masked_summary(licence)) for licence in rows],
            "total": total,
            "pager": pager,
            "filters": filters,
            "errors": errors,
            "types": types,
            "statuses": Licence.Status.choices,
        },
        status=422 if errors else 200,
    )


def _found(request: HttpRequest, licence_id: str, receipt_no: str = "") -> selectors.StaffAccess:
    try:
        return selectors.licence_for_staff(actor=user_of(request), licence_id=licence_id, receipt_no=receipt_no)
    except (NotFound, ValidationFailed) as error:
        raise Http404 from error


def _receipt_no(request: HttpRequest) -> str:
    return (request.GET.get("case") or request.POST.get("case") or "").strip()[:40]


def _staff_url(licence_id: str, receipt_no: str = "") -> str:
    url = reverse("portal:licence_staff_detail", args=[licence_id])
    return f"{url}?case={receipt_no}" if receipt_no else url


def _detail_render(
    request: HttpRequest,
    found: selectors.StaffAccess,
    *,
    revealed: bool = False,
    errors: dict[str, dict[str, list[str]]] | None = None,
    values: dict[str, str] | None = None,
    page_error: GovplusError | None = None,
    status: int = 200,
) -> HttpResponse:
    licence = found.licence
    may_manage = services.may_manage(actor=user_of(request), licence=licence)
    face = selectors.licence_face_rows(licence, masked=not revealed)
    context: dict[str, Any] = {
        "found": found,
        "licence": licence,
        "face": face,
        "revealed": revealed,
        "has_masked": any(row.is_masked for row in face),
        "history": selectors.licence_history(licence),
        "may_manage": may_manage,
        "actions": [
            (action, str(ACTION_LABELS[action]))
            for action in STAFF_STATUS_ACTIONS
            if licence.status in STATUS_ACTIONS[action][0]
        ],
        "errors": errors or {},
        "values": values or {},
        "page_error": page_error,
        "status_then": (
            selectors.licence_status_at(licence, found.supplied_at) if found.supplied_at is not None else ""
        ),
    }
    return render(request, "licences/staff_detail.html", context, status=status)


@staff_required
def licence_staff_detail(request: HttpRequest, licence_id: str) -> HttpResponse:
    found = _found(request, licence_id, _receipt_no(request))
    services.licence_staff_open_record(actor=user_of(request), found=found)
    return _detail_render(request, found)


@staff_required
@require_POST
def licence_reveal(request: HttpRequest, licence_id: str) -> HttpResponse:
    """The unmasked face, on this answer only (never kept in the session or a redirect), for a reason."""
    found = _found(request, licence_id, _receipt_no(request))
    reason = request.POST.get("reason", "")
    try:
        services.licence_personal_reveal(
            actor=user_of(request), licence_id=licence_id, reason=reason, receipt_no=found.receipt_no
        )
    except GovplusError as error:
        return _detail_render(
            request,
            found,
            errors={"reveal": field_errors(error)},
            values={"reveal_reason": reason},
            status=error.status,
        )
    return _detail_render(request, found, revealed=True)


@staff_required
@require_POST
def licence_status(request: HttpRequest, licence_id: str) -> HttpResponse:
    """A status change by the issuing department: the first POST checks and asks to confirm, the second
    (confirm=yes) changes the status."""
    found = _found(request, licence_id, _receipt_no(request))
    action, reason = request.POST.get("action", ""), request.POST.get("reason", "").strip()
    values = {"action": action, "reason": reason}
    try:
        if request.POST.get("confirm") != "yes":
            services.licence_status_change_check(
                actor=user_of(request), licence_id=licence_id, action=action, reason=reason
            )
            return render(
                request,
                "licences/status_confirm.html",
                {
                    "licence": found.licence,
                    "found": found,
                    "action": action,
                    "action_label": str(ACTION_LABELS[action]),
                    "reason": reason,
                },
            )
        services.licence_status_change_by_staff(
            actor=user_of(request), licence_id=licence_id, action=action, reason=reason
        )
    except GovplusError as error:
        return _detail_render(
            request, found, errors={"status": field_errors(error)}, values=values, status=error.status
        )
    messages.success(request, _("证照状态已变更。"))
    return HttpResponseRedirect(_staff_url(licence_id, found.receipt_no))


@staff_required
@require_POST
def licence_annotate(request: HttpRequest, licence_id: str) -> HttpResponse:
    found = _found(request, licence_id, _receipt_no(request))
    note = request.POST.get("note", "")
    try:
        services.licence_annotate(actor=user_of(request), licence_id=licence_id, note=note)
    except GovplusError as error:
        return _detail_render(
            request, found, errors={"annotate": field_errors(error)}, values={"note": note}, status=error.status
        )
    messages.success(request, _("已加注。"))
    return HttpResponseRedirect(_staff_url(licence_id, found.receipt_no))
