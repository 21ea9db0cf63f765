"""并联审批 as the departments and the applicant meet it: each co-handling department decides its own
part, a refusal is seen with its reason, and nobody's decision is made for them by a preselected button."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from govplus.cases.actions import task_complete
from govplus.cases.models import CaseTask
from govplus.cases.services import application_create, application_submit, material_upload_bytes
from govplus.core.errors import ValidationFailed
from govplus.core.models import Notification
from govplus.testing.factories import PDF


def parallel_case(county):
    application = application_create(
        actor=county.citizen,
        service_code=county.parallel_item.code,
        form={"reason": "有效期满", "phone": "13800138000"},
    )
    material_upload_bytes(
        actor=county.citizen, receipt_no=application.receipt_no, material_code="M01", name="a.pdf", content=PDF
    )
    return application_submit(actor=county.citizen, receipt_no=application.receipt_no)


def co_task(application, code):
    return CaseTask.objects.get(application=application, step="co_review", department__code=code)


def client_for(user):
    client = Client()
    client.force_login(user)
    return client


def test_before_acceptance_the_applicant_sees_what_each_department_will_issue(county):
    application = parallel_case(county)
    body = client_for(county.citizen).get(f"/api/v1/applications/{application.receipt_no}").json()
    assert [(p["department_code"], p["result"], p["status"]) for p in body["departments"]] == [
        ("scjgj", "营业执照", "pending"),
        ("swj", "税务登记", "pending"),
        ("rsj", "社会保险登记", "pending"),
    ]
    page = client_for(county.citizen).get(f"/my/applications/{application.receipt_no}").content.decode()
    assert "各部门办理进度" in page and "社会保险登记" in page and "待办理" in page


def test_a_co_handling_refusal_is_its_own_part_and_the_lead_must_answer_it(county):
    application = parallel_case(county)
    task_complete(actor=county.staff["scjgj_clerk"], task_id=county.open_task(application).pk, action="accept")
    task_complete(
        actor=county.staff["swj_reviewer"],
        task_id=co_task(application, "swj").pk,
        action="deny",
        opinion="经营范围涉及的发票种类需先补办税种认定",
    )
    task_complete(actor=county.staff["rsj_reviewer"], task_id=co_task(application, "rsj").pk, action="approve")

    parts = {
        p["department_code"]: p
        for p in client_for(county.citizen).get(f"/api/v1/applications/{application.receipt_no}").json()["departments"]
    }
    assert parts["swj"]["status"] == "denied" and parts["swj"]["reason"] == "经营范围涉及的发票种类需先补办税种认定"
    assert parts["swj"]["decided_at"] is not None
    assert parts["rsj"]["status"] == "approved" and parts["rsj"]["decided_at"] is not None
    assert parts["scjgj"]["status"] == "pending"
    notice = Notification.objects.filter(recipient=county.citizen, title__contains="不予准予").get()
    assert "税种认定" in notice.body

    # the applicant sees the refusal at the top of the case, with the department and the reason
    page = client_for(county.citizen).get(f"/my/applications/{application.receipt_no}").content.decode()
    banner = page.split('data-testid="co-denial"')[1].split("</div>")[0]
    assert "国家税务总局德清县税务局" in banner and "税种认定" in banner and "税务登记" in banner

    # the lead approver sees it too, and the decision form has no answer chosen in advance
    approver = client_for(county.staff["scjgj_approver"])
    case_page = approver.get(f"/staff/cases/{application.receipt_no}").content.decode()
    assert "协办部门不予准予" in case_page and "税种认定" in case_page
    radios = re.findall(r'<input type="radio" name="action"[^>]*>', case_page)
    assert radios and all("checked" not in radio and "required" in radio for radio in radios)

    decide = county.open_task(application, "decide")
    with pytest.raises(ValidationFailed) as refused:  # approving over a refusal needs a stated reason
        task_complete(actor=county.staff["scjgj_approver"], task_id=decide.pk, action="approve")
    assert "opinion" in refused.value.fields
    task_complete(
        actor=county.staff["scjgj_approver"],
        task_id=decide.pk,
        action="approve",
        opinion="准予设立登记；发票领用待税务部门另行办理",
    )
    timeline = [e.title for e in application.events.all()]
    assert "会签审查（国家税务总局德清县税务局）：不予准予" in timeline


def test_no_decision_form_answers_for_the_clerk(county):
    application = county.submitted_application()
    page = client_for(county.staff["clerk"]).get(f"/staff/cases/{application.receipt_no}").content.decode()
    radios = re.findall(r'<input type="radio" name="action"[^>]*>', page)
    assert len(radios) == 3 and not any("checked" in radio for radio in radios)
    # a form sent without a choice is refused with the field named, not carried out
    task = county.open_task(application)
    response = client_for(county.staff["clerk"]).post(
        f"/staff/tasks/{task.pk}/act", {"receipt_no": application.receipt_no}, follow=True
    )
    assert "不能执行该操作" in response.content.decode()
    task.refresh_from_db()
    assert task.status == CaseTask.Status.OPEN


def test_in_english_the_parts_and_limits_read_in_english(county):
    application = parallel_case(county)
    citizen = client_for(county.citizen)
    citizen.get("/lang/en/")
    page = citizen.get(f"/my/applications/{application.receipt_no}").content.decode()
    assert "Progress by department" in page and "Tax registration" in page and "Pending" in page
    assert "Expected completion" in page and "Statutory limit (latest)" in page
    assert "working days after acceptance" in page
