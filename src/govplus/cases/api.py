"""Case endpoints: applications (citizens and businesses), tasks (staff), public progress."""

from __future__ import annotations

import base64
import binascii
from typing import Any

from django.http import FileResponse, HttpRequest, HttpResponse
from ninja import File, Form, Query, Router, Status, UploadedFile

from govplus.cases import actions, ratings, reveal, selectors, services
from govplus.cases.models import Application, CaseTask
from govplus.cases.schemas import (
    ApplicationDetailOut,
    ApplicationIn,
    ApplicationListOut,
    ApplicationOut,
    ExtendIn,
    FormIn,
    MaterialOut,
    ProgressOut,
    RatingIn,
    RatingOut,
    ReasonIn,
    RevealIn,
    RevealOut,
    SupplementIn,
    TaskCompleteIn,
    TaskListOut,
    TaskOut,
)
from govplus.cases.workflow import STEP_ACTIONS
from govplus.core.api import APPLICATIONS_AUTH, OFFSET_MAX, TASKS_AUTH, ErrorOut, actor_of, errors
from govplus.core.errors import ValidationFailed
from govplus.core.idempotency import run_once
from govplus.core.middleware import client_ip

router = Router(tags=["cases 办件"])


def application_out(application: Application) -> dict[str, Any]:
    return {
        "receipt_no": application.receipt_no,
        "status": application.status,
        "status_label": str(application.get_status_display()),
        "stage": application.stage,
        "result": application.result,
        "service_code": application.service_item.code,
        "service_name": application.service_item.name,
        "department": application.department.name,
        "created_at": application.created_at,
        "submitted_at": application.submitted_at,
        "accepted_at": application.accepted_at,
        "concluded_at": application.concluded_at,
        "due_date": application.due_date,
        "promised_due_date": application.promised_due_date,
        "is_clock_paused": application.clock_paused_on is not None,
        "delivery_method": application.delivery_method,
    }


def application_detail_out(application: Application, *, include_internal: bool) -> dict[str, Any]:
    """`include_internal` (staff): internal events too, and personal identifiers masked as on the
    case page; the full value only through `POST …/reveal`."""
    supplement = selectors.supplement_open(application=application)
    rating = getattr(application, "rating", None) if hasattr(application, "rating") else None
    return {
        **application_out(application),
        "departments": [
            {
                "department_code": part.department_code,
                "department": part.department_name,
                "result": part.result,
                "result_en": part.result_en,
                "is_lead": part.is_lead,
                "status": part.status,
                "decided_at": part.decided_at,
                # an approving department's opinion is internal; a refusal's reason is the applicant's to know
                "reason": part.reason if include_internal or part.status == "denied" else "",
            }
            for part in selectors.application_department_parts(application=application)
        ],
        "form": reveal.application_form_masked(application=application) if include_internal else application.form_data,
        "materials": selectors.application_materials(application=application),
        "events": selectors.application_events(application=application, include_internal=include_internal),
        "supplement": {
            "items": supplement.items,
            "note": supplement.note,
            "requested_at": supplement.requested_at.isoformat(),
        }
        if supplement
        else None,
        "rating": rating.score if rating else None,
        "personal_data_accesses": [
            reveal.access_out(access) for access in reveal.personal_data_accesses(application=application)
        ],
    }


def _decode(materials: list[Any]) -> list[tuple[str, str, bytes]]:
    decoded = []
    for index, material in enumerate(materials):
        try:
            content = base64.b64decode(material.content_base64, validate=True)
        except (binascii.Error, ValueError) as error:
            raise ValidationFailed(
                {f"materials.{index}.content_base64": ["不是合法的 Base64 / not valid base64"]}
            ) from error
        decoded.append((material.material_code, material.filename, content))
    return decoded


@router.post(
    "/applications",
    auth=APPLICATIONS_AUTH,
    response={201: ApplicationOut, **errors(400, 401, 403, 404, 409, 422), 413: ErrorOut},
    summary="新建申请（可同时上传材料并提交）/ create an application",
)
def application_create(request: HttpRequest, payload: ApplicationIn) -> Any:
    """Honours `Idempotency-Key`: repeats of the same request return the first response. Each inline
    material (base64) is at most GOVPLUS_UPLOAD_MAX_BYTES (20 MB) and the whole body at most the
    base64 of one such file plus 1 MiB (413 beyond); send several large files as multipart uploads."""
    actor = actor_of(request)
    materials = _decode(payload.materials)

    def produce() -> tuple[int, dict[str, Any]]:
        application = services.application_file(
            actor=actor,
            service_code=payload.service_code,
            form=payload.form,
            channel=payload.channel,
            files=[services.MaterialFile(code, filename, content) for code, filename, content in materials],
            submit=payload.submit,
        )
        return 201, ApplicationOut(**application_out(application)).model_dump(mode="json")

    key = request.headers.get("Idempotency-Key", "").strip()
    if not key:
        status, body = produce()
        return Status(status, body)
    status, body, _replayed = run_once(
        actor=actor, scope="application_create", key=key, payload=payload.model_dump(mode="json"), produce=produce
    )
    return Status(status, body)


