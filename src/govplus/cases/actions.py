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

from govplus.cases import engine
from govplus.cases.deadlines import clock_extend, clock_pause, clock_resume, clock_start_processing
from govplus.cases.models import Application, CaseTask
from govplus.cases.scope import task_scope
from govplus.cases.services import event_add, supplement_request_create, tasks_create
from govplus.cases.workflow import (
    ACTIONS,
    DELIVERY_METHODS,
    EXTENDABLE,
    MAX_EXTENSION_DAYS,
    SUSPENDABLE,
    action_allowed,
)
from govplus.core.audit import audit_record
from govplus.core.calendar import WorkingCalendar
from govplus.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from govplus.core.notify import notification_send
from govplus.identity.models import Role, User
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
        before = application.status
        _apply_outcome(
            application,
            task=task,
            action=action,
            opinion=opinion,
            delivery_method=delivery_method,
            state=state,
            now=now,
        )
        application.workflow_state = state.serialized
        application.version += 1
        application.save()
        tasks_create(application, [t for t in state.ready_tasks], now=now)
        if state.is_completed:
            CaseTask.objects.filter(application=application, status__in=OPEN_STATES).update(
                status=CaseTask.Status.CANCELLED
            )
        event_add(
            application,
            actor=actor,
            kind=action,
            title=f"{task.label}：{spec.label}",
            opinion=opinion,
            is_public=task.step != "co_review" or action == "deny",
            when=now,
        )
        audit_record(
            actor=actor,
            action=f"cases.task_{action}",
            object_type="application",
            object_id=application.receipt_no,
            changes={"task": task.pk, "step": task.step, "status": [before, application.status]},
        )
        _notify_applicant(application, action=action)
    return application


def _apply_outcome(
    application: Application,
    *,
    task: CaseTask,
    action: str,
    opinion: str,
    delivery_method: str,
    state: engine.EngineState,
    now: Any,
) -> None:
    calendar = WorkingCalendar()
    today = timezone.localdate(now)
    application.stage = state.ready_tasks[0].label if state.ready_tasks else ""
    if action == "accept":
        application.status = Application.Status.IN_PROGRESS
        application.accepted_at = now
        clock_start_processing(application, today=today, calendar=calendar)
    elif action == "return":
        application.status = Application.Status.SUBMITTED
    elif task.step == "decide":
        application.result = ACTIONS[action].result or ""
        application.decision_opinion = opinion
    if state.is_completed:
        application.concluded_at = now
        application.warning_level = ""
        application.status = Application.Status.NOT_ACCEPTED if action == "not_accept" else Application.Status.CONCLUDED
        if action == "conclude":
            application.delivery_method = delivery_method
    CaseTask.objects.filter(application=application, status__in=OPEN_STATES).update(due_date=application.due_date)


def _notify_applicant(application: Application, *, action: str) -> None:
    messages = {
        "accept": ("您的申请已受理", f"办件编号 {application.receipt_no}，法定办结期限 {application.due_date}。"),
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
        supplement_request_create(application, actor=actor, step=task.step, items=items, note=note, now=now)
        before = application.status
        application.status = Application.Status.SUPPLEMENT_REQUESTED
        clock_pause(application, today=timezone.localdate(now), calendar=WorkingCalendar())
        application.version += 1
        application.save()
        event_add(
            application,
            actor=actor,
            kind="supplement_requested",
            title=f"{task.label}：一次性告知补正",
            opinion=note,
            when=now,
        )
        audit_record(
            actor=actor,
            action="cases.task_request_supplement",
            object_type="application",
            object_id=application.receipt_no,
            changes={"task": task.pk, "status": [before, application.status]},
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
        application = _case_for_staff(actor=actor, receipt_no=receipt_no, roles={Role.REVIEWER, Role.APPROVER})
        calendar, today = WorkingCalendar(), timezone.localdate(now)
        before = application.status
        if suspend:
            if application.status not in SUSPENDABLE:
                raise Conflict("只有办理中的办件可以中止。", "Only cases in progress can be suspended.")
            application.status = Application.Status.SUSPENDED
            clock_pause(application, today=today, calendar=calendar)
            CaseTask.objects.filter(application=application, status=CaseTask.Status.OPEN).update(
                status=CaseTask.Status.WAITING
            )
        else:
            if application.status != Application.Status.SUSPENDED:
                raise Conflict("该办件未中止。", "The case is not suspended.")
            application.status = Application.Status.IN_PROGRESS
            clock_resume(application, today=today, calendar=calendar)
            CaseTask.objects.filter(application=application, status=CaseTask.Status.WAITING).update(
                status=CaseTask.Status.OPEN, due_date=application.due_date
            )
        application.version += 1
        application.save()
        kind, title = ("suspended", "办件中止，暂停计时") if suspend else ("resumed", "恢复办理，继续计时")
        event_add(application, actor=actor, kind=kind, title=title, opinion=reason, when=now)
        audit_record(
            actor=actor,
            action=f"cases.application_{kind}",
            object_type="application",
            object_id=receipt_no,
            changes={"status": [before, application.status]},
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
        application = _case_for_staff(actor=actor, receipt_no=receipt_no, roles={Role.APPROVER})
        if application.status not in EXTENDABLE:
            raise Conflict("该办件当前不能延期。", "This case cannot be extended now.")
        before = application.due_date
        clock_extend(application, days=days, calendar=WorkingCalendar())
        application.version += 1
        application.save()
        CaseTask.objects.filter(application=application, status__in=OPEN_STATES).update(due_date=application.due_date)
        event_add(application, actor=actor, kind="extended", title=f"延长办理期限 {days} 个工作日", opinion=reason)
        audit_record(
            actor=actor,
            action="cases.application_extend",
            object_type="application",
            object_id=receipt_no,
            changes={"due_date": [before, application.due_date], "days": days},
        )
        notification_send(
            recipient=application.applicant,
            title="办理期限已延长",
            body=f"延长 {days} 个工作日：{reason[:100]}",
            link=f"/my/applications/{receipt_no}",
        )
    return application
