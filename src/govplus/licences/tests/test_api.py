"""The licence API as a wallet app and a department's system use it."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.test import Client

from govplus.core.models import AuditEntry
from govplus.licences.models import Licence, LicenceUse

API = "/api/v1"
ERROR_KEYS = {"code", "message", "message_en", "fields"}


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def error_of(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == ERROR_KEYS and body["message"] and body["message_en"]
    return body


def test_the_catalogue_is_public(library):
    response = Client().get(f"{API}/licence-types")
    assert response.status_code == 200
    types = {t["name"]: t for t in response.json()}
    assert types["居民身份证"]["holder_code_type"] == "111"
    assert types["居民身份证"]["issued_by"][0]["department"] == "gaj"
    assert [f["name"] for f in types["居民身份证"]["face_schema"]] == ["sex", "birth_date", "reason"]


def test_the_holder_lists_and_reads_their_licence_others_get_404(household_of_zhangsan, library):
    licence_id = household_of_zhangsan.licence_id
    mine = client_for(library.citizen).get(f"{API}/licences").json()
    assert mine["count"] == 1 and mine["results"][0]["licence_id"] == licence_id
    detail = client_for(library.citizen).get(f"{API}/licences/{licence_id}").json()
    assert detail["holder_name"] == "张三" and detail["face"] == {"household_type": "家庭户"}
    assert detail["access"] == "holder" and detail["history"][0]["kind"] == "import"
    assert client_for(library.other_citizen).get(f"{API}/licences").json()["count"] == 0
    error_of(client_for(library.other_citizen).get(f"{API}/licences/{licence_id}"), 404)
    error_of(Client().get(f"{API}/licences/{licence_id}"), 401)
    bad = error_of(client_for(library.citizen).get(f"{API}/licences/1.2.156.3005.2.X"), 422)
    assert "licence_id" in bad["fields"]


def test_staff_see_their_register_masked_and_revoke_with_a_reason(household_of_zhangsan, library):
    licence_id = household_of_zhangsan.licence_id
    register = client_for(library.staff["clerk"]).get(f"{API}/licences", {"status": "valid"}).json()
    assert register["count"] == 1
    assert register["results"][0]["holder_name"] == "张*" and "*" in register["results"][0]["holder_code"]
    by_code = client_for(library.staff["clerk"]).get(
        f"{API}/licences", {"holder_code": library.citizen.citizen_profile.id_number}
    )
    assert by_code.json()["count"] == 1
    error_of(client_for(library.staff["clerk"]).get(f"{API}/licences", {"status": "lost"}), 422)
    assert client_for(library.staff["rsj_reviewer"]).get(f"{API}/licences").json()["count"] == 0

    clerk = client_for(library.staff["clerk"])
    error_of(clerk.post(f"{API}/licences/{licence_id}/revoke", {"reason": "x"}, content_type="application/json"), 403)
    approver = client_for(library.staff["approver"])
    error_of(approver.post(f"{API}/licences/{licence_id}/revoke", {}, content_type="application/json"), 422)
    revoked = approver.post(
        f"{API}/licences/{licence_id}/revoke", {"reason": "户口迁出"}, content_type="application/json"
    )
    assert revoked.status_code == 200 and revoked.json()["status"] == "revoked"
    again = approver.post(f"{API}/licences/{licence_id}/restore", {"reason": "x"}, content_type="application/json")
    error_of(again, 409)
    assert Licence.objects.get(pk=household_of_zhangsan.pk).status == "revoked"
    assert AuditEntry.objects.filter(action="licences.licence_revoke").count() == 1


def test_the_holder_shares_with_a_department_which_then_reads_it_and_the_use_is_listed(household_of_zhangsan, library):
    licence_id = household_of_zhangsan.licence_id
    holder = client_for(library.citizen)
    until = (dt.date.today() + dt.timedelta(days=30)).isoformat()
    bad = holder.post(
        f"{API}/licences/{licence_id}/shares",
        {"department_code": "nowhere", "purpose": "", "valid_until": until},
        content_type="application/json",
    )
    assert {"department_code", "purpose"} <= set(error_of(bad, 422)["fields"])
    created = holder.post(
        f"{API}/licences/{licence_id}/shares",
        {"department_code": "rsj", "purpose": "办理社保卡", "valid_until": until},
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    rsj = client_for(library.staff["rsj_reviewer"])
    seen = rsj.get(f"{API}/licences/{licence_id}").json()
    assert seen["access"] == "share" and seen["face"] == {"household_type": "家庭户"}
    uses = holder.get(f"{API}/licences/{licence_id}/uses").json()
    assert [(u["kind"], u["purpose"]) for u in uses] == [("share_use", "办理社保卡")]
    assert LicenceUse.objects.count() == 1
    withdrawn = holder.post(f"{API}/licences/{licence_id}/shares/{created.json()['id']}/withdraw")
    assert withdrawn.status_code == 200 and withdrawn.json()["withdrawn_at"]
    error_of(rsj.get(f"{API}/licences/{licence_id}"), 404)
    error_of(client_for(library.other_citizen).get(f"{API}/licences/{licence_id}/uses"), 404)


def test_the_holder_downloads_the_sealed_pdf_by_api_and_it_verifies_as_the_library_file(household_of_zhangsan, library):
    licence_id = household_of_zhangsan.licence_id
    response = client_for(library.citizen).get(f"{API}/licences/{licence_id}/pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;") and response.content.startswith(b"%PDF")
    verified = Client().post(f"{API}/licences/verify", {"file": _upload(response.content)}).json()
    checks = {c["name"]: c["ok"] for c in verified["checks"]}
    assert verified["valid"] is True and checks["matches_library"] is True, checks
    use = LicenceUse.objects.get(licence=household_of_zhangsan, kind=LicenceUse.Kind.DOWNLOAD)
    assert use.user == library.citizen
    assert AuditEntry.objects.filter(object_id=licence_id, action__contains="use").exists()
    error_of(client_for(library.other_citizen).get(f"{API}/licences/{licence_id}/pdf"), 404)
    error_of(client_for(library.staff["clerk"]).get(f"{API}/licences/{licence_id}/pdf"), 404)
    error_of(Client().get(f"{API}/licences/{licence_id}/pdf"), 401)


def _upload(content: bytes) -> Any:
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("licence.pdf", content, content_type="application/pdf")


def test_a_list_shows_the_holder_masked_from_columns_kept_at_write_time(household_of_zhangsan, library):
    """The register decrypts nothing per row: what may be shown is stored when the licence is written.
    A licence written before those columns existed (emptied here) is masked from its ciphertext."""
    stored = Licence.objects.get(pk=household_of_zhangsan.pk)
    assert (stored.holder_name_shown, stored.holder_code_shown[:6], stored.holder_code_shown[-4:]) == (
        "张*",
        library.citizen.citizen_profile.id_number[:6],
        library.citizen.citizen_profile.id_number[-4:],
    )
    clerk = client_for(library.staff["clerk"])
    first = clerk.get(f"{API}/licences").json()["results"][0]
    Licence.objects.filter(pk=household_of_zhangsan.pk).update(holder_name_shown="", holder_code_shown="")
    again = clerk.get(f"{API}/licences").json()["results"][0]
    assert first == again and first["holder_name"] == "张*" and first["holder_code"] == stored.holder_code_shown
    assert first["issuer_name_en"] and first["status_label"] == "有效"
    english = clerk.get(f"{API}/licences", HTTP_ACCEPT_LANGUAGE="en").json()["results"][0]
    assert english["status_label"] == "Valid" and english["issuer_name_en"] != english["issuer_name"]
