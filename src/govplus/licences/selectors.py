"""Reads of the licence library, scoped to the actor."""

from __future__ import annotations

from typing import Any

from govplus.licences.models import LicenceType


def licence_types_public() -> list[dict[str, Any]]:
    """The licence types of the library, with their face fields (no licence data)."""
    return [
        {
            "code": t.code,
            "name": t.name,
            "name_en": t.name_en,
            "defining_authority": t.defining_authority,
            "defining_authority_code": t.defining_authority_code,
            "holder_kind": t.holder_kind,
            "holder_code_type": t.holder_code_type,
            "validity_years": t.validity_years,
            "face_schema": t.face_schema,
            "service_codes": t.service_codes,
        }
        for t in LicenceType.objects.filter(is_active=True)
    ]
