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

from govplus.cases import actions, reveal, selectors
from govplus.cases.models import Application
from govplus.cases.ratings import rectification_resolve
from govplus.cases.workflow import DELIVERY_METHODS, STEP_ACTIONS, actions_for_step
from govplus.core.errors import GovplusError, NotFound
from govplus.core.i18n import localized
from govplus.identity.models import Role
from govplus.identity.selectors import staff_assignments
from govplus.portal.helpers import field_errors, pager_for, staff_required, user_of, whole_number

WORKBENCH_PER_PAGE = 50


@staff_required
def workbench(request: HttpRequest) -> HttpResponse:
    step = request.GET.get("step", "")
    if step not in STEP_ACTIONS:
        step = ""
    page = max(1, whole_number(request.GET.get("page", "1"), default=1, maximum=10_000))
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
        "cases/workbench.html",
        {
            "rows": rows,
            "total": total,
            "step": step,
            "pager": pager,
            "assignments": [
                (localized({"name": a.department_name, "name_en": a.department_name_en}), Role(a.role).label)
                for a in staff_assignments(user=user_of(request))
            ],
        },
    )


@staff_required
def case_page(request: HttpRequest, receipt_no: str) -> HttpResponse:
    try:
        application = selectors.application_get_for(actor=user_of(request), receipt_no=receipt_no)
    except NotFound as error:
        raise Http404 from error
    return _case_render(request, application)


def _case_render(
    request: HttpRequest,
    application: Application,
    *,
    revealed: tuple[str, str] | None = None,
    reveal_errors: dict[str, list[str]] | None = None,
    status: int = 200,
) -> HttpResponse:
    tasks = selectors.tasks_of_application(application=application)
    access = selectors.case_access_for(actor=user_of(request), tasks=tasks)
    item_materials = list(application.service_item.materials.all())
    parts = selectors.application_department_parts(application=application)
    return render(
        request,
        "cases/case.html",
        {
            "application": application,
            "parts": parts,
            "limits": selectors.application_time_limits(application=application),
            "denials": selectors.co_handling_denials(application=application, parts=parts),
            "tasks": tasks,
            "my_tasks": [(task, actions_for_step(task.step)) for task in access.my_open_tasks],
            "events": selectors.application_events(application=application, include_internal=True),
            "materials": selectors.application_materials(application=application, current_only=False),
            "supplies": selectors.application_supplies_for_staff(application=application),
            "supplement": selectors.supplement_open(application=application),
            "item_materials": item_materials,
            "material_by_code": {material.code: material for material in item_materials},
            "delivery_methods": [(m, DELIVERY_METHODS.get(m, m)) for m in application.service_item.delivery_methods],
            "can_suspend": access.can_suspend,
            "can_extend": access.can_extend,
            "form": reveal.application_form_masked(application=application),
            "personal_fields": reveal.personal_fields(application=application),
            "can_reveal": reveal.is_case_handler(actor=user_of(request), application=application),
            "revealed": revealed,
            "reveal_errors": reveal_errors or {},
            "accesses": reveal.personal_data_accesses(application=application),
        },
        status=status,
    )


@staff_required
@require_POST
def case_reveal(request: HttpRequest, receipt_no: str) -> HttpResponse:
    """Show one full personal value to a handler who gives a reason (recorded; the applicant sees it).
    The value is shown on this answer only, never kept in the session or a redirect."""
    try:
        application = selectors.application_get_for(actor=user_of(request), receipt_no=receipt_no)
    except NotFound as error:
        raise Http404 from error
    field = request.POST.get("field", "")
    try:
        value = reveal.personal_data_reveal(
            actor=user_of(request), application=application, field=field, reason=request.POST.get("reason", "")
        )
    except GovplusError as error:
        return _case_render(request, application, reveal_errors=field_errors(error), status=error.status)
    return _case_render(request, application, revealed=(field, value))


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
    if request.method == "POST":
        try:
            rectification_resolve(
                actor=user_of(request),
                rectification_id=whole_number(request.POST.get("id", ""), default=0, maximum=10**18),
                resolution=request.POST.get("resolution", ""),
            )
        except GovplusError as error:
            messages.error(request, "；".join(m for ms in field_errors(error).values() for m in ms))
        else:
            messages.success(request, _("整改情况已提交。"))
        return HttpResponseRedirect(reverse("portal:rectifications"))
    rows = selectors.rectification_list_for(actor=user_of(request))
    return render(request, "cases/rectifications.html", {"rows": rows})
