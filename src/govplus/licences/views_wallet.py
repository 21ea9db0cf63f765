"""The holder's pages (我的证照): the wallet, one licence with its history, shares (用证授权) and use
records (用证记录), and the PDF download. Citizens and businesses alike; someone else's licence is a 404."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from govplus.core.errors import GovplusError, NotFound, ValidationFailed
from govplus.core.i18n import localized
from govplus.licences import downloads, selectors, services
from govplus.licences import wallet as holder_wallet
from govplus.licences.credentials import disclosable_names
from govplus.licences.figures import tell_us_once_figures
from govplus.licences.models import Licence
from govplus.portal.helpers import applicant_required, field_errors, pager_for, user_of, whole_number

WALLET_PER_PAGE = 20
SHARE_MAX_DAYS = 366


def _own_licence(request: HttpRequest, licence_id: str) -> Licence:
    """The signed-in holder's licence; anyone else's (or a malformed id) is a 404 that reveals nothing."""
    try:
        return selectors.licence_held_by(actor=user_of(request), licence_id=licence_id)
    except (NotFound, ValidationFailed) as error:
        raise Http404 from error


def _detail_url(licence_id: str, anchor: str = "") -> str:
    return reverse("portal:licence_detail", args=[licence_id]) + (f"#{anchor}" if anchor else "")


@applicant_required
def wallet(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    if status not in Licence.Status.values:
        status = ""
    page = max(1, whole_number(request.GET.get("page", "1"), default=1, maximum=10_000))
    holder = user_of(request)
    rows, total = selectors.licences_of_holder(
        holder=holder, status=status, offset=(page - 1) * WALLET_PER_PAGE, limit=WALLET_PER_PAGE
    )
    pager = pager_for(request, total=total, per_page=WALLET_PER_PAGE, filters={"status": status})
    if pager.page != page:  # past the end: show the last page
        rows, total = selectors.licences_of_holder(
            holder=holder, status=status, offset=pager.offset, limit=WALLET_PER_PAGE
        )
    return render(
        request,
        "licences/wallet.html",
        {
            "licences": rows,
            "total": total,
            "status": status,
            "statuses": Licence.Status.choices,
            "pager": pager,
            "figures": tell_us_once_figures(),
        },
    )


def _detail_render(
    request: HttpRequest,
    licence: Licence,
    *,
    share_values: dict[str, str] | None = None,
    share_errors: dict[str, list[str]] | None = None,
    page_error: GovplusError | None = None,
    status: int = 200,
    show_code: holder_wallet.ShowCode | None = None,
) -> HttpResponse:
    today = timezone.localdate()
    context: dict[str, Any] = {
        "licence": licence,
        "face": selectors.licence_face_rows(licence, masked=False),
        "history": selectors.licence_history(licence),
        "shares": selectors.licence_shares(licence),
        "uses": selectors.licence_use_rows(licence=licence, holder=user_of(request)),
        "departments": selectors.share_departments(),
        "share_values": share_values or {"valid_until": (today + dt.timedelta(days=30)).isoformat()},
        "share_errors": share_errors or {},
        "page_error": page_error,
        "today": today,
        "share_max": today + dt.timedelta(days=SHARE_MAX_DAYS),
        "show_choices": _show_choices(licence),
        "show_code": show_code,
    }
    return render(request, "licences/detail.html", context, status=status)


@applicant_required
def licence_detail(request: HttpRequest, licence_id: str) -> HttpResponse:
    return _detail_render(request, _own_licence(request, licence_id))


@applicant_required
@require_POST
def licence_share(request: HttpRequest, licence_id: str) -> HttpResponse:
    licence = _own_licence(request, licence_id)
    values = {name: request.POST.get(name, "").strip() for name in ("department_code", "purpose", "valid_until")}
    try:
        until = dt.date.fromisoformat(values["valid_until"])
    except ValueError:
        return _detail_render(
            request,
            licence,
            share_values=values,
            share_errors={"valid_until": ["请选择授权截止日期（YYYY-MM-DD）/ choose the end date (YYYY-MM-DD)"]},
            status=422,
        )
    try:
        share = services.licence_share(
            actor=user_of(request),
            licence_id=licence.licence_id,
            department_code=values["department_code"],
            purpose=values["purpose"],
            valid_until=until,
        )
    except GovplusError as error:
        return _detail_render(
            request, licence, share_values=values, share_errors=field_errors(error), status=error.status
        )
    messages.success(
        request,
        _("已授权 %(department)s 使用该证照至 %(until)s。")
        % {"department": localized(share.department), "until": share.valid_until.isoformat()},
    )
    return HttpResponseRedirect(_detail_url(licence.licence_id, "shares"))


@applicant_required
@require_POST
def licence_share_withdraw(request: HttpRequest, licence_id: str, share_id: int) -> HttpResponse:
    """Withdraw a share: the first POST asks to confirm, the second (confirm=yes) withdraws."""
    licence = _own_licence(request, licence_id)
    share = next((row for row in selectors.licence_shares(licence) if row.pk == share_id), None)
    if share is None:
        raise Http404
    if request.POST.get("confirm") != "yes":
        return render(request, "licences/share_withdraw_confirm.html", {"licence": licence, "share": share})
    try:
        services.licence_share_withdraw(actor=user_of(request), licence_id=licence.licence_id, share_id=share.pk)
    except GovplusError as error:
        return _detail_render(request, licence, page_error=error, status=error.status)
    messages.success(request, _("已撤回对 %(department)s 的授权。") % {"department": localized(share.department)})
    return HttpResponseRedirect(_detail_url(licence.licence_id, "shares"))


@applicant_required
def licence_pdf(request: HttpRequest, licence_id: str) -> HttpResponse:
    licence = _own_licence(request, licence_id)
    try:
        pdf = downloads.licence_pdf_for(user_of(request), licence.licence_id)
    except GovplusError as error:
        return _detail_render(request, licence, page_error=error, status=error.status)
    response = HttpResponse(pdf.content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{pdf.filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _show_choices(licence: Licence) -> list[tuple[str, str, bool]]:
    """(claim, label, chosen by default) for the 亮证 form: the holder picks what the code shows."""
    if licence.status != Licence.Status.VALID:
        return []
    document = selectors.licence_document(licence)
    labels = {f"face.{f.name}": f.label for f in document.fields}
    return [
        (name, _(holder_wallet.SHOW_LABELS.get(name, labels.get(name, name))), name in holder_wallet.SHOW_DEFAULT)
        for name in disclosable_names(document)
    ]


@applicant_required
@require_POST
def licence_show(request: HttpRequest, licence_id: str) -> HttpResponse:
    """亮证: a five-minute code with only the claims the holder ticked, shown as a QR code."""
    licence = _own_licence(request, licence_id)
    try:
        code = holder_wallet.licence_show(
            actor=user_of(request), licence_id=licence_id, disclose=request.POST.getlist("disclose")[:20]
        )
    except GovplusError as error:
        return _detail_render(request, licence, page_error=error, status=error.status)
    return _detail_render(request, licence, show_code=code)
