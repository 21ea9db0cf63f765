"""Staff pages of sharing: requests (ask, decide, cancel), grants (given and received, withdraw) and
the department's consumer systems (its keys). Both sides see the same request; only the provider's
data officer decides it, only the asking department cancels it, either side withdraws a grant."""

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
from govplus.exchange import selectors, services
from govplus.exchange.models import ResourceField, ShareRequest
from govplus.identity.models import Department
from govplus.identity.selectors import is_platform_admin
from govplus.portal.helpers import field_errors, staff_required, user_of

TABS = ("to_decide", "mine", "all")


@staff_required
def sharing_requests(request: HttpRequest) -> HttpResponse:
    actor = user_of(request)
    tab = request.GET.get("tab", "to_decide")
    tab = tab if tab in TABS else "to_decide"
    rows = selectors.requests_visible_to(actor=actor, department_ids=selectors.departments_seen_by(actor))
    mine = selectors.data_departments_of(actor)
    if tab == "to_decide":
        rows = rows.filter(status=ShareRequest.Status.PENDING)
        if not is_platform_admin(user=actor):
            rows = rows.filter(resource__provider_id__in=mine)
        rows = rows.order_by("due_on", "requested_at")
    elif tab == "mine":
        rows = rows.filter(consumer__department_id__in=selectors.departments_seen_by(actor) or [])
    return render(
        request,
        "exchange/requests.html",
        {"rows": list(rows[:200]), "tab": tab, "today": timezone.localdate()},
    )


def _request_or_404(actor: Any, number: str) -> ShareRequest:
    try:
        return selectors.request_visible_to(actor=actor, number=number)
    except NotFound as error:
        raise Http404 from error


def _decision_context(actor: Any, share: ShareRequest) -> dict[str, Any]:
    fields = {f.name: f for f in share.resource.fields.all()}
    may_decide = share.status == ShareRequest.Status.PENDING and selectors.speaks_for(actor, share.resource.provider_id)
    may_cancel = share.status == ShareRequest.Status.PENDING and share.consumer.department_id in (
        selectors.data_departments_of(actor)
    )
    asked = [fields[name] for name in share.fields if name in fields]
    return {
        "share": share,
        "asked": asked,
        "sensitive": {f.name for f in asked if f.sensitivity == ResourceField.Sensitivity.SENSITIVE},
        "may_decide": may_decide,
        "may_cancel": may_cancel,
        "grant": getattr(share, "grant", None) if share.status == ShareRequest.Status.GRANTED else None,
    }


@staff_required
def sharing_request_detail(request: HttpRequest, number: str) -> HttpResponse:
    actor = user_of(request)
    share = _request_or_404(actor, number)
    if request.method != "POST":
        return render(request, "exchange/request_detail.html", _decision_context(actor, share))
    action = request.POST.get("action", "")
    try:
        if action == "cancel":
            services.share_request_cancel(actor=actor, request_number=number)
            messages.success(request, _("已撤回申请。"))
        else:
            services.share_request_decide(
                actor=actor,
                request_number=number,
                grant=action == "grant",
                reason=request.POST.get("reason", "")[:300],
                fields=request.POST.getlist("fields") if action == "grant" else None,
                unmasked_fields=request.POST.getlist("unmasked_fields"),
            )
            messages.success(request, _("已授权。") if action == "grant" else _("已拒绝。"))
    except GovplusError as error:
        context = {**_decision_context(actor, share), "errors": field_errors(error), "page_error": error}
        return render(request, "exchange/request_detail.html", context, status=error.status)
    return HttpResponseRedirect(reverse("portal:exchange_request", args=[number]))