@router.get(
    "/applications",
    auth=APPLICATIONS_AUTH,
    response={200: ApplicationListOut, **errors(401, 403, 422)},
    summary="我的办件 / my applications",
)
def application_list(
    request: HttpRequest,
    status: str = "",
    limit: int = Query(20, ge=1, le=100),
    offset: int = Query(0, ge=0, le=OFFSET_MAX),
) -> Any:
    rows = selectors.application_list_for(actor=actor_of(request), status=status)
    return {"count": rows.count(), "results": [application_out(a) for a in rows[offset : offset + limit]]}


@router.get(
    "/applications/{receipt_no}",
    auth=APPLICATIONS_AUTH,
    response={200: ApplicationDetailOut, **errors(401, 403, 404, 422)},
    summary="办件详情 / application detail",
)
def application_detail(request: HttpRequest, receipt_no: str) -> Any:
    actor = actor_of(request)
    application = selectors.application_get_for(actor=actor, receipt_no=receipt_no)
    return application_detail_out(application, include_internal=actor.kind == "staff")


@router.post(
    "/applications/{receipt_no}/reveal",
    auth=APPLICATIONS_AUTH,
    response={200: RevealOut, **errors(401, 403, 404, 422)},
    summary="查看完整个人信息（须说明理由，申请人可见）/ reveal a full personal value (with a reason)",
)
def application_reveal(request: HttpRequest, receipt_no: str, payload: RevealIn) -> Any:
    """For a handler of the case only (others 403; a case outside the caller's scope 404). The
    applicant sees who looked, when, at what and why."""
    actor = actor_of(request)
    application = selectors.application_get_for(actor=actor, receipt_no=receipt_no)
    value = reveal.personal_data_reveal(
        actor=actor, application=application, field=payload.field, reason=payload.reason
    )
    return {"field": payload.field, "value": value}


@router.put(
    "/applications/{receipt_no}/form",
    auth=APPLICATIONS_AUTH,
    response={200: ApplicationOut, **errors(401, 403, 404, 409, 422)},
    summary="修改草稿申请表 / update the draft form",
)
def application_update_form(request: HttpRequest, receipt_no: str, payload: FormIn) -> Any:
    return application_out(
        services.application_update_form(actor=actor_of(request), receipt_no=receipt_no, form=payload.form)
    )


@router.post(
    "/applications/{receipt_no}/materials",
    auth=APPLICATIONS_AUTH,
    response={201: MaterialOut, **errors(401, 403, 404, 409, 422)},
    summary="上传材料 / upload a material",
)
def material_upload(request: HttpRequest, receipt_no: str, material_code: Form[str], file: File[UploadedFile]) -> Any:
    return Status(
        201,
        services.material_upload(
            actor=actor_of(request),
            receipt_no=receipt_no,
            material_code=material_code,
            upload=file,
        ),
    )


@router.get(
    "/applications/{receipt_no}/materials/{material_id}/file",
    auth=APPLICATIONS_AUTH,
    response={200: None, **errors(401, 403, 404, 422)},
    summary="下载材料 / download a material",
)
def material_download(request: HttpRequest, receipt_no: str, material_id: int) -> Any:
    material = selectors.material_get_for(actor=actor_of(request), receipt_no=receipt_no, material_id=material_id)
    response = FileResponse(material.file.open("rb"), content_type=material.content_type)
    response["Content-Disposition"] = f'inline; filename="material-{material.pk}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


@router.post(
    "/applications/{receipt_no}/submit",
    auth=APPLICATIONS_AUTH,
    response={200: ApplicationOut, **errors(401, 403, 404, 409, 422)},
    summary="提交申请 / submit",
)
def application_submit(request: HttpRequest, receipt_no: str) -> Any:
    return application_out(services.application_submit(actor=actor_of(request), receipt_no=receipt_no))


@router.post(
    "/applications/{receipt_no}/supplement",
    auth=APPLICATIONS_AUTH,
    response={200: ApplicationOut, **errors(401, 403, 404, 409, 422)},
    summary="提交补正 / answer a supplement notice",
)
def application_supplement(request: HttpRequest, receipt_no: str, payload: SupplementIn) -> Any:
    return application_out(
        services.application_supplement(actor=actor_of(request), receipt_no=receipt_no, note=payload.note)
    )


@router.post(
    "/applications/{receipt_no}/withdraw",
    auth=APPLICATIONS_AUTH,
    response={200: ApplicationOut, **errors(401, 403, 404, 409, 422)},
    summary="撤回申请 / withdraw",
)
def application_withdraw(request: HttpRequest, receipt_no: str, payload: ReasonIn) -> Any:
    return application_out(
        services.application_withdraw(actor=actor_of(request), receipt_no=receipt_no, reason=payload.reason)
    )


