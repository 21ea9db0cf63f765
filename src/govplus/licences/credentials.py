"""The licence as a verifiable credential: an SD-JWT VC (RFC 9901 "Selective Disclosure for JWTs" and
draft-ietf-oauth-sd-jwt-vc), signed with the platform's credential key and bound to a key of the holder.

What a credential says, and who sees what:
- Always visible (the verifier needs them to know what it holds, and SD-JWT VC §3.2.2.2 forbids hiding
  `iss`, `nbf`, `exp`, `cnf`, `vct`, `status`): `iss` (the platform's base URL), `vct`
  (`{iss}/vct/{type code}`, one per licence type), `iat`, `nbf` (the first day of validity, 00:00 Beijing
  time), `exp` (the end of the last day of validity; absent for a licence valid without limit, 长期),
  `cnf.jwk` (the holder's public key, RFC 7800), `status.status_list` (`idx` = the licence's
  `status_index`, `uri` = the Token Status List, draft-ietf-oauth-status-list §6.2), `_sd_alg: sha-256`;
  and, because they say nothing about the person, the licence type (`type_code`, `type_name`,
  `type_name_en`), the holder code's type (`holder_code_type`, 111 or 001), the issuing authority
  (`issuer_name`, `issuer_code`) and the validity dates (`valid_from`, `valid_until`).
- Selectively disclosable, each its own disclosure (RFC 9901 §4.2.1, 128-bit salts, §9.3): `licence_id`
  (hidden by default: it is a stable identifier a verifier could correlate), `number`, `holder_name`,
  `holder_code`, `issued_on`, `jurisdiction`, `age_over_18`, and every face field, inside the object
  `face` (`face.<name>`, so a face field can never collide with a claim of the envelope).
- Derived claims, so a verifier need not see the data: `age_over_18` is computed at issuance from the
  holder's birth date (Beijing date of `iat`; born 29 February turns 18 on 1 March). It is only disclosed
  when the birth date is known. `true` stays true; a `false` is true only of the day of issue — a holder
  who turns 18 gets a fresh credential. Validity is not frozen into a boolean, because a "valid on the day
  of issue" flag would keep asserting validity after a revocation: `is_valid_on(claims, day, status)`
  answers from the visible dates and the status list entry, which is what the issue's `is_valid_on(date)`
  means and what a verifier can recompute offline.
- No decoy digests: the licence type is visible and fixes the number of face fields, so decoys would hide
  nothing (RFC 9901 §4.2.5 makes them optional).

A credential is issued only for a licence that is valid now, and only to a public key: a JWK with a
private member (`d` …) is refused, a private key sent to us is no longer private.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from govplus.core.errors import ValidationFailed
from govplus.licences.document import LicenceDocument
from govplus.licences.issuer_keys import ALGORITHM, credential_key
from govplus.licences.jose import JoseError, b64url_encode, json_bytes, jws_compact, public_jwk_minimal

TYP = "dc+sd-jwt"
SD_ALG = "sha-256"
SALT_BYTES = 16
BEIJING = ZoneInfo("Asia/Shanghai")
SEPARATOR = "~"
FACE = "face"
# Names a disclosure may never carry (RFC 9901 §4.2.1).
RESERVED_NAMES = frozenset({"_sd", "_sd_alg", "..."})
DISCLOSABLE = ("licence_id", "number", "holder_name", "holder_code", "issued_on", "jurisdiction", "age_over_18")


@dataclass(frozen=True)
class Disclosure:
    """One disclosure of an object property (RFC 9901 §4.2.1): base64url of [salt, name, value]."""

    name: str
    value: Any
    encoded: str
    digest: str


def disclosure_digest(encoded: str) -> str:
    """RFC 9901 §4.2.3: base64url(SHA-256(the disclosure as sent, ASCII))."""
    return b64url_encode(hashlib.sha256(encoded.encode("ascii")).digest())


def disclosure_make(name: str, value: Any) -> Disclosure:
    encoded = b64url_encode(json_bytes([b64url_encode(secrets.token_bytes(SALT_BYTES)), name, value]))
    return Disclosure(name=name, value=value, encoded=encoded, digest=disclosure_digest(encoded))


def credential_vct(issuer: str, type_code: str) -> str:
    """The verifiable credential type of a licence type: a URL under the issuer (SD-JWT VC §3.2.2.1.1)."""
    return f"{issuer.rstrip('/')}/vct/{type_code}"


def day_start(day: dt.date) -> int:
    """00:00 Beijing time of `day`, as a NumericDate: Chinese licences are dated in Beijing time."""
    return int(dt.datetime.combine(day, dt.time(), tzinfo=BEIJING).timestamp())


def beijing_date(moment: dt.datetime) -> dt.date:
    if moment.tzinfo is None:
        raise ValueError("an aware datetime is required")
    return moment.astimezone(BEIJING).date()


def age_reached(birth: dt.date, years: int, on: dt.date) -> bool:
    """True when a person born on `birth` is `years` old on `on` (born 29 February: on 1 March)."""
    try:
        birthday = birth.replace(year=birth.year + years)
    except ValueError:
        birthday = dt.date(birth.year + years, 3, 1)
    return on >= birthday


def is_valid_on(claims: Mapping[str, Any], day: dt.date, status: int) -> bool:
    """The derived claim `is_valid_on(day)`: the licence's visible dates cover `day` and its status list
    entry is VALID (0). `claims` are the processed claims of a verified credential."""
    try:
        valid_from = dt.date.fromisoformat(str(claims["valid_from"]))
        until = claims.get("valid_until")
        valid_until = dt.date.fromisoformat(str(until)) if until else None
    except (KeyError, ValueError):
        return False
    return status == 0 and valid_from <= day and (valid_until is None or day <= valid_until)


def _problem(field: str, zh: str, en: str) -> ValidationFailed:
    return ValidationFailed({field: [f"{zh} / {en}"]})


def licence_document_checked(document: LicenceDocument, *, now: dt.datetime) -> None:
    """A credential or a 亮证 code is only made for a licence that is valid today."""
    today = beijing_date(now)
    if document.status != "valid":
        raise _problem("licence", "证照不是有效状态，不能出具凭证", "the licence is not valid; no credential is issued")
    if document.valid_from > today or (document.valid_until is not None and document.valid_until < today):
        raise _problem("licence", "证照不在有效期内，不能出具凭证", "the licence is outside its validity period")
    for face_field in document.fields:
        if not face_field.name or face_field.name in RESERVED_NAMES:
            raise _problem(
                "licence", f"照面项名称不可用：{face_field.name}", f"unusable face field name {face_field.name!r}"
            )


def holder_jwk_checked(holder_jwk: Any) -> dict[str, Any]:
    """The holder's public key reduced to its defining members; bad or private keys are refused."""
    try:
        return public_jwk_minimal(holder_jwk)
    except JoseError as error:
        raise _problem("holder_jwk", error.zh, error.en) from error


