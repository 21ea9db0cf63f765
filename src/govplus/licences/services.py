"""Writes of the licence library: load the catalogue, issue, change status, annotate, share, record use.

Every write runs in one transaction with its audit entry (`core.audit`) and, where another module may
care, a domain event (`licence.issued`, `licence.status_changed`). A licence's personal data (the
holder's name and code, the face fields) is stored encrypted; events and audit entries carry the
licence identifier and codes only.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from govplus.catalog.services import catalog_changed
from govplus.core.audit import audit_record
from govplus.core.crypto import encrypt_text, lookup_hash
from govplus.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from govplus.core.events import event_publish
from govplus.identity.models import Department, User
from govplus.identity.selectors import is_platform_admin, staff_assignments
from govplus.identity.validators import credit_code_problem, id_number_problem
from govplus.licences.identifiers import licence_id_make, licence_id_problem
from govplus.licences.models import (
    Licence,
    LicenceEvent,
    LicenceSerial,
    LicenceShare,
    LicenceType,
    LicenceUse,
    StatusListCounter,
)
from govplus.licences.selectors import StaffAccess, licence_access, licence_for_staff

CATALOGUE_FILE = Path(__file__).parent / "data" / "licence_types.json"
LONG_TERM = "长期"

S = Licence.Status
# The allowed status changes: action → (statuses it may start from, the status it leaves).
STATUS_ACTIONS: dict[str, tuple[frozenset[str], str]] = {
    "suspend": (frozenset({S.VALID}), S.SUSPENDED),
    "restore": (frozenset({S.SUSPENDED}), S.VALID),
    "revoke": (frozenset({S.VALID, S.SUSPENDED}), S.REVOKED),
    "cancel": (frozenset({S.VALID, S.SUSPENDED}), S.CANCELLED),
    "withdraw": (frozenset({S.VALID, S.SUSPENDED}), S.WITHDRAWN),
    "expire": (frozenset({S.VALID, S.SUSPENDED}), S.EXPIRED),
}
STAFF_ROLES_FOR_STATUS = {"approver", "department_admin"}


# ---- the catalogue (证照目录) --------------------------------------------------------------------------


def licence_types_load(*, actor: Any, data: list[dict[str, Any]] | None = None) -> dict[str, int]:
    """Create or update the licence types (default: the catalogue shipped in `data/licence_types.json`).

    A type is matched by its code; every code must be the defining authority's unified social credit
    code followed by three digits, and every face field must have a known type.
    """
    rows = data if data is not None else json.loads(CATALOGUE_FILE.read_text(encoding="utf-8"))
    created = updated = 0
    with transaction.atomic():
        for row in rows:
            problems = _type_problems(row)
            if problems:
                raise ValidationFailed({f"licence_types.{row.get('code', '?')}": problems})
            defaults = {
                key: row.get(key, default)
                for key, default in (
                    ("name", ""),
                    ("name_en", ""),
                    ("defining_authority", ""),
                    ("defining_authority_code", ""),
                    ("holder_kind", LicenceType.HolderKind.CITIZEN),
                    ("validity_years", None),
                    ("face_schema", []),
                    ("issued_by", []),
                    ("aliases", []),
                )
            }
            _type, was_created = LicenceType.objects.update_or_create(code=row["code"], defaults=defaults)
            created += was_created
            updated += not was_created
        audit_record(
            actor=actor,
            action="licences.types_load",
            object_type="licence_type",
            changes={"created": created, "updated": updated},
        )
    catalog_changed()  # the guide pages say which materials the library's types supply (免提交)
    return {"created": created, "updated": updated}


FIELD_TYPES = {"text", "date", "number", "id_number", "credit_code", "region", "enum"}


def _type_problems(row: dict[str, Any]) -> list[str]:
    problems = []
    code, authority = str(row.get("code", "")), str(row.get("defining_authority_code", ""))
    if len(code) != 21 or not code.startswith(authority) or not code[18:].isdigit():
        problems.append("类型代码应为定义机构统一社会信用代码加三位顺序码 / code = authority's credit code + 3 digits")
    if credit_code_problem(authority):
        problems.append("定义机构代码不是有效的统一社会信用代码 / invalid credit code of the defining authority")
    for entry in row.get("face_schema", []):
        if entry.get("type", "text") not in FIELD_TYPES or not entry.get("name") or not entry.get("label"):
            problems.append(f"照面字段 {entry.get('name', '?')} 定义不完整 / face field incomplete")
    return problems


# ---- face fields -------------------------------------------------------------------------------------


def face_clean(licence_type: LicenceType, face: dict[str, Any]) -> tuple[dict[str, str], dict[str, list[str]]]:
    """The face values as text, checked against the type's schema, and the problems per field."""
    cleaned: dict[str, str] = {}
    problems: dict[str, list[str]] = {}
    known = {entry["name"]: entry for entry in licence_type.face_schema}
    for name in face:
        if name not in known:
            problems.setdefault(f"face.{name}", []).append("该证照类型没有这个字段 / unknown face field")
    for name, entry in known.items():
        value = str(face.get(name, "") or "").strip()
        if not value:
            if entry.get("required"):
                problems.setdefault(f"face.{name}", []).append(f"{entry['label']}必填 / required")
            continue
        problem = _value_problem(entry, value)
        if problem:
            problems.setdefault(f"face.{name}", []).append(f"{entry['label']}：{problem}")
        cleaned[name] = value
    return cleaned, problems