@router.post(
    "/applications/{receipt_no}/rating",
    auth=APPLICATIONS_AUTH,
    response={201: RatingOut, **errors(401, 403, 404, 409, 422)},
    summary="好差评 / rate the service",
)
def application_rate(request: HttpRequest, receipt_no: str, payload: RatingIn) -> Any:
    rating = ratings.rating_submit(
        actor=actor_of(request),
        receipt_no=receipt_no,
        score=payload.score,
        reasons=payload.reasons,
        comment=payload.comment,
    )
    rectification = getattr(rating, "rectification", None)
    return Status(
        201,
        {
            "receipt_no": receipt_no,
            "score": rating.score,
            "rectification_due": rectification.due_date if rectification else None,
        },
    )


@router.post(
    "/applications/{receipt_no}/suspend",
    auth=TASKS_AUTH,
    response={200: ApplicationOut, **errors(401, 403, 404, 409, 422)},
    summary="中止办理（工作人员）/ suspend",
)
def application_suspend(request: HttpRequest, receipt_no: str, payload: ReasonIn) -> Any:
    return application_out(
        actions.application_suspend(actor=actor_of(request), receipt_no=receipt_no, reason=payload.reason)
    )


@router.post(
    "/applications/{receipt_no}/resume",
    auth=TASKS_AUTH,
    response={200: ApplicationOut, **errors(401, 403, 404, 409, 422)},
    summary="恢复办理（工作人员）/ resume",
)
def application_resume(request: HttpRequest, receipt_no: str, payload: ReasonIn) -> Any:
    return application_out(
        actions.application_resume(actor=actor_of(request), receipt_no=receipt_no, reason=payload.reason)
    )


@router.post(
    "/applications/{receipt_no}/extend",
    auth=TASKS_AUTH,
    response={200: ApplicationOut, **errors(401, 403, 404, 409, 422)},
    summary="延长期限（审批员）/ extend the time limit",
)
def application_extend(request: HttpRequest, receipt_no: str, payload: ExtendIn) -> Any:
    return application_out(
        actions.application_extend(
            actor=actor_of(request), receipt_no=receipt_no, days=payload.days, reason=payload.reason
        )
    )


def task_out(row: selectors.TaskRow) -> TaskOut:
    """Built without validation (`model_construct`): every value comes typed from the database, and
    validating 50 rows through ninja's attribute getter cost more than the query."""
    return TaskOut.model_construct(
        id=row.id,
        step=row.step,
        label=row.label,
        role=row.role,
        status=row.status,
        department=row.department,
        due_date=row.due_date,
        warning=row.warning,
        receipt_no=row.receipt_no,
        service_name=row.service_name,
        application_status=row.application_status,
        submitted_at=row.submitted_at,
        actions=STEP_ACTIONS.get(row.step, []) if row.status == CaseTask.Status.OPEN else [],
    )


@router.get(
    "/tasks", auth=TASKS_AUTH, response={200: TaskListOut, **errors(401, 403, 422)}, summary="我的待办 / my tasks"
)
def task_list(
    request: HttpRequest,
    step: str = "",
    limit: int = Query(50, ge=1, le=200),
    offset: int = Query(0, ge=0, le=OFFSET_MAX),
) -> HttpResponse:
    total, rows = selectors.task_list_for(actor=actor_of(request), step=step, limit=limit, offset=offset)
    # the declared schema, serialised by pydantic directly (no re-validation, no second JSON pass)
    body = TaskListOut.model_construct(count=total, results=[task_out(row) for row in rows]).model_dump_json()
    return HttpResponse(body, content_type="application/json; charset=utf-8")


@router.post(
    "/tasks/{task_id}/complete",
    auth=TASKS_AUTH,
    response={200: ApplicationOut, **errors(401, 403, 404, 409, 422)},
    summary="办理任务 / act on a task",
)
def task_complete(request: HttpRequest, task_id: int, payload: TaskCompleteIn) -> Any:
    application = actions.task_complete(
        actor=actor_of(request),
        task_id=task_id,
        action=payload.action,
        opinion=payload.opinion,
        delivery_method=payload.delivery_method,
        supplement_items=[item.model_dump() for item in payload.supplement_items],
    )
    return application_out(application)


@router.get(
    "/progress",
    response={200: ProgressOut, **errors(404, 422, 429)},
    summary="办件进度查询（公开）/ public progress query",
)
def progress(request: HttpRequest, receipt_no: str, phone_last4: str) -> Any:
    result = selectors.progress_public(
        receipt_no=receipt_no, phone_last4=phone_last4, client=client_ip(request) or "unknown"
    )
    return {**result.__dict__, "steps": [{"at": at.isoformat(), "title": title} for at, title in result.steps]}
