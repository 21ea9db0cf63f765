"""Reads of the licence library, scoped to the actor."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import get_language

from govplus.cases.selectors import application_get_for, application_supplies
from govplus.core.context import user_memo
from govplus.core.crypto import decrypt_text, lookup_hash, mask_id_number, mask_name
from govplus.core.errors import NotFound, ValidationFailed
from govplus.identity.models import BusinessProfile, CitizenProfile, Department, User
from govplus.identity.selectors import is_platform_admin, staff_assignments
from govplus.identity.validators import id_birth_date
from govplus.licences.document import FaceField, LicenceDocument
from govplus.licences.identifiers import licence_id_problem
from govplus.licences.list_rows import LicenceRow, holder_where, licence_count, licence_rows, register_where
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

    def read() -> frozenset[str]:
        hashes: set[str] = set()
        if user.kind == User.Kind.CITIZEN:
            profile = CitizenProfile.objects.filter(user=user).values_list("id_number_hash", flat=True).first()
            if profile:
                hashes.add(profile)
        elif user.kind == User.Kind.BUSINESS:
            code = BusinessProfile.objects.filter(user=user).values_list("credit_code", flat=True).first()
            if code:
                hashes.add(lookup_hash(code))
        return frozenset(hashes)

    return set(user_memo(user, "licence_holder_hashes", read))


def _held_by(user: Any) -> Q:
    return Q(holder_id=user.pk) | Q(holder_code_hash__in=holder_hashes(user))


def licences_of_holder(
    *, holder: Any, status: str = "", offset: int = 0, limit: int = 50
) -> tuple[list[LicenceRow], int]:
    """我的证照: the holder's licences, newest first, with the total (one statement when it fits a page)."""
    where = holder_where(holder_id=holder.pk, holder_hashes=sorted(holder_hashes(holder)), status=status)
    page = licence_rows(where, offset=offset, limit=limit)
    if len(page) < limit and (page or offset == 0):  # the last page: the total is known
        return page, offset + len(page)
    return page, licence_count(where)


def licence_type_names() -> frozenset[str]:
    """The names and aliases of the library's active licence types: what a catalogue material's
    `licence_type` must say for the library to supply it (tell-us-once)."""
    names: set[str] = set()
    for name, aliases in LicenceType.objects.filter(is_active=True).values_list("name", "aliases"):
        names.add(name)
        names.update(aliases or [])
    return frozenset(names)


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
) -> tuple[list[LicenceRow], int]:
    """The department register: the licences the actor's departments issued, with filters. A holder
    is searched by their full code (its keyed hash), never by a fragment of personal data.

    The total is exact on a last page (offset + its rows); otherwise it is the capped count, which may
    lag by REGISTER_COUNT_SECONDS (cached per set of departments and filters: a clerk paging a register
    of a million does not count 10,000 rows on every page)."""
    departments = None if is_platform_admin(user=actor) else register_departments(actor=actor)
    where = register_where(
        departments=departments,  # None: the platform admin reads every register
        type_code=type_code,
        status=status,
        number=number.strip(),
        holder_code_hash=lookup_hash(holder_code.strip().upper()) if holder_code.strip() else "",
        issued_from=issued_from,
        issued_to=issued_to,
    )
    page = licence_rows(where, offset=offset, limit=limit)
    if len(page) < limit and (page or offset == 0):  # the last page: the total is known
        return page, offset + len(page)
    key = f"govplus:licence-register-count:{hashlib.sha256(repr((where.sql(), where.params)).encode()).hexdigest()}"
    total = cache.get(key)
    if total is None:
        total = licence_count(where, cap=COUNT_CAP)
        cache.set(key, total, timeout=REGISTER_COUNT_SECONDS)
    return page, int(total)


# A register's count stops here: counting a county's whole register on every page would cost as much as
# reading it. Pages and the API say "10,000+" (`count_capped`); filters narrow it to an exact count.
COUNT_CAP = 10_000
REGISTER_COUNT_SECONDS = 30


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


def licence_held_by(*, actor: Any, licence_id: str) -> Licence:
    """The actor's own licence (as its holder); anyone else's is a 404 that reveals nothing."""
    licence, access = licence_for(actor=actor, licence_id=licence_id)
    if access != "holder":
        raise NotFound("没有这个证照 / no such licence")
    return licence


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


def _choice_labels() -> tuple[dict[str, str], dict[str, str]]:
    """The status and origin labels in the active language, translated once per language (a list of 20
    rows would otherwise translate 40 lazy labels)."""
    language = get_language() or ""
    labels = _CHOICE_LABELS.get(language)
    if labels is None:
        labels = _CHOICE_LABELS[language] = (
            {value: str(label) for value, label in Licence.Status.choices},
            {value: str(label) for value, label in Licence.Origin.choices},
        )
    return labels


