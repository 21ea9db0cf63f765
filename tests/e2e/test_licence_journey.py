"""Tell-us-once and the e-licence in the browser: the citizen applies for an item whose only required
material is a licence the library holds and uploads nothing; the case concludes and issues a licence;
the citizen downloads its sealed PDF and the verification page says it is valid; the issuing
department revokes it; the same PDF is then refused as revoked."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from pathlib import Path

from playwright.sync_api import Page, expect

from govplus.catalog.models import Material
from govplus.core.events import events_sweep
from govplus.identity.models import Department
from govplus.licences.models import Licence, LicenceType
from govplus.licences.services import licence_issue, licence_types_load
from govplus.licences.tests.conftest import CREDIT_CODES, HOUSEHOLD, id_card_type
from govplus.testing.factories import County
from tests.e2e.test_citizen_journey import messages_of, open_case_from_workbench, submit_task


def library_with_household(county: County) -> Licence:
    for code, credit_code in CREDIT_CODES.items():
        Department.objects.filter(code=code).update(credit_code=credit_code)
    licence_types_load(actor=None, data=[id_card_type(county.standard_item.code), HOUSEHOLD])
    # the item's own photo becomes optional, the household register (a licence) required
    Material.objects.filter(item=county.standard_item, code="M01").update(is_required=False)
    Material.objects.filter(item=county.standard_item, code="M02").update(is_required=True)
    profile = county.citizen.citizen_profile
    return licence_issue(
        actor=None,
        licence_type=LicenceType.objects.get(name="居民户口簿"),
        issuer=Department.objects.get(code="gaj"),
        holder_name=profile.name,
        holder_code=profile.id_number,
        face={"household_type": "家庭户"},
        issued_on=dt.date(2015, 6, 1),
        jurisdiction="330521",
        origin=Licence.Origin.IMPORTED,
    )


def test_apply_with_a_licence_get_a_licence_verify_it_and_see_it_revoked(
    county_tx: County,
    sign_in: Callable[..., Page],
    open_page: Callable[..., Page],
    screenshot: Callable[[Page, str], Path],
    tmp_path: Path,
) -> None:
    household = library_with_household(county_tx)
    citizen = sign_in("zhangsan")
    citizen.goto(f"/services/{county_tx.standard_item.code}/")
    citizen.get_by_role("link", name="在线申请").click()
    citizen.get_by_label("换领原因").select_option("有效期满")
    citizen.get_by_label("联系电话").fill("13800138000")
    citizen.get_by_role("button", name="保存并下一步").click()

    # the library offers the household register; the citizen consents and uploads nothing
    expect(citizen.get_by_role("heading", level=1)).to_contain_text("上传材料")
    consent = citizen.get_by_role("checkbox", name=re.compile("可由您的电子证照提供"))
    expect(consent).to_be_visible()
    expect(citizen.get_by_text(household.number, exact=False).first).to_be_visible()
    consent.check()
    screenshot(citizen, "licence-01-consent")
    citizen.get_by_role("button", name="上传并下一步").click()
    expect(citizen.get_by_role("heading", level=1)).to_contain_text("确认提交")
    citizen.get_by_role("button", name="确认提交申请").click()
    expect(messages_of(citizen)).to_contain_text("申请已提交，办件编号")
    receipt_no = re.search(r"办件编号\s*(\S+?)。", messages_of(citizen).inner_text()).group(1)  # type: ignore[union-attr]

    # the department works the case through its pages
    clerk = sign_in("gaj_clerk")
    task = open_case_from_workbench(clerk, receipt_no, "受理")
    expect(clerk.get_by_text("经申请人同意调取的材料")).to_be_visible()
    task.get_by_role("radio", name="受理", exact=True).check()
    submit_task(clerk, task)
    reviewer = sign_in("gaj_reviewer")
    task = open_case_from_workbench(reviewer, receipt_no, "审查")
    task.get_by_role("radio", name="审查通过").check()
    submit_task(reviewer, task)
    approver = sign_in("gaj_approver")
    task = open_case_from_workbench(approver, receipt_no, "决定")
    task.get_by_role("radio", name="准予", exact=True).check()
    task.get_by_label("意见").fill("准予换领。")
    submit_task(approver, task)
    task = open_case_from_workbench(clerk, receipt_no, "办结")
    task.get_by_label("送达方式").select_option(label="网上下载")
    task.get_by_role("radio", name="办结送达").check()
    submit_task(clerk, task)
    events_sweep()  # anything the on-commit delivery left
    events_sweep()

    # the case links to the new licence; the citizen downloads it
    citizen.goto("/my/applications")
    citizen.get_by_role("row").filter(has_text=receipt_no).get_by_role("link").first.click()
    citizen.get_by_role("link", name="查看结果").click()
    expect(citizen.get_by_role("heading", level=1)).to_contain_text("居民身份证")
    screenshot(citizen, "licence-02-wallet-detail")
    with citizen.expect_download() as download:
        citizen.get_by_test_id("pdf").click()
    pdf = tmp_path / "licence.pdf"
    download.value.save_as(pdf)
    assert pdf.read_bytes().startswith(b"%PDF") and pdf.stat().st_size < 300 * 1024

    verifier = open_page()
    verifier.goto("/licences/verify")
    verifier.get_by_label("上传证照 PDF（核验电子印章）").set_input_files(pdf)
    verifier.get_by_role("button", name="核验", exact=True).click()
    expect(verifier.locator("#verify-result")).to_contain_text("核验通过")
    expect(verifier.locator("#verify-result")).to_contain_text("张*")
    screenshot(verifier, "licence-03-verified")

    # the issuing department revokes it, with a reason and a confirm step
    issued = Licence.objects.get(application__receipt_no=receipt_no)
    approver.goto(f"/staff/licences/{issued.licence_id}")
    manage = approver.locator("#manage")
    manage.get_by_role("radio", name="撤销").check()
    manage.get_by_label("原因（必填，持证人可见）").fill("换领信息有误，重新办理")
    manage.get_by_role("button", name="下一步：确认").click()
    approver.get_by_role("button", name="确认撤销").click()
    expect(approver.get_by_text("撤销").first).to_be_visible()

    verifier.goto("/licences/verify")
    verifier.get_by_label("上传证照 PDF（核验电子印章）").set_input_files(pdf)
    verifier.get_by_role("button", name="核验", exact=True).click()
    result = verifier.locator("#verify-result")
    expect(result).to_contain_text("核验未通过")
    expect(result).to_contain_text("证照已撤销")
    screenshot(verifier, "licence-04-revoked")
    assert Licence.objects.get(pk=issued.pk).status == Licence.Status.REVOKED


def test_a_department_issues_licences_in_bulk_and_watches_them_sealed(
    county_tx: County,
    sign_in: Callable[..., Page],
    screenshot: Callable[[Page, str], Path],
    tmp_path: Path,
) -> None:
    from govplus.licences.tests.test_import import ID_CARD, csv_bytes, good_row

    library_with_household(county_tx)
    path = tmp_path / "new-id-cards.csv"
    path.write_bytes(csv_bytes(*[good_row(index) for index in range(1, 5)]))
    staff = sign_in("gaj_approver")
    staff.goto("/staff/licences/import")
    staff.get_by_label("证照类型").select_option(ID_CARD)
    staff.get_by_label(re.compile("批量签发并盖章")).check()
    staff.get_by_label("导入文件（CSV 或 .xlsx）").set_input_files(path)
    staff.get_by_role("button", name="上传并检查").click()
    expect(staff.get_by_text("检查通过：4 行数据均无问题", exact=False)).to_be_visible()
    staff.get_by_role("button", name="确认签发").click()
    # in tests the workers run at once: the page comes back with both bars full
    expect(staff.locator("#seal-text")).to_have_text("已签发盖章 4 / 4 份（100.0%）")
    expect(staff.get_by_text("导入完成").first).to_be_visible()
    screenshot(staff, "licence-05-bulk-issued")
    assert Licence.objects.filter(origin=Licence.Origin.ISSUED).exclude(pdf_path="").count() == 4
