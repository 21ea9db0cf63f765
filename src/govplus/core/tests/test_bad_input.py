"""Bad input is refused with a 4xx that names the field, never a 500 — on the API and on the pages.

Each test sends what a careless or hostile client sends (a lone surrogate, NaN, a 20-digit offset, a
list where an object belongs, a body too big, JSON nested 100,000 deep) and asserts the answer a
client sees: the status, the JSON error shape, the field named, and that nothing was written.
"""

from __future__ import annotations

import base64
import datetime as dt
import secrets
from typing import Any
from urllib.parse import quote

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.test.client import BOUNDARY, encode_multipart
from django.utils import timezone
from oauth2_provider.models import get_access_token_model

from govplus.cases.models import Application, ApplicationMaterial
from govplus.testing.factories import PDF

API = "/api/v1"
ERROR_KEYS = {"code", "message", "message_en", "fields"}


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def raw_post(client: Client, path: str, body: str | bytes, **headers: str) -> Any:
    return client.generic("POST", f"{API}{path}", body, content_type="application/json", headers=headers)


def assert_error(response: Any, status: int | tuple[int, ...], field: str | None = None) -> dict[str, Any]:
    statuses = status if isinstance(status, tuple) else (status,)
    assert response.status_code in statuses, (response.status_code, response.content[:500])
    assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
    body = response.json()
    assert set(body) == ERROR_KEYS, body
    assert body["message"] and body["message_en"]
    assert isinstance(body["fields"], dict)
    if field is not None:
        assert field in body["fields"], body["fields"]
        assert all(" / " in message for message in body["fields"][field]), "Chinese first, English after"
    text = response.content.decode()
    assert "Traceback" not in text and "recursion" not in text.lower()
    return body


def application_json(county: Any, *, form: str = '{"reason": "有效期满", "phone": "13800138000"}', **extra: str) -> str:
    content = base64.b64encode(PDF).decode()
    parts = [
        f'"service_code": "{county.standard_item.code}"',
        f'"form": {form}',
        '"submit": true',
        f'"materials": [{{"material_code": "M01", "filename": "id.pdf", "content_base64": "{content}"}}]',
    ]
    parts += [f'"{key}": {value}' for key, value in extra.items()]
    return "{" + ", ".join(parts) + "}"


# --- lone surrogates ---------------------------------------------------------------------------------


def test_a_lone_surrogate_in_a_form_value_is_422_naming_the_field(county):
    body = application_json(county, form='{"reason": "有效期满", "phone": "13800138000", "note": "\\ud800"}')
    response = raw_post(client_for(county.citizen), "/applications", body)
    assert_error(response, 422, "form.note")
    assert not Application.objects.filter(applicant=county.citizen).exists()


def test_a_lone_surrogate_in_a_declared_form_field_is_422_naming_it(county):
    body = application_json(county, form='{"reason": "有效期满\\udfff", "phone": "13800138000"}')
    assert_error(raw_post(client_for(county.citizen), "/applications", body), 422, "form.reason")


def test_a_lone_surrogate_in_a_reason_is_422_and_nothing_changes(county):
    application = county.submitted_application()
    response = raw_post(
        client_for(county.citizen), f"/applications/{application.receipt_no}/withdraw", '{"reason": "\\ud800"}'
    )
    assert_error(response, 422, "reason")
    application.refresh_from_db()
    assert application.status == Application.Status.SUBMITTED


def test_a_lone_surrogate_in_a_key_is_422(county):
    response = raw_post(Client(), "/catalog/import", '{"\\ud800": 1}')
    assert response.status_code in (401, 422)
    assert_error(response, (401, 422))
    admin_response = raw_post(client_for(county.citizen), "/notifications/read", '{"\\ud800": 1}')
    assert_error(admin_response, 422)


def test_a_lone_surrogate_in_a_query_string_is_422_naming_the_parameter(county):
    # A client that declares a charset able to carry lone surrogates (UTF-7: "+2AA-" is U+D800).
    response = Client().get(f"{API}/services?q={quote('+2AA-')}", headers={"Content-Type": "text/plain; charset=utf-7"})
    assert_error(response, 422, "q")
    response = Client().get(
        f"{API}/progress?receipt_no={quote('+2AA-')}&phone_last4=1234",
        headers={"Content-Type": "text/plain; charset=utf-7"},
    )
    assert_error(response, 422, "receipt_no")


