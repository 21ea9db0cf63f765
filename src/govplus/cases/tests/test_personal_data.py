"""Personal data of a case: masked for staff in the API as on the page; a handler may reveal a full
value with a reason; every reveal is recorded and audited, and the applicant sees who looked."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from govplus.cases.models import PersonalDataAccess
from govplus.core.models import AuditEntry

API = "/api/v1"
PHONE = "13800138000"


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def reveal(client: Client, receipt_no: str, field: str = "phone", reason: str = "电话核实申请人身份") -> Any:
    return client.post(
        f"{API}/applications/{receipt_no}/reveal", {"field": field, "reason": reason}, content_type="application/json"
    )


def test_staff_get_the_phone_masked_in_the_api_as_on_the_page(county):
    application = county.submitted_application()
    clerk = client_for(county.staff["clerk"])
    detail = clerk.get(f"{API}/applications/{application.receipt_no}")
    assert detail.status_code == 200
    assert detail.json()["form"]["phone"] == "138****8000"
    assert PHONE not in detail.content.decode()
    page = clerk.get(f"/staff/cases/{application.receipt_no}").content.decode()
    assert "138****8000" in page and PHONE not in page
    own = client_for(county.citizen).get(f"{API}/applications/{application.receipt_no}")
    assert own.json()["form"]["phone"] == PHONE  # the applicant sees their own data


def test_a_handler_reveals_with_a_reason_and_the_applicant_sees_who_looked(county):
    application = county.submitted_application()
    clerk = county.staff["clerk"]
    answer = reveal(client_for(clerk), application.receipt_no)
    assert answer.status_code == 200, answer.content
    assert answer.json() == {"field": "phone", "value": PHONE}

    access = PersonalDataAccess.objects.get(application=application)
    assert access.actor == clerk and access.department == county.departments["gaj"]
    entry = AuditEntry.objects.get(action="cases.personal_data_reveal")
    assert entry.actor == clerk and entry.object_id == application.receipt_no
    assert entry.changes["field"] == "phone" and entry.changes["reason"] == "电话核实申请人身份"
    assert entry.changes["applicant_id"] == county.citizen.pk
    assert PHONE not in str(entry.changes)

    citizen = client_for(county.citizen)
    accesses = citizen.get(f"{API}/applications/{application.receipt_no}").json()["personal_data_accesses"]
    assert len(accesses) == 1
    assert accesses[0]["department"] == "德清县公安局" and accesses[0]["staff"] == clerk.display_name
    assert accesses[0]["field_label"] == "联系电话" and accesses[0]["reason"] == "电话核实申请人身份"
    page = citizen.get(f"/my/applications/{application.receipt_no}").content.decode()
    section = page.split('id="personal-data-accesses"')[1]
    assert "德清县公安局" in section and clerk.display_name in section
    assert "联系电话" in section and "电话核实申请人身份" in section


def test_a_reveal_needs_a_real_reason_and_a_personal_field(county):
    application = county.submitted_application()
    clerk = client_for(county.staff["clerk"])
    short = reveal(clerk, application.receipt_no, reason="看看")
    assert short.status_code == 422 and "reason" in short.json()["fields"]
    assert "至少 5 个字" in short.json()["fields"]["reason"][0]
    other_field = reveal(clerk, application.receipt_no, field="reason")
    assert other_field.status_code == 422 and "field" in other_field.json()["fields"]
    missing = clerk.post(
        f"{API}/applications/{application.receipt_no}/reveal", {"field": "phone"}, content_type="application/json"
    )
    assert missing.status_code == 422 and "reason" in missing.json()["fields"]
    assert not PersonalDataAccess.objects.exists()
    assert not AuditEntry.objects.filter(action="cases.personal_data_reveal").exists()


@pytest.mark.parametrize(
    "who, status",
    [
        ("citizen", 403),  # the applicant: sees their own data anyway, never through reveal
        ("other_citizen", 404),
        ("scjgj_clerk", 404),  # another department: cannot see the case at all
        ("department_admin", 403),  # same department, never had a task on the case
    ],
)
def test_others_cannot_reveal(county, who, status):
    application = county.submitted_application()
    user = getattr(county, who) if who in ("citizen", "other_citizen") else county.staff[who]
    answer = reveal(client_for(user), application.receipt_no)
    assert answer.status_code == status, answer.content
    assert PHONE not in answer.content.decode()
    assert not PersonalDataAccess.objects.exists()


def test_a_former_handler_may_still_reveal(county):
    application = county.submitted_application()
    clerk = client_for(county.staff["clerk"])
    task = county.open_task(application)
    assert clerk.post(f"/staff/tasks/{task.pk}/act", {"action": "accept"}).status_code == 302
    assert reveal(clerk, application.receipt_no).status_code == 200
    reviewer = client_for(county.staff["reviewer"])  # now has the review task
    assert reveal(reviewer, application.receipt_no).status_code == 200
    assert PersonalDataAccess.objects.count() == 2


def test_the_staff_case_page_reveals_through_its_form(county):
    application = county.submitted_application()
    clerk = client_for(county.staff["clerk"])
    page = clerk.get(f"/staff/cases/{application.receipt_no}").content.decode()
    assert f'action="/staff/cases/{application.receipt_no}/reveal"' in page
    refused = clerk.post(f"/staff/cases/{application.receipt_no}/reveal", {"field": "phone", "reason": ""})
    assert refused.status_code == 422 and "至少 5 个字" in refused.content.decode()
    shown = clerk.post(
        f"/staff/cases/{application.receipt_no}/reveal", {"field": "phone", "reason": "电话核实申请人身份"}
    )
    assert shown.status_code == 200
    assert f'<strong data-testid="revealed">{PHONE}</strong>' in shown.content.decode()
    assert "no-store" in shown["Cache-Control"]
    assert PHONE not in clerk.get(f"/staff/cases/{application.receipt_no}").content.decode()
    admin_page = client_for(county.staff["department_admin"]).get(f"/staff/cases/{application.receipt_no}")
    assert "/reveal" not in admin_page.content.decode()
