"""SD-JWT VC credentials, the Token Status List, 亮证 codes and presentation verification.

A verifier that is not ours (the `sd-jwt` package, the reference implementation of RFC 9901's authors)
checks what we issue, with the keys we publish; the holder's wallet is played by that package's holder
(or, where a test needs to control the key binding, by jwcrypto directly)."""

from __future__ import annotations

import datetime as dt
import json
import threading
import time
from typing import Any

import pytest
from django.db import IntegrityError, connections
from django.utils import timezone
from jwcrypto.jwk import JWK
from jwcrypto.jws import JWS
from sd_jwt.common import SDObj
from sd_jwt.holder import SDJWTHolder
from sd_jwt.issuer import SDJWTIssuer
from sd_jwt.verifier import SDJWTVerifier

from govplus.core.crypto import decrypt_text
from govplus.core.errors import ValidationFailed
from govplus.core.models import AuditEntry
from govplus.identity.models import Department
from govplus.licences.credentials import credential_issue, disclosure_digest, disclosure_make, is_valid_on
from govplus.licences.document import FaceField, LicenceDocument
from govplus.licences.identifiers import licence_id_make
from govplus.licences.issuer_keys import credential_key, credential_key_rotate, issuer_jwks, issuer_metadata
from govplus.licences.jose import JoseError, b64url_decode, b64url_encode, jwk_thumbprint
from govplus.licences.models import IssuerKey, Licence, LicenceEvent, LicenceType
from govplus.licences.presentation import PRESENTATION_CHECKS, presentation_verify
from govplus.licences.show import show_qr, show_qr_svg, show_token_issue, show_token_verify
from govplus.licences.status_list import (
    INVALID,
    SUSPENDED,
    VALID,
    status_list_current,
    status_list_encode,
    status_list_lookup,
    status_list_token,
    status_value_of,
)

pytestmark = pytest.mark.django_db

ISSUER = "https://zwfw.example.gov.cn"
STATUS_URI = ISSUER + "/api/v1/licences/status-list"
VERIFIER = "https://bank.example.com"
TYPE_CODE = "11330000002482141E001"
ISSUER_CODE = "11330521002582345X"


def make_document(**overrides: Any) -> LicenceDocument:
    today = timezone.localdate()
    values: dict[str, Any] = {
        "licence_id": licence_id_make(type_code=TYPE_CODE, issuer_code=ISSUER_CODE, serial=42),
        "type_code": TYPE_CODE,
        "type_name": "食品经营许可证",
        "type_name_en": "Food business licence",
        "holder_name": "张三",
        "holder_code": "330521199005011234",
        "holder_code_type": "111",
        "number": "JY13305210012345",
        "issuer_name": "德清县市场监督管理局",
        "issuer_code": ISSUER_CODE,
        "issuer_department_id": 1,
        "issued_on": today - dt.timedelta(days=30),
        "valid_from": today - dt.timedelta(days=30),
        "valid_until": today + dt.timedelta(days=5 * 365),
        "jurisdiction": "330521",
        "status": "valid",
        "status_index": 4097,
        "origin": "issued",
        "verify_url": ISSUER + "/licences/verify/x",
        "fields": (
            FaceField("address", "经营场所", "Premises", "浙江省湖州市德清县武康街道永安街 58 号", personal=True),
            FaceField("business_scope", "经营项目", "Business scope", "预包装食品销售（含冷藏冷冻食品）"),
        ),
        "holder_birth_date": dt.date(1990, 5, 1),
    }
    values.update(overrides)
    return LicenceDocument(**values)


def holder_key() -> JWK:
    return JWK.generate(kty="EC", crv="P-256")


def public(key: JWK) -> dict[str, Any]:
    return key.export_public(as_dict=True)


def issue(document: LicenceDocument | None = None, key: JWK | None = None, now: dt.datetime | None = None) -> str:
    return credential_issue(
        document or make_document(),
        holder_jwk=public(key or holder_key()),
        issuer=ISSUER,
        status_uri=STATUS_URI,
        now=now or timezone.now(),
    )


