"""The portal's pages as a citizen and as staff see them."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from govplus.cases.actions import task_complete
from govplus.cases.models import Application
from govplus.testing.factories import PASSWORD, PDF


@pytest.fixture
def citizen_client(county) -> Client:
    client = Client()
    client.force_login(county.citizen)
    return client


def test_home_search_and_guide(county, client):
    home = client.get("/")
    assert home.status_code == 200 and "一网通办" in home.content.decode()
    results = client.get("/services/", {"q": "身份证"}).content.decode()
    assert "居民身份证换领" in results
    guide = client.get(f"/services/{county.standard_item.code}/").content.decode()
    for element in (
        "法定期限",
        "承诺期限",
        "申请材料",
        "受理条件",
        "设定依据",
        "办理流程",
        "免提交",
        "在线申请",
    ):
        assert element in guide, element


def test_unknown_guide_is_a_404(county, client):
    assert client.get("/services/NOPE/").status_code == 404


def test_power_and_responsibility_lists(county, client):
    assert "企业开办（一件事）" in client.get("/power-list/").content.decode()
    page = client.get("/responsibility-list/").content.decode()
    assert "受理责任" in page and "追责情形" in page


def test_apply_wizard_shows_each_problem_next_to_its_field(county, citizen_client):
    page = citizen_client.post(f"/services/{county.standard_item.code}/apply/", {"reason": "", "phone": "123"})
    assert page.status_code == 422
    html = page.content.decode()
    assert 'id="f-phone-error"' in html and "手机号应为11位" in html


def test_apply_wizard_end_to_end(county, citizen_client):
    response = citizen_client.post(
        f"/services/{county.standard_item.code}/apply/", {"reason": "有效期满", "phone": "13800138000"}
    )
    assert response.status_code == 302
    receipt_no = response["Location"].split("/")[3]
    bad = citizen_client.post(
        f"/my/applications/{receipt_no}/materials", {"file_M01": SimpleUploadedFile("virus.pdf", b"MZ\x90\x00binary")}
    )
    assert bad.status_code == 422 and "文件内容与扩展名不符" in bad.content.decode()
    citizen_client.post(
        f"/my/applications/{receipt_no}/materials",
        {"file_M01": SimpleUploadedFile("id.pdf", PDF, content_type="application/pdf")},
    )
    submitted = citizen_client.post(f"/my/applications/{receipt_no}/review")
    assert submitted.status_code == 302
    assert Application.objects.get(receipt_no=receipt_no).status == Application.Status.SUBMITTED
    detail = citizen_client.get(f"/my/applications/{receipt_no}").content.decode()
    assert "待受理" in detail and "提交申请" in detail
    again = citizen_client.post(f"/my/applications/{receipt_no}/review")  # a double submit changes nothing
    assert again.status_code == 302
    assert Application.objects.get(receipt_no=receipt_no).events.filter(kind="submitted").count() == 1


def test_someone_elses_case_is_not_found(county):
    application = county.submitted_application()
    other = Client()
    other.force_login(county.other_citizen)
    assert other.get(f"/my/applications/{application.receipt_no}").status_code == 404


def test_workbench_shows_my_departments_tasks_only(county):
    application = county.submitted_application()
    clerk, outsider = Client(), Client()
    clerk.force_login(county.staff["clerk"])
    outsider.force_login(county.staff["scjgj_clerk"])
    assert application.receipt_no in clerk.get("/staff/").content.decode()
    assert application.receipt_no not in outsider.get("/staff/").content.decode()
    assert outsider.get(f"/staff/cases/{application.receipt_no}").status_code == 404
    case_page = clerk.get(f"/staff/cases/{application.receipt_no}").content.decode()
    assert "一次性告知补正" in case_page and "张*" in case_page and "张三" not in case_page
    assert "138****8000" in case_page and "13800138000" not in case_page


def test_staff_act_from_the_case_page(county):
    application = county.submitted_application()
    clerk = Client()
    clerk.force_login(county.staff["clerk"])
    task = county.open_task(application)
    response = clerk.post(f"/staff/tasks/{task.pk}/act", {"action": "accept", "receipt_no": application.receipt_no})
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.status == Application.Status.IN_PROGRESS


def test_progress_query_reveals_nothing_without_the_phone_digits(county, client):
    application = county.submitted_application()
    wrong = client.get("/progress/", {"receipt_no": application.receipt_no, "phone_last4": "0000"})
    assert wrong.status_code == 404 and "居民身份证换领" not in wrong.content.decode()
    right = client.get("/progress/", {"receipt_no": application.receipt_no, "phone_last4": "8000"})
    assert right.status_code == 200 and "居民身份证换领" in right.content.decode()
    assert "张" not in right.content.decode().split("<main")[1]


def test_login_page_explains_lockout(county, client):
    for _ in range(4):
        page = client.post("/login/", {"username": "zhangsan", "password": "wrong"})
        assert page.status_code == 401 and "用户名或密码错误。" in page.content.decode()
    page = client.post("/login/", {"username": "zhangsan", "password": "wrong"})
    assert page.status_code == 429
    assert "登录失败次数过多，请 15 分钟后再试。" in page.content.decode()
    assert 14 * 60 < int(page["Retry-After"]) <= 15 * 60
    locked = client.post("/login/", {"username": "zhangsan", "password": PASSWORD})
    assert locked.status_code == 429 and "登录失败次数过多" in locked.content.decode()
    assert "Retry-After" in locked


def test_registration_form_keeps_input_and_names_problems(db, client):
    page = client.post(
        "/register/",
        {
            "username": "wang",
            "name": "王五",
            "id_number": "110105194912310021",
            "phone": "13800138000",
            "password": "Abcdef!2345",
        },
    )
    html = page.content.decode()
    assert page.status_code == 422 and "校验位错误" in html and 'value="王五"' in html


def test_english_is_available(county, client):
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    html = client.get("/").content.decode()
    assert '<html lang="en">' in html
    assert "Services" in html


def test_rating_after_conclusion_from_the_page(county, citizen_client):
    application = county.submitted_application()
    task_complete(
        actor=county.staff["clerk"],
        task_id=county.open_task(application).pk,
        action="not_accept",
        opinion="不属于受理范围",
    )
    page = citizen_client.get(f"/my/applications/{application.receipt_no}").content.decode()
    assert "服务评价" in page
    citizen_client.post(f"/my/applications/{application.receipt_no}/rate", {"score": "2", "reasons": ["多次跑腿"]})
    assert application.rating.score == 2
    assert application.rating.rectification.status == "open"


def test_staff_preview_a_material_but_outsiders_cannot(county):
    application = county.submitted_application()
    clerk, outsider = Client(), Client()
    clerk.force_login(county.staff["clerk"])
    outsider.force_login(county.staff["scjgj_clerk"])
    page = clerk.get(f"/staff/cases/{application.receipt_no}").content.decode()
    material = application.materials.get()
    url = f"/staff/cases/{application.receipt_no}/materials/{material.pk}"
    assert f'<iframe src="{url}"' in page
    response = clerk.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response["X-Frame-Options"] == "SAMEORIGIN" and response["Content-Security-Policy"] == "sandbox"
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    assert outsider.get(url).status_code == 404


def test_logout_by_address_shows_a_sign_out_button_and_only_post_signs_out(county, citizen_client):
    page = citizen_client.get("/logout/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "确认退出" in html and 'method="post"' in html and 'action="/logout/"' in html
    # Opening the page did not sign anyone out.
    assert citizen_client.get("/my/applications").status_code == 200
    assert citizen_client.post("/logout/").status_code == 302
    assert citizen_client.get("/my/applications").status_code == 302
    again = citizen_client.get("/logout/", HTTP_ACCEPT_LANGUAGE="en")
    assert again.status_code == 200 and "You are signed out." in again.content.decode()