def test_a_lone_surrogate_on_the_pages_is_a_400_naming_the_field(county):
    # Django refuses urlencoded forms in another charset; multipart forms are decoded with the declared one.
    form = encode_multipart(BOUNDARY, {"username": "+2AA-", "reason": "+2AA-", "password": "x"})
    for path, client in (
        ("/register/", Client()),
        ("/login/", Client()),
        (f"/services/{county.standard_item.code}/apply/", client_for(county.citizen)),
    ):
        response = client.generic(
            "POST", path, form, content_type=f"multipart/form-data; boundary={BOUNDARY}; charset=utf-7"
        )
        assert response.status_code == 400, (path, response.status_code)
        text = response.content.decode()
        assert "“password”" in text or "“reason”" in text or "“username”" in text, text
        assert "Traceback" not in text
    assert not Application.objects.exists()
    urlencoded = Client().generic(
        "POST", "/register/", "username=%2B2AA-", content_type="application/x-www-form-urlencoded; charset=utf-7"
    )
    assert urlencoded.status_code == 400
    search = Client().get(f"/services/?q={quote('+2AA-')}", headers={"Content-Type": "text/plain; charset=utf-7"})
    assert search.status_code == 400
    assert "q" in search.content.decode()


def test_encrypting_a_lone_surrogate_is_a_validation_error_not_a_crash(settings):
    from govplus.core.crypto import encrypt_text
    from govplus.core.errors import ValidationFailed

    with pytest.raises(ValidationFailed):
        encrypt_text("abc\ud800")


# --- numbers that are not numbers ----------------------------------------------------------------------


@pytest.mark.parametrize("number", ["NaN", "Infinity", "-Infinity", "1e400"])
def test_nan_and_infinity_are_refused_naming_the_field(county, number):
    body = application_json(county, form=f'{{"reason": "有效期满", "phone": "13800138000", "reason2": {number}}}')
    assert_error(raw_post(client_for(county.citizen), "/applications", body), 422, "form.reason2")
    application = county.submitted_application()
    task = county.open_task(application)
    response = raw_post(
        client_for(county.staff["clerk"]),
        f"/applications/{application.receipt_no}/extend",
        f'{{"days": {number}, "reason": "x"}}',
    )
    assert_error(response, 422, "days")
    assert task is not None


# --- bodies that are not the schema ----------------------------------------------------------------------


@pytest.mark.parametrize("body", ["[null,null]", "[]", "null", '"reason"', "7", "true"])
def test_a_body_that_is_not_an_object_withdraws_nothing(county, body):
    application = county.submitted_application()
    response = raw_post(client_for(county.citizen), f"/applications/{application.receipt_no}/withdraw", body)
    assert_error(response, 422, "body")
    application.refresh_from_db()
    assert application.status == Application.Status.SUBMITTED


def test_a_nested_object_given_as_a_list_is_refused(county):
    application = county.submitted_application()
    task = county.open_task(application)
    response = raw_post(
        client_for(county.staff["clerk"]),
        f"/tasks/{task.pk}/complete",
        '{"action": "supplement", "supplement_items": [null, [1, 2]]}',
    )
    assert_error(response, 422, "supplement_items.0")


def test_an_unknown_body_field_is_refused_naming_it(county):
    application = county.submitted_application()
    response = raw_post(
        client_for(county.citizen), f"/applications/{application.receipt_no}/withdraw", '{"reason": "x", "force": true}'
    )
    assert_error(response, 422, "force")
    application.refresh_from_db()
    assert application.status == Application.Status.SUBMITTED


def test_deeply_nested_json_is_a_clean_400(county):
    deep = "[" * 100_000 + "]" * 100_000
    response = raw_post(client_for(county.citizen), "/applications", '{"form": ' + deep + "}")
    assert_error(response, (400, 422), "body")
    response = raw_post(client_for(county.citizen), "/applications", '{"form": {"a": ' + "[" * 200 + "]" * 200 + "}}")
    assert_error(response, (400, 422))


def test_malformed_json_is_400_in_the_error_shape(county):
    assert_error(raw_post(client_for(county.citizen), "/applications", "{not json"), (400, 422), "body")


# --- what the form does not define, and what a citizen may not claim ---------------------------------------


def test_form_keys_the_item_does_not_define_are_refused(county):
    body = application_json(county, form='{"reason": "有效期满", "phone": "13800138000", "salary": "1000"}')
    assert_error(raw_post(client_for(county.citizen), "/applications", body), 422, "form.salary")
    assert not Application.objects.exists()
    draft = raw_post(
        client_for(county.citizen),
        "/applications",
        application_json(county).replace('"submit": true', '"submit": false'),
    )
    assert draft.status_code == 201
    response = client_for(county.citizen).put(
        f"{API}/applications/{draft.json()['receipt_no']}/form",
        '{"form": {"reason": "有效期满", "admin": "1"}}',
        content_type="application/json",
    )
    assert_error(response, 422, "form.admin")


def test_a_citizen_cannot_claim_the_window_channel(county):
    body = application_json(county, channel='"window"')
    assert_error(raw_post(client_for(county.citizen), "/applications", body), 422, "channel")
    assert not Application.objects.exists()
    ok = raw_post(client_for(county.citizen), "/applications", application_json(county, channel='"api"'))
    assert ok.status_code == 201 and Application.objects.get().channel == "api"