def present(credential: str, key: JWK, disclose: dict[str, Any], *, nonce: str, aud: str = VERIFIER) -> str:
    """The third-party holder's presentation (its KB-JWT `iat` is the real time)."""
    holder = SDJWTHolder(credential)
    holder.create_presentation(disclose, nonce=nonce, aud=aud, holder_key=key, sign_alg="ES256")
    return str(holder.sd_jwt_presentation)


def bind(body: str, key: JWK, *, nonce: str, aud: str = VERIFIER, iat: int | None = None, alg: str = "ES256") -> str:
    """A key binding JWT over `body` (`<jwt>~<disclosures>~`) made by hand, for tests that need one the
    holder library would not make."""
    payload = {"nonce": nonce, "aud": aud, "iat": iat or int(time.time()), "sd_hash": disclosure_digest(body)}
    jws = JWS(json.dumps(payload))
    jws.add_signature(key, alg=alg, protected=json.dumps({"alg": alg, "typ": "kb+jwt"}))
    return body + jws.serialize(compact=True)


def status_lookup(statuses: dict[int, int], now: dt.datetime | None = None) -> Any:
    """What an offline verifier does: fetch the signed list once, then look entries up in it."""
    now = now or timezone.now()
    token = status_list_token(uri=STATUS_URI, statuses=statuses, size=16384, now=now)
    keys = issuer_jwks()
    return lambda uri, idx: status_list_lookup(token, idx, keys, uri=uri, now=now)


def third_party_key_callback(issuer: str, header: dict[str, Any]) -> JWK:
    metadata = issuer_metadata(ISSUER)  # what GET /.well-known/jwt-vc-issuer serves
    assert issuer == metadata["issuer"]
    return JWK(**next(k for k in metadata["jwks"]["keys"] if k["kid"] == header["kid"]))


def refusal(result: Any) -> tuple[str, str]:
    assert not result.valid
    failed = result.refusal
    return failed.name, f"{failed.detail} / {failed.detail_en}"


# ---- a verifier that is not ours ------------------------------------------------------------------------


def test_the_sd_jwt_package_verifies_a_credential_and_a_key_bound_presentation_with_our_published_keys():
    key = holder_key()
    credential = issue(key=key)

    everything = SDJWTVerifier(credential, third_party_key_callback).get_verified_payload()
    assert everything["holder_name"] == "张三"
    assert everything["face"]["address"].startswith("浙江省湖州市")
    assert everything["age_over_18"] is True
    assert everything["vct"] == f"{ISSUER}/vct/{TYPE_CODE}"
    assert everything["cnf"]["jwk"]["x"] == public(key)["x"]

    presentation = present(credential, key, {"holder_name": True, "face": {"address": True}}, nonce="n-1")
    verifier = SDJWTVerifier(presentation, third_party_key_callback, expected_aud=VERIFIER, expected_nonce="n-1")
    shown = verifier.get_verified_payload()
    assert shown["holder_name"] == "张三"
    assert set(shown["face"]) == {"address"}
    assert "holder_code" not in shown and "number" not in shown and "licence_id" not in shown

    with pytest.raises(ValueError, match="nonce"):
        SDJWTVerifier(presentation, third_party_key_callback, expected_aud=VERIFIER, expected_nonce="other")


def test_our_verifier_accepts_the_presentation_and_lists_what_was_disclosed():
    key = holder_key()
    presentation = present(issue(key=key), key, {"holder_name": True, "face": {"address": True}}, nonce="n-2")

    result = presentation_verify(
        presentation, nonce="n-2", audience=VERIFIER, now=timezone.now(), status_lookup=status_lookup({})
    )

    assert result.valid, result.checks
    assert [c.name for c in result.checks] == list(PRESENTATION_CHECKS)
    assert all(c.ok and c.detail and c.detail_en for c in result.checks)
    assert result.disclosed == {"holder_name": "张三", "face": {"address": "浙江省湖州市德清县武康街道永安街 58 号"}}
    assert result.licence_id is None  # not disclosed
    assert result.holder_key_thumbprint == key.thumbprint()
    assert result.claims["type_name"] == "食品经营许可证"
    assert is_valid_on(result.claims, timezone.localdate(), VALID)
    assert not is_valid_on(result.claims, timezone.localdate(), INVALID)
    assert not is_valid_on(result.claims, timezone.localdate() + dt.timedelta(days=6 * 365), VALID)


