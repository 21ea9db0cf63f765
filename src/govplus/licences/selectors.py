"""Reads of the licence library, scoped to the actor."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from govplus.core.crypto import decrypt_text, lookup_hash, mask_id_number, mask_name
from govplus.core.errors import NotFound, ValidationFailed
from govplus.identity.models import BusinessProfile, CitizenProfile, Department, User
from govplus.identity.selectors import is_platform_admin, staff_assignments
from govplus.identity.validators import id_birth_date
from govplus.licences.document import FaceField, LicenceDocument
from govplus.licences.identifiers import licence_id_problem
from govplus.licences.models import Licence, LicenceEvent, LicenceShare, LicenceType, LicenceUse


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
            "issued_by": t.issued_by,
            "aliases": t.aliases,
        }
        for t in LicenceType.objects.filter(is_active=True)
    ]


# ---- licences --------------------------------------------------------------------------------------


def holder_hashes(user: Any) -> set[str]:
    """The lookup hashes of the codes a user holds licences under (a citizen's ID number, a business's
    unified social credit code)."""
    if not getattr(user, "is_authenticated", False):
        return set()
    hashes: set[str] = set()
    if user.kind == User.Kind.CITIZEN:
        profile = CitizenProfile.objects.filter(user=user).values_list("id_number_hash", flat=True).first()
        if profile:
            hashes.add(profile)
    elif user.kind == User.Kind.BUSINESS:
        code = BusinessProfile.objects.filter(user=user).values_list("credit_code", flat=True).first()
        if code:
            hashes.add(lookup_hash(code))
    return hashes


def _held_by(user: Any) -> Q:
    return Q(holder_id=user.pk) | Q(holder_code_hash__in=holder_hashes(user))


def licences_of_holder(*, holder: Any, status: str = "", offset: int = 0, limit: int = 50) -> tuple[list[Licence], int]:
    """我的证照: the holder's licences, newest first, with the total."""
    rows = Licence.objects.filter(_held_by(holder)).select_related("licence_type")
    if status:
        rows = rows.filter(status=status)
    return list(rows.order_by("-issued_on", "-id")[offset : offset + limit]), rows.count()


def usable_licences_of(*, holder: Any, type_names: set[str], on: dt.date) -> dict[str, Licence]:
    """For each asked type name (or alias), the holder's newest licence of that type valid on `on`."""
    types = [t for t in LicenceType.objects.filter(is_active=True) if {t.name, *(t.aliases or [])} & type_names]
    if not types:
        return {}
    rows = (
        Licence.objects.filter(
            _held_by(holder), licence_type__in=types, status=Licence.Status.VALID, valid_from__lte=on
        )
        .filter(Q(valid_until__isnull=True) | Q(valid_until__gte=on))
        .select_related("licence_type")
        .order_by("-issued_on", "-id")
    )
    found: dict[str, Licence] = {}
    for licence in rows:
        for name in {licence.licence_type.name, *(licence.licence_type.aliases or [])} & type_names:
            found.setdefault(name, licence)
    return found


def register_departments(*, actor: Any) -> list[int]:
    """The departments whose register a staff member may read (all of them for the platform admin)."""
    if is_platform_admin(user=actor):
        return list(Department.objects.values_list("pk", flat=True))
    return sorted({a.department_id for a in staff_assignments(user=actor)})


def licence_register(
    *,
    actor: Any,
    type_code: str = "",
    status: str = "",
    number: str = "",
    holder_code: str = "",
    issued_from: dt.date | None = None,
    issued_to: dt.date | None = None,
    offset: int = 0,
    limit: int = 50,
) -> tuple[list[Licence], int]:
    """The department register: the licences the actor's departments issued, with filters. A holder
    is searched by their full code (its keyed hash), never by a fragment of personal data."""
    rows = Licence.objects.filter(issuer_id__in=register_departments(actor=actor)).select_related("licence_type")
    if type_code:
        rows = rows.filter(licence_type__code=type_code)
    if status:
        rows = rows.filter(status=status)
    if number:
        rows = rows.filter(number=number.strip())
    if holder_code:
        rows = rows.filter(holder_code_hash=lookup_hash(holder_code.strip().upper()))
    if issued_from:
        rows = rows.filter(issued_on__gte=issued_from)
    if issued_to:
        rows = rows.filter(issued_on__lte=issued_to)
    return list(rows.order_by("-issued_on", "-id")[offset : offset + limit]), rows.count()


def licence_by_id(licence_id: str) -> Licence | None:
    if licence_id_problem(licence_id):
        return None
    return Licence.objects.select_related("licence_type", "issuer").filter(licence_id=licence_id).first()


