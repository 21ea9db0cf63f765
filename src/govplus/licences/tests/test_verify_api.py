"""Credentials, 亮证 codes and verification over HTTP, as a wallet and an outside verifier use them: the
keys come from /.well-known/jwt-vc-issuer, the status from the published status list, and the
presentation is made by the `sd-jwt` package's holder, not by us."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.test import Client
from jwcrypto.jwk import JWK
from sd_jwt.holder import SDJWTHolder
from sd_jwt.verifier import SDJWTVerifier

from govplus.licences.models import LicenceUse
from govplus.licences.status_list import status_list_lookup

API = "/api/v1"


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def credential_of(client: Client, licence_id: str, key: JWK) -> str:
    response = client.post(
        f"{API}/licences/{licence_id}/credential",
        {"holder_jwk": key.export_public(as_dict=True)},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    return response.json()["sd_jwt"]


def test_a_wallet_takes_a_credential_and_an_outside_verifier_checks_it_with_the_published_keys(
    household_of_zhangsan, library
):
    licence_id = household_of_zhangsan.licence_id
    key = JWK.generate(kty="EC", crv="P-256")
    credential = credential_of(client_for(library.citizen), licence_id, key)
    metadata = Client().get("/.well-known/jwt-vc-issuer").json()
    assert metadata["issuer"] == settings.SITE_URL.rstrip("/")

    def issuer_key(issuer: str, header: dict[str, Any]) -> JWK:
        assert issuer == metadata["issuer"]
        return JWK(**next(k for k in metadata["jwks"]["keys"] if k["kid"] == header["kid"]))

    holder = SDJWTHolder(credential)
    holder.create_presentation(
        {"holder_name": True, "licence_id": True},
        nonce="n-42",
        aud="https://shop.example",
        holder_key=key,
        sign_alg="ES256",
    )
    presentation = str(holder.sd_jwt_presentation)
    shown = SDJWTVerifier(
        presentation, issuer_key, expected_aud="https://shop.example", expected_nonce="n-42"
    ).get_verified_payload()
    assert shown["holder_name"] == "张三" and shown["licence_id"] == licence_id

    # the status list the credential points to says valid (0) — fetched and checked like an outsider would
    status = shown["status"]["status_list"]
    assert status["uri"].endswith("/api/v1/licences/status-list")
    listed = Client().get(f"{API}/licences/status-list")
    assert listed["Content-Type"] == "application/statuslist+jwt"
    jwks = {"keys": metadata["jwks"]["keys"]}
    assert status_list_lookup(listed.content.decode(), status["idx"], jwks, uri=status["uri"]) == 0

    # and the platform's own verifier agrees, once: the nonce cannot be replayed
    body = {"presentation": presentation, "nonce": "n-42", "audience": "https://shop.example"}
    first = Client().post(f"{API}/licences/verify", body, content_type="application/json").json()
    assert first["valid"], first["checks"]
    assert first["licence"]["holder_name"] == "张*" and first["disclosed"]["holder_name"] == "张三"
    again = Client().post(f"{API}/licences/verify", body, content_type="application/json").json()
    assert not again["valid"] and any(c["name"] == "replay" and not c["ok"] for c in again["checks"])
    kinds = set(LicenceUse.objects.filter(licence=household_of_zhangsan).values_list("kind", flat=True))
    assert {"credential", "verify"} <= kinds


def test_a_revoked_licence_fails_verification_and_gives_no_credential(household_of_zhangsan, library):
    licence_id = household_of_zhangsan.licence_id
    key = JWK.generate(kty="EC", crv="P-256")
    credential = credential_of(client_for(library.citizen), licence_id, key)
    client_for(library.staff["approver"]).post(
        f"{API}/licences/{licence_id}/revoke", {"reason": "户口迁出"}, content_type="application/json"
    )
    holder = SDJWTHolder(credential)
    holder.create_presentation({"holder_name": True}, nonce="n-7", aud="window-3", holder_key=key, sign_alg="ES256")
    body = {"presentation": str(holder.sd_jwt_presentation), "nonce": "n-7", "audience": "window-3"}
    result = Client().post(f"{API}/licences/verify", body, content_type="application/json").json()
    assert not result["valid"]
    failed = next(c for c in result["checks"] if not c["ok"])
    assert failed["name"] == "status" and "撤销" in failed["detail"] and "revoked" in failed["detail_en"]
    refused = client_for(library.citizen).post(
        f"{API}/licences/{licence_id}/credential",
        {"holder_jwk": key.export_public(as_dict=True)},
        content_type="application/json",
    )
    assert refused.status_code == 422
    by_id = Client().post(f"{API}/licences/verify", {"licence_id": licence_id}, content_type="application/json")
    assert not by_id.json()["valid"] and by_id.json()["licence"]["status"] == "revoked"


def test_a_show_code_verifies_offline_and_only_the_holder_makes_one(household_of_zhangsan, library):
    licence_id = household_of_zhangsan.licence_id
    made = client_for(library.citizen).post(f"{API}/licences/{licence_id}/show", {}, content_type="application/json")
    assert made.status_code == 200, made.content
    code = made.json()
    assert code["qr_svg"].lstrip().startswith("<") and code["disclosed"] == ["holder_name", "number"]
    checked = Client().post(f"{API}/licences/verify", {"show_code": code["token"]}, content_type="application/json")
    assert checked.json()["valid"], checked.json()["checks"]
    assert checked.json()["disclosed"]["number"] == household_of_zhangsan.number
    forged = code["token"][:40] + ("A" if code["token"][40] != "A" else "B") + code["token"][41:]
    refused = Client().post(f"{API}/licences/verify", {"show_code": forged}, content_type="application/json").json()
    assert not refused["valid"]
    # the check that failed is named; the ones after it were not run, and say so instead of "failed"
    failed = [c for c in refused["checks"] if c["checked"] and not c["ok"]]
    skipped = [c for c in refused["checks"] if not c["checked"]]
    assert len(failed) == 1 and skipped and all(not c["ok"] for c in skipped)
    assert all("not checked" in c["detail_en"] for c in skipped)
    page = Client().post("/licences/verify", {"code": forged}).content.decode()
    assert page.count("— 未核验") == len(skipped) and page.count("✘ 未通过") == 1
    other = client_for(library.other_citizen).post(
        f"{API}/licences/{licence_id}/show", {}, content_type="application/json"
    )
    assert other.status_code == 404
    nothing = Client().post(f"{API}/licences/verify", {}, content_type="application/json")
    assert nothing.status_code == 422 and "presentation" in nothing.json()["fields"]
    no_nonce = Client().post(f"{API}/licences/verify", {"presentation": "x~"}, content_type="application/json")
    assert no_nonce.status_code == 422 and {"nonce", "audience"} <= set(no_nonce.json()["fields"])


def test_the_qr_page_of_a_licence_shows_its_status_with_masked_data(household_of_zhangsan, library):
    page = Client().get(f"/licences/verify/{household_of_zhangsan.licence_id}")
    assert page.status_code == 200
    text = page.content.decode()
    assert "核验通过" in text and "张*" in text and "张三" not in text
    forged = Client().get("/licences/verify/1.2.156.3005.2.11100000000013127D001.11330521002583510X.0000001.001.0")
    assert "核验未通过" in forged.content.decode()
    english = Client()
    english.get("/lang/en/")
    assert (
        "the licence is valid" in english.get(f"/licences/verify/{household_of_zhangsan.licence_id}").content.decode()
    )


def _issued_by_a_case(library) -> Any:
    """A licence issued the way the platform issues them: an approved case, its events delivered."""
    from govplus.cases.actions import task_complete
    from govplus.core.events import events_sweep
    from govplus.licences.models import Licence

    application = library.submitted_application()
    staff = library.staff
    task_complete(actor=staff["clerk"], task_id=library.open_task(application).pk, action="accept")
    task_complete(actor=staff["reviewer"], task_id=library.open_task(application, "review").pk, action="pass")
    task_complete(actor=staff["approver"], task_id=library.open_task(application, "decide").pk, action="approve")
    task_complete(
        actor=staff["clerk"],
        task_id=library.open_task(application, "conclude").pk,
        action="conclude",
        delivery_method="download",
    )
    events_sweep()  # issues the licence
    events_sweep()  # seals its PDF (a handler of licence.issued)
    return Licence.objects.get(application_id=application.pk)


def test_the_pdf_of_an_issued_licence_is_made_at_issue_downloaded_and_verified(library):
    from django.core.files.uploadedfile import SimpleUploadedFile

    licence = _issued_by_a_case(library)
    assert licence.pdf_digest and licence.pdf_path
    download = client_for(library.citizen).get(f"/my/licences/{licence.licence_id}/pdf")
    assert download.status_code == 200 and download["Content-Type"] == "application/pdf"
    pdf = b"".join(download.streaming_content) if download.streaming else download.content
    assert len(pdf) < 300 * 1024

    upload = SimpleUploadedFile("licence.pdf", pdf, content_type="application/pdf")
    result = Client().post(f"{API}/licences/verify", {"file": upload}).json()
    assert result["valid"], result["checks"]
    names = {c["name"] for c in result["checks"]}
    assert {
        "signature_intact",
        "unchanged_after_sealing",
        "signer_trusted",
        "timestamp_valid",
        "status",
        "matches_library",
    } <= names
    assert result["licence"]["licence_id"] == licence.licence_id and result["licence"]["holder_name"] == "张*"

    tampered = bytearray(pdf)
    tampered[len(pdf) // 3] ^= 0x01
    changed = (
        Client()
        .post(
            f"{API}/licences/verify",
            {"file": SimpleUploadedFile("x.pdf", bytes(tampered), content_type="application/pdf")},
        )
        .json()
    )
    assert not changed["valid"]

    client_for(library.staff["approver"]).post(
        f"{API}/licences/{licence.licence_id}/revoke", {"reason": "信息有误"}, content_type="application/json"
    )
    page = Client().post("/licences/verify", {"file": SimpleUploadedFile("l.pdf", pdf, content_type="application/pdf")})
    text = page.content.decode()
    assert page.status_code == 200 and "核验未通过" in text and "证照已撤销" in text

    root = Client().get(f"{API}/licences/ca.pem")
    assert root.status_code == 200 and root.content.startswith(b"-----BEGIN CERTIFICATE-----")
    garbage = (
        Client()
        .post(
            f"{API}/licences/verify",
            {"file": SimpleUploadedFile("g.pdf", b"not a pdf", content_type="application/pdf")},
        )
        .json()
    )
    assert not garbage["valid"] and garbage["checks"][0]["name"] == "pdf"