@pytest.mark.parametrize(
    ("make_key", "alg"),
    [
        (lambda: JWK.generate(kty="OKP", crv="Ed25519"), "EdDSA"),
        (lambda: JWK.generate(kty="RSA", size=2048), "PS256"),
    ],
)
def test_holder_keys_of_the_other_kinds_bind_too(make_key, alg):
    key = make_key()
    jwt, *disclosures, _ = issue(key=key).split("~")
    presentation = bind("~".join([jwt, disclosures[2]]) + "~", key, nonce="n-okp", alg=alg)
    result = presentation_verify(
        presentation, nonce="n-okp", audience=VERIFIER, now=timezone.now(), status_lookup=status_lookup({})
    )
    assert result.valid, result.checks
    assert result.disclosed == {"holder_name": "张三"} and result.holder_key_thumbprint == key.thumbprint()


def test_the_credential_shows_nothing_personal_until_disclosed():
    credential = issue()
    jwt, *disclosures, _ = credential.split("~")
    header = json.loads(b64url_decode(jwt.split(".")[0]))
    payload_text = b64url_decode(jwt.split(".")[1]).decode()
    payload = json.loads(payload_text)

    assert header["typ"] == "dc+sd-jwt" and header["alg"] == "ES256" and header["kid"] == credential_key().kid
    assert payload["iss"] == ISSUER and payload["_sd_alg"] == "sha-256"
    assert payload["status"] == {"status_list": {"idx": 4097, "uri": STATUS_URI}}
    assert payload["exp"] > payload["iat"] > payload["nbf"]
    for secret in ("张三", "330521199005011234", "JY13305210012345", "永安街", "1.2.156.3005.2"):
        assert secret not in payload_text
    assert len(disclosures) == 9  # licence_id, number, name, code, issued_on, jurisdiction, age, 2 face fields


def test_age_over_18_is_derived_at_issuance():
    today = timezone.localdate()
    minor = make_document(holder_birth_date=today.replace(year=today.year - 17))
    claims = SDJWTVerifier(issue(minor), third_party_key_callback).get_verified_payload()
    assert claims["age_over_18"] is False

    unknown = SDJWTVerifier(issue(make_document(holder_birth_date=None)), third_party_key_callback)
    assert "age_over_18" not in unknown.get_verified_payload()


def test_a_private_key_as_holder_key_is_refused():
    with pytest.raises(ValidationFailed) as refused:
        credential_issue(
            make_document(),
            holder_jwk=holder_key().export(as_dict=True, private_key=True),
            issuer=ISSUER,
            status_uri=STATUS_URI,
            now=timezone.now(),
        )
    message = refused.value.fields["holder_jwk"][0]
    assert "私钥" in message and "never send a private key" in message

    for bad in ({"kty": "EC", "crv": "P-384", "x": "AA", "y": "AA"}, {"kty": "oct", "k": "c2VjcmV0"}, "not a key"):
        with pytest.raises(ValidationFailed) as refused:
            credential_issue(make_document(), holder_jwk=bad, issuer=ISSUER, status_uri=STATUS_URI, now=timezone.now())  # type: ignore[arg-type]
        assert refused.value.fields["holder_jwk"]


def test_no_credential_for_a_revoked_licence():
    with pytest.raises(ValidationFailed) as refused:
        issue(make_document(status="revoked"))
    assert "licence" in refused.value.fields


# ---- refusals ---------------------------------------------------------------------------------------------


def test_a_forged_disclosure_is_refused():
    key = holder_key()
    credential = issue(key=key)
    jwt, *_ = credential.split("~")
    forged = disclosure_make("holder_name", "李四")
    body = "~".join([jwt, forged.encoded]) + "~"

    result = presentation_verify(
        bind(body, key, nonce="n-3"), nonce="n-3", audience=VERIFIER, now=timezone.now(), status_lookup=None
    )
    name, message = refusal(result)
    assert name == "disclosures" and "伪造" in message and "forged" in message
    assert result.disclosed == {}