# --- paging ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "params", "field"),
    [
        ("/applications", "offset=99999999999999999999", "offset"),
        ("/applications", "offset=-1", "offset"),
        ("/applications", "limit=-5", "limit"),
        ("/applications", "limit=99999999999999999999", "limit"),
        ("/tasks", "offset=99999999999999999999", "offset"),
        ("/tasks", "limit=0", "limit"),
        ("/services", "offset=99999999999999999999", "offset"),
        ("/services", "limit=100000", "limit"),
    ],
)
def test_paging_out_of_range_is_422_naming_the_parameter(county, path, params, field):
    client = client_for(county.staff["clerk"] if path == "/tasks" else county.citizen)
    assert_error(client.get(f"{API}{path}?{params}"), 422, field)


def test_paging_within_range_still_works(county):
    county.submitted_application()
    body = client_for(county.citizen).get(f"{API}/applications?limit=100&offset=0").json()
    assert body["count"] == 1 and len(body["results"]) == 1
    body = client_for(county.citizen).get(f"{API}/applications?offset=5").json()
    assert body["count"] == 1 and body["results"] == []


# --- sizes: bodies, files, file names ----------------------------------------------------------------------


def _pdf_of(size: int) -> bytes:
    from govplus.testing.factories import pdf_of_size

    return pdf_of_size(size)


def test_an_inline_material_of_the_documented_limit_is_accepted(county, settings):
    settings.GOVPLUS_UPLOAD_MAX_BYTES = 20 * 1024 * 1024
    content = base64.b64encode(_pdf_of(20 * 1024 * 1024)).decode()
    body = application_json(county).replace(base64.b64encode(PDF).decode(), content)
    response = raw_post(client_for(county.citizen), "/applications", body)
    assert response.status_code == 201, response.content[:300]
    assert ApplicationMaterial.objects.get().size == 20 * 1024 * 1024


def test_an_inline_material_over_the_limit_is_refused_naming_it(county):
    content = base64.b64encode(_pdf_of(20 * 1024 * 1024 + 1)).decode()
    body = application_json(county).replace(base64.b64encode(PDF).decode(), content)
    body_out = assert_error(raw_post(client_for(county.citizen), "/applications", body), (413, 422))
    assert any(name.startswith("materials") for name in body_out["fields"]), body_out
    assert not Application.objects.exists()


def test_a_body_far_over_the_limit_is_413_in_the_error_shape(county):
    content = "A" * (40 * 1024 * 1024)
    body = application_json(county).replace(base64.b64encode(PDF).decode(), content)
    body_out = assert_error(raw_post(client_for(county.citizen), "/applications", body), 413)
    assert "materials" in body_out["fields"]
    assert not Application.objects.exists()


def test_a_multipart_material_of_the_documented_limit_is_accepted_and_one_byte_more_refused(county):
    draft = raw_post(
        client_for(county.citizen),
        "/applications",
        application_json(county).replace('"submit": true', '"submit": false'),
    )
    receipt_no = draft.json()["receipt_no"]
    client = client_for(county.citizen)
    ok = client.post(
        f"{API}/applications/{receipt_no}/materials",
        {"material_code": "M01", "file": SimpleUploadedFile("id.pdf", _pdf_of(20 * 1024 * 1024), "application/pdf")},
    )
    assert ok.status_code == 201, ok.content[:300]
    too_big = client.post(
        f"{API}/applications/{receipt_no}/materials",
        {
            "material_code": "M01",
            "file": SimpleUploadedFile("id.pdf", _pdf_of(20 * 1024 * 1024 + 1), "application/pdf"),
        },
    )
    assert_error(too_big, 422, "file")


def test_a_thousand_character_file_name_is_422_naming_the_file(county):
    draft = raw_post(
        client_for(county.citizen),
        "/applications",
        application_json(county).replace('"submit": true', '"submit": false'),
    )
    receipt_no = draft.json()["receipt_no"]
    response = client_for(county.citizen).post(
        f"{API}/applications/{receipt_no}/materials",
        {"material_code": "M01", "file": SimpleUploadedFile("a" * 996 + ".pdf", PDF, "application/pdf")},
    )
    assert_error(response, 422, "file")
    body = application_json(county).replace('"id.pdf"', '"' + "a" * 996 + '.pdf"')
    assert_error(raw_post(client_for(county.citizen), "/applications", body), 422, "materials.0.filename")


def test_a_thousand_character_file_name_on_the_upload_page_is_a_4xx(county):
    draft = raw_post(
        client_for(county.citizen),
        "/applications",
        application_json(county).replace('"submit": true', '"submit": false'),
    )
    receipt_no = draft.json()["receipt_no"]
    response = client_for(county.citizen).post(
        f"/my/applications/{receipt_no}/materials",
        {"file_M01": SimpleUploadedFile("a" * 996 + ".pdf", PDF, "application/pdf")},
    )
    assert 400 <= response.status_code < 500
    assert "文件名" in response.content.decode()


