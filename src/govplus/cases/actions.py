"""Staff actions on cases: complete a task, ask for a supplement, suspend, resume, extend.

A task is claimed with one conditional UPDATE (open → completed): of two staff pressing the button at
once exactly one wins and the other gets 409, on SQLite and PostgreSQL alike. The application row is
then locked while the engine advances, so parallel co-review tasks of one case apply one at a time.
Staff see and act only on tasks of their own department and role; anything else is 404.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from govplus.cases.deadlines import clock_extend, clock_pause, clock_resume, clock_start_processing
from govplus.cases.models import Application, CaseTask
from govplus.cases.scope import task_scope
from govplus.cases.selectors import co_handling_denials
from govplus.cases.services import supplement_request_create, tasks_create
from govplus.cases.transitions import application_transition
from govplus.cases.workflow import (
    ACTIONS,
    DELIVERY_METHODS,
    EXTEND_ROLES,
    EXTENDABLE,
    MAX_EXTENSION_DAYS,
    SUSPEND_ROLES,
    SUSPENDABLE,
    action_allowed,
)
from govplus.core import engine
from govplus.core.calendar import WorkingCalendar
from govplus.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from govplus.core.notify import notification_send
from govplus.identity.models import User
from govplus.identity.selectors import staff_assignments

OPEN_STATES = [CaseTask.Status.OPEN, CaseTask.Status.WAITING]


def task_for_actor(*, actor: User, task_id: int) -> CaseTask:
    task = (
        CaseTask.objects.select_related("application", "application__service_item", "department")
        .filter(task_scope(actor), pk=task_id)
        .first()
    )
    if task is None:
        raise NotFound("未找到该任务。", "No such task in your work.")
    return task


def task_complete(
    *,
    actor: User,
    task_id: int,
    action: str,
    opinion: str = "",
    delivery_method: str = "",
    supplement_items: list[dict[str, str]] | None = None,
) -> Application:
    """Carry out `action` on the task; returns the application as it is afterwards."""
    task = task_for_actor(actor=actor, task_id=task_id)
    opinion = (opinion or "").strip()
    if action not in ACTIONS or not action_allowed(task.step, action):
        raise ValidationFailed({"action": [f"“{task.label}”环节不能执行该操作 / action not allowed at this step"]})
    spec = ACTIONS[action]
    if spec.requires_opinion and not opinion:
        raise ValidationFailed({"opinion": ["请填写意见或理由 / an opinion is required for this action"]})
    if task.step == "decide" and action == "approve" and not opinion:
        denials = co_handling_denials(application=task.application)
        if denials:
            names = "、".join(part.department_name for part in denials)
            raise ValidationFailed(
                {
                    "opinion": [
                        f"{names}不予准予其办理部分，准予时请写明如何处理 / a co-handling department refused "
                        "its part: explain the decision in the opinion"
                    ]
                }
            )
    if action == "request_supplement":
        return _request_supplement(actor=actor, task=task, items=supplement_items or [], note=opinion)
    item = task.application.service_item
    if action == "conclude" and delivery_method not in item.delivery_methods:
        choices = "、".join(DELIVERY_METHODS[m] for m in item.delivery_methods if m in DELIVERY_METHODS)
        raise ValidationFailed({"delivery_method": [f"请选择送达方式：{choices} / choose a delivery method"]})
    now = timezone.now()
    with transaction.atomic():
        claimed = CaseTask.objects.filter(pk=task.pk, status=CaseTask.Status.OPEN).update(
            status=CaseTask.Status.COMPLETED, completed_at=now, completed_by=actor, action=action, opinion=opinion
        )
        if not claimed:
            raise Conflict("该任务已被他人办理或正在等待申请人。", "The task was already completed or is waiting.")
        application = (
            Application.objects.select_for_update()
            .select_related("service_item", "department", "applicant")
            .get(pk=task.application_id)
        )
        try:
            state = engine.workflow_complete_task(
                bpmn_xml=item.process.bpmn_xml,
                serialized=application.workflow_state,
                task_id=task.engine_task_id,
                data={"outcome": spec.engine_outcome, "opinion": opinion, "delivery_method": delivery_method},
            )
        except engine.ProcessError as error:  # the claim above rolls back with it: the task stays open
            raise Conflict(
                f"流程无法按“{spec.label}”继续，请联系系统管理员检查流程定义。（{error.message}）",
                f"The process cannot continue with this action; ask an administrator to check its definition. "
                f"({error.message})",
                code="process_error",
            ) from error
        target = _apply_outcome(
            application,
            task=task,
            action=action,
            opinion=opinion,
            delivery_method=delivery_method,
            state=state,
            now=now,
        )
        application.workflow_state = state.serialized
        application_transition(
            application,
            action=action,
            to=target,
            actor=actor,
            event_kind=action,
            title=_event_title(task, spec.label),
            opinion=opinion,
            is_public=task.step != "co_review" or action == "deny",
            when=now,
            audit_action=f"cases.task_{action}",
            audit_changes={"task": task.pk, "step": task.step},
            event_name="application.co_decided" if task.step == "co_review" else None,
            payload={"task_id": task.pk, "step": task.step, "task_department_id": task.department_id}
            | ({"result": application.result} if task.step == "decide" else {}),
        )
        tasks_create(application, [t for t in state.ready_tasks], now=now)
        if state.is_completed:
            CaseTask.objects.filter(application=application, status__in=OPEN_STATES).update(
                status=CaseTask.Status.CANCELLED
            )
        _notify_applicant(application, action=action, task=task, opinion=opinion)
    return application


def _event_title(task: CaseTask, action_label: str) -> str:
    """A co-handling department's decision names the department: it decides its own part."""
    if task.department_id != task.application.department_id:
        return f"{task.label}（{task.department.name}）：{action_label}"
    return f"{task.label}：{action_label}"