def licence_claims(document: LicenceDocument, *, now: dt.datetime) -> tuple[dict[str, Any], dict[str, Any]]:
    """(visible claims, disclosable values) of a licence; face fields are disclosable as `face.<name>`."""
    visible: dict[str, Any] = {
        "type_code": document.type_code,
        "type_name": document.type_name,
        "type_name_en": document.type_name_en,
        "holder_code_type": document.holder_code_type,
        "issuer_name": document.issuer_name,
        "issuer_code": document.issuer_code,
        "valid_from": document.valid_from.isoformat(),
    }
    if document.valid_until is not None:
        visible["valid_until"] = document.valid_until.isoformat()
    disclosable: dict[str, Any] = {
        "licence_id": document.licence_id,
        "number": document.number,
        "holder_name": document.holder_name,
        "holder_code": document.holder_code,
        "issued_on": document.issued_on.isoformat(),
        "jurisdiction": document.jurisdiction,
    }
    if document.holder_birth_date is not None:
        disclosable["age_over_18"] = age_reached(document.holder_birth_date, 18, beijing_date(now))
    for face_field in document.fields:
        disclosable[f"{FACE}.{face_field.name}"] = face_field.value
    return visible, disclosable


def disclosable_names(document: LicenceDocument) -> list[str]:
    """What the holder may choose to show: the names `credential_issue` makes disclosable."""
    names = [name for name in DISCLOSABLE if name != "age_over_18" or document.holder_birth_date is not None]
    return names + [f"{FACE}.{f.name}" for f in document.fields]


def sd_jwt_sign(
    *, envelope: dict[str, Any], disclosed: Iterable[tuple[str, Any]], now: dt.datetime, name_sd_alg: bool = True
) -> str:
    """Sign `envelope` plus one disclosure per (name, value) with the active credential key.

    A name `face.<x>` goes into the `face` object; `name_sd_alg` False leaves `_sd_alg` to its default
    (sha-256, RFC 9901 §4.1.1). Returns `<JWT>~<disclosure>~…~` (RFC 9901 §4, no key binding)."""
    top: list[Disclosure] = []
    face: list[Disclosure] = []
    for name, value in disclosed:
        if name.startswith(FACE + "."):
            face.append(disclosure_make(name[len(FACE) + 1 :], value))
        else:
            top.append(disclosure_make(name, value))
    payload = dict(envelope)
    if top:
        payload["_sd"] = sorted(d.digest for d in top)  # sorted: the order reveals nothing (RFC 9901 §4.2.4.1)
    if face:
        payload[FACE] = {"_sd": sorted(d.digest for d in face)}
    if name_sd_alg:
        payload["_sd_alg"] = SD_ALG
    key = credential_key(now=now)
    jwt = jws_compact({"alg": ALGORITHM, "typ": TYP, "kid": key.kid}, payload, key.private_key)
    return SEPARATOR.join([jwt, *(d.encoded for d in top + face)]) + SEPARATOR


def credential_issue(
    document: LicenceDocument, *, holder_jwk: dict[str, Any], issuer: str, status_uri: str, now: dt.datetime
) -> str:
    """The SD-JWT VC of `document` for the holder of `holder_jwk`, every disclosure attached (the holder's
    wallet chooses which to present). Raises `ValidationFailed` on a private or malformed key, or a
    licence that is not valid today."""
    cnf_jwk = holder_jwk_checked(holder_jwk)
    licence_document_checked(document, now=now)
    visible, disclosable = licence_claims(document, now=now)
    envelope: dict[str, Any] = {
        "iss": issuer,
        "vct": credential_vct(issuer, document.type_code),
        "iat": int(now.timestamp()),
        "nbf": day_start(document.valid_from),
    }
    if document.valid_until is not None:
        envelope["exp"] = day_start(document.valid_until + dt.timedelta(days=1))
    envelope["cnf"] = {"jwk": cnf_jwk}
    envelope["status"] = {"status_list": {"idx": document.status_index, "uri": status_uri}}
    envelope.update(visible)
    return sd_jwt_sign(envelope=envelope, disclosed=disclosable.items(), now=now)
