"""The JSON API (/api/v1) as a citizen, a clerk and the public use it: shapes, status codes, scoping."""

from __future__ import annotations

import base64
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from govplus.cases.models import Application, ApplicationMaterial, CaseEvent, CaseTask
from govplus.core.audit import audit_verify
from govplus.core.models import AuditEntry
from govplus.testing.factories import PDF, PNG

API = "/api/v1"
ERROR_KEYS = {"code", "message", "message_en", "fields"}
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 48


def b64(content: bytes) -> str:
    return base64.b64encode(content).decode()


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def post_json(client: Client, path: str, body: dict[str, Any], **headers: str) -> Any:
    return client.post(f"{API}{path}", body, content_type="application/json", headers=headers)


def assert_error(response: Any, status: int, code: str | None = None) -> dict[str, Any]:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == ERROR_KEYS
    assert body["message"] and body["message_en"]
    assert isinstance(body["fields"], dict)
    if code is not None:
        assert body["code"] == code
    return body


def application_body(county: Any, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "service_code": county.standard_item.code,
        "form": {"reason": "有效期满", "phone": "13800138000"},
        "submit": True,
        "materials": [{"material_code": "M01", "filename": "id.pdf", "content_base64": b64(PDF)}],
    }
    body.update(overrides)
    return body


def created_via_api(county: Any) -> dict[str, Any]:
    response = post_json(client_for(county.citizen), "/applications", application_body(county))
    assert response.status_code == 201, response.content
    return response.json()


# --- catalog -------------------------------------------------------------------------------------------


def test_search_finds_the_id_card_renewal(county):
    response = Client().get(f"{API}/services", {"q": "身份证"})
    assert response.status_code == 200
    body = response.json()
    assert body["count"] >= 1
    assert body["count"] == len(body["results"])
    first = body["results"][0]
    assert {"code", "name", "department"} <= set(first)
    assert first["name"] == "居民身份证换领"
    assert first["code"] == county.standard_item.code
    assert first["department"] == "德清县公安局"
    assert "企业开办（一件事）" not in [row["name"] for row in body["results"]]


def test_service_guide_lists_materials_and_process_steps(county):
    response = Client().get(f"{API}/services/{county.standard_item.code}")
    assert response.status_code == 200
    guide = response.json()
    assert guide["name"] == "居民身份证换领"
    assert [m["code"] for m in guide["materials"]] == ["M01", "M02", "M03"]
    assert guide["materials"][0]["name"] == "居民身份证（原证）照片"
    assert guide["materials"][0]["is_required"] is True
    assert guide["process_steps"], "the guide shows the steps of the process"
    assert [f["name"] for f in guide["form_fields"]] == ["reason", "phone"]


def test_unknown_service_is_404_in_the_error_shape(county):
    body = assert_error(Client().get(f"{API}/services/NO-SUCH-ITEM"), 404, "not_found")
    assert body["fields"] == {}


# --- applying -------------------------------------------------------------------------------------------


def test_citizen_applies_with_inline_material_and_submits(county):
    response = post_json(client_for(county.citizen), "/applications", application_body(county))
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "submitted"
    assert body["service_code"] == county.standard_item.code
    assert len(body["receipt_no"]) == 22 and body["receipt_no"].startswith("330521")
    application = Application.objects.get(receipt_no=body["receipt_no"])
    assert application.applicant == county.citizen
    assert application.channel == "api"
    assert application.materials.get().original_name == "id.pdf"
    assert CaseTask.objects.filter(application=application, step="accept", status="open").count() == 1


def test_a_draft_is_created_without_submit(county):
    response = post_json(client_for(county.citizen), "/applications", application_body(county, submit=False))
    assert response.status_code == 201, response.content
    assert response.json()["status"] == "draft"
    assert response.json()["submitted_at"] is None