_CHOICE_LABELS: dict[str, tuple[dict[str, str], dict[str, str]]] = {}


def _holder_shown(licence: Licence | LicenceRow) -> tuple[str, str]:
    if licence.holder_code_shown:
        return licence.holder_name_shown, licence.holder_code_shown
    if isinstance(licence, LicenceRow):
        name, code = (decrypt_text(text) for text in licence.holder_encrypted or ("", ""))
    else:
        name, code = licence.holder_name, licence.holder_code
    shown = Licence.holder_fields(holder_code_type=licence.holder_code_type, name=name, code=code)
    return shown["holder_name_shown"], shown["holder_code_shown"]


def masked_summary(licence: Licence | LicenceRow) -> dict[str, Any]:
    """What anyone may see of a licence (the verification page, a QR scan): no unmasked personal data —
    a citizen's name and ID number masked, a business's name and credit code in full (kept so at write
    time: a list decrypts nothing)."""
    holder_name, holder_code = _holder_shown(licence)
    status_labels, origin_labels = _choice_labels()
    return {
        "licence_id": licence.licence_id,
        "type_code": licence.licence_type.code,
        "type_name": licence.licence_type.name,
        "type_name_en": licence.licence_type.name_en,
        "number": licence.number,
        "holder_name": holder_name,
        "holder_code": holder_code,
        "issuer_name": licence.issuer_name,
        "issuer_name_en": licence.issuer.name_en or licence.issuer_name,
        "issuer_code": licence.issuer_code,
        "issued_on": licence.issued_on.isoformat(),
        "valid_from": licence.valid_from.isoformat(),
        "valid_until": licence.valid_until.isoformat() if licence.valid_until else None,
        "status": licence.status,
        "status_label": status_labels.get(licence.status, licence.status),
        "origin": licence.origin,
        "origin_label": origin_labels.get(licence.origin, licence.origin),
    }


def licence_history(licence: Licence) -> list[LicenceEvent]:
    return list(licence.events.all())


def licence_uses(licence: Licence, *, limit: int = 100) -> list[LicenceUse]:
    return list(licence.uses.select_related("user", "department")[:limit])


def licence_shares(licence: Licence) -> list[LicenceShare]:
    return list(licence.shares.select_related("department"))


# ---- pages: status over time, staff access, what the holder and staff are shown ---------------------------

# The status each kind of history entry leaves (annotations change nothing). "withdraw" (吊销) is the
# kind `services.licence_status_change` writes for that action.
STATUS_AFTER_EVENT = {
    LicenceEvent.Kind.ISSUE: Licence.Status.VALID,
    LicenceEvent.Kind.IMPORT: Licence.Status.VALID,
    LicenceEvent.Kind.SUSPEND: Licence.Status.SUSPENDED,
    LicenceEvent.Kind.RESTORE: Licence.Status.VALID,
    LicenceEvent.Kind.REVOKE: Licence.Status.REVOKED,
    LicenceEvent.Kind.CANCEL: Licence.Status.CANCELLED,
    LicenceEvent.Kind.EXPIRE: Licence.Status.EXPIRED,
    "withdraw": Licence.Status.WITHDRAWN,
}


def licence_status_at(licence: Licence, when: dt.datetime) -> str:
    """The licence's status at `when`, from its history: the last status change before it, and 失效 once
    the validity had ended by then (even if the nightly sweep had not yet written it). "" before issue."""
    status = ""
    for event in licence.events.filter(occurred_at__lte=when).order_by("occurred_at", "id"):
        status = STATUS_AFTER_EVENT.get(event.kind, status)
    if (
        status in (Licence.Status.VALID, Licence.Status.SUSPENDED)
        and licence.valid_until is not None
        and licence.valid_until < timezone.localdate(when)
    ):
        return Licence.Status.EXPIRED
    return status


def status_label(status: str) -> str:
    return str(Licence.Status(status).label) if status in Licence.Status.values else "—"


@dataclass(frozen=True)
class StaffAccess:
    """How a staff member reaches a licence page: "issuer" (its department's register), "share" (a
    department the holder authorised), or "case" (a case of theirs used it as a material, `receipt_no`,
    at `supplied_at`)."""

    licence: Licence
    access: str
    receipt_no: str = ""
    supplied_at: dt.datetime | None = None
    share: LicenceShare | None = None


