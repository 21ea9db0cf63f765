"""亮证 (showing a licence): the wallet shows a QR code that itself carries a short-lived signed token, so a
window clerk or a shop verifies it offline with the published keys (`issuer_jwks()`), and sees only what
the holder chose to show.

The token is an SD-JWT (RFC 9901) signed by the platform's credential key, `typ: dc+sd-jwt`, with the
claim `purpose: "show"` and no key binding (a QR code cannot answer a verifier's nonce):
- visible: `iss`, `vct`, `iat`, `exp` = `iat` + 5 minutes, `status` (the licence's Token Status List
  entry), the licence type, the issuing authority and the validity dates;
- disclosed: only the claims the holder chose (`disclosable_names`), each a disclosure. Unlike a
  credential, the payload carries the digests of the chosen claims only: the token is minted for this one
  showing, so nothing else needs committing to, the code stays small, and it does not even reveal how
  many other fields the licence has.

What protects a 亮证 code is its lifetime: a photographed code is refused five minutes later ("亮证码已过期，
请让持证人刷新"); a shop offline cannot keep a shared list of used codes. The code is issued only to the
signed-in holder by the platform, so a code for another person's licence cannot be made. A verifier that
needs proof of possession (a nonce and the holder's key) asks for a presentation instead
(`presentation.presentation_verify`).

Size (`bench/licence_presentation.py`, error correction level M, byte mode): the envelope alone is about
830 characters, QR version 23 (109 modules a side); with the holder's name and the licence number about
970, version 25 (117 modules); with a face field as well about 1,200, version 28 (129 modules). The code is
the token itself, so any SD-JWT tool can read it; a phone screen shows a version 25–28 code well enough for
a counter scanner or a phone camera at 15–25 cm.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import segno
from django.conf import settings

from govplus.core.errors import ValidationFailed
from govplus.licences.credentials import (
    beijing_date,
    credential_vct,
    disclosable_names,
    licence_claims,
    licence_document_checked,
    sd_jwt_sign,
)
from govplus.licences.document import LicenceDocument
from govplus.licences.presentation import (
    Ledger,
    PresentationResult,
    Refused,
    SdJwt,
    StatusLookup,
    disclosures_check,
    issuer_signature_check,
    result_of,
    sd_jwt_parse,
    status_check,
)
from govplus.licences.status_list import status_list_uri

PURPOSE = "show"
LIFETIME = dt.timedelta(minutes=5)
CLOCK_SKEW_SECONDS = 60
QR_ERROR = "m"
SHOW_CHECKS = ("format", "issuer_signature", "purpose", "show_expiry", "licence_validity", "disclosures", "status")
# The type code is the last segment of `vct`; the issuer code and `_sd_alg` (sha-256 is the default,
# RFC 9901 §4.1.1) are left out to keep the QR code small.
_SHOWN_VISIBLE = ("type_name", "issuer_name", "valid_from", "valid_until")


def show_token_issue(
    document: LicenceDocument,
    *,
    disclose: list[str],
    now: dt.datetime,
    issuer: str | None = None,
    status_uri: str | None = None,
) -> str:
    """A 亮证 token for `document` showing the claims named in `disclose` (from `disclosable_names`).
    `issuer` defaults to the platform's base URL (`GOVPLUS_SITE_URL`), `status_uri` to its status list."""
    licence_document_checked(document, now=now)
    allowed = set(disclosable_names(document))
    unknown = [name for name in disclose if name not in allowed]
    if unknown:
        raise ValidationFailed(
            {"disclose": [f"不可出示的项目：{'、'.join(unknown)} / not a claim of this licence: {', '.join(unknown)}"]}
        )
    issuer = (issuer or settings.SITE_URL).rstrip("/")
    visible, disclosable = licence_claims(document, now=now)
    iat = int(now.timestamp())
    envelope: dict[str, Any] = {
        "iss": issuer,
        "vct": credential_vct(issuer, document.type_code),
        "iat": iat,
        "exp": iat + int(LIFETIME.total_seconds()),
        "purpose": PURPOSE,
        "status": {"status_list": {"idx": document.status_index, "uri": status_uri or status_list_uri(issuer)}},
        **{name: visible[name] for name in _SHOWN_VISIBLE if name in visible},
    }
    chosen = [name for name in disclosable if name in set(disclose)]
    disclosed = [(name, disclosable[name]) for name in chosen]
    return sd_jwt_sign(envelope=envelope, disclosed=disclosed, now=now, name_sd_alg=False)


def _show_checks(sd_jwt: SdJwt, ledger: Ledger, now: dt.datetime) -> None:
    if sd_jwt.payload.get("purpose") != PURPOSE:
        raise ledger.fail("purpose", "这不是亮证码", "this is not a licence-show code")
    ledger.passed("purpose", "亮证码", "a licence-show code")
    issued, expires = sd_jwt.payload.get("iat"), sd_jwt.payload.get("exp")
    moment = now.timestamp()
    if (
        not isinstance(issued, int)
        or not isinstance(expires, int)
        or expires - issued > LIFETIME.total_seconds()
        or issued > moment + CLOCK_SKEW_SECONDS
    ):
        raise ledger.fail("show_expiry", "亮证码的时间不正确", "the code's times are malformed")
    if moment >= expires:
        raise ledger.fail(
            "show_expiry", "亮证码已过期，请让持证人刷新", "the code has expired; ask the holder to refresh it"
        )
    ledger.passed("show_expiry", "亮证码在 5 分钟有效期内", "the code is within its 5 minutes")
    today = beijing_date(now)
    try:
        valid_from = dt.date.fromisoformat(str(sd_jwt.payload.get("valid_from")))
        until = sd_jwt.payload.get("valid_until")
        valid_until = dt.date.fromisoformat(str(until)) if until is not None else None
    except ValueError:
        raise ledger.fail(
            "licence_validity", "证照有效期格式不正确", "the licence's validity dates are malformed"
        ) from None
    if today < valid_from or (valid_until is not None and today > valid_until):
        raise ledger.fail("licence_validity", "证照不在有效期内", "the licence is outside its validity period")
    ledger.passed("licence_validity", "证照在有效期内", "the licence is within its validity period")


def show_token_verify(token: str, *, now: dt.datetime, status_lookup: StatusLookup | None = None) -> PresentationResult:
    """Verify a scanned 亮证 code: signature, purpose, the five-minute lifetime, the licence's dates, the
    disclosures and the status (from `status_lookup(uri, idx)`, or the platform's database when None).
    Never raises on bad input; every problem is a failed check."""
    ledger = Ledger(SHOW_CHECKS)
    sd_jwt: SdJwt | None = None
    try:
        sd_jwt = sd_jwt_parse(token, ledger, key_binding=False)
        issuer_signature_check(sd_jwt, ledger)
        _show_checks(sd_jwt, ledger, now)
        disclosures_check(sd_jwt, ledger)
        status_check(sd_jwt, ledger, status_lookup)
    except Refused as refusal:
        return result_of(ledger, refusal.check, sd_jwt, None)
    return result_of(ledger, None, sd_jwt, None)


def show_qr(token: str) -> segno.QRCode:
    """The QR code of a token, at error correction level M (a phone screen can be a little scuffed)."""
    return segno.make(token, error=QR_ERROR, micro=False, boost_error=False)


def show_qr_svg(token: str) -> str:
    """The QR code as inline SVG for the wallet page."""
    return str(show_qr(token).svg_inline(scale=3, border=4))
