"""Time-limit warnings (预警): yellow when ≤ 2 working days remain, red once overdue.

Each case is warned once per level: the level is stored on the application and only a rise (none →
yellow → red) notifies, so the 15-minute scan can run as often as it likes. Cost: two indexed range
queries over open cases, independent of the number of concluded ones.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from govplus.cases.deadlines import near_due_before
from govplus.cases.models import Application, CaseTask
from govplus.core.audit import audit_record
from govplus.core.calendar import WorkingCalendar
from govplus.core.notify import notification_send
from govplus.identity.models import User

ACTIVE = [Application.Status.SUBMITTED, Application.Status.IN_PROGRESS]


def _staff_for(application: Application) -> list[User]:
    pairs = list(
        CaseTask.objects.filter(application=application, status=CaseTask.Status.OPEN).values_list(
            "department_id", "role"
        )
    )
    users: dict[int, User] = {}
    for department_id, role in pairs:
        for user in User.objects.filter(staff_roles__department_id=department_id, staff_roles__role=role):
            users[user.pk] = user
    return list(users.values())


def deadline_scan() -> dict[str, int]:
    today = timezone.localdate()
    calendar = WorkingCalendar()
    threshold = near_due_before(today=today, calendar=calendar)
    counts = {"red": 0, "yellow": 0}
    rising = [
        ("red", Application.objects.filter(status__in=ACTIVE, due_date__lt=today).exclude(warning_level="red")),
        (
            "yellow",
            Application.objects.filter(
                status__in=ACTIVE, due_date__gte=today, due_date__lt=threshold, warning_level=""
            ),
        ),
    ]
    for level, rows in rising:
        for application_id in list(rows.values_list("pk", flat=True)[:5000]):
            with transaction.atomic():
                application = (
                    Application.objects.select_for_update().select_related("service_item").get(pk=application_id)
                )
                application.warning_level = level
                application.save(update_fields=["warning_level"])
                title = ("已超期" if level == "red" else "即将到期") + f"：{application.service_item.name}"
                for user in _staff_for(application):
                    notification_send(
                        recipient=user,
                        title=title,
                        body=f"办件 {application.receipt_no} 期限 {application.due_date}",
                        link=f"/staff/cases/{application.receipt_no}",
                        category="deadline",
                        external=level == "red",
                        name_en=application.service_item.name_en,
                    )
                audit_record(
                    actor=None,
                    action="cases.deadline_warning",
                    object_type="application",
                    object_id=application.receipt_no,
                    changes={"warning_level": level},
                )
            counts[level] += 1
    return counts