def _value_problem(entry: dict[str, Any], value: str) -> str | None:
    kind = entry.get("type", "text")
    if kind == "date":
        try:
            dt.date.fromisoformat(value)
        except ValueError:
            return "日期格式应为 YYYY-MM-DD / date must be YYYY-MM-DD"
    elif kind == "number":
        try:
            float(value)
        except ValueError:
            return "应为数字 / must be a number"
    elif kind == "id_number":
        return id_number_problem(value)
    elif kind == "credit_code":
        return credit_code_problem(value)
    elif kind == "region":
        if not (len(value) == 6 and value.isdigit()):
            return "行政区划代码应为 6 位数字（GB/T 2260）/ region code: 6 digits (GB/T 2260)"
    elif kind == "enum" and value not in entry.get("choices", []):
        return f"应为 {'、'.join(entry.get('choices', []))} 之一 / must be one of the choices"
    elif len(value) > 500:
        return "太长（最多 500 字）/ too long (500 characters at most)"
    return None


def holder_code_problem(licence_type: LicenceType, code: str) -> str | None:
    """The holder's code must be a citizen ID number (111) or a unified social credit code (001)."""
    if licence_type.holder_kind == LicenceType.HolderKind.CITIZEN:
        return id_number_problem(code)
    return credit_code_problem(code)