def _apply_outcome(
    application: Application,
    *,
    task: CaseTask,
    action: str,
    opinion: str,
    delivery_method: str,
    state: engine.EngineState,
    now: Any,
) -> str:
    """Apply the engine's step to the case's fields; returns the status the case moves to."""
    calendar = WorkingCalendar()
    today = timezone.localdate(now)
    target = application.status
    application.stage = state.ready_tasks[0].label if state.ready_tasks else ""
    if action == "accept":
        target = Application.Status.IN_PROGRESS
        application.accepted_at = now
        clock_start_processing(application, today=today, calendar=calendar)
    elif action == "return":
        target = Application.Status.SUBMITTED
    elif task.step == "decide":
        application.result = ACTIONS[action].result or ""
        application.decision_opinion = opinion
    if state.is_completed:
        application.concluded_at = now
        application.warning_level = ""
        target = Application.Status.NOT_ACCEPTED if action == "not_accept" else Application.Status.CONCLUDED
        if action == "conclude":
            application.delivery_method = delivery_method
    CaseTask.objects.filter(application=application, status__in=OPEN_STATES).update(due_date=application.due_date)
    return target


def _notify_applicant(application: Application, *, action: str, task: CaseTask, opinion: str) -> None:
    if action == "deny" and task.department_id != application.department_id:
        notification_send(
            recipient=application.applicant,
            title=f"{task.department.name}不予准予其办理部分",
            body=f"办件编号 {application.receipt_no}。理由：{opinion[:200]}",
            link=f"/my/applications/{application.receipt_no}",
        )
        return
    messages = {
        "accept": (
            "您的申请已受理",
            f"办件编号 {application.receipt_no}，预计办结 {application.promised_due_date}"
            f"（承诺期限），最迟 {application.due_date}（法定期限）。",
        ),
        "not_accept": ("您的申请不予受理", "请查看办件详情中的理由。"),
        "conclude": ("您的申请已办结", "请查看办理结果，并对本次服务进行评价。"),
    }
    if action in messages:
        title, body = messages[action]
        notification_send(
            recipient=application.applicant, title=title, body=body, link=f"/my/applications/{application.receipt_no}"
        )


def _request_supplement(*, actor: User, task: CaseTask, items: list[dict[str, str]], note: str) -> Application:
    now = timezone.now()
    with transaction.atomic():
        paused = CaseTask.objects.filter(pk=task.pk, status=CaseTask.Status.OPEN).update(status=CaseTask.Status.WAITING)
        if not paused:
            raise Conflict("该任务已被他人办理或正在等待申请人。", "The task was already handled.")
        application = (
            Application.objects.select_for_update()
            .select_related("service_item", "applicant")
            .get(pk=task.application_id)
        )
        request = supplement_request_create(application, actor=actor, step=task.step, items=items, note=note, now=now)
        clock_pause(application, today=timezone.localdate(now), calendar=WorkingCalendar())
        application_transition(
            application,
            action="request_supplement",
            to=Application.Status.SUPPLEMENT_REQUESTED,
            actor=actor,
            event_kind="supplement_requested",
            title=f"{task.label}：一次性告知补正",
            opinion=note,
            when=now,
            audit_action="cases.task_request_supplement",
            audit_changes={"task": task.pk},
            payload={
                "task_id": task.pk,
                "step": task.step,
                "supplement_request_id": request.pk,
                "material_codes": [entry["material_code"] for entry in request.items if entry["material_code"]],
            },
        )
        notification_send(
            recipient=application.applicant,
            title="请补正申请材料",
            body=f"办件 {application.receipt_no} 需要补正材料，补正前计时暂停。",
            link=f"/my/applications/{application.receipt_no}",
        )
    return application


