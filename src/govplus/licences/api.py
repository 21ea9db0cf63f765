"""Licence endpoints: types, the holder's wallet and the department register, formats, verification."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Router

from govplus.licences import selectors

router = Router(tags=["licences 证照"])


@router.get("/licence-types", summary="证照目录 / licence types", auth=None)
def licence_types(request: HttpRequest) -> list[dict]:
    return selectors.licence_types_public()