@pytest.mark.parametrize(
    ("nonce", "audience", "check", "words"),
    [
        ("n-4", "https://someone-else.example", "audience", "wrong audience"),
        ("n-other", VERIFIER, "nonce", "nonce does not match"),
    ],
)
def test_wrong_audience_or_nonce_is_refused(nonce, audience, check, words):
    key = holder_key()
    presentation = present(issue(key=key), key, {"holder_name": True}, nonce="n-4")
    result = presentation_verify(presentation, nonce=nonce, audience=audience, now=timezone.now(), status_lookup=None)
    name, message = refusal(result)
    assert name == check and words in message


def test_a_replayed_nonce_is_refused():
    key = holder_key()
    presentation = present(issue(key=key), key, {"holder_name": True}, nonce="n-5")
    lookup = status_lookup({})
    first = presentation_verify(presentation, nonce="n-5", audience=VERIFIER, now=timezone.now(), status_lookup=lookup)
    again = presentation_verify(presentation, nonce="n-5", audience=VERIFIER, now=timezone.now(), status_lookup=lookup)
    assert first.valid
    assert refusal(again) == ("replay", "随机数已使用（重放） / nonce already used (replay)")


def test_an_expired_presentation_is_refused():
    key = holder_key()
    jwt, *disclosures, _ = issue(key=key).split("~")
    body = "~".join([jwt, *disclosures]) + "~"
    stale = bind(body, key, nonce="n-6", iat=int(time.time()) - 6 * 60)
    result = presentation_verify(stale, nonce="n-6", audience=VERIFIER, now=timezone.now(), status_lookup=None)
    name, message = refusal(result)
    assert name == "freshness" and "5 分钟" in message


def test_an_expired_credential_is_refused():
    key = holder_key()
    presentation = present(issue(key=key), key, {}, nonce="n-7")
    six_years_on = timezone.now() + dt.timedelta(days=6 * 365)
    result = presentation_verify(presentation, nonce="n-7", audience=VERIFIER, now=six_years_on, status_lookup=None)
    assert refusal(result) == ("validity_period", "证照凭证已过期 / the credential has expired")


@pytest.mark.parametrize(
    ("value", "words"), [(INVALID, "证照已撤销"), (SUSPENDED, "证照已暂扣 / the licence is suspended")]
)
def test_a_revoked_or_suspended_licence_is_refused_through_the_status_list(value, words):
    key = holder_key()
    presentation = present(issue(key=key), key, {"holder_name": True}, nonce="n-8")
    lookup = status_lookup({4097: value, 4096: VALID, 4098: SUSPENDED})
    result = presentation_verify(presentation, nonce="n-8", audience=VERIFIER, now=timezone.now(), status_lookup=lookup)
    name, message = refusal(result)
    assert name == "status" and words in message
    assert all(c.ok for c in result.checks if c.name != "status")


def test_a_licence_of_another_holder_is_refused():
    owner, thief = holder_key(), holder_key()
    stolen = issue(key=owner)
    presentation = present(stolen, thief, {"holder_name": True}, nonce="n-9")
    result = presentation_verify(presentation, nonce="n-9", audience=VERIFIER, now=timezone.now(), status_lookup=None)
    name, message = refusal(result)
    assert name == "key_binding" and "not signed by the holder's key" in message


def test_a_credential_signed_by_a_foreign_key_is_refused():
    key, foreign = holder_key(), JWK.generate(kty="EC", crv="P-256")
    claims = {"iss": ISSUER, "vct": f"{ISSUER}/vct/{TYPE_CODE}", SDObj("holder_name"): "张三"}
    claims["status"] = {"status_list": {"idx": 1, "uri": STATUS_URI}}
    for kid, words in ((credential_key().kid, "签名无效"), (foreign.thumbprint(), "does not publish")):
        forged = SDJWTIssuer(
            claims, foreign, holder_key=key, extra_header_parameters={"typ": "dc+sd-jwt", "kid": kid}
        ).sd_jwt_issuance
        presentation = present(forged, key, {"holder_name": True}, nonce=f"n-{kid}")
        result = presentation_verify(
            presentation, nonce=f"n-{kid}", audience=VERIFIER, now=timezone.now(), status_lookup=None
        )
        name, message = refusal(result)
        assert name == "issuer_signature" and words in message
        assert [c.name for c in result.checks] == list(PRESENTATION_CHECKS)  # later checks listed as not run


