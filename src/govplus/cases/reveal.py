"""Personal data of a case, masked for staff, revealed in full only to a handler with a reason.

Staff see phone and identity numbers typed into an application masked (138****8000), on the case
page and in the API alike: the platform contacts the applicant, a clerk rarely needs the full value.
A handler of the case — staff who has or had a task on it in one of their (department, role) pairs —
may reveal one field with a stated reason. Every reveal writes a `PersonalDataAccess` row (who, which
department, which field, when, why; never the value) and an audit entry in the same transaction, and
the applicant sees the rows on the application's page and in the API: 《个人信息保护法》第四十四条
(the right to know how one's data is handled) and 第五十五条 (the record of handling).
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from govplus.cases.models import Application, CaseTask, PersonalDataAccess
from govplus.core.audit import audit_record
from govplus.core.crypto import mask_id_number, mask_phone
from govplus.core.errors import PermissionDenied, ValidationFailed
from govplus.identity.models import User
from govplus.identity.selectors import staff_assignments

MASKS = {"phone": mask_phone, "idcard": mask_id_number}
REASON_MIN_LENGTH = 5
REASON_MAX_LENGTH = 300


def personal_fields(*, application: Application) -> list[dict[str, Any]]:
    """The form fields of the item that hold personal identifiers (shown masked to staff)."""
    return [field for field in application.service_item.form_fields if field.get("type") in MASKS]


def application_form_masked(*, application: Application) -> dict[str, object]:
    """Form values for staff eyes: phone and identity numbers masked."""
    values = application.form_data
    for field in personal_fields(application=application):
        value = str(values.get(field["name"], "") or "")
        if value:
            values[field["name"]] = MASKS[field["type"]](value)
    return values


def _handler_department_id(*, actor: User, application: Application) -> int | None:
    """The department in which `actor` handles (or handled) the case, or None if they never did."""
    scope = Q(pk__in=[])
    for assignment in staff_assignments(user=actor):
        scope |= Q(department_id=assignment.department_id, role=assignment.role)
    task = (
        CaseTask.objects.filter(application=application)
        .filter(scope | Q(completed_by=actor))
        .order_by("-id")
        .values_list("department_id", flat=True)
        .first()
    )
    return task


def is_case_handler(*, actor: User, application: Application) -> bool:
    return actor.kind == User.Kind.STAFF and _handler_department_id(actor=actor, application=application) is not None


def personal_data_reveal(*, actor: User, application: Application, field: str, reason: str) -> str:
    """Return the full value of `field` to a handler of the case, recording who looked and why.

    The caller has already found the application within the actor's scope (others get 404). Staff
    who can see the case but never had a task on it get 403; a missing or short reason, or a field
    that is not a personal identifier of this item's form, gets 422 naming the field.
    """
    reason = reason.strip()
    problems: dict[str, list[str]] = {}
    fields = {f["name"]: f for f in personal_fields(application=application)}
    if field not in fields:
        problems["field"] = ["该字段不是可查看的个人信息 / not a personal-data field of this form"]
    if len(reason) < REASON_MIN_LENGTH:
        problems["reason"] = [
            f"请填写查看理由（至少 {REASON_MIN_LENGTH} 个字）/ give a reason (at least {REASON_MIN_LENGTH} characters)"
        ]
    elif len(reason) > REASON_MAX_LENGTH:
        problems["reason"] = [f"理由过长（最多 {REASON_MAX_LENGTH} 字）/ reason too long (max {REASON_MAX_LENGTH})"]
    department_id = _handler_department_id(actor=actor, application=application) if actor.kind == "staff" else None
    if department_id is None:
        raise PermissionDenied(
            "只有办理该办件的工作人员可以查看完整信息。",
            "Only staff who handle this case may see the full value.",
        )
    if problems:
        raise ValidationFailed(problems)
    value = str(application.form_data.get(field, "") or "")
    with transaction.atomic():
        access = PersonalDataAccess.objects.create(
            application=application,
            actor=actor,
            department_id=department_id,
            field=field,
            field_label=str(fields[field].get("label", field))[:100],
            reason=reason,
            accessed_at=timezone.now(),
        )
        audit_record(
            actor=actor,
            action="cases.personal_data_reveal",
            object_type="application",
            object_id=application.receipt_no,
            changes={
                "applicant_id": application.applicant_id,
                "field": field,
                "reason": reason,
                "access_id": access.pk,
            },
        )
    return value


def personal_data_accesses(*, application: Application) -> list[PersonalDataAccess]:
    """Who looked at the full personal data of this application, newest first."""
    return list(application.personal_data_accesses.select_related("actor", "department"))


def access_out(access: PersonalDataAccess) -> dict[str, Any]:
    return {
        "accessed_at": access.accessed_at,
        "department": access.department.name,
        "staff": access.actor.display_name or access.actor.username,
        "field": access.field,
        "field_label": access.field_label,
        "reason": access.reason,
    }
