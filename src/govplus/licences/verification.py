"""Verifying a licence as a window clerk, a shop or another department would: a presentation (SD-JWT
with key binding), a 亮证 code, a QR code's licence identifier, or (with `pdf_verify`) a sealed PDF.

Rule: the answer is a list of named checks, each with its result in Chinese and English, and `valid`
only when every check passed. What the verifier learns of the licence is the masked summary (type,
number, issuer, validity, status; the holder's name and code masked) plus exactly the claims the holder
chose to disclose. A verification that names a licence of the library is recorded as a use (用证记录)
for its holder.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone

from govplus.licences.checks import Check
from govplus.licences.identifiers import licence_id_problem
from govplus.licences.models import Licence, LicenceUse
from govplus.licences.presentation import PresentationResult, presentation_verify
from govplus.licences.selectors import licence_by_id, masked_summary
from govplus.licences.services import licence_use_record
from govplus.licences.show import show_token_verify

STATUS_TEXT: dict[str, tuple[str, str]] = {
    Licence.Status.VALID: ("证照有效", "the licence is valid"),
    Licence.Status.SUSPENDED: ("证照已暂扣", "the licence is suspended"),
    Licence.Status.REVOKED: ("证照已撤销", "the licence is revoked"),
    Licence.Status.CANCELLED: ("证照已注销", "the licence is cancelled"),
    Licence.Status.WITHDRAWN: ("证照已吊销", "the licence is withdrawn"),
    Licence.Status.EXPIRED: ("证照已失效（超过有效期）", "the licence has expired"),
}


# What each check is called on the verification page (the API gives the stable `name` and both texts).
CHECK_LABELS: dict[str, tuple[str, str]] = {
    "pdf": ("PDF 文件", "PDF file"),
    "signature_present": ("带有电子印章", "has a seal"),
    "signature_intact": ("印章签名完好", "seal signature intact"),
    "unchanged_after_sealing": ("盖章后未被修改", "unchanged after sealing"),
    "signer_trusted": ("印章证书可信", "seal certificate trusted"),
    "timestamp_valid": ("可信时间戳", "trusted time stamp"),
    "archive_timestamp": ("长期验证数据", "long-term validation data"),
    "sealed_by": ("盖章单位与时间", "sealed by, when"),
    "licence_id": ("证照标识", "licence identifier"),
    "identifier": ("证照标识", "licence identifier"),
    "library": ("证照库中存在", "in the library"),
    "status": ("证照状态", "licence status"),
    "validity": ("有效期", "validity"),
    "matches_library": ("与证照库文件一致", "the file the library issued"),
    "format": ("格式", "format"),
    "issuer_signature": ("签发方签名", "issuer's signature"),
    "validity_period": ("凭证有效期", "credential validity"),
    "licence_validity": ("证照有效期", "licence validity"),
    "disclosures": ("出示内容未被篡改", "disclosures untampered"),
    "key_binding": ("持证人密钥绑定", "holder key binding"),
    "audience": ("接收方", "audience"),
    "nonce": ("随机数", "nonce"),
    "freshness": ("出示时间", "freshness"),
    "sd_hash": ("出示完整性", "presentation integrity"),
    "replay": ("防重放", "replay"),
    "purpose": ("亮证用途", "purpose (show)"),
    "show_expiry": ("亮证码有效期（5 分钟）", "show code validity (5 minutes)"),
}


@dataclass(frozen=True)
class Verification:
    valid: bool
    checks: list[Check]
    licence: dict[str, Any] | None = None
    disclosed: dict[str, Any] = field(default_factory=dict)


def status_checks(licence: Licence) -> list[Check]:
    """The library's word on a licence now: its status, and whether today is within its validity."""
    today = timezone.localdate()
    zh, en = STATUS_TEXT.get(licence.status, ("证照状态未知", "unknown status"))
    in_period = licence.valid_from <= today and (licence.valid_until is None or today <= licence.valid_until)
    until = licence.valid_until.isoformat() if licence.valid_until else "长期"
    return [
        Check("library", True, "证照库中存在该证照", "the licence is in the library"),
        Check("status", licence.status == Licence.Status.VALID, zh, en),
        Check(
            "validity",
            in_period,
            f"有效期 {licence.valid_from.isoformat()} 至 {until}" + ("" if in_period else "，今天不在有效期内"),
            f"valid {licence.valid_from.isoformat()} to {until}" + ("" if in_period else "; not today"),
        ),
    ]


