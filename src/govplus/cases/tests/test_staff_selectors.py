"""Staff-side reads that used to sit in the pages: what a case page offers to whom, the open supplement
notice, rectifications by department, the inbox."""

from __future__ import annotations

from django.test import Client

from govplus.cases import selectors
from govplus.cases.actions import task_complete
from govplus.core.notify import notification_send
from govplus.core.selectors import notification_list_for, notification_unread_count


def test_the_case_page_offers_suspend_to_reviewers_and_extend_to_approvers_only(county):
    application = county.submitted_application()
    tasks = selectors.tasks_of_application(application=application)
    clerk = selectors.case_access_for(actor=county.staff["clerk"], tasks=tasks)
    reviewer = selectors.case_access_for(actor=county.staff["reviewer"], tasks=tasks)
    approver = selectors.case_access_for(actor=county.staff["approver"], tasks=tasks)
    assert [t.step for t in clerk.my_open_tasks] == ["accept"] and not reviewer.my_open_tasks
    assert (clerk.can_suspend, clerk.can_extend) == (False, False)
    assert (reviewer.can_suspend, reviewer.can_extend) == (True, False)
    assert (approver.can_suspend, approver.can_extend) == (True, True)

    page = Client()
    page.force_login(county.staff["reviewer"])
    html = page.get(f"/staff/cases/{application.receipt_no}").content.decode()
    assert 'value="suspend"' in html and 'value="extend"' not in html


def test_the_open_supplement_notice_is_found_in_one_place(county):
    application = county.submitted_application()
    assert selectors.supplement_open(application=application) is None
    task = county.open_task(application)
    task_complete(
        actor=county.staff["clerk"],
        task_id=task.pk,
        action="request_supplement",
        opinion="请补正",
        supplement_items=[{"material_code": "M01", "reason": "照片不清晰"}],
    )
    notice = selectors.supplement_open(application=application)
    assert notice is not None and notice.items[0]["material_code"] == "M01"
    citizen = Client()
    citizen.force_login(county.citizen)
    assert "照片不清晰" in citizen.get(f"/my/applications/{application.receipt_no}").content.decode()


def test_rectifications_are_listed_for_the_staff_members_departments_only(county):
    assert list(selectors.rectification_list_for(actor=county.staff["scjgj_clerk"])) == []
    clerk = Client()
    clerk.force_login(county.staff["clerk"])
    assert clerk.get("/staff/rectifications").status_code == 200


def test_the_inbox_lists_and_counts_the_recipients_own_messages(county):
    notification_send(recipient=county.citizen, title="办件已受理", body="…", category="case", external=False)
    assert notification_unread_count(recipient=county.citizen) >= 1
    assert notification_unread_count(recipient=county.other_citizen) == 0
    titles = [n.title for n in notification_list_for(recipient=county.citizen, unread_only=True)]
    assert "办件已受理" in titles
