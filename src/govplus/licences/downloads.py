"""The holder downloads their licence as a sealed PDF: a use (下载), recorded and audited.

Only the holder may download (anyone else gets 404, which reveals nothing). The PDF is made by the
renderer (`signing.licence_pdf_build`) from the licence's `LicenceDocument`, sealed by the issuing
department; the renderer is imported when asked for, so the wallet's pages work while it is absent
(the download then answers 503 and records nothing).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from govplus.core.errors import GovplusError, NotFound
from govplus.licences.models import LicenceUse
from govplus.licences.selectors import licence_document, licence_for
from govplus.licences.services import licence_use_record


class PdfUnavailable(GovplusError):
    status = 503
    code = "licence_pdf_unavailable"


@dataclass(frozen=True)
class LicencePdf:
    content: bytes
    filename: str


def licence_pdf_for(actor: Any, licence_id: str) -> LicencePdf:
    """The holder's licence as a sealed PDF, with the use recorded (kind 下载) and audited."""
    licence, access = licence_for(actor=actor, licence_id=licence_id)
    if access != "holder":
        raise NotFound("没有这个证照 / no such licence")
    try:
        from govplus.licences.signing import licence_pdf_build
    except ImportError as error:
        raise PdfUnavailable(
            "证照 PDF 暂不可下载，请稍后再试", "The licence PDF is not available yet; please try again later"
        ) from error
    content = licence_pdf_build(licence_document(licence), department=licence.issuer, signed_at=timezone.now())
    with transaction.atomic():
        licence_use_record(licence=licence, kind=LicenceUse.Kind.DOWNLOAD, user=actor, purpose="持证人下载 PDF")
    return LicencePdf(content=bytes(content), filename=f"{licence.licence_type.code}-{licence.number}.pdf")
