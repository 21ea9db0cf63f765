"""Staff pages of the bulk import (存量证照导入): upload and check a file, read its report, commit it,
follow its progress and resume it. Each page calls one function of `imports`; the rules live there."""

from __future__ import annotations

import csv
import io

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from govplus.core.errors import GovplusError, NotFound
from govplus.licences import imports
from govplus.licences.models import LicenceImport, LicenceType
from govplus.portal.helpers import field_errors, staff_required, user_of

PROBLEMS_SHOWN = 500


def _types_by_department(departments: list) -> dict[str, list[LicenceType]]:  # type: ignore[type-arg]
    return {d.code: imports.importable_types_for(d) for d in departments}


def _form(request: HttpRequest, *, errors: dict[str, list[str]] | None = None, status: int = 200) -> HttpResponse:
    actor = user_of(request)
    departments = imports.import_departments_for(actor=actor)
    if not departments:
        status = 403
        errors = {"general": [_("只有部门的审批人员或部门管理员可以导入证照。")]}
    types = {t.code: t for ts in _types_by_department(departments).values() for t in ts}
    return render(
        request,
        "licences/import_upload.html",
        {
            "departments": departments,
            "types": sorted(types.values(), key=lambda t: t.code),
            "jobs": imports.licence_imports_for(actor=actor),
            "errors": errors or {},
            "chosen": {
                "department": request.POST.get("department", ""),
                "type": request.POST.get("type", ""),
                "mode": request.POST.get("mode", ""),
            },
            "columns": imports.COLUMNS,
        },
        status=status,
    )


@staff_required
def licence_import(request: HttpRequest) -> HttpResponse:
    """GET: choose the department, the type and the file. POST: check it (the dry run) and show the job."""
    if request.method != "POST":
        return _form(request)
    upload = request.FILES.get("file")
    try:
        job = imports.licence_import_check(
            actor=user_of(request),
            department_code=request.POST.get("department", ""),
            type_code=request.POST.get("type", ""),
            file_name=(upload.name or "") if upload else "",
            file=upload,
            mode=request.POST.get("mode", LicenceImport.Mode.IMPORT),
        )
    except GovplusError as error:
        return _form(request, errors=field_errors(error), status=error.status)
    return HttpResponseRedirect(reverse("portal:licence_import_job", args=[job.pk]), status=303)


def _job_or_404(request: HttpRequest, job_id: int) -> LicenceImport:
    try:
        return imports.licence_import_for(actor=user_of(request), job_id=job_id)
    except NotFound as error:
        raise Http404 from error


def _job_page(
    request: HttpRequest, job: LicenceImport, *, errors: dict[str, list[str]] | None = None, status: int = 200
) -> HttpResponse:
    english = (get_language() or "").startswith("en")
    return render(
        request,
        "licences/import_job.html",
        {
            "job": job,
            "progress": imports.licence_import_progress(job),
            "problems": [p["message_en" if english else "message"] for p in job.problems[:PROBLEMS_SHOWN]],
            "problems_hidden": max(0, job.problem_count - min(len(job.problems), PROBLEMS_SHOWN)),
            "errors": errors or {},
        },
        status=status,
    )


@staff_required
@require_GET
def licence_import_job(request: HttpRequest, job_id: int) -> HttpResponse:
    return _job_page(request, _job_or_404(request, job_id))


@staff_required
@require_POST
def licence_import_commit(request: HttpRequest, job_id: int) -> HttpResponse:
    job = _job_or_404(request, job_id)
    try:
        imports.licence_import_commit(actor=user_of(request), job_id=job.pk)
    except GovplusError as error:
        return _job_page(request, _job_or_404(request, job_id), errors=field_errors(error), status=error.status)
    return HttpResponseRedirect(reverse("portal:licence_import_job", args=[job.pk]), status=303)


@staff_required
@require_POST
def licence_import_resume(request: HttpRequest, job_id: int) -> HttpResponse:
    job = _job_or_404(request, job_id)
    try:
        imports.licence_import_resume(actor=user_of(request), job_id=job.pk)
    except GovplusError as error:
        return _job_page(request, _job_or_404(request, job_id), errors=field_errors(error), status=error.status)
    return HttpResponseRedirect(reverse("portal:licence_import_job", args=[job.pk]), status=303)


@staff_required
@require_GET
def licence_import_progress(request: HttpRequest, job_id: int) -> JsonResponse:
    """The job's progress as JSON: what the page's progress bar polls."""
    try:
        job = imports.licence_import_for(actor=user_of(request), job_id=job_id)
    except NotFound as error:
        return JsonResponse({"code": error.code, "message": error.message, "message_en": error.message_en}, status=404)
    return JsonResponse(imports.licence_import_progress(job))


@staff_required
@require_GET
def licence_import_problems(request: HttpRequest, job_id: int) -> HttpResponse:
    """The check's problems as a CSV (UTF-8 with BOM, so Excel opens it): row, column, problem."""
    job = _job_or_404(request, job_id)
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow(["行号 / row", "字段 / column", "问题 / problem", "problem"])
    for problem in job.problems:
        zh = problem["message"].split("：", 2)[-1]
        en = problem["message_en"].split(": ", 2)[-1]
        writer.writerow([problem["row"], problem["field"], zh, en])
    response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="licence-import-{job.pk}-problems.csv"'
    return response


@staff_required
@require_GET
def licence_import_template(request: HttpRequest) -> HttpResponse:
    """An empty file with the columns of one type (UTF-8 with BOM), to fill in."""
    try:
        licence_type, columns = imports.import_template_columns(
            actor=user_of(request), type_code=request.GET.get("type", "")
        )
    except NotFound as error:
        raise Http404 from error
    out = io.StringIO()
    out.write("\ufeff")
    csv.writer(out).writerow([column.label for column in columns])
    response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="licence-import-{licence_type.code}.csv"'
    return response