@pytest.mark.parametrize(
    ("overrides", "bad_field"),
    [
        pytest.param({"form": {"phone": "13800138000"}}, "form.reason", id="missing-required-field"),
        pytest.param({"form": {"reason": "有效期满", "phone": "12345"}}, "form.phone", id="bad-phone"),
        pytest.param({"service_code": "11330521NOPE00000000000000000"}, "service_code", id="unknown-service"),
        pytest.param(
            {"materials": [{"material_code": "M01", "filename": "id.pdf", "content_base64": "not base64!!"}]},
            "materials.0.content_base64",
            id="bad-base64",
        ),
        pytest.param({"service_code": None}, "service_code", id="service-code-not-text"),
        pytest.param({"submit": "perhaps"}, "submit", id="submit-not-boolean"),
    ],
)
def test_bad_input_is_422_naming_the_field_and_creates_nothing(county, overrides, bad_field):
    audit_before = AuditEntry.objects.count()
    response = post_json(client_for(county.citizen), "/applications", application_body(county, **overrides))
    body = assert_error(response, 422, "validation_failed")
    assert bad_field in body["fields"], body["fields"]
    message = body["fields"][bad_field][0]
    assert " / " in message, "every field message is bilingual"
    assert message.split(" / ")[0].strip() and not message[0].isascii(), "the Chinese message comes first"
    assert not Application.objects.exists()
    assert not ApplicationMaterial.objects.exists()
    assert AuditEntry.objects.count() == audit_before


def test_a_renamed_executable_is_refused_and_the_error_names_the_material(county):
    exe_as_pdf = [{"material_code": "M01", "filename": "id.pdf", "content_base64": b64(EXE)}]
    response = post_json(client_for(county.citizen), "/applications", application_body(county, materials=exe_as_pdf))
    body = assert_error(response, 422, "validation_failed")
    messages = [message for problems in body["fields"].values() for message in problems]
    assert any("文件内容与扩展名不符" in message for message in messages), body["fields"]
    assert not Application.objects.exists()
    assert not ApplicationMaterial.objects.exists()
    # The request body has no field called "file": the error must point at the material entry that is bad.
    assert any(name.startswith("materials.0") for name in body["fields"]), body["fields"]


def test_every_form_problem_is_reported_at_once(county):
    """forms.py promises every problem at once: a bad phone and a missing reason in one answer."""
    body = application_body(county, form={"phone": "12345"})
    response = post_json(client_for(county.citizen), "/applications", body)
    problems = assert_error(response, 422, "validation_failed")["fields"]
    assert {"form.reason", "form.phone"} <= set(problems), problems
    assert not Application.objects.exists()


def test_submitting_without_the_required_material_names_it(county):
    response = post_json(client_for(county.citizen), "/applications", application_body(county, materials=[]))
    body = assert_error(response, 422, "validation_failed")
    assert "materials.M01" in body["fields"]
    assert body["fields"]["materials.M01"][0].startswith("请上传“居民身份证（原证）照片”")
    assert not Application.objects.exists()


def test_staff_cannot_apply(county):
    response = post_json(client_for(county.staff["clerk"]), "/applications", application_body(county))
    assert_error(response, 403, "permission_denied")
    assert not Application.objects.exists()


@pytest.mark.parametrize(
    ("method", "path"),
    [("get", "/me"), ("get", "/applications"), ("get", "/tasks"), ("post", "/applications")],
)
def test_unauthenticated_calls_are_401_in_the_error_shape(county, method, path):
    client = Client()
    body = application_body(county)
    response = post_json(client, path, body) if method == "post" else client.get(f"{API}{path}")
    assert_error(response, 401, "not_authenticated")
    assert not Application.objects.exists()


def test_an_api_client_without_credentials_gets_401_not_a_csrf_error(county):
    """A script with no session and no token is told to authenticate, not that a CSRF token is missing."""
    response = post_json(Client(enforce_csrf_checks=True), "/applications", application_body(county))
    assert_error(response, 401, "not_authenticated")


