"""The whole life of a case through the services, as staff and applicant would drive it."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from govplus.cases.actions import application_extend, application_resume, application_suspend, task_complete
from govplus.cases.models import Application, CaseTask, RectificationTask
from govplus.cases.ratings import rating_submit
from govplus.cases.services import application_supplement, material_upload_bytes
from govplus.core.audit import audit_verify
from govplus.core.calendar import WorkingCalendar
from govplus.core.errors import Conflict, NotFound, ValidationFailed
from govplus.testing.factories import PDF


def test_standard_case_from_submission_to_rating(county):
    application = county.submitted_application()
    assert application.status == Application.Status.SUBMITTED
    assert application.stage == "受理"
    calendar = WorkingCalendar()
    today = timezone.localdate()
    assert application.due_date == calendar.add_working_days(today, 5)

    accepted = task_complete(actor=county.staff["clerk"], task_id=county.open_task(application).pk, action="accept")
    assert accepted.status == Application.Status.IN_PROGRESS
    assert accepted.due_date == calendar.add_working_days(today, 20)
    assert accepted.promised_due_date == calendar.add_working_days(today, 5)

    task_complete(actor=county.staff["reviewer"], task_id=county.open_task(application, "review").pk, action="pass")
    decided = task_complete(
        actor=county.staff["approver"],
        task_id=county.open_task(application, "decide").pk,
        action="approve",
        opinion="材料齐全，准予换领",
    )
    assert decided.result == Application.Result.APPROVED
    concluded = task_complete(
        actor=county.staff["clerk"],
        task_id=county.open_task(application, "conclude").pk,
        action="conclude",
        delivery_method="post",
    )
    assert concluded.status == Application.Status.CONCLUDED
    assert concluded.delivery_method == "post"
    assert not CaseTask.objects.filter(application=application, status=CaseTask.Status.OPEN).exists()

    rating = rating_submit(actor=county.citizen, receipt_no=application.receipt_no, score=5, reasons=["办事便捷"])
    assert rating.score == 5
    assert not RectificationTask.objects.exists()
    assert audit_verify().is_intact


def test_supplement_stops_the_clock_and_returns_the_case_to_the_clerk(county):
    application = county.submitted_application()
    clerk = county.staff["clerk"]
    task = county.open_task(application)
    waiting = task_complete(
        actor=clerk,
        task_id=task.pk,
        action="request_supplement",
        opinion="照片不清晰",
        supplement_items=[{"material_code": "M01", "reason": "照片模糊"}],
    )
    assert waiting.status == Application.Status.SUPPLEMENT_REQUESTED
    assert CaseTask.objects.get(pk=task.pk).status == CaseTask.Status.WAITING
    with pytest.raises(Conflict):  # nobody can act on a task that waits for the applicant
        task_complete(actor=clerk, task_id=task.pk, action="accept")
    with pytest.raises(ValidationFailed) as missing:  # supplementing without the new file is refused
        application_supplement(actor=county.citizen, receipt_no=application.receipt_no)
    assert "materials.M01" in missing.value.fields
    material_upload_bytes(
        actor=county.citizen, receipt_no=application.receipt_no, material_code="M01", name="clear.pdf", content=PDF
    )
    resumed = application_supplement(actor=county.citizen, receipt_no=application.receipt_no, note="已重新拍摄")
    assert resumed.status == Application.Status.SUBMITTED
    assert CaseTask.objects.get(pk=task.pk).status == CaseTask.Status.OPEN
    accepted = task_complete(actor=clerk, task_id=task.pk, action="accept")
    assert accepted.status == Application.Status.IN_PROGRESS


def test_supplement_during_review_keeps_the_remaining_working_days(county):
    application = county.submitted_application()
    task_complete(actor=county.staff["clerk"], task_id=county.open_task(application).pk, action="accept")
    application.refresh_from_db()
    before = application.due_date
    review = county.open_task(application, "review")
    task_complete(
        actor=county.staff["reviewer"],
        task_id=review.pk,
        action="request_supplement",
        opinion="请补充说明",
        supplement_items=[{"material_code": "M01", "reason": "缺页"}],
    )
    application.refresh_from_db()
    assert application.clock_paused_on == timezone.localdate()
    assert application.paused_days_remaining == WorkingCalendar().working_days_between(timezone.localdate(), before)
    material_upload_bytes(
        actor=county.citizen, receipt_no=application.receipt_no, material_code="M01", name="full.pdf", content=PDF
    )
    resumed = application_supplement(actor=county.citizen, receipt_no=application.receipt_no)
    assert resumed.status == Application.Status.IN_PROGRESS
    assert resumed.due_date == before  # resumed the same day: nothing was lost, nothing gained
    assert county.open_task(application, "review").pk == review.pk


def test_not_accepted_needs_a_reason_and_ends_the_case(county):
    application = county.submitted_application()
    task = county.open_task(application)
    with pytest.raises(ValidationFailed) as error:
        task_complete(actor=county.staff["clerk"], task_id=task.pk, action="not_accept")
    assert "opinion" in error.value.fields
    ended = task_complete(
        actor=county.staff["clerk"], task_id=task.pk, action="not_accept", opinion="不属于本县受理范围"
    )
    assert ended.status == Application.Status.NOT_ACCEPTED
    assert ended.concluded_at is not None


def test_parallel_approval_waits_for_every_co_handling_department(county):
    from govplus.cases.services import application_create, application_submit

    application = application_create(
        actor=county.citizen,
        service_code=county.parallel_item.code,
        form={"reason": "有效期满", "phone": "13800138000"},
    )
    material_upload_bytes(
        actor=county.citizen, receipt_no=application.receipt_no, material_code="M01", name="a.pdf", content=PDF
    )
    application = application_submit(actor=county.citizen, receipt_no=application.receipt_no)
    task_complete(actor=county.staff["scjgj_clerk"], task_id=county.open_task(application).pk, action="accept")
    co_tasks = CaseTask.objects.filter(application=application, step="co_review", status=CaseTask.Status.OPEN)
    assert sorted(t.department.code for t in co_tasks) == ["rsj", "swj"]
    swj_task = co_tasks.get(department__code="swj")
    with pytest.raises(NotFound):  # 人社 cannot act on 税务's part
        task_complete(actor=county.staff["rsj_reviewer"], task_id=swj_task.pk, action="approve")
    task_complete(actor=county.staff["swj_reviewer"], task_id=swj_task.pk, action="approve")
    assert not CaseTask.objects.filter(application=application, step="decide").exists()
    task_complete(actor=county.staff["rsj_reviewer"], task_id=co_tasks.get(department__code="rsj").pk, action="approve")
    assert CaseTask.objects.filter(
        application=application, step="decide", status=CaseTask.Status.OPEN, department__code="scjgj"
    ).exists()


def test_suspend_and_extend_move_the_deadline_in_working_days(county):
    application = county.submitted_application()
    task_complete(actor=county.staff["clerk"], task_id=county.open_task(application).pk, action="accept")
    application.refresh_from_db()
    due = application.due_date
    with pytest.raises(ValidationFailed):
        application_extend(actor=county.staff["approver"], receipt_no=application.receipt_no, days=0, reason="x")
    extended = application_extend(
        actor=county.staff["approver"], receipt_no=application.receipt_no, days=10, reason="需要组织专家评审"
    )
    assert extended.due_date == WorkingCalendar().add_working_days(due, 10)
    suspended = application_suspend(
        actor=county.staff["reviewer"], receipt_no=application.receipt_no, reason="现场核查"
    )
    assert suspended.status == Application.Status.SUSPENDED
    assert CaseTask.objects.get(application=application, step="review").status == CaseTask.Status.WAITING
    resumed = application_resume(actor=county.staff["reviewer"], receipt_no=application.receipt_no)
    assert resumed.status == Application.Status.IN_PROGRESS
    assert resumed.due_date == extended.due_date


def test_a_bad_rating_opens_rectification_due_in_15_working_days(county):
    application = county.submitted_application()
    task_complete(
        actor=county.staff["clerk"], task_id=county.open_task(application).pk, action="not_accept", opinion="材料不符"
    )
    with pytest.raises(ValidationFailed):  # a bad rating must say why
        rating_submit(actor=county.citizen, receipt_no=application.receipt_no, score=1, reasons=[])
    rating_submit(actor=county.citizen, receipt_no=application.receipt_no, score=1, reasons=["多次跑腿"])
    rectification = RectificationTask.objects.get()
    assert rectification.department.code == "gaj"
    assert rectification.due_date == WorkingCalendar().add_working_days(timezone.localdate(), 15)
    assert county.staff["department_admin"].notifications.filter(category="rectification").exists()
    with pytest.raises(Conflict):
        rating_submit(actor=county.citizen, receipt_no=application.receipt_no, score=5, reasons=[])


def test_a_citizen_cannot_reach_someone_elses_case(county):
    application = county.submitted_application()
    with pytest.raises(NotFound):
        rating_submit(actor=county.other_citizen, receipt_no=application.receipt_no, score=5, reasons=[])
    with pytest.raises(NotFound):
        application_supplement(actor=county.other_citizen, receipt_no=application.receipt_no)


def test_calendar_counts_the_national_day_holiday():
    calendar = WorkingCalendar(overrides={})
    # 2026-09-30 (Wed) + 1 working day skips the National Day holiday (10-01..10-07).
    assert calendar.add_working_days(dt.date(2026, 9, 30), 1) > dt.date(2026, 10, 7)


def test_an_item_retired_after_applications_started_accepts_no_new_ones(county):
    """The item an application needs is cached; retiring it must still stop new applications at once."""
    from govplus.catalog.models import ServiceItem
    from govplus.catalog.services import service_item_set_status

    county.submitted_application()  # the item is now in the cache
    service_item_set_status(actor=None, code=county.standard_item.code, status=ServiceItem.Status.RETIRED)

    with pytest.raises(ValidationFailed) as refused:
        county.submitted_application()
    assert "service_code" in refused.value.fields