# --- every error under /api/ in the error shape ------------------------------------------------------------


@pytest.mark.parametrize("debug", [False, True])
def test_unknown_api_paths_and_methods_answer_in_the_error_shape(county, settings, debug):
    settings.DEBUG = debug
    assert assert_error(Client().get(f"{API}/whatever"), 404)["code"] == "not_found"
    assert assert_error(Client().get("/api/v2/x"), 404)["code"] == "not_found"
    response = Client().delete(f"{API}/services")
    assert assert_error(response, 405)["code"] == "method_not_allowed"
    assert "GET" in response["Allow"]


@pytest.mark.parametrize("debug", [False, True])
def test_an_exception_inside_an_api_view_is_a_json_500_without_traceback(county, settings, debug, monkeypatch):
    from govplus.catalog import selectors

    settings.DEBUG = debug

    def broken(**kwargs: Any) -> Any:
        raise RuntimeError("secret internals /srv/govplus")

    monkeypatch.setattr(selectors, "theme_list", broken)  # a fault we cannot cause from outside
    response = Client(raise_request_exception=False).get(f"{API}/themes")
    body = assert_error(response, 500)
    assert body["code"] == "server_error"
    assert "secret internals" not in response.content.decode()


# --- scopes ------------------------------------------------------------------------------------------------


def _token(user: Any, scope: str) -> str:
    token = secrets.token_urlsafe(30)
    get_access_token_model().objects.create(
        user=user, token=token, scope=scope, expires=timezone.now() + dt.timedelta(hours=1)
    )
    return token


def test_a_token_without_the_scope_is_403_insufficient_scope(county):
    token = _token(county.citizen, "openid profile")
    for _ in range(2):  # also once the token is remembered
        response = Client().get(f"{API}/applications", headers={"Authorization": f"Bearer {token}"})
        body = assert_error(response, 403)
        assert body["code"] == "insufficient_scope"
        assert response["WWW-Authenticate"] == 'Bearer error="insufficient_scope", scope="applications"'
        assert Client().get(f"{API}/me", headers={"Authorization": f"Bearer {token}"}).status_code == 200


def test_no_or_an_invalid_token_stays_401_with_the_challenge(county):
    response = Client().get(f"{API}/applications")
    assert assert_error(response, 401)["code"] == "not_authenticated"
    assert response["WWW-Authenticate"].startswith("Bearer")
    response = Client().get(f"{API}/applications", headers={"Authorization": "Bearer nope"})
    assert assert_error(response, 401)["code"] == "not_authenticated"
    assert response["WWW-Authenticate"].startswith('Bearer error="invalid_token"')


def test_a_twenty_digit_id_in_a_page_address_is_404_not_500(county):
    application = county.submitted_application()
    clerk = client_for(county.staff["clerk"])
    assert clerk.post("/staff/tasks/99999999999999999999/act", {"action": "accept"}).status_code == 404
    assert clerk.get(f"/staff/cases/{application.receipt_no}/materials/99999999999999999999").status_code == 404
    material = application.materials.get()
    assert clerk.get(f"/staff/cases/{application.receipt_no}/materials/{material.pk}").status_code == 200


def test_out_of_range_numbers_on_staff_pages_are_not_500(county):
    clerk = client_for(county.staff["clerk"])
    for page in ("99999999999999999999", "-1", "abc", "1e9"):
        assert clerk.get(f"/staff/?page={page}").status_code == 200
    approver = client_for(county.staff["approver"])
    for row_id in ("99999999999999999999", "abc", ""):
        response = approver.post("/staff/rectifications", {"id": row_id, "resolution": "已整改"})
        assert response.status_code == 302  # back to the list with "no such task", not a 500


def test_a_nul_character_is_refused_naming_the_field_on_the_api_and_the_pages(county):
    assert_error(Client().get(f"{API}/services?q=a%00b"), 422, "q")
    response = raw_post(client_for(county.citizen), "/notifications/read", '{"id": null, "x\\u0000": 1}')
    assert_error(response, 422)
    body = application_json(county, form='{"reason": "有效期满", "phone": "13800138000\\u0000"}')
    assert_error(raw_post(client_for(county.citizen), "/applications", body), 422, "form.phone")
    search = Client().get("/services/?q=%E8%BA%AB%00")
    assert search.status_code == 400 and "“q”" in search.content.decode()
    register = Client().post("/register/", {"username": "wang\x00wu", "password": "x"})
    assert register.status_code == 400 and "“username”" in register.content.decode()
    assert Client().get("/services/?q=%E8%BA%AB").status_code == 200