@pytest.mark.parametrize(
    "garbage",
    ["", "~", "abc", "a.b.c~", "a.b.c~x~y", "eyJ9.eyJ9.AA~~", None, 42, "x" * 70000, "~" * 10],
)
def test_garbage_is_refused_without_an_exception(garbage):
    result = presentation_verify(garbage, nonce="n", audience=VERIFIER, now=timezone.now(), status_lookup=None)
    assert not result.valid and result.checks[0].name == "format" and not result.checks[0].ok
    shown = show_token_verify(garbage, now=timezone.now())
    assert not shown.valid and shown.checks[0].name == "format"


# ---- 亮证 -------------------------------------------------------------------------------------------------


def test_a_show_code_carries_only_what_the_holder_chose_and_fits_a_qr_code():
    now = timezone.now()
    token = show_token_issue(
        make_document(), disclose=["holder_name", "number", "face.business_scope"], now=now, issuer=ISSUER
    )

    result = show_token_verify(token, now=now + dt.timedelta(minutes=4), status_lookup=status_lookup({}, now))
    assert result.valid, result.checks
    assert result.disclosed == {
        "holder_name": "张三",
        "number": "JY13305210012345",
        "face": {"business_scope": "预包装食品销售（含冷藏冷冻食品）"},
    }
    assert result.claims["type_name"] == "食品经营许可证" and result.claims["purpose"] == "show"
    assert "永安街" not in json.dumps(result.claims, ensure_ascii=False)

    qr = show_qr(token)
    # ~1,200 characters: a version 28–29 QR code (129–133 modules a side) at level M; see the bench.
    assert qr.error == "M" and qr.version <= 30, (len(token), qr.version)
    assert show_qr_svg(token).startswith("<svg")


def test_an_expired_show_code_is_refused():
    now = timezone.now()
    token = show_token_issue(make_document(), disclose=["holder_name"], now=now, issuer=ISSUER)
    result = show_token_verify(token, now=now + dt.timedelta(minutes=6), status_lookup=status_lookup({}, now))
    assert refusal(result) == (
        "show_expiry",
        "亮证码已过期，请让持证人刷新 / the code has expired; ask the holder to refresh it",
    )


def test_a_forged_show_code_is_refused():
    now = timezone.now()
    token = show_token_issue(make_document(), disclose=["holder_name"], now=now, issuer=ISSUER)
    jwt, disclosure, _ = token.split("~")
    header, payload, signature = jwt.split(".")
    claims = json.loads(b64url_decode(payload))
    claims["valid_until"] = "2099-12-31"
    tampered = ".".join([header, b64url_encode(json.dumps(claims).encode()), signature]) + f"~{disclosure}~"
    name, message = refusal(show_token_verify(tampered, now=now, status_lookup=status_lookup({}, now)))
    assert name == "issuer_signature" and "篡改" in message

    other = show_token_issue(make_document(holder_name="李四"), disclose=["holder_name"], now=now, issuer=ISSUER)
    swapped = f"{jwt}~{other.split('~')[1]}~"
    name, message = refusal(show_token_verify(swapped, now=now, status_lookup=status_lookup({}, now)))
    assert name == "disclosures" and "forged" in message


def test_a_show_code_of_a_revoked_licence_is_refused_and_a_credential_is_no_show_code():
    now = timezone.now()
    token = show_token_issue(make_document(), disclose=["holder_name"], now=now, issuer=ISSUER)
    name, message = refusal(show_token_verify(token, now=now, status_lookup=status_lookup({4097: INVALID}, now)))
    assert name == "status" and "the licence is revoked" in message

    name, _ = refusal(show_token_verify(issue(now=now), now=now))
    assert name == "purpose"


