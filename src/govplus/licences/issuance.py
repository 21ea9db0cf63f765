"""Issue the licences a case produces: the handler of `application.concluded`.

Rule: a case concluded with approval (办结, 准予) of an item whose result is a licence issues that
licence to the applicant. Which licence types, and by which department, is said by each type's
`issued_by` ([{"service_code", "department"}]); a joint item (一件事, e.g. 企业开办 or 新生儿出生) issues each
department's part; a licence is issued only to a holder of its kind (a citizen's case issues no licence held by a
business). The face fields come from the case (`face_schema[*].from`): the applicant's form,
their ID number (birth date, sex), the decision date, or a constant. The handler is idempotent by the
event id (`Licence.issued_for_event` with the type), so a redelivered event issues nothing twice.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.utils import timezone

from govplus.cases.models import Application
from govplus.cases.services import application_result_attach
from govplus.core.events import Event
from govplus.identity.models import Department, User
from govplus.identity.validators import id_birth_date
from govplus.licences.models import Licence, LicenceType
from govplus.licences.pdf_store import licence_pdf_ensure
from govplus.licences.selectors import jurisdiction_of
from govplus.licences.services import licence_issue

HANDLER_NAME = "licences.issue_on_approval"
logger = logging.getLogger(__name__)


def types_issued_by(service_code: str) -> list[tuple[LicenceType, str]]:
    """(type, issuing department code or "") for every type an approved case of `service_code` issues."""
    found = []
    for licence_type in LicenceType.objects.filter(is_active=True):
        for entry in licence_type.issued_by or []:
            if entry.get("service_code") == service_code:
                found.append((licence_type, entry.get("department", "")))
    return found


def holder_of(user: User) -> tuple[str, str]:
    """(name, code) of the applicant as a licence holder: a citizen's name and ID number, a business's
    name and unified social credit code."""
    if user.kind == User.Kind.BUSINESS and hasattr(user, "business_profile"):
        return user.business_profile.name, user.business_profile.credit_code
    profile = getattr(user, "citizen_profile", None)
    if profile is None:
        return "", ""
    return profile.name, profile.id_number


def face_from_case(
    licence_type: LicenceType, *, form: dict[str, Any], holder_code: str, decided_on: dt.date
) -> dict[str, str]:
    """The face values a case gives, by each field's `from` rule (fields without one stay empty)."""
    face: dict[str, str] = {}
    for entry in licence_type.face_schema:
        rule = entry.get("from", "")
        value: Any = ""
        if rule.startswith("form:"):
            value = form.get(rule[5:], "")
        elif rule.startswith("const:"):
            value = rule[6:]
        elif rule == "decision.date":
            value = decided_on.isoformat()
        elif rule in ("id.birth_date", "id.sex") and len(holder_code) == 18:
            value = (
                id_birth_date(holder_code).isoformat()
                if rule == "id.birth_date"
                else ("男" if int(holder_code[16]) % 2 else "女")
            )
        if isinstance(value, list):
            value = "、".join(str(v) for v in value)
        if value not in ("", None):
            face[entry["name"]] = str(value)
    return face


def licence_issue_on_approval(event: Event) -> None:
    payload = event.payload
    if not (
        payload.get("outcome") == Application.Status.CONCLUDED
        and payload.get("result") == Application.Result.APPROVED
        and payload.get("result_type") == "licence"
    ):
        return
    issued = types_issued_by(payload["service_code"])
    if not issued:
        return
    application = Application.objects.select_related("applicant", "department", "service_item").get(
        pk=payload["application_id"]
    )
    holder_name, holder_code = holder_of(application.applicant)
    if not holder_code:
        return  # an applicant without real-name data cannot hold a licence; the case stays as it is
    decided_on = timezone.localdate(application.concluded_at) if application.concluded_at else timezone.localdate()
    form = application.form_data
    kind = (
        LicenceType.HolderKind.BUSINESS
        if application.applicant.kind == User.Kind.BUSINESS
        else LicenceType.HolderKind.CITIZEN
    )
    for licence_type, department_code in issued:
        if licence_type.holder_kind != kind:
            # e.g. a resident's 个体工商户设立登记: the 营业执照 names the new business and its own credit code,
            # which the platform does not hold; retrying would fail forever, so the case issues no e-licence
            logger.debug("case %s: no %s for a %s applicant", application.receipt_no, licence_type.code, kind)
            continue
        issuer = Department.objects.filter(code=department_code).first() if department_code else None
        issuer = issuer or application.department
        face = face_from_case(licence_type, form=form, holder_code=holder_code, decided_on=decided_on)
        licence: Licence = licence_issue(
            actor=None,
            licence_type=licence_type,
            issuer=issuer,
            holder=application.applicant,
            holder_name=holder_name,
            holder_code=holder_code,
            face=face,
            issued_on=decided_on,
            jurisdiction=jurisdiction_of(issuer),
            application_id=application.pk,
            event_id=event.id,
        )
        if licence.issued_for_event == event.id and not _result_attached(application, licence):
            application_result_attach(
                application_id=application.pk,
                actor=None,
                title=f"已签发电子证照：{licence_type.name}",
                title_en=f"E-licence issued: {licence_type.name_en or licence_type.name}",
                link=f"/my/licences/{licence.licence_id}",
            )


def _result_attached(application: Application, licence: Licence) -> bool:
    return application.events.filter(kind="result", link__endswith=licence.licence_id).exists()


PDF_HANDLER_NAME = "licences.pdf_on_issue"


def licence_pdf_on_issue(event: Event) -> None:
    """A licence issued here gets its sealed PDF at once (imported ones on their first download), so the
    holder's first download and every verification compare against the same stored file."""
    if event.payload.get("origin") != Licence.Origin.ISSUED:
        return
    licence = (
        Licence.objects.select_related("licence_type", "issuer").filter(licence_id=event.payload["licence_id"]).first()
    )
    if licence is not None and not licence.pdf_digest:
        licence_pdf_ensure(licence)
