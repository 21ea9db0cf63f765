"""好差评: the applicant rates a finished case once, 1 (非常不满意) to 5 (非常满意).

A rating of 1 or 2 is a bad rating (差评): it opens a rectification task (整改) for the department,
due in 15 working days, and tells the department's administrators (《国务院办公厅关于建立政务服务
“好差评”制度提高政务服务水平的意见》: 差评 must be verified and rectified within 15 working days).
"""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_noop

from govplus.cases.models import Application, Rating, RectificationTask
from govplus.cases.services import event_add
from govplus.cases.transitions import application_payload
from govplus.cases.workflow import RATEABLE
from govplus.core.audit import audit_record
from govplus.core.calendar import WorkingCalendar
from govplus.core.errors import Conflict, NotFound, ValidationFailed
from govplus.core.events import event_publish
from govplus.core.notify import notification_send
from govplus.identity.models import Role, StaffRole, User

RECTIFICATION_WORKING_DAYS = 15
BAD_SCORE_AT_MOST = 2
SCORE_LABELS = {
    5: gettext_noop("非常满意"),
    4: gettext_noop("满意"),
    3: gettext_noop("基本满意"),
    2: gettext_noop("不满意"),
    1: gettext_noop("非常不满意"),
}
REASONS = {
    "good": ["办事便捷", "一次办成", "材料精简", "服务热情", "办理高效"],
    "bad": ["多次跑腿", "材料繁琐", "超时办理", "态度不好", "标准不一", "系统难用"],
}


def rating_submit(*, actor: User, receipt_no: str, score: int, reasons: list[str], comment: str = "") -> Rating:
    if not isinstance(score, int) or not 1 <= score <= 5:
        raise ValidationFailed({"score": ["评分应为1至5 / score must be 1 to 5"]})
    allowed = set(REASONS["good"] + REASONS["bad"])
    unknown = [reason for reason in reasons if reason not in allowed]
    if unknown:
        raise ValidationFailed({"reasons": [f"未知的评价理由：{'、'.join(unknown)} / unknown reasons"]})
    if score <= BAD_SCORE_AT_MOST and not (reasons or comment.strip()):
        raise ValidationFailed({"reasons": ["差评请说明原因，以便整改 / tell us what went wrong"]})
    now = timezone.now()
    try:
        with transaction.atomic():
            application = (
                Application.objects.select_for_update()
                .select_related("department", "service_item")
                .filter(receipt_no=receipt_no, applicant=actor)
                .first()
            )
            if application is None:
                raise NotFound("未找到该办件。", "No application with this receipt number.")
            if application.status not in RATEABLE:
                raise Conflict("办结后才能评价。", "You can rate once the case is finished.")
            rating = Rating.objects.create(
                application=application,
                score=score,
                reasons=reasons,
                comment=comment[:1000],
                created_at=now,
                department=application.department,
            )
            event_add(application, actor=actor, kind="rated", title=f"评价：{SCORE_LABELS[score]}", when=now)
            rectification = None
            if score <= BAD_SCORE_AT_MOST:
                due = WorkingCalendar().add_working_days(timezone.localdate(now), RECTIFICATION_WORKING_DAYS)
                rectification = RectificationTask.objects.create(
                    rating=rating, department=application.department, due_date=due, created_at=now
                )
                for admin in User.objects.filter(
                    staff_roles__department=application.department,
                    staff_roles__role__in=[Role.DEPARTMENT_ADMIN, Role.APPROVER],
                ).distinct():
                    notification_send(
                        recipient=admin,
                        title=f"差评整改：{application.receipt_no}",
                        body=f"请于 {due} 前完成整改并回复。",
                        link="/staff/rectifications",
                        category="rectification",
                    )
            audit_record(
                actor=actor,
                action="cases.rating_submit",
                object_type="application",
                object_id=receipt_no,
                changes={"score": score},
            )
            event_publish(
                name="rating.submitted",
                payload=application_payload(
                    application,
                    rating_id=rating.pk,
                    score=score,
                    is_bad=score <= BAD_SCORE_AT_MOST,
                    reasons=reasons,
                    rectification_id=rectification.pk if rectification else None,
                ),
                when=now,
            )
    except IntegrityError as error:
        raise Conflict("该办件已评价。", "This case has already been rated.", code="already_rated") from error
    return rating


def rectification_resolve(*, actor: User, rectification_id: int, resolution: str) -> RectificationTask:
    if not resolution.strip():
        raise ValidationFailed({"resolution": ["请填写整改情况 / describe what was done"]})
    with transaction.atomic():
        department_ids = StaffRole.objects.filter(
            user=actor, role__in=[Role.DEPARTMENT_ADMIN, Role.APPROVER]
        ).values_list("department_id", flat=True)
        task = (
            RectificationTask.objects.select_for_update()
            .filter(pk=rectification_id, department_id__in=list(department_ids))
            .first()
        )
        if task is None:
            raise NotFound("未找到该整改任务。", "No such rectification task in your department.")
        if task.status == RectificationTask.Status.DONE:
            raise Conflict("该整改任务已完成。", "Already resolved.")
        task.status = RectificationTask.Status.DONE
        task.resolution = resolution[:2000]
        task.resolved_at = timezone.now()
        task.save()
        audit_record(actor=actor, action="cases.rectification_resolve", object_type="rectification", object_id=task.pk)
    return task
