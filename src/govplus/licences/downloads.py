"""The holder downloads their licence as a sealed PDF: a use (下载), recorded and audited.

Only the holder may download (anyone else gets 404, which reveals nothing). The PDF is made once —
when a licence is issued here, or on the first download of an imported one — by the renderer
(`signing.licence_pdf_build`) from the licence's `LicenceDocument`, sealed by the issuing department,
and kept in the private media storage with its SHA-256 on the licence (`pdf_digest`): the verifier
compares an uploaded PDF with it ("the very file the library issued"). A PDF whose stored file is gone
is made again.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone

from govplus.core.errors import GovplusError, NotFound
from govplus.licences.models import Licence, LicenceUse
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
    content = licence_pdf_ensure(licence)
    with transaction.atomic():
        licence_use_record(licence=licence, kind=LicenceUse.Kind.DOWNLOAD, user=actor, purpose="持证人下载 PDF")
    return LicencePdf(content=bytes(content), filename=f"{licence.licence_type.code}-{licence.number}.pdf")


def _pdf_name(licence: Licence) -> str:
    return f"licences/pdf/{licence.licence_type.code}/{licence.licence_id}.pdf"


def licence_pdf_ensure(licence: Licence) -> bytes:
    """The licence's sealed PDF: the stored one, or a new one made, stored and recorded now."""
    if licence.pdf_path and default_storage.exists(licence.pdf_path):
        with default_storage.open(licence.pdf_path, "rb") as stored:
            return bytes(stored.read())
    try:
        from govplus.licences.signing import licence_pdf_build
    except ImportError as error:
        raise PdfUnavailable(
            "证照 PDF 暂不可下载，请稍后再试", "The licence PDF is not available yet; please try again later"
        ) from error
    content = bytes(licence_pdf_build(licence_document(licence), department=licence.issuer, signed_at=timezone.now()))
    name = _pdf_name(licence)
    if default_storage.exists(name):
        default_storage.delete(name)
    saved = default_storage.save(name, ContentFile(content))
    licence.pdf_path, licence.pdf_digest = saved, hashlib.sha256(content).hexdigest()
    Licence.objects.filter(pk=licence.pk).update(pdf_path=licence.pdf_path, pdf_digest=licence.pdf_digest)
    return content
