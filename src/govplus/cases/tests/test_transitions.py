"""Every status change goes through `application_transition`: the table in `workflow.py` decides, and
each change leaves a timeline line, an audit entry and a domain event (ids and codes only)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from govplus.cases.actions import application_extend, application_resume, application_suspend, task_complete
from govplus.cases.models import Application, CaseEvent
from govplus.cases.ratings import rating_submit
from govplus.cases.services import application_supplement, application_withdraw, material_upload_bytes
from govplus.cases.transitions import TransitionRefused, application_transition
from govplus.cases.workflow import TRANSITIONS
from govplus.core.audit import audit_verify
from govplus.core.errors import Conflict
from govplus.core.models import AuditEntry, OutboxEvent
from govplus.testing.factories import PDF

CASES = Path(__file__).resolve().parent.parent


def events_of(application: Application) -> list[OutboxEvent]:
    return [e for e in OutboxEvent.objects.order_by("pk") if e.payload.get("application_id") == application.pk]


def names_of(application: Application) -> list[str]:
    return [event.name for event in events_of(application)]


def test_the_whole_journey_publishes_its_events_with_outcome_and_result_type(county):
    application = county.submitted_application()
    task_complete(actor=county.staff["clerk"], task_id=county.open_task(application).pk, action="accept")
    task_complete(actor=county.staff["reviewer"], task_id=county.open_task(application, "review").pk, action="pass")
    task_complete(
        actor=county.staff["approver"],
        task_id=county.open_task(application, "decide").pk,
        action="approve",
        opinion="材料齐全，准予换领",
    )
    task_complete(
        actor=county.staff["clerk"],
        task_id=county.open_task(application, "conclude").pk,
        action="conclude",
        delivery_method="post",
    )
    rating_submit(actor=county.citizen, receipt_no=application.receipt_no, score=5, reasons=["办事便捷"])

    assert names_of(application) == [
        "application.submitted",
        "application.accepted",
        "application.reviewed",
        "application.decided",
        "application.concluded",
        "rating.submitted",
    ]
    by_name = {event.name: event.payload for event in events_of(application)}
    assert by_name["application.submitted"]["status_to"] == "submitted"
    assert by_name["application.submitted"]["service_code"] == county.standard_item.code
    assert by_name["application.decided"]["result"] == "approved"
    concluded = by_name["application.concluded"]
    assert (concluded["outcome"], concluded["result"]) == ("concluded", "approved")
    assert concluded["result_type"] == county.standard_item.result_type
    assert concluded["applicant_id"] == county.citizen.pk
    assert by_name["rating.submitted"]["score"] == 5 and by_name["rating.submitted"]["is_bad"] is False

    text = json.dumps([event.payload for event in events_of(application)], ensure_ascii=False)
    for personal in ["13800138000", "张三", "330521199003071"]:  # phone, name, ID number
        assert personal not in text
    assert audit_verify().is_intact


def test_supplement_not_accepted_and_bad_rating_events(county):
    application = county.submitted_application()
    clerk = county.staff["clerk"]
    task_complete(
        actor=clerk,
        task_id=county.open_task(application).pk,
        action="request_supplement",
        opinion="身份证复印件不清晰",
        supplement_items=[{"material_code": "M01", "reason": "不清晰"}],
    )
    material_upload_bytes(
        actor=county.citizen, receipt_no=application.receipt_no, material_code="M01", name="id.pdf", content=PDF
    )
    application_supplement(actor=county.citizen, receipt_no=application.receipt_no)
    task_complete(actor=clerk, task_id=county.open_task(application).pk, action="not_accept", opinion="不符合条件")
    rating_submit(actor=county.citizen, receipt_no=application.receipt_no, score=1, reasons=["多次跑腿"])

    assert names_of(application) == [
        "application.submitted",
        "application.supplement_requested",
        "application.supplemented",
        "application.not_accepted",
        "application.concluded",
        "rating.submitted",
    ]
    payloads = {event.name: event.payload for event in events_of(application)}
    assert payloads["application.supplement_requested"]["material_codes"] == ["M01"]
    assert payloads["application.concluded"]["outcome"] == "not_accepted"
    assert payloads["application.concluded"]["result"] == ""
    assert payloads["rating.submitted"]["is_bad"] is True and payloads["rating.submitted"]["rectification_id"]


def test_suspend_resume_extend_and_withdraw_go_through_the_table(county):
    application = county.submitted_application()
    task_complete(actor=county.staff["clerk"], task_id=county.open_task(application).pk, action="accept")
    receipt_no = application.receipt_no
    application_extend(actor=county.staff["approver"], receipt_no=receipt_no, days=5, reason="专家评审")
    application_suspend(actor=county.staff["reviewer"], receipt_no=receipt_no, reason="现场核查")
    application_resume(actor=county.staff["reviewer"], receipt_no=receipt_no)
    assert names_of(application)[-3:] == ["application.extended", "application.suspended", "application.resumed"]
    application.refresh_from_db()
    assert application.version == 5  # submit, accept, extend, suspend, resume

    withdrawn = county.submitted_application()
    application_withdraw(actor=county.citizen, receipt_no=withdrawn.receipt_no, reason="不办了")
    assert names_of(withdrawn) == ["application.submitted", "application.withdrawn"]
    assert AuditEntry.objects.filter(action="cases.application_withdraw", object_id=withdrawn.receipt_no).exists()


def test_an_illegal_transition_is_refused_with_409_and_changes_nothing(county):
    application = county.submitted_application()
    events_before = CaseEvent.objects.filter(application=application).count()
    audit_before = AuditEntry.objects.count()
    with pytest.raises(TransitionRefused) as refused:
        application_transition(
            application,
            action="conclude",  # 办结 straight from 待受理
            to=Application.Status.CONCLUDED,
            actor=county.staff["clerk"],
            event_kind="conclude",
            title="办结",
            audit_action="cases.task_conclude",
        )
    assert refused.value.status == 409 and refused.value.code == "transition_not_allowed"
    assert isinstance(refused.value, Conflict)
    assert "不能执行该操作" in refused.value.message
    application.refresh_from_db()
    assert (application.status, application.version) == (Application.Status.SUBMITTED, 1)
    assert CaseEvent.objects.filter(application=application).count() == events_before
    assert AuditEntry.objects.count() == audit_before
    assert names_of(application) == ["application.submitted"]


def test_a_withdrawn_case_cannot_be_withdrawn_again(county):
    application = county.submitted_application()
    application_withdraw(actor=county.citizen, receipt_no=application.receipt_no)
    with pytest.raises(Conflict):
        application_withdraw(actor=county.citizen, receipt_no=application.receipt_no)


def test_statuses_are_assigned_only_by_the_transition_helper():
    offenders = [
        f"{path.name}:{number}"
        for path in CASES.glob("*.py")
        if path.name != "transitions.py"
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if re.search(r"\bapplication\.status\s*=[^=]", line)
    ]
    assert offenders == []


def test_every_action_of_the_steps_has_a_transition():
    from govplus.cases.workflow import STEP_ACTIONS

    actions = {action for step in STEP_ACTIONS.values() for action in step}
    assert actions <= set(TRANSITIONS)