def licence_for_staff(*, actor: Any, licence_id: str, receipt_no: str = "") -> StaffAccess:
    """A licence for a staff page; 404 (reveals nothing) for one the actor may not see. With
    `receipt_no`, a case the actor can see that relied on the licence also opens it (read-only)."""
    if getattr(actor, "kind", "") != User.Kind.STAFF:
        raise NotFound("没有这个证照 / no such licence")
    licence = licence_by_id(licence_id)
    if licence is None:
        raise NotFound("没有这个证照 / no such licence")
    access = licence_access(actor=actor, licence=licence)
    supplied_at = None
    if receipt_no:
        supplied_at = _case_supply_time(actor=actor, receipt_no=receipt_no, licence_id=licence_id)
        if supplied_at is None:
            receipt_no = ""
        elif not access:
            access = "case"
    if not access:
        raise NotFound("没有这个证照 / no such licence")
    share = None
    if access == "share":
        departments = {a.department_id for a in staff_assignments(user=actor)}
        share = (
            licence.shares.filter(
                department_id__in=departments, withdrawn_at__isnull=True, valid_until__gte=timezone.localdate()
            )
            .select_related("department")
            .first()
        )
    return StaffAccess(licence=licence, access=access, receipt_no=receipt_no, supplied_at=supplied_at, share=share)


def _case_supply_time(*, actor: Any, receipt_no: str, licence_id: str) -> dt.datetime | None:
    """When a case the actor can see had the licence supplied as a material (None if it did not)."""
    try:
        application = application_get_for(actor=actor, receipt_no=receipt_no[:40])
    except NotFound:
        return None
    for supply in application_supplies(application=application).values():
        if supply.provider == "licences" and supply.reference == licence_id:
            return supply.supplied_at
    return None


@dataclass(frozen=True)
class FaceRow:
    label: str
    label_en: str
    value: str
    is_masked: bool = False


HIDDEN = "＊＊＊＊"


def licence_face_rows(licence: Licence, *, masked: bool) -> list[FaceRow]:
    """The licence's face as label/value rows: the holder and every face field. `masked` (what staff see
    by default) hides a citizen holder's name and ID number in part and personal face fields whole; a
    business's name and credit code are public (国家企业信用信息公示系统) and stay."""
    document = licence_document(licence)
    is_citizen = document.holder_code_type == "111"
    hide = masked and is_citizen
    rows = [
        FaceRow("持证人", "Holder", mask_name(document.holder_name) if hide else document.holder_name, is_masked=hide),
        FaceRow(
            "公民身份号码" if is_citizen else "统一社会信用代码",
            "ID number" if is_citizen else "Unified social credit code",
            mask_id_number(document.holder_code) if hide else document.holder_code,
            is_masked=hide,
        ),
    ]
    for face_field in document.fields:
        hidden = masked and face_field.personal
        rows.append(
            FaceRow(face_field.label, face_field.label_en, HIDDEN if hidden else face_field.value, is_masked=hidden)
        )
    return rows


@dataclass(frozen=True)
class UseRow:
    """One line of 用证记录 as the holder reads it: who (department, staff masked), when, what, why."""

    occurred_at: dt.datetime
    kind: str
    kind_label: str
    department: Department | None
    who: str
    purpose: str
    receipt_no: str
    is_own: bool


def licence_use_rows(*, licence: Licence, holder: Any, limit: int = 100) -> list[UseRow]:
    """用证记录 for the holder: every use, newest first. Staff are named by department and a masked name
    (the holder learns which office looked, not a person's full name); the holder's own uses read 本人."""
    rows = []
    for use in licence_uses(licence, limit=limit):
        is_own = use.user_id is not None and use.user_id == getattr(holder, "pk", None)
        if is_own:
            who = "本人"
        elif use.user is not None:
            who = mask_name(use.user.display_name or use.user.username)
        else:
            who = ""
        rows.append(
            UseRow(
                occurred_at=use.occurred_at,
                kind=use.kind,
                kind_label=str(LicenceUse.Kind(use.kind).label) if use.kind in LicenceUse.Kind.values else use.kind,
                department=use.department,
                who=who,
                purpose=use.purpose,
                receipt_no=use.receipt_no,
                is_own=is_own,
            )
        )
    return rows


def licence_types_for_register() -> list[LicenceType]:
    return list(LicenceType.objects.filter(is_active=True).order_by("code"))


def share_departments() -> list[Department]:
    """The departments a holder may authorise (用证授权): every active one."""
    return list(Department.objects.filter(is_active=True).order_by("code"))


def jurisdiction_of(department: Department) -> str:
    """The GB/T 2260 county code of the issuing department (its region, or the region's county above)."""
    region = department.region
    while region is not None and not (len(region.code) == 6 and region.code.isdigit()):
        region = region.parent
    return region.code if region is not None else "000000"
