"""Deadline warnings: yellow near due, red overdue, each level notified once."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from govplus.cases.actions import task_complete
from govplus.cases.deadline_scan import deadline_scan
from govplus.cases.models import Application, CaseTask
from govplus.cases.selectors import task_list_for
from govplus.core.crypto import encrypt_text
from govplus.core.notify import LogSmsGateway


def test_overdue_and_near_due_cases_are_marked_and_notified_once(county, django_capture_on_commit_callbacks):
    clerk = county.staff["clerk"]
    clerk.phone_encrypted = encrypt_text("13900000002")
    clerk.save()
    overdue = county.submitted_application()
    near = county.submitted_application()
    relaxed = county.submitted_application()
    today = timezone.localdate()
    Application.objects.filter(pk=overdue.pk).update(due_date=today - dt.timedelta(days=3))
    CaseTask.objects.filter(application=overdue).update(due_date=today - dt.timedelta(days=3))
    Application.objects.filter(pk=near.pk).update(due_date=today)
    CaseTask.objects.filter(application=near).update(due_date=today)
    LogSmsGateway.sent.clear()

    with django_capture_on_commit_callbacks(execute=True):
        assert deadline_scan() == {"red": 1, "yellow": 1}
    overdue.refresh_from_db()
    near.refresh_from_db()
    relaxed.refresh_from_db()
    assert (overdue.warning_level, near.warning_level, relaxed.warning_level) == ("red", "yellow", "")
    clerk_inbox = county.staff["clerk"].notifications.filter(category="deadline")
    assert clerk_inbox.count() == 2
    sms = [text for _, text in LogSmsGateway.sent]
    assert len(sms) == 1 and sms[0].startswith("【政务服务】已超期")  # red also goes by SMS, yellow only to the inbox
    assert deadline_scan() == {"red": 0, "yellow": 0}  # the next scan repeats nothing
    assert clerk_inbox.count() == 2


def test_workbench_orders_by_deadline_and_marks_colours(county):
    late = county.submitted_application()
    fresh = county.submitted_application()
    today = timezone.localdate()
    CaseTask.objects.filter(application=late).update(due_date=today - dt.timedelta(days=1))
    total, rows = task_list_for(actor=county.staff["clerk"], today=today)
    assert total == 2
    assert [row.application_id for row in rows] == [late.pk, fresh.pk]
    assert rows[0].warning == "red"
    assert rows[1].warning == ""


def test_concluded_cases_leave_the_workbench(county):
    application = county.submitted_application()
    task_complete(
        actor=county.staff["clerk"], task_id=county.open_task(application).pk, action="not_accept", opinion="不符合条件"
    )
    assert task_list_for(actor=county.staff["clerk"])[1] == []


def test_the_scan_and_the_workbench_agree_on_a_weekend_due_date():
    """A due date on the Saturday after the 2nd working day: 2 working days remain, so yellow in both."""
    from govplus.cases.deadlines import deadline_level, near_due_before
    from govplus.core.calendar import WorkingCalendar

    calendar = WorkingCalendar()
    wednesday, saturday = dt.date(2025, 3, 5), dt.date(2025, 3, 8)  # an ordinary week
    assert calendar.working_days_between(wednesday, saturday) == 2
    assert deadline_level(due_date=saturday, today=wednesday, calendar=calendar) == "yellow"
    assert saturday < near_due_before(today=wednesday, calendar=calendar)
    assert deadline_level(due_date=dt.date(2025, 3, 10), today=wednesday, calendar=calendar) == ""


def test_a_clerk_of_several_departments_pages_through_all_queues_in_deadline_order(county):
    """Every page of a multi-queue workbench is the next slice of one deadline order, and every page
    knows the total (so page 2 still offers a next page)."""
    from govplus.identity.models import Role
    from govplus.identity.services import staff_create

    clerk = staff_create(
        actor=None,
        username="two_desks",
        password="Two@desks2026",
        display_name="两个窗口",
        roles=[(county.departments["gaj"], Role.CLERK), (county.departments["rsj"], Role.CLERK)],
    )
    today = timezone.localdate()
    applications = [county.submitted_application() for _ in range(7)]
    for position, application in enumerate(applications):
        department = county.departments["rsj" if position % 2 else "gaj"]
        CaseTask.objects.filter(application=application).update(
            department=department, due_date=today + dt.timedelta(days=(position * 5) % 7)
        )
    expected = list(
        CaseTask.objects.filter(application__in=applications).order_by("due_date", "id").values_list("id", flat=True)
    )

    seen, totals = [], []
    for page in range(3):
        total, rows = task_list_for(actor=clerk, today=today, limit=3, offset=page * 3)
        seen += [row.id for row in rows]
        totals.append(total)

    assert seen == expected
    assert totals == [7, 7, 7]