def test_a_show_code_names_only_claims_of_the_licence():
    with pytest.raises(ValidationFailed) as refused:
        show_token_issue(make_document(), disclose=["face.blood_type"], now=timezone.now())
    assert "face.blood_type" in refused.value.fields["disclose"][0]


# ---- the status list --------------------------------------------------------------------------------------


def test_status_list_matches_the_drafts_example():
    # draft-ietf-oauth-status-list §4.1: 2-bit statuses of indices 0–11, bytes 0xC9 0x44 0xF9.
    statuses = [1, 2, 0, 3, 0, 1, 0, 1, 1, 2, 3, 3]
    assert status_list_encode(dict(enumerate(statuses)), 12) == "eNo76fITAAPfAgc"
    assert status_list_encode(bytes(statuses), 12) == "eNo76fITAAPfAgc"


def test_status_list_round_trip_across_byte_boundaries():
    now = timezone.now()
    statuses = {0: 1, 3: 2, 4: 1, 7: 2, 8: 3, 1023: 1, 1024: 2, 16_383: 2, 16_380: 1}
    token = status_list_token(uri=STATUS_URI, statuses=statuses, size=16_384, now=now)
    header = json.loads(b64url_decode(token.split(".")[0]))
    payload = json.loads(b64url_decode(token.split(".")[1]))
    assert header["typ"] == "statuslist+jwt" and payload["sub"] == STATUS_URI and payload["status_list"]["bits"] == 2
    assert payload["exp"] > payload["iat"] and payload["ttl"] == 300
    keys = issuer_jwks()
    for idx in [*statuses, 1, 2, 5, 6, 9, 1022, 1025, 16_379, 16_381, 16_382]:
        assert status_list_lookup(token, idx, keys, uri=STATUS_URI, now=now) == statuses.get(idx, VALID), idx

    with pytest.raises(JoseError, match="outside"):
        status_list_lookup(token, 16_384, keys)
    with pytest.raises(JoseError, match="not the one"):
        status_list_lookup(token, 0, keys, uri=ISSUER + "/another-list")
    with pytest.raises(JoseError, match="expired"):
        status_list_lookup(token, 0, keys, now=now + dt.timedelta(days=2))
    foreign = JWK.generate(kty="EC", crv="P-256").export_public(as_dict=True)
    with pytest.raises(JoseError, match="invalid"):
        status_list_lookup(token, 0, {"keys": [{**foreign, "kid": header["kid"]}]})


def test_status_values_of_licence_statuses():
    assert status_value_of("valid") == VALID and status_value_of("suspended") == SUSPENDED
    assert {status_value_of(s) for s in ("revoked", "cancelled", "withdrawn", "expired", "?")} == {INVALID}


def _licences(statuses: list[str]) -> list[Licence]:
    department = Department.objects.create(code="dqscjgj", name="德清县市场监督管理局")
    licence_type = LicenceType.objects.create(
        code=TYPE_CODE,
        name="食品经营许可证",
        defining_authority="国家市场监督管理总局",
        defining_authority_code="11100000MB0143028R",
        holder_kind="business",
    )
    today = timezone.localdate()
    return Licence.objects.bulk_create(
        Licence(
            licence_id=licence_id_make(type_code=TYPE_CODE, issuer_code=ISSUER_CODE, serial=i + 1),
            licence_type=licence_type,
            issuer=department,
            issuer_name=department.name,
            issuer_code=ISSUER_CODE,
            holder_name_encrypted="",
            holder_code_encrypted="",
            holder_code_hash="",
            holder_code_type="001",
            number=f"JY{i:014d}",
            issued_on=today,
            valid_from=today,
            jurisdiction="330521",
            face_encrypted="",
            status=status,
            origin="issued",
            status_index=i * 3,
            digest="0" * 64,
        )
        for i, status in enumerate(statuses)
    )