def licence_access(*, actor: Any, licence: Licence) -> str:
    """How the actor may see the licence: "holder", "issuer" (its department's staff, the platform
    admin), "share" (a department the holder authorised, while the share lasts) or "" (not at all)."""
    if not getattr(actor, "is_authenticated", False):
        return ""
    if licence.holder_id == actor.pk or licence.holder_code_hash in holder_hashes(actor):
        return "holder"
    if actor.kind == User.Kind.STAFF:
        if is_platform_admin(user=actor):
            return "issuer"
        departments = {a.department_id for a in staff_assignments(user=actor)}
        if licence.issuer_id in departments:
            return "issuer"
        today = timezone.localdate()
        if licence.shares.filter(
            department_id__in=departments, withdrawn_at__isnull=True, valid_until__gte=today
        ).exists():
            return "share"
    return ""


def licence_for(*, actor: Any, licence_id: str) -> tuple[Licence, str]:
    """The licence and how the actor may see it; 404 for one they may not see (reveals nothing)."""
    problem = licence_id_problem(licence_id)
    if problem:
        raise ValidationFailed({"licence_id": [f"{problem[0]} / {problem[1]}"]})
    licence = licence_by_id(licence_id)
    access = licence_access(actor=actor, licence=licence) if licence is not None else ""
    if licence is None or not access:
        raise NotFound("没有这个证照 / no such licence")
    return licence, access


def licence_face(licence: Licence) -> dict[str, str]:
    return json.loads(decrypt_text(licence.face_encrypted)) if licence.face_encrypted else {}


def verify_url(licence_id: str) -> str:
    """The absolute URL of a licence's public verification page (what its QR code says)."""
    return f"{settings.SITE_URL.rstrip('/')}/licences/verify/{licence_id}"


def licence_document(licence: Licence) -> LicenceDocument:
    """What the licence says, decrypted, for the renderers and the credential issuer."""
    face = licence_face(licence)
    holder_code = licence.holder_code
    fields = tuple(
        FaceField(
            name=entry["name"],
            label=entry["label"],
            label_en=entry.get("label_en", ""),
            value=face.get(entry["name"], ""),
            personal=bool(entry.get("personal")),
        )
        for entry in licence.licence_type.face_schema
        if face.get(entry["name"])
    )
    birth = None
    if licence.holder_code_type == "111" and len(holder_code) == 18:
        try:
            birth = id_birth_date(holder_code)
        except ValueError:
            birth = None
    return LicenceDocument(
        licence_id=licence.licence_id,
        type_code=licence.licence_type.code,
        type_name=licence.licence_type.name,
        type_name_en=licence.licence_type.name_en,
        holder_name=licence.holder_name,
        holder_code=holder_code,
        holder_code_type=licence.holder_code_type,
        number=licence.number,
        issuer_name=licence.issuer_name,
        issuer_code=licence.issuer_code,
        issuer_department_id=licence.issuer_id,
        issued_on=licence.issued_on,
        valid_from=licence.valid_from,
        valid_until=licence.valid_until,
        jurisdiction=licence.jurisdiction,
        status=licence.status,
        status_index=licence.status_index,
        origin=licence.origin,
        verify_url=verify_url(licence.licence_id),
        fields=fields,
        holder_birth_date=birth,
    )


def masked_summary(licence: Licence) -> dict[str, Any]:
    """What anyone may see of a licence (the verification page, a QR scan): no unmasked personal data."""
    holder_name = licence.holder_name
    holder_code = licence.holder_code
    return {
        "licence_id": licence.licence_id,
        "type_code": licence.licence_type.code,
        "type_name": licence.licence_type.name,
        "type_name_en": licence.licence_type.name_en,
        "number": licence.number,
        "holder_name": mask_name(holder_name) if licence.holder_code_type == "111" else holder_name,
        "holder_code": mask_id_number(holder_code) if licence.holder_code_type == "111" else holder_code,
        "issuer_name": licence.issuer_name,
        "issuer_code": licence.issuer_code,
        "issued_on": licence.issued_on.isoformat(),
        "valid_from": licence.valid_from.isoformat(),
        "valid_until": licence.valid_until.isoformat() if licence.valid_until else None,
        "status": licence.status,
        "status_label": str(licence.get_status_display()),
        "origin": licence.origin,
        "origin_label": str(licence.get_origin_display()),
    }


def licence_history(licence: Licence) -> list[LicenceEvent]:
    return list(licence.events.all())


def licence_uses(licence: Licence, *, limit: int = 100) -> list[LicenceUse]:
    return list(licence.uses.select_related("user", "department")[:limit])


def licence_shares(licence: Licence) -> list[LicenceShare]:
    return list(licence.shares.select_related("department"))
