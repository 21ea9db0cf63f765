"""Case pages as the applicant and staff read them: one wording for time limits, withdrawing on purpose."""

from __future__ import annotations

import re

from django.test import Client
from django.utils import timezone

from govplus.cases.actions import task_complete
from govplus.cases.models import Application
from govplus.catalog.models import ServiceItem
from govplus.core.calendar import WorkingCalendar


def client_for(user):
    client = Client()
    client.force_login(user)
    return client


def fact(html: str, testid: str) -> str:
    return html.split(f'data-testid="{testid}">')[1].split("</dd>")[0]


def test_the_applicant_sees_the_promised_date_as_expected_and_the_statutory_one_as_the_maximum(county):
    application = county.submitted_application()
    calendar, today = WorkingCalendar(), timezone.localdate()
    citizen = client_for(county.citizen)
    page = citizen.get(f"/my/applications/{application.receipt_no}").content.decode()
    assert "办理期限" not in page
    expected = fact(page, "expected")
    assert calendar.add_working_days(today, 5).isoformat() in expected and "承诺期限 5 个工作日" in expected
    assert "受理后 20 个工作日" in fact(page, "statutory")

    staff_page = client_for(county.staff["clerk"]).get(f"/staff/cases/{application.receipt_no}").content.decode()
    assert calendar.add_working_days(today, 5).isoformat() in fact(staff_page, "promised")  # not "—"

    task_complete(actor=county.staff["clerk"], task_id=county.open_task(application).pk, action="accept")
    page = citizen.get(f"/my/applications/{application.receipt_no}").content.decode()
    assert calendar.add_working_days(today, 20).isoformat() in fact(page, "statutory")
    listing = citizen.get("/my/applications").content.decode()
    assert "预计办结" in listing and calendar.add_working_days(today, 5).isoformat() in listing


def test_zero_working_days_reads_immediate_on_guide_and_case_pages(county, client):
    ServiceItem.objects.filter(pk=county.standard_item.pk).update(promised_limit_days=0)
    guide = client.get(f"/services/{county.standard_item.code}/").content.decode()
    assert fact(guide, "promised-limit") == "即办"
    assert fact(guide, "statutory-limit") == "20 个工作日"
    assert not re.search(r"(?<!\d)0 个工作日", guide)
    application = county.submitted_application()
    staff_page = client_for(county.staff["clerk"]).get(f"/staff/cases/{application.receipt_no}").content.decode()
    assert "即办" in fact(staff_page, "promised") and not re.search(r"(?<!\d)0 个工作日", staff_page)


def test_withdrawing_asks_first_then_says_so_and_leaves_no_stage_or_deadline(county):
    application = county.submitted_application()
    citizen = client_for(county.citizen)
    detail = citizen.get(f"/my/applications/{application.receipt_no}").content.decode()
    assert f'href="/my/applications/{application.receipt_no}/withdraw"' in detail
    confirm = citizen.get(f"/my/applications/{application.receipt_no}/withdraw")
    assert confirm.status_code == 200 and "确定要撤回这件申请吗" in confirm.content.decode()
    unconfirmed = citizen.post(f"/my/applications/{application.receipt_no}/withdraw", {"reason": "填错了"})
    assert unconfirmed.status_code == 200 and "确认撤回" in unconfirmed.content.decode()
    application.refresh_from_db()
    assert application.status == Application.Status.SUBMITTED

    done = citizen.post(
        f"/my/applications/{application.receipt_no}/withdraw", {"confirm": "yes", "reason": "填错了"}, follow=True
    )
    html = done.content.decode()
    assert "申请已撤回" in html and "已撤回" in fact(html, "status")
    assert 'data-testid="stage"' not in html and "预计办结" not in html and "法定期限" not in html
    body = citizen.get(f"/api/v1/applications/{application.receipt_no}").json()
    assert body["status"] == "withdrawn" and body["stage"] == ""
    assert body["due_date"] is None and body["promised_due_date"] is None
    staff_page = client_for(county.staff["clerk"]).get(f"/staff/cases/{application.receipt_no}").content.decode()
    assert 'data-testid="stage"' not in staff_page and 'data-testid="promised"' not in staff_page
