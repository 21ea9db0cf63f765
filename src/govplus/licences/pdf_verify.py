"""Verifying an uploaded licence PDF (电子证照文件核验): is the seal genuine, who sealed it and when, and
was the file changed after sealing?

Each question is one named `Check` with its answer in Chinese and English; the PDF is valid only when
every check passes. Anything that is not a sound sealed PDF — random bytes, a PDF without a seal, a
damaged one — gives failed checks with a plain reason, never an error.

The checks, in order:
- `pdf` — the file is a PDF at all;
- `signature_present` — it carries an electronic seal (a PDF signature);
- `signature_intact` — the seal's signature is mathematically sound over the bytes it covers;
- `unchanged_after_sealing` — nothing was changed after sealing: the seal covers the file, and the only
  later revisions are validation data and document timestamps (pyHanko's modification analysis);
- `signer_trusted` — the seal certificate chains to a root of the platform CA, active or retired (a
  licence sealed before a root rotation still verifies), and was valid when the seal was timestamped —
  not necessarily now: a licence outlives the five-year certificate of the department that sealed it;
- `timestamp_valid` — an RFC 3161 timestamp from a TSA of the platform dates the seal (checked as of
  now: a TSA certificate lives as long as its root, 30 years);
- `archive_timestamp` — the validation data and the document timestamp over them are present and sound;
- `sealed_by` — which department sealed it (name, unified social credit code) and when;
- `licence_id` — the signed file names a well-formed licence identifier.

Whether the licence still holds (its status) and whether this file is the one the library issued are
the library's questions, not the file's: the result carries the licence identifier read from the
signed revision and the SHA-256 of the file, and the library service adds those checks.

Legal basis: 《电子签名法》第十三条 (a reliable electronic signature: any change to the signature and to
the data signed after signing can be detected).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import logging
from dataclasses import dataclass
from io import BytesIO
from typing import Any

from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives import serialization
from django.utils import timezone
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.diff_analysis import ModificationLevel
from pyhanko.sign.validation import (
    DocumentSecurityStore,
    SignatureCoverageLevel,
    async_validate_pdf_signature,
    async_validate_pdf_timestamp,
)
from pyhanko_certvalidator import ValidationContext

from govplus.licences import ca
from govplus.licences.checks import Check
from govplus.licences.identifiers import licence_id_problem

logger = logging.getLogger(__name__)

CHECK_NAMES = (
    "pdf",
    "signature_present",
    "signature_intact",
    "unchanged_after_sealing",
    "signer_trusted",
    "timestamp_valid",
    "archive_timestamp",
    "sealed_by",
    "licence_id",
)
_AFTER_SEALING_ALLOWED = (ModificationLevel.NONE, ModificationLevel.LTA_UPDATES)


@dataclass(frozen=True)
class PdfVerification:
    """The answer for one file. `licence_id` and `document_digest` are the hook for the library: it
    finds the licence by the one and compares the other with the digest it recorded at issue."""

    valid: bool
    checks: list[Check]
    licence_id: str | None = None
    signer_name: str | None = None
    signer_code: str | None = None
    signed_at: dt.datetime | None = None
    document_digest: str = ""

    def check(self, name: str) -> Check | None:
        return next((c for c in self.checks if c.name == name), None)


def pdf_verify(data: bytes, *, at: dt.datetime | None = None) -> PdfVerification:
    """Verify a licence PDF as of now (or as of `at`, e.g. to show that it will still verify once its
    seal certificate has expired); never raises on bad input."""
    digest = hashlib.sha256(data).hexdigest()
    try:
        return asyncio.run(_verify(data, digest, _trust_roots(), at))
    except Exception as error:  # a file crafted to break the parser must not break the page
        logger.warning("licence PDF verification failed unexpectedly: %s", type(error).__name__)
        return _result(
            [
                Check(
                    "pdf",
                    False,
                    "文件无法解析，可能已损坏或不是证照PDF。",
                    "the file cannot be read: damaged, or not a licence PDF",
                )
            ],
            digest,
        )


def _result(checks: list[Check], digest: str, **found: Any) -> PdfVerification:
    return PdfVerification(
        valid=all(c.ok for c in checks) and len(checks) == len(CHECK_NAMES),
        checks=checks,
        document_digest=digest,
        **found,
    )


async def _verify(
    data: bytes, digest: str, roots: list[asn1_x509.Certificate], at: dt.datetime | None
) -> PdfVerification:
    checks: list[Check] = []
    reader = _read(data)
    if reader is None:
        checks.append(Check("pdf", False, "文件不是PDF或已损坏。", "the file is not a PDF, or it is damaged"))
        return _result(checks, digest)
    checks.append(Check("pdf", True, "文件是PDF。", "the file is a PDF"))

    try:
        seals = reader.embedded_regular_signatures
    except Exception:
        seals = []
    if not seals:
        checks.append(
            Check(
                "signature_present",
                False,
                "文件没有电子印章（未签名）。",
                "the file carries no electronic seal (it is not signed)",
            )
        )
        return _result(checks, digest)
    checks.append(Check("signature_present", True, "文件带有电子印章。", "the file carries an electronic seal"))
    seal = seals[0]

    sealed_time = _timestamp_time(seal)
    try:
        status = await async_validate_pdf_signature(
            seal,
            signer_validation_context=ValidationContext(trust_roots=roots, moment=sealed_time, allow_fetching=False),
            ts_validation_context=ValidationContext(trust_roots=roots, moment=at, allow_fetching=False),
        )
    except Exception as error:
        logger.info("licence PDF seal unreadable: %s", type(error).__name__)
        checks.append(
            Check(
                "signature_intact",
                False,
                "印章签名数据损坏，无法校验。",
                "the seal's signature data is damaged",
            )
        )
        return _result(checks, digest)
    checks.append(_intact_check(status))
    checks.append(_unchanged_check(status, extra_seals=len(seals) - 1))
    checks.append(_trusted_check(status))
    timestamp_check, signed_at = _timestamp_check(status)
    checks.append(timestamp_check)
    checks.append(await _archive_check(reader, roots, at))
    subject = status.signing_cert.subject.native
    signer_name, signer_code = subject.get("common_name", ""), subject.get("serial_number", "")
    checks.append(_sealed_by_check(status, timestamp_check.ok, signer_name, signer_code, signed_at))
    licence_id = _licence_id(reader, seal.signed_revision)
    checks.append(_licence_id_check(licence_id))
    return _result(
        checks,
        digest,
        licence_id=licence_id if licence_id and licence_id_problem(licence_id) is None else None,
        signer_name=signer_name or None,
        signer_code=signer_code or None,
        signed_at=signed_at,
    )


def _read(data: bytes) -> PdfFileReader | None:
    if b"%PDF-" not in data[:1024]:
        return None
    try:
        reader = PdfFileReader(BytesIO(data), strict=False)
        reader.root  # noqa: B018 — a file whose catalogue cannot be read is not a PDF we can check
    except Exception:
        return None
    return reader


def _trust_roots() -> list[asn1_x509.Certificate]:
    """Every root of the platform CA, active and retired, parsed afresh for this verification (shared
    asn1crypto objects grow slow as they are used)."""
    return [
        asn1_x509.Certificate.load(certificate.public_bytes(serialization.Encoding.DER))
        for certificate in ca.root_certificates()
    ]


def _timestamp_time(seal: Any) -> dt.datetime | None:
    """The time in the seal's signature timestamp token, unverified (the timestamp check verifies it):
    the moment at which the seal certificate must have been valid."""
    try:
        attributes = seal.signer_info["unsigned_attrs"]
        for attribute in attributes:
            if attribute["type"].native == "signature_time_stamp_token":
                token = attribute["values"][0]
                return token["content"]["encap_content_info"]["content"].parsed["gen_time"].native  # type: ignore[no-any-return]
    except (KeyError, TypeError, ValueError, AttributeError):
        return None
    return None


def _when(moment: dt.datetime) -> str:
    local = timezone.localtime(moment)
    return f"{local.year}年{local.month}月{local.day}日 {local:%H:%M:%S}"


def _intact_check(status: Any) -> Check:
    if status.intact and status.valid:
        return Check(
            "signature_intact",
            True,
            "印章签名完好，与所盖文件内容一致。",
            "the seal's signature is sound and matches the sealed content",
        )
    if not status.intact:
        return Check(
            "signature_intact",
            False,
            "印章所保护的内容与文件不符：文件在盖章后被改动。",
            "the sealed content does not match the file: it was altered after sealing",
        )
    return Check("signature_intact", False, "印章签名值无效。", "the seal's signature value is invalid")


def _unchanged_check(status: Any, *, extra_seals: int) -> Check:
    level = status.modification_level
    covered = status.coverage == SignatureCoverageLevel.ENTIRE_FILE or (
        status.coverage == SignatureCoverageLevel.ENTIRE_REVISION and level in _AFTER_SEALING_ALLOWED
    )
    if covered and status.intact:
        return Check(
            "unchanged_after_sealing",
            True,
            "盖章后文件未被修改（其后仅追加了验证数据和时间戳）。",
            "not changed after sealing (only validation data and timestamps were added)",
        )
    if extra_seals:
        return Check(
            "unchanged_after_sealing",
            False,
            "盖章后文件又被追加了签名或修改。",
            "another signature or change was added after sealing",
        )
    return Check("unchanged_after_sealing", False, "文件在盖章后被修改。", "the file was changed after sealing")


def _trusted_check(status: Any) -> Check:
    if status.trusted and status.validation_path is not None:
        anchor = status.validation_path.trust_anchor.authority.name.native.get("common_name", "")
        return Check(
            "signer_trusted",
            True,
            f"印章证书由本平台电子证照根证书（{anchor}）签发。",
            f"the seal certificate was issued by the platform's licence root ({anchor})",
        )
    return Check(
        "signer_trusted",
        False,
        "印章证书不是本平台电子证照根证书签发的，或盖章时证书无效。",
        "the seal certificate was not issued by the platform's licence CA, or was not valid when sealed",
    )


def _timestamp_check(status: Any) -> tuple[Check, dt.datetime | None]:
    validity = status.timestamp_validity
    if validity is None:
        return Check("timestamp_valid", False, "印章没有可信时间戳。", "the seal has no trusted timestamp"), None
    if validity.intact and validity.valid and validity.trusted:
        tsa = validity.signing_cert.subject.native.get("common_name", "")
        return (
            Check(
                "timestamp_valid",
                True,
                f"可信时间戳有效：{_when(validity.timestamp)}，由{tsa}签发。",
                f"the timestamp is valid: {validity.timestamp.isoformat()}, by {tsa}",
            ),
            validity.timestamp,
        )
    return Check(
        "timestamp_valid",
        False,
        "印章的时间戳无效或不是本平台时间戳服务签发的。",
        "the seal's timestamp is invalid or not from the platform's time-stamping authority",
    ), None


async def _archive_check(reader: PdfFileReader, roots: list[asn1_x509.Certificate], at: dt.datetime | None) -> Check:
    try:
        certificates = len(list(DocumentSecurityStore.read_dss(reader).load_certs()))
    except Exception:
        certificates = 0
    stamps = reader.embedded_timestamp_signatures
    if not certificates or not stamps:
        return Check(
            "archive_timestamp",
            False,
            "文件缺少长期验证数据或文档时间戳。",
            "the file lacks its validation data or document timestamp",
        )
    last = stamps[-1]
    status = await async_validate_pdf_timestamp(
        last,
        validation_context=ValidationContext(trust_roots=roots, moment=at, allow_fetching=False),
    )
    covered = (
        status.coverage == SignatureCoverageLevel.ENTIRE_FILE or status.modification_level in _AFTER_SEALING_ALLOWED
    )
    if status.intact and status.valid and status.trusted and covered:
        return Check(
            "archive_timestamp",
            True,
            f"长期验证数据（{certificates} 份证书）与文档时间戳有效。",
            f"the validation data ({certificates} certificates) and the document timestamp are valid",
        )
    return Check(
        "archive_timestamp",
        False,
        "文档时间戳无效，或其后文件被修改。",
        "the document timestamp is invalid, or the file was changed after it",
    )


def _sealed_by_check(status: Any, timestamp_ok: bool, name: str, code: str, signed_at: dt.datetime | None) -> Check:
    if status.trusted and timestamp_ok and name and signed_at is not None:
        code_zh = f"（统一社会信用代码 {code}）" if code else ""
        code_en = f" (unified social credit code {code})" if code else ""
        return Check(
            "sealed_by",
            True,
            f"盖章单位：{name}{code_zh}；盖章时间：{_when(signed_at)}。",
            f"sealed by {name}{code_en} at {signed_at.isoformat()}",
        )
    return Check(
        "sealed_by",
        False,
        f"无法确认盖章单位与时间（证书所载名称：{name or '无'}）。",
        f"who sealed it and when cannot be established (the certificate names: {name or 'nobody'})",
    )


def _licence_id(reader: PdfFileReader, revision: int) -> str | None:
    """The licence identifier in /Subject of the document information as it was when sealed."""
    try:
        info = reader.get_historical_resolver(revision).trailer_view.get("/Info")
        subject = info.get_object().get("/Subject") if info is not None else None
    except Exception:
        return None
    return str(subject).strip() if subject else None


def _licence_id_check(licence_id: str | None) -> Check:
    if licence_id and licence_id_problem(licence_id) is None:
        return Check(
            "licence_id",
            True,
            f"文件所载证照标识：{licence_id}。",
            f"the file names the licence {licence_id}",
        )
    return Check(
        "licence_id",
        False,
        "文件没有载明有效的证照标识。",
        "the file does not name a valid licence identifier",
    )
