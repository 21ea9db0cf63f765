"""An appeal in the browser: a citizen files one with a photo; it is routed to 住建局; the department
signs for it and answers (the check asks for a time first); the citizen rates the answer 不满意 and the
appeal reopens with the department."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from playwright.sync_api import Page, expect

from govplus.appeals.models import Appeal
from govplus.appeals.taxonomy import taxonomy_load
from govplus.identity.models import Department, Role
from govplus.identity.services import staff_create
from govplus.testing.factories import PASSWORD, County
from govplus.testing.files import png_bytes
from tests.e2e.test_citizen_journey import messages_of


def test_file_an_appeal_with_a_photo_answer_it_and_reopen_it_as_unsatisfied(
    county_tx: County,
    sign_in: Callable[..., Page],
    screenshot: Callable[[Page, str], Path],
    tmp_path: Path,
) -> None:
    taxonomy_load()
    zjj = Department.objects.create(code="zjj", name="德清县住房和城乡建设局", short_name="住建局")
    staff_create(
        actor=None, username="zjj_clerk", password=PASSWORD, display_name="住建受理员", roles=[(zjj, Role.CLERK)]
    )
    photo = tmp_path / "路灯.png"
    photo.write_bytes(png_bytes(64, 48))

    citizen = sign_in("zhangsan")
    citizen.goto("/appeals/new")
    citizen.get_by_label("内容（必填）").fill("武康街道英溪小区门口的路灯坏了一个多月，晚上出行很不安全，请尽快修复。")
    citizen.get_by_label(re.compile("问题类别")).select_option(label="城市建设和市政管理")
    citizen.get_by_label("详细地点").fill("英溪小区南门")
    citizen.get_by_label("联系电话").fill("13800138000")
    citizen.get_by_label(re.compile("照片")).set_input_files(str(photo))
    screenshot(citizen, "appeal-01-form")
    citizen.get_by_role("button", name="提交").click()
    expect(messages_of(citizen)).to_contain_text("诉求已提交")
    expect(citizen.get_by_test_id("status")).to_have_text("已分办")
    number = Appeal.objects.get().number
    assert Appeal.objects.get().photos.count() == 1

    clerk = sign_in("zjj_clerk")
    clerk.goto("/staff/appeals")
    clerk.get_by_role("link", name=number).click()
    expect(clerk.get_by_role("img", name="现场照片 1")).to_be_visible()
    expect(clerk.get_by_test_id("appeal-facts")).to_contain_text("138****8000")  # the caller masked
    clerk.get_by_test_id("sign").click()
    expect(clerk.get_by_test_id("status")).to_have_text("已签收")
    clerk.get_by_label("答复内容").fill("您好！您反映的英溪小区路灯问题已收悉，我局已安排维修单位处理。")
    clerk.get_by_role("button", name="发送答复").click()
    expect(clerk.get_by_role("alert")).to_contain_text("未写明办理时限")  # the check asks first
    clerk.get_by_label("答复内容").fill("您好！经核实英溪小区南门路灯损坏属实，我局已安排维修单位于 3 个工作日内修复。")
    clerk.get_by_role("button", name="发送答复").click()
    expect(messages_of(clerk)).to_contain_text("答复已发送")
    screenshot(clerk, "appeal-02-answered")

    citizen.goto(f"/my/appeals/{number}")
    expect(citizen.get_by_test_id("reply")).to_contain_text("3 个工作日内修复")
    citizen.get_by_role("radio", name="不满意").check()
    citizen.get_by_label("意见（可不填）").fill("过了一周路灯还是不亮")
    citizen.get_by_role("button", name="提交评价").click()
    expect(messages_of(citizen)).to_contain_text("已重新交办")
    expect(citizen.get_by_test_id("status")).to_have_text("已签收")
    expect(citizen.get_by_test_id("timeline")).to_contain_text("不满意，重办")
    screenshot(citizen, "appeal-03-reopened")
    reopened = Appeal.objects.get()
    assert (reopened.status, reopened.reopened_count, reopened.verdict) == ("signed", 1, "unsatisfied")