def _case_for_staff(*, actor: User, receipt_no: str, roles: set[str]) -> Application:
    assignments = [a for a in staff_assignments(user=actor) if a.role in roles]
    if not assignments:
        raise PermissionDenied("您没有该操作的权限。", "Your role cannot do this.")
    application = (
        Application.objects.select_for_update()
        .select_related("service_item", "applicant")
        .filter(receipt_no=receipt_no, department_id__in=[a.department_id for a in assignments])
        .first()
    )
    if application is None:
        raise NotFound("未找到该办件。", "No such application in your department.")
    return application


def application_suspend(*, actor: User, receipt_no: str, reason: str) -> Application:
    """中止: the clock stops (e.g. for expert review, hearings, on-site inspection)."""
    return _suspend_or_resume(actor=actor, receipt_no=receipt_no, reason=reason, suspend=True)


def application_resume(*, actor: User, receipt_no: str, reason: str = "") -> Application:
    return _suspend_or_resume(actor=actor, receipt_no=receipt_no, reason=reason, suspend=False)


def _suspend_or_resume(*, actor: User, receipt_no: str, reason: str, suspend: bool) -> Application:
    if suspend and not reason.strip():
        raise ValidationFailed({"reason": ["请填写中止理由 / a reason is required"]})
    now = timezone.now()
    with transaction.atomic():
        application = _case_for_staff(actor=actor, receipt_no=receipt_no, roles=SUSPEND_ROLES)
        calendar, today = WorkingCalendar(), timezone.localdate(now)
        if suspend:
            if application.status not in SUSPENDABLE:
                raise Conflict("只有办理中的办件可以中止。", "Only cases in progress can be suspended.")
            clock_pause(application, today=today, calendar=calendar)
            CaseTask.objects.filter(application=application, status=CaseTask.Status.OPEN).update(
                status=CaseTask.Status.WAITING
            )
        else:
            if application.status != Application.Status.SUSPENDED:
                raise Conflict("该办件未中止。", "The case is not suspended.")
            clock_resume(application, today=today, calendar=calendar)
            CaseTask.objects.filter(application=application, status=CaseTask.Status.WAITING).update(
                status=CaseTask.Status.OPEN, due_date=application.due_date
            )
        kind, title = ("suspended", "办件中止，暂停计时") if suspend else ("resumed", "恢复办理，继续计时")
        application_transition(
            application,
            action="suspend" if suspend else "resume",
            to=Application.Status.SUSPENDED if suspend else Application.Status.IN_PROGRESS,
            actor=actor,
            event_kind=kind,
            title=title,
            opinion=reason,
            when=now,
            audit_action=f"cases.application_{kind}",
        )
        notification_send(
            recipient=application.applicant, title=title, body=reason[:200], link=f"/my/applications/{receipt_no}"
        )
    return application


def application_extend(*, actor: User, receipt_no: str, days: int, reason: str) -> Application:
    """延长办理期限, decided by an approver (《行政许可法》第四十二条), with reasons told to the applicant."""
    problems: dict[str, list[str]] = {}
    if not isinstance(days, int) or not 1 <= days <= MAX_EXTENSION_DAYS:
        problems["days"] = [f"延长天数应为1至{MAX_EXTENSION_DAYS}个工作日 / 1 to {MAX_EXTENSION_DAYS} working days"]
    if not reason.strip():
        problems["reason"] = ["请填写延长理由 / a reason is required"]
    if problems:
        raise ValidationFailed(problems)
    with transaction.atomic():
        application = _case_for_staff(actor=actor, receipt_no=receipt_no, roles=EXTEND_ROLES)
        if application.status not in EXTENDABLE:
            raise Conflict("该办件当前不能延期。", "This case cannot be extended now.")
        before = application.due_date
        clock_extend(application, days=days, calendar=WorkingCalendar())
        application_transition(
            application,
            action="extend",
            to=application.status,
            actor=actor,
            event_kind="extended",
            title=f"延长办理期限 {days} 个工作日",
            opinion=reason,
            audit_action="cases.application_extend",
            audit_changes={"due_date": [before, application.due_date], "days": days},
            payload={"days": days, "due_date": str(application.due_date)},
        )
        CaseTask.objects.filter(application=application, status__in=OPEN_STATES).update(due_date=application.due_date)
        notification_send(
            recipient=application.applicant,
            title="办理期限已延长",
            body=f"延长 {days} 个工作日：{reason[:100]}",
            link=f"/my/applications/{receipt_no}",
        )
    return application
