"""Staff pages: the workbench (my department's tasks by deadline) and the case page with its actions."""

from __future__ import annotations

from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_POST

from govplus.cases import actions, selectors
from govplus.cases.models import Application, CaseTask, RectificationTask
from govplus.cases.ratings import rectification_resolve
from govplus.cases.workflow import DELIVERY_METHODS, STEP_ACTIONS, actions_for_step
from govplus.core.crypto import mask_id_number, mask_phone
from govplus.core.errors import GovplusError, NotFound
from govplus.identity.models import Role
from govplus.identity.selectors import staff_assignments
from govplus.portal.helpers import field_errors, pager_for, staff_required, user_of

WORKBENCH_PER_PAGE = 50


@staff_required
def workbench(request: HttpRequest) -> HttpResponse:
    step = request.GET.get("step", "")
    if step not in STEP_ACTIONS:
        step = ""
    try:
        page = min(max(1, int(request.GET.get("page", "1"))), 10_000)
    except ValueError:
        page = 1
    total, rows = selectors.task_list_for(
        actor=user_of(request), step=step, limit=WORKBENCH_PER_PAGE, offset=(page - 1) * WORKBENCH_PER_PAGE
    )
    pager = pager_for(request, total=total or 0, per_page=WORKBENCH_PER_PAGE, filters={"step": step})
    if pager.page != page:  # past the end: show the last page
        total, rows = selectors.task_list_for(
            actor=user_of(request), step=step, limit=WORKBENCH_PER_PAGE, offset=pager.offset
        )
    return render(
        request,
        "portal/workbench.html",
        {
            "rows": rows,
            "total": total,
            "step": step,
            "pager": pager,
            "assignments": [(a.department_code, Role(a.role).label) for a in staff_assignments(user=user_of(request))],
        },
    )


@staff_required
def case_page(request: HttpRequest, receipt_no: str) -> HttpResponse:
    try:
        application = selectors.application_get_for(actor=user_of(request), receipt_no=receipt_no)
    except NotFound as error:
        raise Http404 from error
    scope = {(a.department_id, a.role) for a in staff_assignments(user=user_of(request))}
    tasks = selectors.tasks_of_application(application=application)
    my_open = [t for t in tasks if t.status == CaseTask.Status.OPEN and (t.department_id, t.role) in scope]
    roles = {role for _, role in scope}
    parts = selectors.application_department_parts(application=application)
    return render(
        request,
        "portal/case.html",
        {
            "application": application,
            "parts": parts,
            "limits": selectors.application_time_limits(application=application),
            "denials": [part for part in parts if part.status == "denied" and not part.is_lead],
            "tasks": tasks,
            "my_tasks": [(task, actions_for_step(task.step)) for task in my_open],
            "events": selectors.application_events(application=application, include_internal=True),
            "materials": selectors.application_materials(application=application, current_only=False),
            "supplement": application.supplement_requests.filter(resolved_at__isnull=True).first(),
            "item_materials": list(application.service_item.materials.all()),
            "delivery_methods": [(m, DELIVERY_METHODS.get(m, m)) for m in application.service_item.delivery_methods],
            "can_suspend": bool(roles & {"reviewer", "approver"}),
            "can_extend": "approver" in roles,
            "form": masked_form(application),
        },
    )


def masked_form(application: Application) -> dict[str, object]:
    """Form values for staff eyes: phone and ID numbers masked (the platform contacts the applicant)."""
    values = application.form_data
    for field in application.service_item.form_fields:
        value = str(values.get(field["name"], ""))
        if value and field.get("type") == "phone":
            values[field["name"]] = mask_phone(value)
        elif value and field.get("type") == "idcard":
            values[field["name"]] = mask_id_number(value)
    return values


@staff_required
@require_POST
def task_act(request: HttpRequest, task_id: int) -> HttpResponse:
    receipt_no = request.POST.get("receipt_no", "")
    items = [
        {"material_code": code, "reason": request.POST.get(f"reason_{code}", "")}
        for code in request.POST.getlist("supplement_materials")
    ]
    try:
        actions.task_complete(
            actor=user_of(request),
            task_id=task_id,
            action=request.POST.get("action", ""),
            opinion=request.POST.get("opinion", ""),
            delivery_method=request.POST.get("delivery_method", ""),
            supplement_items=items,
        )
    except GovplusError as error:
        messages.error(request, "；".join(m for ms in field_errors(error).values() for m in ms))
    else:
        messages.success(request, _("已办理。"))
        return HttpResponseRedirect(reverse("portal:workbench"))
    return HttpResponseRedirect(reverse("portal:case", args=[receipt_no]))


@staff_required
@require_POST
def case_act(request: HttpRequest, receipt_no: str) -> HttpResponse:
    action = request.POST.get("action", "")
    reason = request.POST.get("reason", "")
    try:
        if action == "suspend":
            actions.application_suspend(actor=user_of(request), receipt_no=receipt_no, reason=reason)
        elif action == "resume":
            actions.application_resume(actor=user_of(request), receipt_no=receipt_no, reason=reason)
        elif action == "extend":
            days = int(request.POST.get("days", "0") or 0) if request.POST.get("days", "0").isdigit() else 0
            actions.application_extend(actor=user_of(request), receipt_no=receipt_no, days=days, reason=reason)
        else:
            raise Http404
    except GovplusError as error:
        messages.error(request, "；".join(m for ms in field_errors(error).values() for m in ms))
    else:
        messages.success(request, _("已办理。"))
    return HttpResponseRedirect(reverse("portal:case", args=[receipt_no]))


@staff_required
@xframe_options_sameorigin
def material_view(request: HttpRequest, receipt_no: str, material_id: int) -> HttpResponseBase:
    try:
        material = selectors.material_get_for(actor=user_of(request), receipt_no=receipt_no, material_id=material_id)
    except NotFound as error:
        raise Http404 from error
    response = FileResponse(material.file.open("rb"), content_type=material.content_type)
    response["Content-Disposition"] = "inline"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox"
    return response


@staff_required
def rectifications(request: HttpRequest) -> HttpResponse:
    department_ids = [a.department_id for a in staff_assignments(user=user_of(request))]
    if request.method == "POST":
        try:
            rectification_resolve(
                actor=user_of(request),
                rectification_id=int(request.POST.get("id", "0") or 0),
                resolution=request.POST.get("resolution", ""),
            )
        except GovplusError as error:
            messages.error(request, "；".join(m for ms in field_errors(error).values() for m in ms))
        else:
            messages.success(request, _("整改情况已提交。"))
        return HttpResponseRedirect(reverse("portal:rectifications"))
    rows = (
        RectificationTask.objects.filter(department_id__in=department_ids)
        .select_related("rating", "rating__application", "rating__application__service_item", "department")
        .order_by("status", "due_date")[:200]
    )
    return render(request, "portal/rectifications.html", {"rows": rows})
