"""The licence pages as holders and staff use them: the wallet, sharing and its withdrawal, use records,
the department register, status changes and reveals, the case that used a licence, the guide's 免提交."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import Client
from django.utils import timezone

from govplus.cases.models import Application
from govplus.cases.services import (
    application_create,
    application_submit,
    material_supply_consent,
    material_upload_bytes,
)
from govplus.catalog.models import Material
from govplus.core.events import Event, events_sweep
from govplus.core.models import AuditEntry
from govplus.identity.services import business_register
from govplus.identity.validators import credit_check_char
from govplus.licences.case_uses import licence_supply_uses_record
from govplus.licences.figures import tell_us_once_figures
from govplus.licences.models import Licence, LicenceShare, LicenceType, LicenceUse
from govplus.licences.services import licence_issue, licence_status_change, licence_types_load
from govplus.licences.tests.conftest import AUTHORITY
from govplus.testing.factories import PASSWORD, PDF

TODAY = timezone.localdate


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def text_of(response) -> str:
    return response.content.decode()


def test_the_wallet_lists_the_holders_licences_and_someone_elses_is_a_404(library, household_of_zhangsan):
    licence = household_of_zhangsan
    holder = client_for(library.citizen)
    wallet = holder.get("/my/licences")
    html = text_of(wallet)
    assert wallet.status_code == 200
    assert "居民户口簿" in html and licence.number in html and "德清县公安局" in html
    assert "部门存量导入" in html  # where it came from, and how far to trust it
    assert "有效" in html and "✓" in html  # status by its name, not by colour alone
    assert "至 长期" in html  # the household register has no end of validity
    assert 'href="/my/licences"' in html and "我的证照" in html  # in the navigation

    detail = text_of(holder.get(f"/my/licences/{licence.licence_id}"))
    assert "张三" in detail and library.citizen.citizen_profile.id_number in detail  # the holder's own data
    assert f'href="/my/licences/{licence.licence_id}/pdf"' in detail and "下载 PDF" in detail
    assert 'id="show"' in detail  # the 亮证 area

    other = client_for(library.other_citizen)
    assert licence.number not in text_of(other.get("/my/licences"))
    assert other.get(f"/my/licences/{licence.licence_id}").status_code == 404
    assert other.get(f"/my/licences/{licence.licence_id}/pdf").status_code == 404
    assert other.post(f"/my/licences/{licence.licence_id}/share", {}).status_code == 404
    assert holder.get("/my/licences/1.2.156.not-an-id").status_code == 404
    assert client_for(library.staff["clerk"]).get(f"/my/licences/{licence.licence_id}").status_code == 404
    anonymous = Client().get("/my/licences")
    assert anonymous.status_code == 302 and "/login/" in anonymous["Location"]


def test_a_business_sees_its_own_licences_and_the_wallet_in_its_navigation(library):
    licence_types_load(
        actor=None,
        data=[
            {
                "code": AUTHORITY + "003",
                "name": "营业执照",
                "name_en": "Business licence",
                "defining_authority": "公安部",
                "defining_authority_code": AUTHORITY,
                "holder_kind": "business",
                "validity_years": None,
                "face_schema": [{"name": "kind", "label": "类型", "type": "text", "required": True}],
            }
        ],
    )
    first17 = "91330521MA2B3C4D5"
    business = business_register(
        username="lvshui",
        password=PASSWORD,
        name="德清县绿水青山科技有限公司",
        credit_code=first17 + credit_check_char(first17),
        representative="李四",
        phone="13800138001",
    )
    licence = licence_issue(
        actor=None,
        licence_type=LicenceType.objects.get(name="营业执照"),
        issuer=library.departments["scjgj"],
        holder_name="德清县绿水青山科技有限公司",
        holder_code=first17 + credit_check_char(first17),
        face={"kind": "有限责任公司"},
        issued_on=dt.date(2024, 1, 2),
        jurisdiction="330521",
    )
    html = text_of(client_for(business).get("/my/licences"))
    assert "营业执照" in html and licence.number in html and "本平台签发·电子印章" in html
    assert 'href="/my/licences"' in html
    assert "营业执照" not in text_of(client_for(library.citizen).get("/my/licences"))
    # staff see the register in their navigation instead
    assert 'href="/staff/licences"' in text_of(client_for(library.staff["clerk"]).get("/staff/licences"))


def test_the_wallet_filters_by_status(library, household_of_zhangsan):
    holder = client_for(library.citizen)
    assert household_of_zhangsan.number in text_of(holder.get("/my/licences?status=valid"))
    revoked = text_of(holder.get("/my/licences?status=revoked"))
    assert household_of_zhangsan.number not in revoked and "没有这个状态的证照" in revoked
    assert household_of_zhangsan.number in text_of(holder.get("/my/licences?status=nonsense&page=99999999999999"))


def test_the_share_form_names_each_problem_by_field(library, household_of_zhangsan):
    holder = client_for(library.citizen)
    url = f"/my/licences/{household_of_zhangsan.licence_id}/share"
    empty = holder.post(url, {"department_code": "", "purpose": "", "valid_until": TODAY().isoformat()})
    html = text_of(empty)
    assert empty.status_code == 422
    assert 'id="share-department-error"' in html and "没有这个部门 / no such department" in html
    assert 'id="share-purpose-error"' in html and "请填写用途" in html
    assert 'aria-invalid="true"' in html

    not_a_date = holder.post(url, {"department_code": "rsj", "purpose": "办理社保卡", "valid_until": "next week"})
    assert not_a_date.status_code == 422 and 'id="share-until-error"' in text_of(not_a_date)
    assert "办理社保卡" in text_of(not_a_date)  # what was typed is kept

    too_far = (TODAY() + dt.timedelta(days=400)).isoformat()
    beyond = holder.post(url, {"department_code": "rsj", "purpose": "办理社保卡", "valid_until": too_far})
    assert beyond.status_code == 422 and "一年之内" in text_of(beyond)
    assert not LicenceShare.objects.exists()


def test_share_use_and_withdraw_through_the_pages(library, household_of_zhangsan):
    licence = household_of_zhangsan
    holder = client_for(library.citizen)
    until = (TODAY() + dt.timedelta(days=30)).isoformat()
    done = holder.post(
        f"/my/licences/{licence.licence_id}/share",
        {"department_code": "rsj", "purpose": "办理社保卡", "valid_until": until},
        follow=True,
    )
    html = text_of(done)
    assert "已授权 德清县人力资源和社会保障局 使用该证照" in html and "授权中" in html
    share = LicenceShare.objects.get()

    # the authorised department opens it: masked, and it is a use the holder reads
    rsj = client_for(library.staff["rsj_reviewer"])
    staff_page = text_of(rsj.get(f"/staff/licences/{licence.licence_id}"))
    assert "张*" in staff_page and "张三" not in staff_page and "办理社保卡" in staff_page
    rsj.get(f"/staff/licences/{licence.licence_id}")  # again at once: still one use
    uses = LicenceUse.objects.filter(licence=licence, kind=LicenceUse.Kind.SHARE_USE)
    assert uses.count() == 1 and uses.get().department == library.departments["rsj"]
    records = text_of(holder.get(f"/my/licences/{licence.licence_id}"))
    uses_table = records.split('data-testid="uses"')[1]
    assert "德清县人力资源和社会保障局" in uses_table and "授权部门调用" in uses_table
    assert "办理社保卡" in uses_table and "rsjreviewer" not in uses_table and "r*" in uses_table

    # withdrawing asks first
    withdraw_url = f"/my/licences/{licence.licence_id}/shares/{share.pk}/withdraw"
    confirm = holder.post(withdraw_url)
    assert confirm.status_code == 200 and "确认撤回" in text_of(confirm)
    share.refresh_from_db()
    assert share.withdrawn_at is None
    withdrawn = holder.post(withdraw_url, {"confirm": "yes"}, follow=True)
    assert "已撤回对 德清县人力资源和社会保障局 的授权" in text_of(withdrawn)
    share.refresh_from_db()
    assert share.withdrawn_at is not None
    assert rsj.get(f"/staff/licences/{licence.licence_id}").status_code == 404
    assert client_for(library.other_citizen).post(withdraw_url, {"confirm": "yes"}).status_code == 404
    assert AuditEntry.objects.filter(action="licences.licence_share_withdraw").count() == 1


def test_the_register_lists_the_departments_licences_masked_with_filters(library, household_of_zhangsan):
    other_profile = library.other_citizen.citizen_profile
    lisi = licence_issue(
        actor=None,
        licence_type=LicenceType.objects.get(name="居民户口簿"),
        issuer=library.departments["gaj"],
        holder_name=other_profile.name,
        holder_code=other_profile.id_number,
        face={"household_type": "集体户"},
        issued_on=dt.date(2020, 9, 1),
        jurisdiction="330521",
    )
    clerk = client_for(library.staff["clerk"])
    page = clerk.get("/staff/licences")
    html = text_of(page)
    assert page.status_code == 200
    assert household_of_zhangsan.licence_id in html and lisi.licence_id in html
    assert "张*" in html and "李*" in html and "张三" not in html and "李四" not in html
    full_code = library.citizen.citizen_profile.id_number
    assert full_code not in html and full_code[:6] + "********" + full_code[-4:] in html

    by_holder = text_of(clerk.get(f"/staff/licences?holder={full_code}"))
    assert household_of_zhangsan.licence_id in by_holder and lisi.licence_id not in by_holder
    assert f'value="{full_code}"' in by_holder  # the filter is kept (on the staff member's own page)
    by_date = text_of(clerk.get("/staff/licences?issued_from=2019-01-01&issued_to=2021-12-31"))
    assert lisi.licence_id in by_date and household_of_zhangsan.licence_id not in by_date
    assert "共 0 张证照" in text_of(clerk.get("/staff/licences?status=revoked"))
    by_number = text_of(clerk.get(f"/staff/licences?number={lisi.number}"))
    assert lisi.licence_id in by_number and household_of_zhangsan.licence_id not in by_number
    bad_date = clerk.get("/staff/licences?issued_from=yesterday")
    assert bad_date.status_code == 422 and 'id="f-from-error"' in text_of(bad_date)

    assert "共 0 张证照" in text_of(client_for(library.staff["rsj_reviewer"]).get("/staff/licences"))
    assert client_for(library.staff["rsj_reviewer"]).get(f"/staff/licences/{lisi.licence_id}").status_code == 404
    assert client_for(library.citizen).get("/staff/licences").status_code == 404


def test_status_change_needs_a_reason_a_confirmation_and_the_issuing_departments_approver(
    library, household_of_zhangsan
):
    licence = household_of_zhangsan
    url = f"/staff/licences/{licence.licence_id}/status"
    approver = client_for(library.staff["approver"])
    page = text_of(approver.get(f"/staff/licences/{licence.licence_id}"))
    assert "变更状态" in page and 'value="suspend"' in page and 'value="restore"' not in page

    no_reason = approver.post(url, {"action": "suspend", "reason": " "})
    assert no_reason.status_code == 422 and 'id="status-reason-error"' in text_of(no_reason)
    assert approver.post(url, {"action": "expire", "reason": "到期"}).status_code == 422  # not a staff action

    confirm = approver.post(url, {"action": "suspend", "reason": "涉嫌冒用，待核查"})
    assert confirm.status_code == 200 and "确认暂扣" in text_of(confirm)
    licence.refresh_from_db()
    assert licence.status == Licence.Status.VALID  # nothing changed before confirming

    done = approver.post(url, {"action": "suspend", "reason": "涉嫌冒用，待核查", "confirm": "yes"}, follow=True)
    html = text_of(done)
    assert "证照状态已变更" in html and "涉嫌冒用，待核查" in html
    licence.refresh_from_db()
    assert licence.status == Licence.Status.SUSPENDED
    again = approver.post(url, {"action": "suspend", "reason": "再次暂扣", "confirm": "yes"})
    assert again.status_code == 409 and "不能执行该操作" in text_of(again)

    clerk = client_for(library.staff["clerk"])
    assert "变更状态" not in text_of(clerk.get(f"/staff/licences/{licence.licence_id}"))
    refused = clerk.post(url, {"action": "restore", "reason": "核查无误", "confirm": "yes"})
    assert refused.status_code == 403 and "只有颁发部门的审批人员" in text_of(refused)
    assert client_for(library.staff["rsj_approver"]).post(url, {"action": "restore", "reason": "x"}).status_code == 404

    restored = approver.post(url, {"action": "restore", "reason": "核查无误", "confirm": "yes"}, follow=True)
    assert restored.status_code == 200
    licence.refresh_from_db()
    assert licence.status == Licence.Status.VALID
    holder_page = text_of(client_for(library.citizen).get(f"/my/licences/{licence.licence_id}"))
    assert "暂扣" in holder_page and "恢复" in holder_page and "核查无误" in holder_page
    assert "公安approver" not in holder_page  # staff are named masked to the holder

    annotate = f"/staff/licences/{licence.licence_id}/annotate"
    assert approver.post(annotate, {"note": ""}).status_code == 422
    noted = approver.post(annotate, {"note": "户主变更为张三"}, follow=True)
    assert "户主变更为张三" in text_of(noted) and "已加注" in text_of(noted)


def test_staff_reveal_the_face_with_a_reason_and_the_holder_sees_it(library, household_of_zhangsan):
    licence = household_of_zhangsan
    clerk = client_for(library.staff["clerk"])
    full_code = library.citizen.citizen_profile.id_number
    masked = text_of(clerk.get(f"/staff/licences/{licence.licence_id}"))
    assert "张*" in masked and "张三" not in masked and full_code not in masked and "显示完整信息" in masked
    assert not LicenceUse.objects.exists()  # the issuing department reading its register is not a use

    short = clerk.post(f"/staff/licences/{licence.licence_id}/reveal", {"reason": "看"})
    assert short.status_code == 422 and 'id="reveal-reason-error"' in text_of(short)
    shown = clerk.post(f"/staff/licences/{licence.licence_id}/reveal", {"reason": "核对户籍信息"})
    html = text_of(shown)
    assert shown.status_code == 200 and "张三" in html and full_code in html and "已记录查看" in html
    use = LicenceUse.objects.get()
    assert use.kind == LicenceUse.Kind.VIEW and "核对户籍信息" in use.purpose
    assert use.department == library.departments["gaj"]
    records = text_of(client_for(library.citizen).get(f"/my/licences/{licence.licence_id}"))
    assert "核对户籍信息" in records.split('data-testid="uses"')[1]
    assert AuditEntry.objects.filter(action="licences.licence_use_view", object_id=licence.licence_id).exists()


@pytest.fixture
def household_required(library):
    Material.objects.filter(item=library.standard_item, code="M02").update(is_required=True)
    return library


def test_the_guide_says_how_many_materials_need_not_be_brought(household_required, household_of_zhangsan, client):
    guide = text_of(client.get(f"/services/{household_required.standard_item.code}/"))
    note = guide.split('data-testid="tell-us-once"')[1].split("</p>")[0]
    assert "本事项 1 项材料可由电子证照库提供，无需提交" in note and "居民户口簿" in note

    figures = tell_us_once_figures()
    required = Material.objects.filter(item__status="published", is_required=True).count()
    assert figures.required_materials == required and figures.from_library == 1
    assert figures.per_item[household_required.standard_item.code] == 1
    assert figures.per_item[household_required.parallel_item.code] == 0
    assert not figures.is_weighted_by_applications and figures.uploads_avoided_per_application == 0.5
    wallet = text_of(client_for(household_required.citizen).get("/my/licences"))
    assert f"{figures.share_percent}%" in wallet.split('data-testid="figures"')[1]


def test_the_guide_note_follows_the_licence_catalogue(household_required, client):
    url = f"/services/{household_required.standard_item.code}/"
    assert "电子证照库提供" in text_of(client.get(url))
    LicenceType.objects.filter(name="居民户口簿").update(is_active=False)
    licence_types_load(actor=None, data=[])  # a catalogue write retires the cached guide pages
    assert "电子证照库提供" not in text_of(client.get(url))


def _submitted_with_the_household_register(county) -> Application:
    application = application_create(
        actor=county.citizen,
        service_code=county.standard_item.code,
        form={"reason": "有效期满", "phone": "13800138000"},
    )
    material_upload_bytes(
        actor=county.citizen, receipt_no=application.receipt_no, material_code="M01", name="id.pdf", content=PDF
    )
    material_supply_consent(actor=county.citizen, receipt_no=application.receipt_no, material_code="M02", consent=True)
    return application_submit(actor=county.citizen, receipt_no=application.receipt_no)


def test_a_submitted_case_that_uses_the_licence_is_a_use_and_staff_see_its_status_then_and_now(
    household_required, household_of_zhangsan
):
    county, licence = household_required, household_of_zhangsan
    application = _submitted_with_the_household_register(county)
    events_sweep()
    use = LicenceUse.objects.get(licence=licence, kind=LicenceUse.Kind.SUPPLY)
    assert use.receipt_no == application.receipt_no and use.department == county.departments["gaj"]
    event = Event(
        id=999_999, name="application.submitted", payload=use_payload(application), occurred_at=timezone.now()
    )
    licence_supply_uses_record(event)  # delivered again: nothing new
    assert LicenceUse.objects.filter(licence=licence, kind=LicenceUse.Kind.SUPPLY).count() == 1
    records = text_of(client_for(county.citizen).get(f"/my/licences/{licence.licence_id}"))
    assert "办事免提交调用" in records and application.receipt_no in records

    clerk = client_for(county.staff["clerk"])
    case_page = text_of(clerk.get(f"/staff/cases/{application.receipt_no}"))
    link = f"/staff/licences/{licence.licence_id}?case={application.receipt_no}"
    assert link in case_page and "使用时有效，现在有效" in case_page

    licence_status_change(
        actor=county.staff["approver"], licence_id=licence.licence_id, action="revoke", reason="户口迁出"
    )
    case_page = text_of(clerk.get(f"/staff/cases/{application.receipt_no}"))
    assert "使用时有效，现在撤销" in case_page
    # an outside department's handler reaches the licence only through the case
    rsj = client_for(county.staff["rsj_reviewer"])
    assert rsj.get(link).status_code == 404
    then_now = text_of(clerk.get(link)).split('data-testid="then-now"')[1].split("</div>")[0]
    assert f"在办件 {application.receipt_no} 使用时的状态" in then_now
    assert re.search(r"使用时的状态：.*有效.*现在：.*撤销", then_now, re.S)


def use_payload(application: Application) -> dict:
    return {"application_id": application.pk, "receipt_no": application.receipt_no}


def test_the_pages_read_in_english(library, household_of_zhangsan):
    holder = client_for(library.citizen)
    holder.get("/lang/en/?next=/my/licences")
    wallet = text_of(holder.get("/my/licences"))
    assert '<html lang="en">' in wallet and "My e-licences" in wallet and "Household Register" in wallet
    assert "Imported from a department register" in wallet and "Valid" in wallet and "long-term" in wallet
    detail = text_of(holder.get(f"/my/licences/{household_of_zhangsan.licence_id}"))
    assert "Download PDF" in detail and "Use records" in detail and "Share with a department" in detail
    staff = client_for(library.staff["approver"])
    staff.get("/lang/en/?next=/staff/licences")
    register = text_of(staff.get("/staff/licences"))
    assert "Licence register" in register and "Holder" in register
    page = text_of(staff.get(f"/staff/licences/{household_of_zhangsan.licence_id}"))
    assert "Change status" in page and "Suspend" in page


def test_the_holder_shows_a_licence_as_a_qr_code_with_only_the_ticked_claims(household_of_zhangsan, library):
    from govplus.licences.models import LicenceUse
    from govplus.licences.verification import verify_show_code

    licence_id = household_of_zhangsan.licence_id
    holder = Client()
    holder.force_login(library.citizen)
    form = holder.get(f"/my/licences/{licence_id}").content.decode()
    assert 'name="disclose" value="holder_name" checked' in form and 'value="face.household_type"' in form
    shown = holder.post(f"/my/licences/{licence_id}/show", {"disclose": ["number", "face.household_type"]})
    assert shown.status_code == 200
    page = shown.content.decode()
    assert "<svg" in page and "5 分钟" in page
    token = page.split('aria-label="亮证码">')[1].split("</textarea>")[0]
    result = verify_show_code(token)
    assert result.valid and result.disclosed == {
        "number": household_of_zhangsan.number,
        "face": {"household_type": "家庭户"},
    }
    assert LicenceUse.objects.filter(licence=household_of_zhangsan, kind="show").count() == 1
    bad = holder.post(f"/my/licences/{licence_id}/show", {"disclose": ["colour"]})
    assert bad.status_code == 422 and "colour" in bad.content.decode()
    other = Client()
    other.force_login(library.other_citizen)
    assert other.post(f"/my/licences/{licence_id}/show", {"disclose": ["number"]}).status_code == 404
