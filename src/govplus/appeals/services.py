"""Handling an appeal (办理): 分办 by a dispatcher, 退回 with a reason, 签收, 答复, the citizen's
评价 and 重办.

Rules:
- **分办** — a dispatcher (role 分办员, or the platform administrator) sends a 待分办 appeal to a
  department with a category; the reply is due within the category's limit in working days from that
  day. The dispatcher's category is a label the next training learns from (`category_source`
  "dispatcher").
- **退回** — the department's staff send an appeal that is not theirs back to the dispatcher, with a
  reason (at least 5 characters), before they reply.
- **签收** — the department's staff accept it (once).
- **答复** — the department's staff answer a signed appeal. The answer is checked first
  (`reply_checks.py`): it may not carry someone's phone or ID number (refused); one that does not seem
  to answer the question or does not say who will do what by when is refused unless the staff member
  confirms it as it is.
- **评价** — the citizen who filed it (signed in) rates the answer once per round: 满意 or 基本满意
  closes it; 不满意 reopens it (重办) with the same department, signed again, a new reply due; at most
  `MAX_REOPEN` times, then it closes with the verdict kept.
- Every step is audited (never the text) and kept as an `AppealStep` for the time line; a step on an
  appeal in another state is a Conflict naming the state (a double click does nothing twice).
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_noop

from govplus.appeals.models import Appeal, AppealStep, Category
from govplus.appeals.reply_checks import reply_problems
from govplus.appeals.selectors import is_dispatcher, staff_of_department
from govplus.appeals.taxonomy import reply_due_of
from govplus.core.audit import audit_record
from govplus.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from govplus.core.events import event_publish
from govplus.identity.models import Department

MAX_REOPEN = 2
VERDICTS = {
    "satisfied": gettext_noop("满意"),
    "basically": gettext_noop("基本满意"),
    "unsatisfied": gettext_noop("不满意"),
}


def _locked(number: str) -> Appeal:
    appeal = Appeal.objects.select_for_update().filter(number=number).first()
    if appeal is None:
        raise NotFound("没有这个诉求", "no such appeal")
    return appeal


def _expect(appeal: Appeal, *states: str) -> None:
    if appeal.status not in states:
        raise Conflict(
            f"该诉求当前为「{appeal.get_status_display()}」，不能进行此操作",
            f"the appeal is {appeal.status}; this step does not apply",
        )


def _step(appeal: Appeal, kind: str, actor: Any, note: str = "") -> None:
    AppealStep.objects.create(
        appeal=appeal,
        kind=kind,
        actor=actor if getattr(actor, "pk", None) else None,
        department=appeal.department,
        note=note[:500],
        occurred_at=timezone.now(),
    )
    audit_record(
        actor=actor,
        action=f"appeals.appeal_{kind}",
        object_type="appeal",
        object_id=appeal.number,
        changes={"status": appeal.status, "department": appeal.department.code if appeal.department else ""},
    )
    event_publish(name=f"appeal.{kind}", payload={"appeal": appeal.number, "status": appeal.status})


def _department_staff(actor: Any, appeal: Appeal) -> None:
    if appeal.department_id is None or not staff_of_department(actor, appeal.department_id):
        raise PermissionDenied("只有承办部门的工作人员可以办理", "Only staff of the responsible department handle it")


def appeal_dispatch(*, actor: Any, number: str, department_code: str, category_code: str) -> Appeal:
    """分办 (see the module's rules)."""
    if not is_dispatcher(actor):
        raise PermissionDenied("只有分办员可以分办诉求", "Only a dispatcher routes appeals")
    problems: dict[str, list[str]] = {}
    department = Department.objects.filter(code=department_code, is_active=True).first()
    if department is None:
        problems["department"] = ["请选择承办部门 / choose the responsible department"]
    category = Category.objects.filter(code=category_code).first()
    if category is None:
        problems["category"] = ["请选择分类 / choose the category"]
    if problems:
        raise ValidationFailed(problems)
    with transaction.atomic():
        appeal = _locked(number)
        _expect(appeal, Appeal.Status.DISPATCHING)
        appeal.department, appeal.category = department, category
        appeal.category_source, appeal.dispatched_by = "dispatcher", actor
        appeal.status = Appeal.Status.ASSIGNED
        appeal.reply_due = reply_due_of(appeal, category)  # type: ignore[arg-type]
        appeal.save()
        _step(appeal, "dispatch", actor, f"{department.name} · {category.name}")  # type: ignore[union-attr]
    return appeal


def appeal_return(*, actor: Any, number: str, reason: str) -> Appeal:
    """退回 to the dispatcher (see the module's rules)."""
    if len(reason.strip()) < 5 or len(reason) > 300:
        raise ValidationFailed({"reason": ["请说明退回理由（5 到 300 个字）/ give the reason (5 to 300 characters)"]})
    with transaction.atomic():
        appeal = _locked(number)
        _department_staff(actor, appeal)
        _expect(appeal, Appeal.Status.ASSIGNED, Appeal.Status.SIGNED)
        _step(appeal, "return", actor, reason.strip())
        appeal.status, appeal.returned_reason = Appeal.Status.DISPATCHING, reason.strip()
        appeal.department, appeal.reply_due, appeal.signed_at = None, None, None
        appeal.save()
    return appeal


def appeal_sign(*, actor: Any, number: str) -> Appeal:
    """签收 (see the module's rules)."""
    with transaction.atomic():
        appeal = _locked(number)
        _department_staff(actor, appeal)
        _expect(appeal, Appeal.Status.ASSIGNED)
        appeal.status, appeal.signed_at = Appeal.Status.SIGNED, timezone.now()
        appeal.save()
        _step(appeal, "sign", actor)
    return appeal


def appeal_reply(*, actor: Any, number: str, text: str, confirmed: bool = False) -> Appeal:
    """答复 (see the module's rules); `confirmed` sends an answer whose soft checks failed."""
    with transaction.atomic():
        appeal = _locked(number)
        _department_staff(actor, appeal)
        _expect(appeal, Appeal.Status.SIGNED)
        hard, soft = reply_problems(appeal, text)
        if hard or (soft and not confirmed):
            raise ValidationFailed({"reply": [*hard, *soft]})
        appeal.reply, appeal.replied_at, appeal.replied_by = text.strip(), timezone.now(), actor
        appeal.status = Appeal.Status.REPLIED
        appeal.save()
        _step(appeal, "reply", actor, "已确认发送（检查提示未全部满足）" if soft else "")
    return appeal


def appeal_rate(*, actor: Any, number: str, verdict: str, comment: str = "") -> Appeal:
    """评价 by the citizen who filed it; 不满意 reopens it (see the module's rules)."""
    if verdict not in VERDICTS:
        raise ValidationFailed({"verdict": ["请选择满意、基本满意或不满意 / satisfied, basically or unsatisfied"]})
    if len(comment) > 500:
        raise ValidationFailed({"comment": ["不超过 500 个字 / at most 500 characters"]})
    with transaction.atomic():
        appeal = _locked(number)
        if appeal.citizen_id is None or appeal.citizen_id != getattr(actor, "pk", None):
            raise NotFound("没有这个诉求", "no such appeal")
        _expect(appeal, Appeal.Status.REPLIED)
        appeal.verdict, appeal.verdict_comment = verdict, comment.strip()
        if verdict == "unsatisfied" and appeal.reopened_count < MAX_REOPEN:
            appeal.status = Appeal.Status.SIGNED
            appeal.reopened_count += 1
            if appeal.category is not None:
                appeal.reply_due = reply_due_of(appeal, appeal.category, start=timezone.localdate())
            appeal.save()
            _step(appeal, "reopen", actor, f"{VERDICTS[verdict]}：{comment.strip()}")
        else:
            appeal.status = Appeal.Status.CLOSED
            appeal.save()
            _step(appeal, "rate", actor, VERDICTS[verdict])
    return appeal


def appeal_merge(*, actor: Any, number: str, into: str) -> Appeal:
    """合并: the department's staff (or a dispatcher) merge an appeal into another open one about the same
    matter; it closes and is answered by the other's answer (its citizen may still rate that one)."""
    if number == into:
        raise ValidationFailed({"into": ["不能合并到自身 / not into itself"]})
    with transaction.atomic():
        appeal, target = _locked(number), _locked(into)
        if not is_dispatcher(actor):
            _department_staff(actor, target)
        _expect(appeal, Appeal.Status.DISPATCHING, Appeal.Status.ASSIGNED, Appeal.Status.SIGNED)
        appeal.duplicate_of, appeal.merged, appeal.status = target, True, Appeal.Status.CLOSED
        appeal.reply = f"您反映的问题与诉求 {target.number} 相同，已合并办理，答复见该诉求。"
        appeal.replied_at, appeal.replied_by = timezone.now(), actor
        appeal.save()
        _step(appeal, "merge", actor, target.number)
    return appeal


def appeal_split(*, actor: Any, number: str) -> Appeal:
    """拆分: an appeal linked to another by mistake is handled on its own again (a merged one reopens
    where it was: with the dispatcher)."""
    with transaction.atomic():
        appeal = _locked(number)
        if appeal.duplicate_of_id is None:
            raise Conflict("该诉求没有关联其他诉求", "the appeal is linked to no other")
        if not is_dispatcher(actor):
            _department_staff(actor, appeal)
        if appeal.merged:
            appeal.status, appeal.reply, appeal.replied_at, appeal.replied_by = (
                Appeal.Status.DISPATCHING,
                "",
                None,
                None,
            )
            appeal.department, appeal.reply_due = None, None
        appeal.duplicate_of, appeal.merged, appeal.duplicate_score = None, False, 0.0
        appeal.save()
        _step(appeal, "split", actor)
    return appeal