def _record_verify(licence: Licence, *, actor: Any, purpose: str) -> None:
    with transaction.atomic():
        licence_use_record(licence=licence, kind=LicenceUse.Kind.VERIFY, user=actor, purpose=purpose)


def verify_licence_id(licence_id: str, *, actor: Any = None) -> Verification:
    """A QR code on a licence PDF names its identifier: is it a real licence of the library, valid now?"""
    problem = licence_id_problem(licence_id)
    if problem:
        return Verification(False, [Check("identifier", False, problem[0], problem[1])])
    licence = licence_by_id(licence_id)
    if licence is None:
        return Verification(
            False,
            [
                Check("identifier", True, "证照标识格式和校验位正确", "the identifier is well-formed"),
                Check(
                    "library", False, "证照库中没有该证照（可能是伪造的）", "no such licence in the library (forged?)"
                ),
            ],
        )
    checks = [
        Check("identifier", True, "证照标识格式和校验位正确", "the identifier is well-formed"),
        *status_checks(licence),
    ]
    _record_verify(licence, actor=actor, purpose="扫码核验")
    return Verification(all(c.ok for c in checks), checks, masked_summary(licence))


def _with_library(result: PresentationResult, *, actor: Any, purpose: str) -> Verification:
    """A presentation's or 亮证 code's checks, and the licence's masked summary when it names one."""
    licence = licence_by_id(result.licence_id) if result.licence_id else None
    summary = masked_summary(licence) if licence is not None else None
    if licence is not None:
        _record_verify(licence, actor=actor, purpose=purpose)
    return Verification(result.valid, list(result.checks), summary, dict(result.disclosed))


def verify_presentation(presentation: str, *, nonce: str, audience: str, actor: Any = None) -> Verification:
    """A holder's presentation for the verifier's `nonce` and `audience` (its status from the library)."""
    result = presentation_verify(presentation, nonce=nonce, audience=audience, now=timezone.now(), status_lookup=None)
    return _with_library(result, actor=actor, purpose=f"核验数字凭证（{audience[:80]}）")


def verify_show_code(token: str, *, actor: Any = None) -> Verification:
    """A 亮证 code scanned from the holder's phone (valid five minutes; status from the library)."""
    result = show_token_verify(token, now=timezone.now())
    return _with_library(result, actor=actor, purpose="亮证核验")


def verify_pdf(data: bytes, *, actor: Any = None) -> Verification:
    """A licence PDF: the seal (intact, not changed after sealing, from a platform certificate, with its
    time stamp), then the library's word — the licence it names exists, is valid now, and this very PDF
    is the one the library issued (its SHA-256 equals the digest recorded when it was made)."""
    from govplus.licences.pdf_verify import pdf_verify

    sealed = pdf_verify(data)
    checks = list(sealed.checks)
    licence = licence_by_id(sealed.licence_id) if sealed.licence_id else None
    if sealed.licence_id and licence is None:
        checks.append(Check("library", False, "证照库中没有该证照", "no such licence in the library"))
    elif licence is not None:
        checks.extend(status_checks(licence))
        same = bool(licence.pdf_digest) and licence.pdf_digest == sealed.document_digest
        checks.append(
            Check(
                "matches_library",
                same,
                "与证照库签发的文件一致" if same else "与证照库签发的文件不一致",
                "the very file the library issued" if same else "not the file the library issued",
            )
        )
        _record_verify(licence, actor=actor, purpose="PDF 核验")
    summary = masked_summary(licence) if licence is not None else None
    return Verification(all(c.ok for c in checks) and licence is not None, checks, summary)