def test_an_expired_session_gets_401_not_a_csrf_error(county):
    """A page left open after the session ended still sends the old cookie: tell it to sign in again."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(county.citizen)
    client.logout()  # the server forgets the session (expiry, sign-out elsewhere)
    client.cookies["sessionid"] = "a-session-the-server-no-longer-has"
    response = post_json(client, "/applications", application_body(county))
    assert_error(response, 401, "not_authenticated")


def test_session_writes_need_the_csrf_token(county):
    client = Client(enforce_csrf_checks=True)
    client.force_login(county.citizen)
    refused = post_json(client, "/applications", application_body(county))
    assert_error(refused, 403)
    assert not Application.objects.exists()
    client.get("/login/")  # any page with a form sets the CSRF cookie
    token = client.cookies["csrftoken"].value
    accepted = post_json(client, "/applications", application_body(county), X_CSRFToken=token)
    assert accepted.status_code == 201, accepted.content


def test_bearer_token_with_a_bad_value_is_401(county):
    response = Client().get(f"{API}/me", headers={"Authorization": "Bearer not-a-real-token"})
    assert_error(response, 401, "not_authenticated")


# --- materials, detail, scoping --------------------------------------------------------------------------


def test_multipart_material_upload_to_a_draft(county):
    client = client_for(county.citizen)
    draft = post_json(client, "/applications", application_body(county, submit=False, materials=[])).json()
    url = f"{API}/applications/{draft['receipt_no']}/materials"
    response = client.post(url, {"material_code": "M01", "file": SimpleUploadedFile("photo.png", PNG, "image/png")})
    assert response.status_code == 201, response.content
    material = response.json()
    assert material["material_code"] == "M01"
    assert material["original_name"] == "photo.png"
    assert material["content_type"] == "image/png"
    assert material["size"] == len(PNG)

    wrong = client.post(url, {"material_code": "M03", "file": SimpleUploadedFile("note.png", PNG, "image/png")})
    body = assert_error(wrong, 422, "validation_failed")
    assert "file" in body["fields"]  # M03 takes PDF only

    disguised = client.post(url, {"material_code": "M03", "file": SimpleUploadedFile("x.pdf", EXE, "application/pdf")})
    assert "文件内容与扩展名不符" in assert_error(disguised, 422)["fields"]["file"][0]

    missing = client.post(url, {"material_code": "M01"})
    assert "file" in assert_error(missing, 422, "validation_failed")["fields"]

    submitted = client.post(f"{API}/applications/{draft['receipt_no']}/submit")
    assert submitted.status_code == 200, submitted.content
    assert submitted.json()["status"] == "submitted"
    detail = client.get(f"{API}/applications/{draft['receipt_no']}").json()
    assert [(m["material_code"], m["original_name"]) for m in detail["materials"]] == [("M01", "photo.png")]

    download = client.get(f"{API}/applications/{draft['receipt_no']}/materials/{material['id']}/file")
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PNG


def test_owner_sees_the_detail_and_another_citizen_gets_404(county):
    created = created_via_api(county)
    receipt_no = created["receipt_no"]
    own = client_for(county.citizen).get(f"{API}/applications/{receipt_no}")
    assert own.status_code == 200
    detail = own.json()
    assert detail["receipt_no"] == receipt_no
    assert detail["form"] == {"reason": "有效期满", "phone": "13800138000"}
    assert [e["title"] for e in detail["events"]] == ["提交申请"]
    assert detail["materials"][0]["original_name"] == "id.pdf"

    other = client_for(county.other_citizen)
    body = assert_error(other.get(f"{API}/applications/{receipt_no}"), 404, "not_found")
    assert receipt_no not in body["message"] + body["message_en"]
    assert other.get(f"{API}/applications").json() == {"count": 0, "results": []}
    listed = client_for(county.citizen).get(f"{API}/applications").json()
    assert [row["receipt_no"] for row in listed["results"]] == [receipt_no]


def test_me_describes_the_signed_in_user(county):
    citizen = client_for(county.citizen).get(f"{API}/me").json()
    assert citizen == {
        "username": "zhangsan",
        "display_name": "张三",
        "kind": "citizen",
        "phone_masked": citizen["phone_masked"],
        "roles": [],
    }
    assert "138" in citizen["phone_masked"] and "13800138000" not in citizen["phone_masked"]
    clerk = client_for(county.staff["clerk"]).get(f"{API}/me").json()
    assert clerk["kind"] == "staff" and clerk["roles"] == ["gaj:clerk"]


# --- staff work ------------------------------------------------------------------------------------------


def test_clerk_sees_the_task_with_its_actions_and_accepts_it(county):
    receipt_no = created_via_api(county)["receipt_no"]
    clerk = client_for(county.staff["clerk"])
    tasks = clerk.get(f"{API}/tasks")
    assert tasks.status_code == 200
    rows = [row for row in tasks.json()["results"] if row["receipt_no"] == receipt_no]
    assert len(rows) == 1
    task = rows[0]
    assert task["step"] == "accept"
    assert task["status"] == "open"
    assert task["actions"] == ["accept", "request_supplement", "not_accept"]
    assert task["service_name"] == "居民身份证换领"

    response = post_json(clerk, f"/tasks/{task['id']}/complete", {"action": "accept"})
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "in_progress"
    assert response.json()["accepted_at"] is not None
    again = post_json(clerk, f"/tasks/{task['id']}/complete", {"action": "accept"})
    assert_error(again, 409, "conflict")
    reviewer_tasks = client_for(county.staff["reviewer"]).get(f"{API}/tasks").json()["results"]
    assert [(t["receipt_no"], t["step"]) for t in reviewer_tasks] == [(receipt_no, "review")]


def test_an_action_the_step_does_not_offer_is_422(county):
    receipt_no = created_via_api(county)["receipt_no"]
    task = CaseTask.objects.get(application__receipt_no=receipt_no)
    clerk = client_for(county.staff["clerk"])
    not_offered = post_json(clerk, f"/tasks/{task.pk}/complete", {"action": "approve"})
    assert "action" in assert_error(not_offered, 422, "validation_failed")["fields"]
    refused = post_json(clerk, f"/tasks/{task.pk}/complete", {"action": "not_accept"})
    assert "opinion" in assert_error(refused, 422)["fields"]
    assert CaseTask.objects.get(pk=task.pk).status == "open"


def test_staff_of_another_department_get_404_for_the_task_and_the_case(county):
    receipt_no = created_via_api(county)["receipt_no"]
    task = CaseTask.objects.get(application__receipt_no=receipt_no)
    outsider = client_for(county.staff["scjgj_clerk"])
    assert_error(post_json(outsider, f"/tasks/{task.pk}/complete", {"action": "accept"}), 404, "not_found")
    assert_error(outsider.get(f"{API}/applications/{receipt_no}"), 404, "not_found")
    assert receipt_no not in [row["receipt_no"] for row in outsider.get(f"{API}/tasks").json()["results"]]
    assert CaseTask.objects.get(pk=task.pk).status == "open"
    # a reviewer of the right department but the wrong role cannot act on the clerk's task either
    reviewer = client_for(county.staff["reviewer"])
    assert_error(post_json(reviewer, f"/tasks/{task.pk}/complete", {"action": "accept"}), 404, "not_found")
    assert reviewer.get(f"{API}/applications/{receipt_no}").status_code == 200


def test_rating_once_after_the_case_ends(county):
    receipt_no = created_via_api(county)["receipt_no"]
    citizen = client_for(county.citizen)
    early = post_json(citizen, f"/applications/{receipt_no}/rating", {"score": 5, "reasons": ["办事便捷"]})
    assert_error(early, 409, "conflict")
    task = CaseTask.objects.get(application__receipt_no=receipt_no)
    ended = post_json(
        client_for(county.staff["clerk"]),
        f"/tasks/{task.pk}/complete",
        {"action": "not_accept", "opinion": "不属于本县受理范围"},
    )
    assert ended.json()["status"] == "not_accepted"

    first = post_json(citizen, f"/applications/{receipt_no}/rating", {"score": 5, "reasons": ["办事便捷"]})
    assert first.status_code == 201, first.content
    assert first.json() == {"receipt_no": receipt_no, "score": 5, "rectification_due": None}
    second = post_json(citizen, f"/applications/{receipt_no}/rating", {"score": 4, "reasons": []})
    assert_error(second, 409, "already_rated")
    assert client_for(county.citizen).get(f"{API}/applications/{receipt_no}").json()["rating"] == 5
    stranger = post_json(
        client_for(county.other_citizen),
        f"/applications/{receipt_no}/rating",
        {"score": 1, "reasons": ["多次跑腿"]},
    )
    assert_error(stranger, 404)


def test_public_progress_needs_the_right_phone_digits(county):
    receipt_no = created_via_api(county)["receipt_no"]
    public = Client()
    right = public.get(f"{API}/progress", {"receipt_no": receipt_no, "phone_last4": "8000"})
    assert right.status_code == 200
    progress = right.json()
    assert progress["receipt_no"] == receipt_no
    assert progress["status"] == "submitted"
    assert progress["department"] == "德清县公安局"
    assert [step["title"] for step in progress["steps"]] == ["提交申请"]
    assert "13800138000" not in right.content.decode()
    assert "张三" not in right.content.decode()

    wrong = public.get(f"{API}/progress", {"receipt_no": receipt_no, "phone_last4": "1234"})
    unknown = public.get(f"{API}/progress", {"receipt_no": "330521209901010000000", "phone_last4": "8000"})
    assert assert_error(wrong, 404, "not_found") == assert_error(unknown, 404, "not_found")
    malformed = public.get(f"{API}/progress", {"receipt_no": receipt_no, "phone_last4": "80"})
    assert "phone_last4" in assert_error(malformed, 422)["fields"]


def test_the_api_trail_verifies(county):
    receipt_no = created_via_api(county)["receipt_no"]
    assert CaseEvent.objects.filter(application__receipt_no=receipt_no, kind="submitted").count() == 1
    assert AuditEntry.objects.filter(object_id=receipt_no, action="cases.application_submit").count() == 1
    assert audit_verify().is_intact