@staff_required
def sharing_request_new(request: HttpRequest, code: str) -> HttpResponse:
    """Ask for a resource for one of the department's systems."""
    actor = user_of(request)
    resource = selectors.resource_by_code(code)
    if resource is None or not resource.is_published:
        raise Http404
    systems = list(selectors.consumers_of_departments(sorted(selectors.data_departments_of(actor))))
    shareable = [f for f in resource.fields.all() if f.sensitivity < ResourceField.Sensitivity.SECRET]
    today = timezone.localdate()
    form: dict[str, str] = {
        "consumer": request.POST.get("consumer", systems[0].application.client_id if systems else ""),
        "purpose": request.POST.get("purpose", ""),
        "legal_basis": request.POST.get("legal_basis", ""),
        "valid_from": request.POST.get("valid_from", today.isoformat()),
        "valid_until": request.POST.get("valid_until", (today + dt.timedelta(days=365)).isoformat()),
    }
    chosen = request.POST.getlist("fields") if request.method == "POST" else [f.name for f in shareable]
    context: dict[str, Any] = {
        "resource": resource,
        "systems": systems,
        "shareable": shareable,
        "form": form,
        "chosen": chosen,
    }
    if request.method != "POST":
        return render(request, "exchange/request_new.html", context)
    errors: dict[str, list[str]] = {}
    dates: dict[str, dt.date] = {}
    for name in ("valid_from", "valid_until"):
        try:
            dates[name] = dt.date.fromisoformat(form[name])
        except ValueError:
            errors[name] = ["日期格式应为 YYYY-MM-DD / date must be YYYY-MM-DD"]
    consumer = selectors.consumer_of_client(form["consumer"])
    if consumer is None or consumer.department_id not in selectors.data_departments_of(actor):
        errors["consumer"] = ["请选择本部门的接入系统 / choose one of the department's systems"]
    if errors:
        return render(request, "exchange/request_new.html", {**context, "errors": errors}, status=422)
    assert consumer is not None
    try:
        created = services.share_request_create(
            actor=actor,
            resource=resource,
            consumer=consumer,
            purpose=form["purpose"][:200],
            legal_basis=form["legal_basis"][:300],
            fields=chosen,
            valid_from=dates["valid_from"],
            valid_until=dates["valid_until"],
        )
    except GovplusError as error:
        return render(
            request, "exchange/request_new.html", {**context, "errors": field_errors(error)}, status=error.status
        )
    messages.success(request, _("申请已提交。"))
    return HttpResponseRedirect(reverse("portal:exchange_request", args=[created.number]))


@staff_required
def sharing_grants(request: HttpRequest) -> HttpResponse:
    actor = user_of(request)
    grants = list(selectors.grants_visible_to(department_ids=selectors.departments_seen_by(actor))[:300])
    mine = selectors.data_departments_of(actor)
    return render(
        request,
        "exchange/grants.html",
        {
            "rows": [
                (g, selectors.grant_in_force(g), g.resource.provider_id in mine or g.consumer.department_id in mine)
                for g in grants
            ],
        },
    )


@staff_required
@require_POST
def sharing_grant_withdraw(request: HttpRequest, grant_id: int) -> HttpResponse:
    try:
        services.grant_withdraw(actor=user_of(request), grant_id=grant_id, reason=request.POST.get("reason", "")[:300])
        messages.success(request, _("授权已撤销。"))
    except GovplusError as error:
        messages.error(request, str(error.message))
    return HttpResponseRedirect(reverse("portal:exchange_grants"))


@staff_required
def consumer_systems(request: HttpRequest) -> HttpResponse:
    """我的接入系统: the department's systems and their client ids; a new one shows its secret once."""
    actor = user_of(request)
    departments = sorted(selectors.data_departments_of(actor))
    context: dict[str, Any] = {
        "systems": list(selectors.consumers_of_departments(departments)),
        "departments": list(Department.objects.filter(pk__in=departments)),
    }
    if request.method == "POST":
        department = Department.objects.filter(pk__in=departments, pk=request.POST.get("department") or 0).first()
        try:
            if department is None:
                raise ValidationFailed({"department": ["请选择部门 / choose the department"]})
            system, secret = services.consumer_system_create(
                actor=actor, department=department, name=request.POST.get("name", "")[:100]
            )
        except GovplusError as error:
            return render(
                request, "exchange/systems.html", {**context, "errors": field_errors(error)}, status=error.status
            )
        context = {
            **context,
            "systems": list(selectors.consumers_of_departments(departments)),
            "created": system,
            "secret": secret,
        }
    return render(request, "exchange/systems.html", context)
