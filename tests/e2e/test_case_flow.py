"""并联审批, withdrawing and long lists as people meet them in the browser, at phone width."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from playwright.sync_api import Page, expect

from govplus.cases.actions import task_complete
from govplus.cases.models import Application, CaseTask
from govplus.cases.services import application_create, application_submit, material_upload_bytes
from govplus.testing.factories import PDF, County
from tests.e2e.test_pages_look import LOW_CONTRAST_JS, PHONE, horizontal_overflow


def refused_parallel_case(county: County) -> str:
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
    tasks = CaseTask.objects.filter(application=application, step="co_review")
    task_complete(
        actor=county.staff["swj_reviewer"],
        task_id=tasks.get(department__code="swj").pk,
        action="deny",
        opinion="经营范围涉及的发票种类需先补办税种认定",
    )
    task_complete(actor=county.staff["rsj_reviewer"], task_id=tasks.get(department__code="rsj").pk, action="approve")
    return application.receipt_no


def test_a_refused_part_is_seen_by_applicant_and_lead_and_nothing_is_preselected(
    county_tx: County, sign_in: Callable[..., Page], screenshot: Callable[[Page, str], Path]
) -> None:
    receipt_no = refused_parallel_case(county_tx)
    citizen = sign_in("zhangsan", **PHONE)
    citizen.goto(f"/my/applications/{receipt_no}")
    banner = citizen.get_by_test_id("co-denial")
    expect(banner).to_be_visible()
    expect(banner).to_contain_text("国家税务总局德清县税务局（税务登记）：经营范围涉及的发票种类需先补办税种认定")
    parts = citizen.get_by_role("table").filter(has_text="社会保险登记")
    expect(parts.get_by_role("row").filter(has_text="人力资源")).to_contain_text("准予")
    expect(parts.get_by_role("row").filter(has_text="市场监督")).to_contain_text("待办理")
    assert horizontal_overflow(citizen) == 0
    assert citizen.evaluate(LOW_CONTRAST_JS) == []
    screenshot(citizen, "flow-01-citizen-parallel-refused-phone")

    approver = sign_in("scjgj_approver", **PHONE)
    approver.goto(f"/staff/cases/{receipt_no}")
    expect(approver.get_by_test_id("co-denial")).to_contain_text("税种认定")
    task = approver.locator("section", has=approver.get_by_role("heading", name=re.compile("^办理：决定")))
    approve, deny = task.get_by_role("radio", name="准予", exact=True), task.get_by_role("radio", name="不予准予")
    expect(approve).not_to_be_checked()
    expect(deny).not_to_be_checked()
    task.get_by_role("button", name="提交").click()  # the browser asks for a choice first
    expect(approver).to_have_url(re.compile(f"/staff/cases/{receipt_no}$"))
    assert CaseTask.objects.get(application__receipt_no=receipt_no, step="decide").status == CaseTask.Status.OPEN
    approve.focus()
    approver.keyboard.press("Space")
    expect(approve).to_be_checked()
    assert horizontal_overflow(approver) == 0
    assert approver.evaluate(LOW_CONTRAST_JS) == []
    screenshot(approver, "flow-02-lead-approver-refusal-banner-phone")


def test_withdrawing_is_confirmed_and_the_wizard_names_what_is_missing(
    county_tx: County, sign_in: Callable[..., Page], screenshot: Callable[[Page, str], Path]
) -> None:
    receipt_no = county_tx.submitted_application().receipt_no
    citizen = sign_in("zhangsan", **PHONE)
    citizen.goto(f"/my/applications/{receipt_no}")
    expect(citizen.get_by_test_id("expected")).to_contain_text("承诺期限 5 个工作日")
    screenshot(citizen, "flow-03-citizen-case-limits-phone")
    citizen.get_by_role("link", name="撤回申请").click()
    expect(citizen.get_by_role("heading", level=2)).to_have_text("确定要撤回这件申请吗？")
    citizen.get_by_label("撤回原因（可选）").fill("信息填错，重新申请")
    screenshot(citizen, "flow-04-withdraw-confirm-phone")
    citizen.get_by_role("button", name="确认撤回").click()
    expect(citizen.locator(".messages")).to_contain_text("申请已撤回")
    expect(citizen.get_by_test_id("status")).to_have_text("已撤回")
    expect(citizen.get_by_test_id("stage")).to_have_count(0)
    expect(citizen.get_by_test_id("expected")).to_have_count(0)
    assert Application.objects.get(receipt_no=receipt_no).status == Application.Status.WITHDRAWN
    screenshot(citizen, "flow-05-withdrawn-phone")

    citizen.goto(f"/services/{county_tx.standard_item.code}/apply/")
    citizen.get_by_role("button", name="保存并下一步").click()
    expect(citizen.locator("#f-reason-error")).to_contain_text(
        "请填写“换领原因” / please fill in “Reason for replacement”"
    )
    assert horizontal_overflow(citizen) == 0
    screenshot(citizen, "flow-06-wizard-step1-errors-phone")

    citizen.goto("/my/applications?status=withdrawn")
    expect(citizen.get_by_label("状态")).to_have_value("withdrawn")
    expect(citizen.get_by_role("row").filter(has_text=receipt_no)).to_contain_text("已撤回")
    assert horizontal_overflow(citizen) == 0
    screenshot(citizen, "flow-07-my-applications-filter-phone")
