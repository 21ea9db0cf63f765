"""The holder downloads their licence as a sealed PDF: a use (下载), recorded and audited.

Only the holder may download (anyone else gets 404, which reveals nothing). The PDF is made once —
when a licence is issued here, or on the first download of an imported one — by the renderer
(`signing.licence_pdf_build`) from the licence's `LicenceDocument`, sealed by the issuing department,
and kept in the private media storage with its SHA-256 on the licence (`pdf_digest`): the verifier
compares an uploaded PDF with it ("the very file the library issued"). A PDF whose stored file is gone
is made again.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import transaction

from govplus.licences.models import LicenceUse
from govplus.licences.pdf_store import licence_pdf_ensure
from govplus.licences.selectors import licence_held_by
from govplus.licences.services import licence_use_record


@dataclass(frozen=True)
class LicencePdf:
    content: bytes
    filename: str


def licence_pdf_for(actor: Any, licence_id: str) -> LicencePdf:
    """The holder's licence as a sealed PDF, with the use recorded (kind 下载) and audited."""
    licence = licence_held_by(actor=actor, licence_id=licence_id)
    content = licence_pdf_ensure(licence)
    with transaction.atomic():
        licence_use_record(licence=licence, kind=LicenceUse.Kind.DOWNLOAD, user=actor, purpose="持证人下载 PDF")
    return LicencePdf(content=bytes(content), filename=f"{licence.licence_type.code}-{licence.number}.pdf")
