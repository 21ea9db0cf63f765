"""Verifying a presentation of a licence credential: SD-JWT + Key Binding JWT (RFC 9901 §7.1–§7.3).

A verifier (a department's system, a bank) sends the holder a fresh `nonce` and its own `audience`; the
wallet answers with `<issuer JWT>~<chosen disclosures>~<KB-JWT>`. `presentation_verify` answers whether
it is valid for that nonce and audience and which claims were disclosed, listing every check in Chinese
and English, in this order (a check that cannot run because an earlier one failed is listed as not run):

1. `format` — an SD-JWT in compact form ending in a KB-JWT; the issuer JWT has `typ: dc+sd-jwt`; every
   disclosure is base64url of a JSON array [salt, name, value] (RFC 9901 §4.2.1) or [salt, value].
2. `issuer_signature` — ES256 by a credential key the platform publishes (`issuer_jwks()`, by `kid`;
   retired keys included, RFC 9901 §7.1 step 2; the algorithm is fixed by the key, never by the token).
3. `validity_period` — `nbf` ≤ now < `exp` (a licence without end date has no `exp`).
4. `disclosures` — every disclosure's digest is in the signed payload, directly or inside another
   disclosure; no digest twice; a disclosed name never overrides a visible claim or is `_sd`/`...`
   (§7.1 steps 3–5: a disclosure that the issuer did not sign is a forgery).
5. `key_binding` — the KB-JWT (`typ: kb+jwt`) is signed by the key in `cnf.jwk` (§7.3): whoever presents
   must hold the holder's private key, so another person's credential is refused.
6. `audience`, 7. `nonce` — equal to what the verifier expects (§7.3 step 5).
8. `freshness` — the KB-JWT's `iat` is within five minutes of now, either way.
9. `sd_hash` — SHA-256 of `<issuer JWT>~<disclosures>~` as presented (§4.3.1): the disclosures cannot be
   swapped under a key binding.
10. `replay` — the (audience, nonce) pair is used once: recorded with `cache.add` in the default cache
    (Redis in production, so shared by every process) for longer than the freshness window.
11. `status` — the credential's Token Status List entry (draft-ietf-oauth-status-list §8): VALID
    passes; INVALID (revoked, cancelled, withdrawn, expired) and SUSPENDED are refused.

Nothing here raises on bad input: every problem is a failed check.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.cache import caches

from govplus.licences.checks import Check
from govplus.licences.credentials import RESERVED_NAMES, SD_ALG, SEPARATOR, TYP, disclosure_digest
from govplus.licences.issuer_keys import ALGORITHM, issuer_public_key
from govplus.licences.jose import (
    ALGORITHMS,
    JoseError,
    b64url_decode,
    cached_public_key,
    json_value,
    jws_parse,
    signature_valid,
)
from govplus.licences.status_list import INVALID, SUSPENDED, VALID, status_of_index

KB_TYP = "kb+jwt"
FRESHNESS_SECONDS = 300
NONCE_KEEP_SECONDS = 2 * FRESHNESS_SECONDS + 60
MAX_LENGTH = 64 * 1024

StatusLookup = Callable[[str, int], int]

PRESENTATION_CHECKS = (
    "format",
    "issuer_signature",
    "validity_period",
    "disclosures",
    "key_binding",
    "audience",
    "nonce",
    "freshness",
    "sd_hash",
    "replay",
    "status",
)


@dataclass(frozen=True)
class PresentationResult:
    """`valid` only when every check passed. `disclosed` holds the selectively disclosed claims (face
    fields under "face") and `claims` the visible and disclosed claims together; both are filled once the
    issuer's signature and the disclosures are verified, so they are the issuer's own words even when a
    later check (the key binding, the status) refuses — show them, but rely on them only when `valid`."""

    valid: bool
    checks: list[Check]
    disclosed: dict[str, Any]
    licence_id: str | None
    holder_key_thumbprint: str | None
    claims: dict[str, Any] = field(default_factory=dict)

    @property
    def refusal(self) -> Check | None:
        return next((c for c in self.checks if not c.ok), None)


class Refused(Exception):
    def __init__(self, check: Check) -> None:
        super().__init__(check.detail_en)
        self.check = check


class Ledger:
    """The checks of one verification, in a fixed order; `fail` stops the run."""

    def __init__(self, names: Sequence[str]) -> None:
        self.names = names
        self.checks: list[Check] = []

    def passed(self, name: str, detail: str, detail_en: str) -> None:
        self.checks.append(Check(name, True, detail, detail_en))

    def fail(self, name: str, detail: str, detail_en: str) -> Refused:
        return Refused(Check(name, False, detail, detail_en))

    def finished(self, refused: Check | None) -> list[Check]:
        checks = self.checks + ([refused] if refused is not None else [])
        done = {c.name for c in checks}
        not_run = ("未核验（前一项未通过）", "not checked (an earlier check failed)")
        return checks + [Check(n, False, *not_run, checked=False) for n in self.names if n not in done]


@dataclass
class SdJwt:
    """An SD-JWT as received, split and decoded but not yet trusted."""

    issuer_jwt: str
    header: dict[str, Any]
    payload: dict[str, Any]
    signing_input: bytes
    signature: bytes
    disclosures: list[tuple[str, str, list[Any]]]  # (as sent, digest, decoded)
    key_binding_jwt: str
    claims: dict[str, Any] = field(default_factory=dict)
    disclosed: dict[str, Any] = field(default_factory=dict)


def sd_jwt_parse(text: Any, ledger: Ledger, *, key_binding: bool) -> SdJwt:
    """Check 1 (`format`): split and decode, refusing anything malformed."""
    name = "format"
    if not isinstance(text, str) or not text or len(text) > MAX_LENGTH:
        raise ledger.fail(name, "不是有效的凭证（为空或过长）", "not a credential (empty or too long)")
    parts = text.strip().split(SEPARATOR)
    if len(parts) < 2:
        raise ledger.fail(name, "不是 SD-JWT（缺少“~”分隔）", "not an SD-JWT (no '~' separator)")
    if key_binding and not parts[-1]:
        raise ledger.fail(name, "缺少持证人的密钥绑定（KB-JWT）", "the holder's key binding JWT (KB-JWT) is missing")
    if not key_binding and parts[-1]:
        raise ledger.fail(name, "格式不正确：末尾不应有密钥绑定", "malformed: no key binding JWT is expected")
    try:
        header, payload, signing_input, signature = jws_parse(parts[0])
        disclosures = []
        for encoded in parts[1:-1]:
            decoded = json_value(b64url_decode(encoded))
            if not _disclosure_shape_ok(decoded):
                raise JoseError("披露项格式不正确", "a disclosure is malformed")
            disclosures.append((encoded, disclosure_digest(encoded), decoded))
    except JoseError as error:
        raise ledger.fail(name, f"格式不正确：{error.zh}", f"malformed: {error.en}") from error
    if header.get("typ") != TYP:
        raise ledger.fail(
            name, "不是证照凭证（typ 应为 dc+sd-jwt）", "not a licence credential (typ must be dc+sd-jwt)"
        )
    ledger.passed(name, "格式正确", "well-formed SD-JWT")
    return SdJwt(parts[0], header, payload, signing_input, signature, disclosures, parts[-1])


def _disclosure_shape_ok(decoded: Any) -> bool:
    if not isinstance(decoded, list) or not decoded or not isinstance(decoded[0], str):
        return False
    return len(decoded) == 2 or (len(decoded) == 3 and isinstance(decoded[1], str))


def issuer_signature_check(sd_jwt: SdJwt, ledger: Ledger) -> None:
    name = "issuer_signature"
    kid = sd_jwt.header.get("kid")
    if sd_jwt.header.get("alg") != ALGORITHM or not isinstance(kid, str):
        raise ledger.fail(name, "签名算法或密钥标识不正确", f"the signature must be {ALGORITHM} with a kid")
    key = issuer_public_key(kid)
    if key is None:
        raise ledger.fail(
            name, "签名密钥不是本平台公布的密钥，不是本平台签发", "signed by a key this platform does not publish"
        )
    if not signature_valid(ALGORITHM, key, sd_jwt.signing_input, sd_jwt.signature):
        raise ledger.fail(
            name, "签名无效：内容被篡改或不是本平台签发", "the signature is invalid: altered or not issued here"
        )
    ledger.passed(name, "签发机构签名有效", "the issuer's signature is valid")


def disclosures_check(sd_jwt: SdJwt, ledger: Ledger) -> None:
    """Check 4: rebuild the claims from the payload and the disclosures (RFC 9901 §7.1 steps 3–5)."""
    name = "disclosures"
    algorithm = sd_jwt.payload.get("_sd_alg", SD_ALG)
    if algorithm != SD_ALG:
        raise ledger.fail(name, "不支持的摘要算法", f"unsupported digest algorithm {algorithm!r}")
    by_digest = {digest: decoded for _, digest, decoded in sd_jwt.disclosures}
    if len(by_digest) != len(sd_jwt.disclosures):
        raise ledger.fail(name, "同一披露项出现两次", "a disclosure is sent twice")
    unpacker = _Unpacker(by_digest)
    try:
        claims = unpacker.unpack(sd_jwt.payload, ())
    except ValueError as error:
        raise ledger.fail(name, f"披露项无效：{error.args[0]}", f"invalid disclosures: {error.args[1]}") from error
    claims.pop("_sd_alg", None)
    if unpacker.used != set(by_digest):
        raise ledger.fail(
            name, "有披露项不属于签发的凭证（伪造的披露）", "a disclosure is not part of the signed credential (forged)"
        )
    sd_jwt.claims, sd_jwt.disclosed = claims, unpacker.disclosed
    ledger.passed(name, f"{len(by_digest)} 项披露均属于签发的凭证", f"all {len(by_digest)} disclosures are signed")


class _Unpacker:
    def __init__(self, by_digest: dict[str, list[Any]]) -> None:
        self.by_digest = by_digest
        self.seen: set[str] = set()
        self.used: set[str] = set()
        self.disclosed: dict[str, Any] = {}

    def _take(self, digest: Any) -> list[Any] | None:
        if not isinstance(digest, str):
            raise ValueError("摘要不是字符串", "a digest is not a string")
        if digest in self.seen:
            raise ValueError("同一摘要出现两次", "a digest appears twice")
        self.seen.add(digest)
        decoded = self.by_digest.get(digest)
        if decoded is not None:
            self.used.add(digest)
        return decoded

    def _record(self, path: tuple[str, ...], value: Any) -> None:
        target = self.disclosed
        for part in path[:-1]:
            target = target.setdefault(part, {})
        target[path[-1]] = value

    def unpack(self, node: Any, path: tuple[str, ...]) -> Any:
        if isinstance(node, dict):
            digests = node.get("_sd", [])
            if not isinstance(digests, list):
                raise ValueError("_sd 应为数组", "_sd must be an array")
            out = {k: self.unpack(v, (*path, k)) for k, v in node.items() if k not in ("_sd", "...")}
            for digest in digests:
                decoded = self._take(digest)
                if decoded is None:
                    continue  # not disclosed
                if len(decoded) != 3:
                    raise ValueError("数组元素的披露用在了对象中", "an array-element disclosure used for a property")
                _, claim, value = decoded
                if claim in RESERVED_NAMES or claim in out:
                    raise ValueError(f"披露项名称冲突：{claim}", f"the disclosed name {claim!r} is reserved or taken")
                out[claim] = self.unpack(value, (*path, claim))
                self._record((*path, claim), out[claim])
            return out
        if isinstance(node, list):
            items = []
            for element in node:
                if isinstance(element, dict) and set(element) == {"..."}:
                    decoded = self._take(element["..."])
                    if decoded is None:
                        continue
                    if len(decoded) != 2:
                        raise ValueError(
                            "对象属性的披露用在了数组中", "a property disclosure used for an array element"
                        )
                    items.append(self.unpack(decoded[1], path))
                else:
                    items.append(self.unpack(element, path))
            return items
        return node


def _timestamp(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def validity_check(sd_jwt: SdJwt, ledger: Ledger, now: dt.datetime) -> None:
    name = "validity_period"
    moment = now.timestamp()
    not_before, expires = _timestamp(sd_jwt.payload.get("nbf")), _timestamp(sd_jwt.payload.get("exp"))
    if "nbf" in sd_jwt.payload and (not_before is None or moment < not_before):
        raise ledger.fail(name, "证照尚未生效", "the licence is not valid yet")
    if "exp" in sd_jwt.payload and (expires is None or moment >= expires):
        raise ledger.fail(name, "证照凭证已过期", "the credential has expired")
    ledger.passed(name, "在有效期内", "within its validity period")


def status_check(sd_jwt: SdJwt, ledger: Ledger, lookup: StatusLookup | None) -> None:
    name = "status"
    reference = sd_jwt.payload.get("status")
    status_list = reference.get("status_list") if isinstance(reference, dict) else None
    idx = status_list.get("idx") if isinstance(status_list, dict) else None
    uri = status_list.get("uri") if isinstance(status_list, dict) else None
    if not isinstance(idx, int) or isinstance(idx, bool) or not isinstance(uri, str):
        raise ledger.fail(name, "凭证没有指向状态列表", "the credential does not point to a status list")
    try:
        value = lookup(uri, idx) if lookup is not None else status_of_index(idx)
    except JoseError as error:
        raise ledger.fail(name, f"无法核验证照状态：{error.zh}", f"the status cannot be checked: {error.en}") from error
    except Exception as error:  # a verifier's lookup that fails (network, a missing list) is a refusal
        raise ledger.fail(name, "无法核验证照状态", f"the status cannot be checked ({type(error).__name__})") from error
    if value == INVALID:
        raise ledger.fail(
            name, "证照已撤销（或已注销、吊销、失效）", "the licence is revoked (or cancelled, withdrawn or expired)"
        )
    if value == SUSPENDED:
        raise ledger.fail(name, "证照已暂扣", "the licence is suspended")
    if value != VALID:
        raise ledger.fail(name, f"证照状态未知（{value}）", f"unknown licence status {value}")
    ledger.passed(name, "证照状态有效", "the licence's status is valid")


def key_binding_checks(
    sd_jwt: SdJwt, ledger: Ledger, *, nonce: str, audience: str, now: dt.datetime
) -> tuple[str, dict[str, Any]]:
    """Checks 5–9; returns the holder key's RFC 7638 thumbprint and the KB-JWT's payload."""
    name = "key_binding"
    confirmation = sd_jwt.payload.get("cnf")
    jwk = confirmation.get("jwk") if isinstance(confirmation, dict) else None
    try:
        thumbprint, holder_key = cached_public_key(jwk)
        header, payload, signing_input, signature = jws_parse(sd_jwt.key_binding_jwt)
    except JoseError as error:
        raise ledger.fail(name, f"密钥绑定无效：{error.zh}", f"invalid key binding: {error.en}") from error
    if header.get("typ") != KB_TYP:
        raise ledger.fail(name, "密钥绑定的 typ 应为 kb+jwt", "the key binding JWT's typ must be kb+jwt")
    kty = jwk.get("kty") if isinstance(jwk, dict) else None
    if header.get("alg") not in ALGORITHMS.get(str(kty), ()) or not signature_valid(
        header.get("alg"), holder_key, signing_input, signature
    ):
        raise ledger.fail(
            name,
            "密钥绑定不是持证人的密钥所签（可能是他人的证照）",
            "the key binding is not signed by the holder's key (someone else's licence?)",
        )
    ledger.passed(name, "由持证人的密钥签名", "signed by the holder's key")
    if payload.get("aud") != audience:
        raise ledger.fail(
            "audience", "接收方不符：此出示不是给本核验方的", "wrong audience: not presented to this verifier"
        )
    ledger.passed("audience", "接收方一致", "audience matches")
    if payload.get("nonce") != nonce:
        raise ledger.fail("nonce", "随机数不符", "the nonce does not match")
    ledger.passed("nonce", "随机数一致", "nonce matches")
    issued = _timestamp(payload.get("iat"))
    if issued is None or abs(now.timestamp() - issued) > FRESHNESS_SECONDS:
        raise ledger.fail(
            "freshness", "出示已过期（超过 5 分钟），请重新出示", "the presentation is stale (over 5 minutes)"
        )
    ledger.passed("freshness", "出示时间在 5 分钟内", "presented within 5 minutes")
    presented = SEPARATOR.join([sd_jwt.issuer_jwt, *(encoded for encoded, _, _ in sd_jwt.disclosures)]) + SEPARATOR
    if payload.get("sd_hash") != disclosure_digest(presented):
        raise ledger.fail("sd_hash", "密钥绑定与所出示的内容不符", "the key binding does not cover what was presented")
    ledger.passed("sd_hash", "密钥绑定覆盖所出示的内容", "the key binding covers the presentation")
    return thumbprint, payload


def nonce_claim(*, nonce: str, audience: str) -> bool:
    """Record (audience, nonce) as used; False when it already was (a replay)."""
    key = "licences:nonce:" + hashlib.sha256(f"{audience}\0{nonce}".encode()).hexdigest()
    return bool(caches["default"].add(key, 1, timeout=NONCE_KEEP_SECONDS))


def result_of(
    ledger: Ledger, refused: Check | None, sd_jwt: SdJwt | None, thumbprint: str | None
) -> PresentationResult:
    checks = ledger.finished(refused)
    disclosed = sd_jwt.disclosed if sd_jwt is not None else {}
    licence_id = disclosed.get("licence_id")
    return PresentationResult(
        valid=refused is None and all(c.ok for c in checks),
        checks=checks,
        disclosed=disclosed,
        licence_id=licence_id if isinstance(licence_id, str) else None,
        holder_key_thumbprint=thumbprint,
        claims=sd_jwt.claims if sd_jwt is not None else {},
    )


def presentation_verify(
    presentation: str, *, nonce: str, audience: str, now: dt.datetime, status_lookup: StatusLookup | None
) -> PresentationResult:
    """Verify a holder's presentation for `nonce` and `audience` (see the module docstring).

    `status_lookup(uri, idx)` returns the Token Status List value of an entry — e.g. from a list fetched
    and checked with `status_list.status_list_lookup`; None asks the platform's own database."""
    ledger = Ledger(PRESENTATION_CHECKS)
    sd_jwt: SdJwt | None = None
    thumbprint: str | None = None
    try:
        if not isinstance(nonce, str) or not nonce or not isinstance(audience, str) or not audience:
            raise ledger.fail("format", "核验方未给出随机数或接收方", "the verifier gave no nonce or audience")
        sd_jwt = sd_jwt_parse(presentation, ledger, key_binding=True)
        issuer_signature_check(sd_jwt, ledger)
        validity_check(sd_jwt, ledger, now)
        disclosures_check(sd_jwt, ledger)
        thumbprint, _ = key_binding_checks(sd_jwt, ledger, nonce=nonce, audience=audience, now=now)
        if not nonce_claim(nonce=nonce, audience=audience):
            raise ledger.fail("replay", "随机数已使用（重放）", "nonce already used (replay)")
        ledger.passed("replay", "随机数首次使用", "first use of this nonce")
        status_check(sd_jwt, ledger, status_lookup)
    except Refused as refusal:
        return result_of(ledger, refusal.check, sd_jwt, thumbprint)
    return result_of(ledger, None, sd_jwt, thumbprint)


def disclosed_names(disclosed: dict[str, Any]) -> Iterable[str]:
    """`face.address`-style names of what was disclosed (for listing to the verifier)."""
    for name, value in disclosed.items():
        if isinstance(value, dict):
            yield from (f"{name}.{inner}" for inner in disclosed_names(value))
        else:
            yield name
