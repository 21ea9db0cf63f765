"""The citizen's journey through the browser: find the service, apply, supplement once, get the result,
rate it, while the department's clerk, reviewer and approver work the case from their workbench.

Everything is done through the pages, as a person would; the database is only read to double-check.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from playwright.sync_api import Locator, Page, expect

from govplus.cases.models import Application
from govplus.testing.factories import PASSWORD, County
from govplus.testing.files import pdf_bytes

PHONE = "13800138000"
M01 = "居民身份证（原证）照片"


def write_pdf(folder: Path, name: str, note: str) -> Path:
    path = folder / name
    path.write_bytes(pdf_bytes(note.encode()))
    return path


def status_of(page: Page) -> Locator:
    return page.get_by_test_id("status")


def messages_of(page: Page) -> Locator:
    return page.locator("ul.messages")


def open_case_from_workbench(page: Page, receipt_no: str, step: str) -> Locator:
    """Go to the workbench, open the case by its row, and return the task section of `step`."""
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="工作台").click()
    row = page.get_by_role("row").filter(has_text=receipt_no)
    expect(row).to_contain_text(step)
    row.get_by_role("link", name="居民身份证换领").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("居民身份证换领")
    return page.locator("section", has=page.get_by_role("heading", name=re.compile(f"^办理：{step}")))


def submit_task(page: Page, task: Locator) -> None:
    task.get_by_role("button", name="提交").click()
    expect(page).to_have_url(re.compile(r"/staff/$"))
    expect(messages_of(page)).to_have_text("已办理。")


def test_citizen_applies_supplements_once_and_rates_the_result(
    county_tx: County,
    sign_in: Callable[..., Page],
    screenshot: Callable[[Page, str], Path],
    tmp_path: Path,
) -> None:
    citizen = sign_in("zhangsan")
    expect(citizen.get_by_role("heading", level=1)).to_have_text("我的办件")

    # Find the service from the home page.
    citizen.get_by_role("banner").locator("a.brand").click()  # the site name leads home
    expect(citizen.get_by_role("heading", level=1)).to_contain_text("一网通办")
    screenshot(citizen, "01-home")
    search = citizen.get_by_role("search")
    search.get_by_role("searchbox", name="搜索办事事项").fill("身份证")
    search.get_by_role("button", name="搜索").click()
    expect(citizen.get_by_role("heading", level=1)).to_have_text("“身份证”的搜索结果")
    expect(citizen.get_by_role("main").get_by_role("status")).to_have_text("共 1 项")
    result = citizen.locator("ul.results li").filter(has_text="居民身份证换领")
    expect(result).to_contain_text("德清县公安局")
    expect(result).to_contain_text("一趟不用跑")
    screenshot(citizen, "02-search-results")

    result.get_by_role("link", name="居民身份证换领").click()
    expect(citizen.get_by_role("heading", level=1)).to_have_text("居民身份证换领")
    expect(citizen.get_by_role("table")).to_contain_text(M01)
    screenshot(citizen, "03-guide")

    # Step 1: the form.
    citizen.get_by_role("link", name="在线申请").click()
    expect(citizen.get_by_role("heading", level=1)).to_have_text("在线申请：居民身份证换领")
    expect(citizen.locator(".wizard [aria-current=step]")).to_have_text("1 填写申请表")
    citizen.get_by_label("换领原因").select_option("证件损坏")
    citizen.get_by_label("联系电话").fill(PHONE)
    screenshot(citizen, "04-apply-form")
    citizen.get_by_role("button", name="保存并下一步").click()

    # Step 2: materials. M02 (a licence, optional here) could come from the licence library when a
    # provider offers it; none is registered, so it is an upload like M01, which is uploaded.
    expect(citizen.get_by_role("heading", level=1)).to_have_text("上传材料：居民身份证换领")
    expect(citizen.locator(".wizard [aria-current=step]")).to_have_text("2 上传材料")
    expect(citizen.get_by_label("居民户口簿")).to_be_visible()
    expect(citizen.get_by_text("请上传证照的扫描件或照片")).to_be_visible()
    citizen.get_by_label(M01).set_input_files(write_pdf(tmp_path, "id-card.pdf", "first photo"))
    screenshot(citizen, "05-apply-materials")
    citizen.get_by_role("button", name="上传并下一步").click()

    # Step 3: review and submit.
    expect(citizen.get_by_role("heading", level=1)).to_have_text("确认提交：居民身份证换领")
    form = citizen.locator("dl.facts")
    expect(form).to_contain_text("换领原因证件损坏")
    expect(form).to_contain_text(f"联系电话{PHONE}")
    expect(citizen.get_by_role("listitem").filter(has_text="id-card.pdf")).to_be_visible()
    screenshot(citizen, "06-apply-review")
    citizen.get_by_role("button", name="确认提交申请").click()

    expect(messages_of(citizen)).to_contain_text("申请已提交，办件编号")
    match = re.search(r"办件编号\s*(\S+?)。", messages_of(citizen).inner_text())
    assert match, "the confirmation should tell the receipt number"
    receipt_no = match.group(1)
    facts = citizen.locator("dl.facts")
    expect(facts.locator("div").filter(has_text="办件编号")).to_contain_text(receipt_no)
    expect(status_of(citizen)).to_have_text("待受理")

    citizen.get_by_role("link", name="我的办件").click()
    row = citizen.get_by_role("row").filter(has_text=receipt_no)
    expect(row).to_contain_text("居民身份证换领")
    expect(row).to_contain_text("待受理")
    screenshot(citizen, "07-my-applications")
    row.get_by_role("link", name="居民身份证换领").click()
    expect(status_of(citizen)).to_have_text("待受理")
    screenshot(citizen, "08-citizen-case")

    # The clerk asks, once, for a better photo.
    clerk = sign_in("gaj_clerk")
    expect(clerk.get_by_role("heading", level=1)).to_have_text("我的待办")
    expect(clerk.get_by_role("row").filter(has_text=receipt_no)).to_be_visible()
    screenshot(clerk, "09-workbench")
    task = open_case_from_workbench(clerk, receipt_no, "受理")
    expect(status_of(clerk)).to_have_text("待受理")
    # staff see the material's name, not its code
    expect(clerk.get_by_role("link", name=f"{M01} · id-card.pdf")).to_be_visible()
    screenshot(clerk, "10-staff-case")
    task.get_by_role("radio", name="一次性告知补正", exact=True).check()
    task.get_by_text("一次性告知补正：勾选需补正的材料").click()
    task.get_by_role("checkbox", name=M01).check()
    task.get_by_role("textbox", name=f"{M01} 的补正原因").fill("照片模糊，请重新拍摄上传")
    task.get_by_label("意见").fill("请按告知补正后再受理。")
    submit_task(clerk, task)
    expect(clerk.get_by_role("row").filter(has_text=receipt_no)).to_contain_text("等待申请人")

    # The citizen sees the notice on the case page and answers it.
    citizen.reload()
    notice = citizen.get_by_role("alert")
    expect(notice).to_contain_text("请补正材料（补正前办理计时暂停）")
    expect(notice).to_contain_text(f"{M01}：照片模糊，请重新拍摄上传")
    expect(status_of(citizen)).to_have_text("待补正")
    expect(citizen.locator("dl.facts div").filter(has_text="预计办结")).to_contain_text("计时暂停")
    screenshot(citizen, "11-citizen-supplement-notice")
    notice.get_by_role("link", name="去补正").click()
    expect(citizen.get_by_role("heading", level=1)).to_have_text("补正材料：居民身份证换领")
    expect(citizen.get_by_role("alert")).to_contain_text("照片模糊，请重新拍摄上传")
    citizen.get_by_label(M01).set_input_files(write_pdf(tmp_path, "id-card-clear.pdf", "clear photo"))
    citizen.get_by_label("补正说明（可选）").fill("已重新拍摄，照片清晰。")
    screenshot(citizen, "12-supplement-form")
    citizen.get_by_role("button", name="提交补正").click()
    expect(messages_of(citizen)).to_have_text("补正材料已提交，办理计时已恢复。")
    expect(citizen.get_by_role("alert")).to_have_count(0)
    expect(citizen.get_by_role("listitem").filter(has_text="id-card-clear.pdf")).to_contain_text("补正")
    expect(status_of(citizen)).not_to_have_text("待补正")

    # Accept, review, approve, conclude.
    task = open_case_from_workbench(clerk, receipt_no, "受理")
    expect(clerk.get_by_role("link", name=f"{M01} · id-card-clear.pdf")).to_be_visible()
    task.get_by_role("radio", name="受理", exact=True).check()
    submit_task(clerk, task)

    reviewer = sign_in("gaj_reviewer")
    task = open_case_from_workbench(reviewer, receipt_no, "审查")
    expect(status_of(reviewer)).to_have_text("办理中")
    task.get_by_role("radio", name="审查通过").check()
    task.get_by_label("意见").fill("材料齐全，符合法定形式。")
    submit_task(reviewer, task)

    approver = sign_in("gaj_approver")
    task = open_case_from_workbench(approver, receipt_no, "决定")
    task.get_by_role("radio", name="准予", exact=True).check()
    task.get_by_label("意见").fill("符合换领条件，准予换领。")
    submit_task(approver, task)

    task = open_case_from_workbench(clerk, receipt_no, "办结")
    task.get_by_label("送达方式").select_option(label="邮寄送达")
    task.get_by_role("radio", name="办结送达").check()
    submit_task(clerk, task)
    expect(clerk.get_by_role("row").filter(has_text=receipt_no)).to_have_count(0)

    # The citizen sees the result and rates the service.
    citizen.reload()
    expect(status_of(citizen)).to_have_text("已办结")
    expect(citizen.locator("dl.facts div").filter(has_text="办理结果")).to_contain_text("准予")
    expect(citizen.locator("ol.timeline")).to_contain_text("符合换领条件，准予换领。")
    rating = citizen.locator("section#rating")
    rating.get_by_role("radio", name="5 · 非常满意").check()
    rating.get_by_role("checkbox", name="办事便捷").check()
    rating.get_by_role("checkbox", name="一次办成").check()
    rating.get_by_label("意见建议（可选）").fill("补正一次就办好了，谢谢。")
    rating.get_by_role("button", name="提交评价").click()
    expect(messages_of(citizen)).to_have_text("感谢您的评价！")
    expect(rating).to_contain_text("您的评价：5 / 5 办事便捷、一次办成")
    expect(rating.get_by_role("button", name="提交评价")).to_have_count(0)
    screenshot(citizen, "13-citizen-case-rated")

    application = Application.objects.select_related("rating").get(receipt_no=receipt_no)
    assert application.status == Application.Status.CONCLUDED
    assert application.result == Application.Result.APPROVED
    assert application.rating.score == 5


def test_progress_query_needs_the_right_phone_digits(
    county_tx: County, open_page: Callable[..., Page], screenshot: Callable[[Page, str], Path]
) -> None:
    receipt_no = county_tx.submitted_application(phone=PHONE).receipt_no
    page = open_page()
    page.goto("/")
    page.get_by_role("link", name="查询进度").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("办件进度查询")

    page.get_by_label("办件编号").fill(receipt_no)
    page.get_by_label("申请时所留手机号后4位").fill(PHONE[-4:])
    page.get_by_role("button", name="查询").click()
    result = page.locator("section[aria-live]")
    expect(result.get_by_role("heading", level=2)).to_have_text("居民身份证换领")
    expect(result.locator("dl.facts div").filter(has_text="状态")).to_contain_text("待受理")
    expect(result).to_contain_text("德清县公安局")
    expect(result).not_to_contain_text("张三")
    screenshot(page, "14-progress-result")

    page.get_by_label("申请时所留手机号后4位").fill("1234")
    page.get_by_role("button", name="查询").click()
    expect(page.get_by_role("alert")).to_have_text("办件编号或手机号后4位不正确。")
    expect(page.locator("section[aria-live]")).to_have_count(0)
    main = page.get_by_role("main")
    expect(main).not_to_contain_text("居民身份证换领")
    expect(main).not_to_contain_text("待受理")
    expect(main).not_to_contain_text("德清县公安局")


def test_sign_in_with_the_keyboard_only(county_tx: County, open_page: Callable[..., Page]) -> None:
    page = open_page()
    page.goto("/login/")

    page.keyboard.press("Tab")
    skip_link = page.get_by_role("link", name="跳到主要内容")
    expect(skip_link).to_be_focused()
    expect(skip_link).to_be_in_viewport()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile("#main$"))
    expect(page.get_by_role("main")).to_be_focused()

    # From the main content, the next Tab is the first field of the form.
    page.keyboard.press("Tab")
    expect(page.get_by_label("用户名")).to_be_focused()
    page.keyboard.type("zhangsan")
    page.keyboard.press("Tab")
    expect(page.get_by_label("密码")).to_be_focused()
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Tab")
    submit = page.get_by_role("main").get_by_role("button", name="登录")
    expect(submit).to_be_focused()
    page.keyboard.press("Enter")

    # The browser keeps the #main fragment of the skip link across the redirect.
    expect(page).to_have_url(re.compile(r"/my/applications(#main)?$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("我的办件")
    expect(page.get_by_role("button", name="退出")).to_be_visible()


def test_switch_the_language_to_english(county_tx: County, open_page: Callable[..., Page]) -> None:
    page = open_page()
    page.goto(f"/services/{county_tx.standard_item.code}/")
    html = page.locator("html")
    expect(html).to_have_attribute("lang", "zh-CN")

    page.get_by_role("link", name="English").click()

    expect(html).to_have_attribute("lang", "en")
    expect(page).to_have_url(re.compile(f"/services/{county_tx.standard_item.code}/$"))
    expect(page.get_by_role("link", name="简体中文")).to_be_visible()
    page.goto("/progress/")
    expect(html).to_have_attribute("lang", "en")


def test_changing_the_form_before_submitting_keeps_the_same_application(
    county_tx: County, sign_in: Callable[..., Page], tmp_path: Path
) -> None:
    """Going back from the review step to fix the form must edit this draft, not start another one."""
    citizen = sign_in("zhangsan")
    citizen.goto(f"/services/{county_tx.standard_item.code}/apply/")
    citizen.get_by_label("换领原因").select_option("有效期满")
    citizen.get_by_label("联系电话").fill(PHONE)
    citizen.get_by_role("button", name="保存并下一步").click()
    expect(citizen.get_by_role("heading", level=1)).to_have_text("上传材料：居民身份证换领")
    draft_url = re.search(r"/my/applications/([^/]+)/materials$", citizen.url)
    assert draft_url, citizen.url
    receipt_no = draft_url.group(1)
    citizen.get_by_label(M01).set_input_files(write_pdf(tmp_path, "id-card.pdf", "photo"))
    citizen.get_by_role("button", name="上传并下一步").click()
    expect(citizen.get_by_role("heading", level=1)).to_have_text("确认提交：居民身份证换领")

    citizen.get_by_role("link", name=re.compile("修改申请表")).click()
    expect(citizen.get_by_role("heading", level=1)).to_have_text("在线申请：居民身份证换领")
    citizen.get_by_label("换领原因").select_option("证件损坏")
    citizen.get_by_label("联系电话").fill(PHONE)
    citizen.get_by_role("button", name="保存并下一步").click()

    expect(citizen.get_by_role("heading", level=1)).to_have_text("上传材料：居民身份证换领")
    expect(citizen).to_have_url(re.compile(f"/my/applications/{receipt_no}/materials$"))
    expect(citizen.get_by_text(f"办件编号：{receipt_no}")).to_be_visible()
    expect(citizen.get_by_text("已上传：id-card.pdf")).to_be_visible()
    citizen.get_by_role("button", name="上传并下一步").click()
    expect(citizen.locator("dl.facts")).to_contain_text("换领原因证件损坏")
    citizen.get_by_role("link", name="我的办件").click()
    expect(citizen.get_by_role("row").filter(has_text="居民身份证换领")).to_have_count(1)
