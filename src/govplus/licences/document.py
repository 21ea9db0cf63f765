"""What a licence says, as the renderers and signers see it: a plain value, no model instance.

`LicenceDocument` is built from a `Licence` by `selectors.licence_document` (decrypting the holder and
the face); the PDF renderer, the credential issuer and the verification pages take it, so they never
touch the database themselves.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field


@dataclass(frozen=True)
class FaceField:
    name: str
    label: str
    label_en: str
    value: str
    personal: bool = False


@dataclass(frozen=True)
class LicenceDocument:
    licence_id: str
    type_code: str
    type_name: str
    type_name_en: str
    holder_name: str
    holder_code: str
    holder_code_type: str  # 111 | 001
    number: str
    issuer_name: str
    issuer_code: str
    issuer_department_id: int
    issued_on: dt.date
    valid_from: dt.date
    valid_until: dt.date | None  # None: 长期
    jurisdiction: str
    status: str
    status_index: int
    origin: str
    verify_url: str  # absolute URL of the licence's verification page (the QR code)
    fields: tuple[FaceField, ...] = field(default_factory=tuple)
    holder_birth_date: dt.date | None = None  # for age_over_18 (from the ID number when there is one)
