"""The sealed PDF of a licence, made once and kept.

Rule: a licence issued here is sealed as a PDF when it is issued; an imported one on its first
download. The file is kept in the private media storage and its SHA-256 on the licence
(`pdf_digest`), which PDF verification compares ("the very file the library issued"). A PDF whose
stored file is gone is made again (and its new digest recorded).
"""

from __future__ import annotations

import hashlib

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone

from govplus.core.errors import GovplusError
from govplus.licences.models import Licence
from govplus.licences.selectors import licence_document


class PdfUnavailable(GovplusError):
    status = 503
    code = "licence_pdf_unavailable"


def _pdf_name(licence: Licence) -> str:
    return f"licences/pdf/{licence.licence_type.code}/{licence.licence_id}.pdf"


def licence_pdf_ensure(licence: Licence) -> bytes:
    """The licence's sealed PDF: the stored one, or a new one made, stored and recorded now."""
    if licence.pdf_path and default_storage.exists(licence.pdf_path):
        with default_storage.open(licence.pdf_path, "rb") as stored:
            return bytes(stored.read())
    content, licence.pdf_path, licence.pdf_digest = licence_pdf_make(licence)
    Licence.objects.filter(pk=licence.pk).update(pdf_path=licence.pdf_path, pdf_digest=licence.pdf_digest)
    return content


def licence_pdf_make(licence: Licence) -> tuple[bytes, str, str]:
    """Render, seal and store the licence's PDF (replacing a file of the same name): (content, path,
    SHA-256). The caller records path and digest on the licence."""
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
    return content, saved, hashlib.sha256(content).hexdigest()