def licence_digest(
    *,
    licence_id: str,
    type_code: str,
    holder_code: str,
    number: str,
    issued_on: dt.date,
    valid_from: dt.date,
    valid_until: dt.date | None,
    face: dict[str, str],
) -> str:
    """SHA-256 of the licence's canonical content: what a case records when it relies on the licence,
    and what a later check compares (a changed face or date changes the digest)."""
    canonical = json.dumps(
        {
            "id": licence_id,
            "type": type_code,
            "holder": holder_code,
            "number": number,
            "issued_on": issued_on.isoformat(),
            "valid_from": valid_from.isoformat(),
            "valid_until": valid_until.isoformat() if valid_until else LONG_TERM,
            "face": face,
        },
        ensure_ascii=False,
        sort_keys=True,
        separators=(",", ":"),
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


# ---- issuance ---------------------------------------------------------------------------------------


def _serial_take(licence_type: LicenceType, issuer_code: str, count: int = 1) -> int:
    """The first of `count` new serials of (type, issuer), taken under a row lock."""
    try:
        with transaction.atomic():
            LicenceSerial.objects.get_or_create(licence_type=licence_type, issuer_code=issuer_code)
    except IntegrityError:  # created by a concurrent issue: fine, lock it below
        pass
    row = LicenceSerial.objects.select_for_update().get(licence_type=licence_type, issuer_code=issuer_code)
    first = row.last + 1
    row.last += count
    row.save(update_fields=["last"])
    return first


def status_indices_take(count: int = 1) -> int:
    """The first of `count` new positions in the Token Status List, taken under a row lock."""
    if not StatusListCounter.objects.filter(pk=1).exists():
        try:
            with transaction.atomic():
                StatusListCounter.objects.create(pk=1, next_index=0)
        except IntegrityError:
            pass
    row = StatusListCounter.objects.select_for_update().get(pk=1)
    first = row.next_index
    row.next_index += count
    row.save(update_fields=["next_index"])
    return first


def validity_until(licence_type: LicenceType, valid_from: dt.date) -> dt.date | None:
    """The default end of validity: `validity_years` after the start (the day before), or long-term."""
    if not licence_type.validity_years:
        return None
    years = licence_type.validity_years
    try:
        end = valid_from.replace(year=valid_from.year + years)
    except ValueError:  # 29 February
        end = valid_from.replace(year=valid_from.year + years, day=28)
    return end - dt.timedelta(days=1)


def licence_issue(
    *,
    actor: Any,
    licence_type: LicenceType,
    issuer: Department,
    holder_name: str,
    holder_code: str,
    face: dict[str, Any],
    issued_on: dt.date,
    jurisdiction: str,
    holder: User | None = None,
    number: str = "",
    valid_from: dt.date | None = None,
    valid_until: dt.date | None = None,
    origin: str = Licence.Origin.ISSUED,
    application_id: int | None = None,
    event_id: int | None = None,
    licence_id: str = "",
    notify: bool = True,
) -> Licence:
    """Put one licence into the library: checked, numbered, encrypted, audited, announced.

    A new licence gets the identifier of the provincial libraries (`identifiers.py`) from the issuing
    department's running serial for the type; an imported one keeps its identifier if it has one (it
    is validated). `event_id` makes issuance from a domain event idempotent: a second delivery of the
    same event finds the licence it already made.
    """
    if event_id is not None:
        existing = Licence.objects.filter(issued_for_event=event_id, licence_type=licence_type).first()
        if existing is not None:
            return existing
    problems: dict[str, list[str]] = {}
    face_values, face_problems = face_clean(licence_type, face)
    problems.update(face_problems)
    holder_code = (holder_code or "").strip().upper()
    if problem := holder_code_problem(licence_type, holder_code):
        problems["holder_code"] = [problem]
    if not (holder_name or "").strip():
        problems["holder_name"] = ["持证人名称必填 / the holder's name is required"]
    if not issuer.credit_code or credit_code_problem(issuer.credit_code):
        problems["issuer"] = ["颁发机构缺少有效的统一社会信用代码 / the issuer has no valid credit code"]
    if not (len(jurisdiction) == 6 and jurisdiction.isdigit()):
        problems["jurisdiction"] = ["行政区划代码应为 6 位数字（GB/T 2260）/ 6-digit GB/T 2260 code"]
    if licence_id and (problem_pair := licence_id_problem(licence_id)):
        problems["licence_id"] = [f"{problem_pair[0]} / {problem_pair[1]}"]
    valid_from = valid_from or issued_on
    if valid_until is None:
        valid_until = validity_until(licence_type, valid_from)
    if valid_until is not None and valid_until < valid_from:
        problems["valid_until"] = ["有效期截止早于起始 / validity ends before it starts"]
    if problems:
        raise ValidationFailed(problems)
    with transaction.atomic():
        if not licence_id:
            serial = _serial_take(licence_type, issuer.credit_code)
            licence_id = licence_id_make(type_code=licence_type.code, issuer_code=issuer.credit_code, serial=serial)
        number = number or licence_id.split(".")[-3]
        digest = licence_digest(
            licence_id=licence_id,
            type_code=licence_type.code,
            holder_code=holder_code,
            number=number,
            issued_on=issued_on,
            valid_from=valid_from,
            valid_until=valid_until,
            face=face_values,
        )
        today = timezone.localdate()
        status = S.EXPIRED if valid_until is not None and valid_until < today else S.VALID
        try:
            with transaction.atomic():
                licence = Licence.objects.create(
                    licence_id=licence_id,
                    licence_type=licence_type,
                    issuer=issuer,
                    issuer_name=issuer.name,
                    issuer_code=issuer.credit_code,
                    holder=holder or _holder_account(licence_type, holder_code),
                    **Licence.holder_fields(
                        holder_code_type=licence_type.holder_code_type, name=holder_name.strip(), code=holder_code
                    ),
                    number=number,
                    issued_on=issued_on,
                    valid_from=valid_from,
                    valid_until=valid_until,
                    jurisdiction=jurisdiction,
                    face_encrypted=encrypt_text(json.dumps(face_values, ensure_ascii=False, sort_keys=True)),
                    status=status,
                    origin=origin,
                    application_id=application_id,
                    issued_for_event=event_id,
                    status_index=status_indices_take(),
                    digest=digest,
                )
        except IntegrityError:
            again = Licence.objects.filter(issued_for_event=event_id, licence_type=licence_type).first()
            if event_id is not None and again is not None:
                return again
            raise Conflict("证照标识已存在 / this licence identifier already exists") from None
        kind = LicenceEvent.Kind.ISSUE if origin == Licence.Origin.ISSUED else LicenceEvent.Kind.IMPORT
        LicenceEvent.objects.create(
            licence=licence,
            kind=kind,
            actor=_user_or_none(actor),
            actor_name=_actor_name(actor),
            occurred_at=timezone.now(),
        )
        audit_record(
            actor=actor,
            action=f"licences.licence_{kind}",
            object_type="licence",
            object_id=licence_id,
            changes={
                "type": licence_type.code,
                "issuer": issuer.code,
                "origin": origin,
                "application_id": application_id,
            },
        )
        event_publish(
            name="licence.issued",
            payload={
                "licence_id": licence_id,
                "type_code": licence_type.code,
                "issuer_id": issuer.pk,
                "holder_id": licence.holder_id,
                "application_id": application_id,
                "origin": origin,
            },
        )
        if notify and licence.holder_id:
            _tell_holder(licence, f"您的电子证照“{licence_type.name}”已签发，可在“我的证照”查看和下载。")
    return licence


def _holder_account(licence_type: LicenceType, holder_code: str) -> User | None:
    """The platform account of the holder, if they have one (found by the keyed hash of their code)."""
    if licence_type.holder_kind == LicenceType.HolderKind.CITIZEN:
        return User.objects.filter(citizen_profile__id_number_hash=lookup_hash(holder_code)).first()
    return User.objects.filter(business_profile__credit_code=holder_code).first()


def _user_or_none(actor: Any) -> User | None:
    return actor if isinstance(actor, User) and actor.pk else None


def _actor_name(actor: Any) -> str:
    if isinstance(actor, User):
        return (actor.display_name or actor.username)[:100]
    return str(actor or "系统 / system")[:100]


def _tell_holder(licence: Licence, message: str) -> None:
    from govplus.core.notify import notification_send

    if licence.holder is not None:
        notification_send(
            recipient=licence.holder,
            title=message,
            link=f"/my/licences/{licence.licence_id}",
            category="licence",
            name_en=licence.licence_type.name_en,
        )


# ---- status --------------------------------------------------------------------------------------------


def licence_for_update(licence_id: str) -> Licence:
    problem = licence_id_problem(licence_id)
    if problem:
        raise ValidationFailed({"licence_id": [f"{problem[0]} / {problem[1]}"]})
    licence = Licence.objects.select_for_update().select_related("licence_type").filter(licence_id=licence_id).first()
    if licence is None:
        raise NotFound("没有这个证照 / no such licence")
    return licence


def may_manage(*, actor: Any, licence: Licence) -> bool:
    """Status changes belong to the issuing department's approvers and administrators (and the
    platform administrator)."""
    if not isinstance(actor, User) or not actor.is_authenticated:
        return False
    if is_platform_admin(user=actor):
        return True
    return any(
        a.department_id == licence.issuer_id and a.role in STAFF_ROLES_FOR_STATUS for a in staff_assignments(user=actor)
    )


def licence_status_change(*, actor: Any, licence_id: str, action: str, reason: str) -> Licence:
    """Revoke (撤销), suspend (暂扣), restore (恢复), cancel (注销), withdraw (吊销) or expire (失效) a
    licence, with a reason, by the issuing department. The status list that every credential of the
    licence points to changes with it; the holder is told."""
    if action not in STATUS_ACTIONS:
        raise ValidationFailed({"action": ["未知操作 / unknown action"]})
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed({"reason": ["请填写原因 / a reason is required"]})
    if len(reason) > 500:
        raise ValidationFailed({"reason": ["原因最多 500 字 / 500 characters at most"]})
    sources, target = STATUS_ACTIONS[action]
    with transaction.atomic():
        licence = licence_for_update(licence_id)
        # 失效 is written by the nightly sweep (no actor) or by the issuing department; nobody else.
        if not (action == "expire" and actor is None) and not may_manage(actor=actor, licence=licence):
            raise PermissionDenied("只有颁发部门的审批人员可以变更证照状态 / only the issuing department may do this")
        if licence.status not in sources:
            raise Conflict(
                f"证照当前状态（{licence.get_status_display()}）不能执行该操作",
                f"not allowed while the licence is {licence.status}",
            )
        before = licence.status
        now = timezone.now()
        licence.status, licence.status_changed_at = target, now
        licence.save(update_fields=["status", "status_changed_at"])
        LicenceEvent.objects.create(
            licence=licence,
            kind=action,
            reason=reason,
            actor=_user_or_none(actor),
            actor_name=_actor_name(actor),
            occurred_at=now,
        )
        audit_record(
            actor=actor,
            action=f"licences.licence_{action}",
            object_type="licence",
            object_id=licence_id,
            changes={"status": [before, target], "reason": reason},
        )
        event_publish(
            name="licence.status_changed",
            payload={"licence_id": licence_id, "status_from": before, "status_to": target, "action": action},
        )
        _tell_holder(
            licence, f"您的电子证照“{licence.licence_type.name}”状态已变更为：{licence.get_status_display()}。"
        )
    return licence


def licence_annotate(*, actor: Any, licence_id: str, note: str) -> LicenceEvent:
    """加注件: the issuing department adds a dated note to a licence (who, when, why)."""
    note = (note or "").strip()
    if not note or len(note) > 500:
        raise ValidationFailed({"note": ["请填写加注内容（最多 500 字）/ a note of at most 500 characters"]})
    with transaction.atomic():
        licence = licence_for_update(licence_id)
        if not may_manage(actor=actor, licence=licence):
            raise PermissionDenied("只有颁发部门可以加注 / only the issuing department may annotate")
        event = LicenceEvent.objects.create(
            licence=licence,
            kind=LicenceEvent.Kind.ANNOTATE,
            reason=note,
            actor=_user_or_none(actor),
            actor_name=_actor_name(actor),
            occurred_at=timezone.now(),
        )
        audit_record(actor=actor, action="licences.licence_annotate", object_type="licence", object_id=licence_id)
    return event


def licences_expire_due(*, today: dt.date | None = None) -> int:
    """The nightly sweep: valid or suspended licences whose validity has ended become 失效."""
    today = today or timezone.localdate()
    due = list(
        Licence.objects.filter(status__in=[S.VALID, S.SUSPENDED], valid_until__lt=today).values_list(
            "licence_id", flat=True
        )[:10_000]
    )
    for licence_id in due:
        licence_status_change(actor=None, licence_id=licence_id, action="expire", reason="有效期届满 / validity ended")
    return len(due)


# ---- use and sharing -------------------------------------------------------------------------------


def licence_use_record(
    *,
    licence: Licence,
    kind: str,
    user: Any = None,
    department: Department | None = None,
    purpose: str = "",
    receipt_no: str = "",
) -> LicenceUse:
    """用证记录: one use of a licence, shown to its holder and audited."""
    use = LicenceUse.objects.create(
        licence=licence,
        kind=kind,
        user=_user_or_none(user),
        department=department,
        purpose=purpose[:200],
        receipt_no=receipt_no[:40],
        occurred_at=timezone.now(),
    )
    audit_record(
        actor=user,
        action=f"licences.licence_use_{kind}",
        object_type="licence",
        object_id=licence.licence_id,
        changes={"purpose": purpose[:200], "receipt_no": receipt_no, "department": getattr(department, "code", "")},
    )
    return use


def _own_licence(actor: Any, licence_id: str) -> Licence:
    """The holder's licence, locked for the write; anyone else's is a 404."""
    licence = licence_for_update(licence_id)
    if licence_access(actor=actor, licence=licence) != "holder":
        raise NotFound("没有这个证照 / no such licence")
    return licence


def licence_share(
    *, actor: User, licence_id: str, department_code: str, purpose: str, valid_until: dt.date
) -> LicenceShare:
    """用证授权: the holder lets a department use one licence for a purpose until a date (at most a year)."""
    problems: dict[str, list[str]] = {}
    department = Department.objects.filter(code=department_code, is_active=True).first()
    if department is None:
        problems["department_code"] = ["没有这个部门 / no such department"]
    purpose = (purpose or "").strip()
    if not purpose or len(purpose) > 200:
        problems["purpose"] = ["请填写用途（最多 200 字）/ a purpose of at most 200 characters"]
    today = timezone.localdate()
    if valid_until < today or valid_until > today + dt.timedelta(days=366):
        problems["valid_until"] = ["授权截止应在今天到一年之内 / from today to one year ahead"]
    if problems:
        raise ValidationFailed(problems)
    assert department is not None
    with transaction.atomic():
        licence = _own_licence(actor, licence_id)
        if licence.status != S.VALID:
            raise Conflict("只有有效的证照可以授权使用 / only a valid licence can be shared")
        share = LicenceShare.objects.create(
            licence=licence,
            department=department,
            purpose=purpose,
            valid_until=valid_until,
            created_by=actor,
            created_at=timezone.now(),
        )
        audit_record(
            actor=actor,
            action="licences.licence_share",
            object_type="licence",
            object_id=licence_id,
            changes={"department": department.code, "purpose": purpose, "valid_until": valid_until.isoformat()},
        )
    return share


def licence_share_withdraw(*, actor: User, licence_id: str, share_id: int) -> LicenceShare:
    """The holder withdraws a share; the department can no longer use the licence from now on."""
    with transaction.atomic():
        licence = _own_licence(actor, licence_id)
        share = LicenceShare.objects.select_for_update().filter(pk=share_id, licence=licence).first()
        if share is None:
            raise NotFound("没有这个授权 / no such share")
        if share.withdrawn_at is None:
            share.withdrawn_at = timezone.now()
            share.save(update_fields=["withdrawn_at"])
            audit_record(
                actor=actor,
                action="licences.licence_share_withdraw",
                object_type="licence",
                object_id=licence_id,
                changes={"share_id": share_id, "department": share.department.code},
            )
    return share


# ---- pages: the checks a confirm step shows, staff reveals, page-view uses ----------------------------

STAFF_STATUS_ACTIONS = ("suspend", "restore", "revoke", "cancel", "withdraw")  # 失效 is the nightly sweep's


def licence_status_change_check(*, actor: Any, licence_id: str, action: str, reason: str) -> Licence:
    """What `licence_status_change` would refuse, without writing: the confirm step of the staff page
    asks this first, so a missing reason or a forbidden move is said before anyone confirms. Staff
    actions exclude 失效 (expire), which only the validity sweep writes."""
    problems: dict[str, list[str]] = {}
    if action not in STAFF_STATUS_ACTIONS:
        problems["action"] = ["请选择操作 / choose an action"]
    reason = (reason or "").strip()
    if not reason:
        problems["reason"] = ["请填写原因 / a reason is required"]
    elif len(reason) > 500:
        problems["reason"] = ["原因最多 500 字 / 500 characters at most"]
    if problems:
        raise ValidationFailed(problems)
    licence = Licence.objects.select_related("licence_type").filter(licence_id=licence_id).first()
    if licence is None:
        raise NotFound("没有这个证照 / no such licence")
    if not may_manage(actor=actor, licence=licence):
        raise PermissionDenied("只有颁发部门的审批人员可以变更证照状态 / only the issuing department may do this")
    if licence.status not in STATUS_ACTIONS[action][0]:
        raise Conflict(
            f"证照当前状态（{licence.get_status_display()}）不能执行该操作",
            f"not allowed while the licence is {licence.status}",
        )
    return licence


def licence_status_change_by_staff(*, actor: Any, licence_id: str, action: str, reason: str) -> Licence:
    """A status change asked for on the staff page: one of the staff actions (never 失效), by the issuing
    department, checked again under the row lock by `licence_status_change`."""
    licence_status_change_check(actor=actor, licence_id=licence_id, action=action, reason=reason)
    return licence_status_change(actor=actor, licence_id=licence_id, action=action, reason=reason)


REVEAL_REASON_MIN_LENGTH = 5


def licence_personal_reveal(*, actor: Any, licence_id: str, reason: str, receipt_no: str = "") -> Licence:
    """Show the unmasked face to a staff member who gives a reason (the issuing department, a department
    the holder authorised, or the handler of a case that used the licence). Recorded as a use (查看, with
    the reason), which the holder reads in 用证记录, and audited — never the values themselves
    (《个人信息保护法》第四十四条, 第五十五条)."""
    reason = (reason or "").strip()
    if len(reason) < REVEAL_REASON_MIN_LENGTH:
        problem = f"请填写查看理由（至少 {REVEAL_REASON_MIN_LENGTH} 个字）/ give a reason (5 characters or more)"
        raise ValidationFailed({"reason": [problem]})
    if len(reason) > 200:
        raise ValidationFailed({"reason": ["理由最多 200 字 / 200 characters at most"]})
    found = licence_for_staff(actor=actor, licence_id=licence_id, receipt_no=receipt_no)
    with transaction.atomic():
        licence_use_record(
            licence=found.licence,
            kind=LicenceUse.Kind.VIEW,
            user=actor,
            department=_staff_department(actor, found.licence, found.share),
            purpose=f"查看完整信息：{reason}",
            receipt_no=found.receipt_no,
        )
    return found.licence


def licence_staff_open_record(*, actor: Any, found: StaffAccess) -> None:
    """A department other than the issuer opened the licence (through the holder's share, or for a case
    that used it): one use, shown to the holder. Opening it again within half an hour adds none."""
    if found.access not in ("share", "case"):
        return
    kind = LicenceUse.Kind.SHARE_USE if found.access == "share" else LicenceUse.Kind.VIEW
    since = timezone.now() - dt.timedelta(minutes=30)
    if LicenceUse.objects.filter(
        licence=found.licence,
        kind=kind,
        user=_user_or_none(actor),
        receipt_no=found.receipt_no,
        occurred_at__gte=since,
    ).exists():
        return
    with transaction.atomic():
        licence_use_record(
            licence=found.licence,
            kind=kind,
            user=actor,
            department=_staff_department(actor, found.licence, found.share),
            purpose=found.share.purpose if found.share is not None else "",
            receipt_no=found.receipt_no,
        )


def _staff_department(actor: Any, licence: Licence, share: LicenceShare | None) -> Department | None:
    """The department a staff member acts for on this licence: the share's, the issuer, or their first."""
    departments = [a.department_id for a in staff_assignments(user=actor)] if isinstance(actor, User) else []
    if share is not None and share.department_id in departments:
        return share.department
    if licence.issuer_id in departments:
        return licence.issuer
    return Department.objects.filter(pk=departments[0]).first() if departments else None