def test_the_platforms_status_list_follows_the_database():
    licences = _licences(["valid", "revoked", "suspended", "valid", "expired"])
    now = timezone.now()

    token = status_list_current(STATUS_URI, now)
    keys = issuer_jwks()
    assert [status_list_lookup(token, lic.status_index, keys) for lic in licences] == [0, 1, 2, 0, 1]
    assert status_list_current(STATUS_URI, now + dt.timedelta(seconds=10)) == token  # unchanged: the cached token

    # restored, as the status service records it: the row and its history
    Licence.objects.filter(pk=licences[2].pk).update(status="valid", status_changed_at=now)
    LicenceEvent.objects.create(licence=licences[2], kind="restore", reason="暂扣期满", occurred_at=now)
    restored = status_list_current(STATUS_URI, now + dt.timedelta(seconds=20))
    assert restored != token
    assert status_list_lookup(restored, licences[2].status_index, keys) == VALID


def test_our_own_verifier_asks_the_database_when_given_no_list():
    licence = _licences(["revoked"])[0]
    key = holder_key()
    presentation = present(issue(make_document(status_index=licence.status_index), key=key), key, {}, nonce="n-10")
    result = presentation_verify(presentation, nonce="n-10", audience=VERIFIER, now=timezone.now(), status_lookup=None)
    assert refusal(result)[0] == "status"


# ---- the issuer key ---------------------------------------------------------------------------------------


def test_the_issuer_key_is_encrypted_at_rest_and_named_by_its_thumbprint():
    key = credential_key()
    assert credential_key().kid == key.kid  # one active key, created once
    row = IssuerKey.objects.get(kind="credential")
    assert "PRIVATE KEY" not in row.private_key_encrypted
    assert decrypt_text(row.private_key_encrypted).startswith("-----BEGIN PRIVATE KEY-----")
    assert key.kid == jwk_thumbprint(row.public_jwk) == JWK(**row.public_jwk).thumbprint()
    assert "d" not in row.public_jwk and issuer_jwks() == {"keys": [row.public_jwk]}
    assert issuer_metadata(ISSUER) == {"issuer": ISSUER, "jwks": {"keys": [row.public_jwk]}}

    with pytest.raises(IntegrityError):  # the database holds the rule: one active credential key
        IssuerKey.objects.create(
            kind="credential", kid="second", private_key_encrypted="x", public_jwk={}, created_at=timezone.now()
        )


def test_a_credential_signed_before_a_rotation_still_verifies():
    key = holder_key()
    before = issue(key=key)
    old_kid = credential_key().kid
    new_kid = credential_key_rotate().kid
    after = issue(key=key)

    assert new_kid != old_kid and credential_key().kid == new_kid
    assert [k["kid"] for k in issuer_jwks()["keys"]] == [new_kid, old_kid]
    lookup = status_lookup({})
    for number, credential in enumerate((before, after)):
        nonce = f"n-rot-{number}"
        presentation = present(credential, key, {"holder_name": True}, nonce=nonce)
        SDJWTVerifier(presentation, third_party_key_callback, expected_aud=VERIFIER, expected_nonce=nonce)
        result = presentation_verify(
            presentation, nonce=nonce, audience=VERIFIER, now=timezone.now(), status_lookup=lookup
        )
        assert result.valid, result.checks


def _at_once(count: int, work: Any) -> list[Any]:
    """Run `work()` in `count` threads released together, each on its own connection."""
    barrier = threading.Barrier(count, timeout=60)
    results: list[Any] = []
    errors: list[BaseException] = []

    def target() -> None:
        try:
            barrier.wait()
            results.append(work())
        except BaseException as error:  # re-raised in the test's thread
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=target) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    if errors:
        raise errors[0]
    return results


@pytest.mark.django_db(transaction=True)
def test_processes_creating_the_first_key_at_once_all_sign_with_one_key():
    kids = _at_once(8, lambda: credential_key().kid)
    assert len(set(kids)) == 1
    assert IssuerKey.objects.filter(kind="credential").count() == 1
    assert AuditEntry.objects.filter(action="licences.credential_key_create").count() == 1  # losers rolled back

    rotated = _at_once(4, lambda: credential_key_rotate().kid)
    active = IssuerKey.objects.filter(kind="credential", retired_at__isnull=True)
    assert active.count() == 1
    published = {k["kid"] for k in issuer_jwks()["keys"]}
    assert set(rotated) | set(kids) <= published  # whatever was handed out to sign with still verifies
