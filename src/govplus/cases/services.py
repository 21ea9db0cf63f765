"""Application writes: create, upload materials, submit, supplement, withdraw.

Every service runs in one transaction, locks the application row it changes, checks the transition in
`workflow`, writes an audit entry in the same transaction and queues notifications after commit. A
failure anywhere (the engine included) rolls everything back: there is never a half case.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import secrets
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone

from govplus.cases.deadlines import clock_resume, clock_start_acceptance
from govplus.cases.forms import contact_phone_of, form_clean
from govplus.cases.models import (
    Application,
    ApplicationMaterial,
    CaseEvent,
    CaseTask,
    MaterialSupply,
    SupplementRequest,
)
from govplus.cases.providers import MaterialNeed, material_offers
from govplus.cases.selectors import supplement_open
from govplus.cases.transitions import application_transition
from govplus.cases.transitions import event_add as event_add  # re-exported: actions and ratings use it
from govplus.cases.uploads import upload_check
from govplus.cases.workflow import WITHDRAWABLE
from govplus.catalog.models import Material, ServiceItem
from govplus.catalog.selectors import service_for_application
from govplus.core import engine
from govplus.core.audit import audit_batch, audit_record
from govplus.core.calendar import WorkingCalendar
from govplus.core.crypto import encrypt_text
from govplus.core.errors import Conflict, GovplusError, NotFound, PermissionDenied, ValidationFailed
from govplus.core.notify import notification_send
from govplus.identity.models import User


def today_local() -> dt.date:
    return timezone.localdate()


def receipt_number(*, now: dt.datetime) -> str:
    """Region code + date + 8 random digits: unguessable, sortable by day, 22 characters."""
    region = settings.GOVPLUS_REGION_CODE
    return f"{region}{timezone.localtime(now):%Y%m%d}{secrets.randbelow(10**8):08d}"


def _own_application(*, actor: User, receipt_no: str, lock: bool = True) -> Application:
    rows = Application.objects.select_related("service_item", "service_item__process", "department")
    if lock:
        rows = rows.select_for_update(of=("self",))
    application = rows.filter(receipt_no=receipt_no, applicant_id=actor.pk).first()
    if application is None:
        raise NotFound("未找到该办件。", "No application with this receipt number.")
    return application


def application_create(
    *,
    actor: User,
    service_code: str,
    form: dict[str, Any],
    channel: str = Application.Channel.WEB,
    require_complete: bool = False,
) -> Application:
    """Start a draft for a published item that can be applied for online, through an online channel
    (web, mobile, api: never `window`). Form keys the item's form does not define are refused.

    With `require_complete` (the caller submits at once) every missing required field is reported now,
    together with the malformed ones, instead of one batch now and another at submission.
    """
    if actor.kind == User.Kind.STAFF:
        raise PermissionDenied("工作人员账号不能提交个人申请。", "Staff accounts cannot apply.")
    try:
        item = service_for_application(code=service_code)
    except NotFound as error:
        raise ValidationFailed({"service_code": ["事项不存在或已停用 / unknown or retired service item"]}) from error
    if not item.is_applicable_online:
        raise ValidationFailed({"service_code": ["该事项暂不支持网上申请，请到窗口办理 / apply at the window"]})
    audience_ok = (item.target_citizen and actor.kind == User.Kind.CITIZEN) or (
        item.target_business and actor.kind == User.Kind.BUSINESS
    )
    if not audience_ok:
        raise ValidationFailed({"service_code": ["该事项不面向您的账号类型 / not offered to your kind of account"]})
    if channel not in Application.Channel.values:
        raise ValidationFailed({"channel": ["未知渠道 / unknown channel"]})
    if channel == Application.Channel.WINDOW:
        # 窗口办: registered by staff at a service window for a person in front of them; an applicant
        # (and staff, who cannot apply here at all) must not make an online case look like one.
        raise ValidationFailed(
            {"channel": ["窗口办件只能由窗口工作人员登记 / only window staff may register window cases"]}
        )
    cleaned = form_clean(fields=item.form_fields, data=form, require_complete=require_complete)
    now = timezone.now()
    for _attempt in range(5):
        try:
            with transaction.atomic():
                application = Application.objects.create(
                    receipt_no=receipt_number(now=now),
                    applicant=actor,
                    service_item=item,
                    department=item.department,
                    channel=channel,
                    created_at=now,
                    form_data_encrypted=encrypt_text(json.dumps(cleaned, ensure_ascii=False)),
                    contact_phone_encrypted=_phone_cipher(item, cleaned, actor),
                    process_key=item.process.key,
                    process_version=item.process.version,
                )
                audit_record(
                    actor=actor,
                    action="cases.application_create",
                    object_type="application",
                    object_id=application.receipt_no,
                    changes={"service_code": item.code},
                )
            return application
        except IntegrityError:
            continue  # receipt number collision: draw again
    raise GovplusError("系统繁忙，请稍后再试。", "Could not allocate a receipt number; try again.", code="busy")


def _phone_cipher(item: ServiceItem, cleaned: dict[str, str], actor: User) -> str:
    phone = contact_phone_of(fields=item.form_fields, cleaned=cleaned) or actor.phone
    return encrypt_text(phone) if phone else ""


def application_update_form(
    *, actor: User, receipt_no: str, form: dict[str, Any], require_complete: bool = False
) -> Application:
    """Replace a draft's form; with `require_complete` (the wizard leaving step 1) a missing required
    field is reported now rather than at submission."""
    with transaction.atomic():
        application = _own_application(actor=actor, receipt_no=receipt_no)
        if application.status != Application.Status.DRAFT:
            raise Conflict("办件已提交，不能修改申请表。", "The application was submitted; the form is locked.")
        item = application.service_item
        cleaned = form_clean(fields=item.form_fields, data=form, require_complete=require_complete)
        application.form_data_encrypted = encrypt_text(json.dumps(cleaned, ensure_ascii=False))
        application.contact_phone_encrypted = _phone_cipher(item, cleaned, actor)
        application.version += 1
        application.save()
        audit_record(
            actor=actor,
            action="cases.application_update_form",
            object_type="application",
            object_id=receipt_no,
            changes={"fields": sorted(cleaned)},
        )
    return application


def material_upload(*, actor: User, receipt_no: str, material_code: str, upload: UploadedFile) -> ApplicationMaterial:
    """Attach a file to a draft, or to a case waiting for a supplement. Replaces the earlier file."""
    with transaction.atomic():
        application = _own_application(actor=actor, receipt_no=receipt_no)
        return _material_attach(application, actor=actor, material_code=material_code, upload=upload)


def _material_attach(
    application: Application,
    *,
    actor: User,
    material_code: str,
    upload: UploadedFile,
    materials: dict[str, Material] | None = None,
    replace_earlier: bool = True,
) -> ApplicationMaterial:
    """Attach a file to an application the caller has locked (or just created). `materials`: the
    item's materials by code, when the caller has already loaded them; `replace_earlier=False` when
    the caller knows there is no earlier file of this material (a draft it has just created)."""
    if application.status not in (Application.Status.DRAFT, Application.Status.SUPPLEMENT_REQUESTED):
        raise Conflict("当前状态不能上传材料。", "Materials can be added to drafts or when asked to supplement.")
    if materials is not None:
        material = materials.get(material_code)
    else:
        material = application.service_item.materials.filter(code=material_code).first()
    if material is None:
        raise ValidationFailed({"material_code": ["该事项没有这项材料 / no such material for this item"]})
    content_type = upload_check(
        filename=upload.name or "",
        upload=upload,  # type: ignore[arg-type]  # an UploadedFile reads and seeks like IO[bytes]
        size=upload.size or 0,
        accepted=material.accepted_types,
    )
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    if replace_earlier:
        ApplicationMaterial.objects.filter(
            application=application, material_code=material_code, is_current=True
        ).update(is_current=False)
    stored = ApplicationMaterial(
        application=application,
        material_code=material_code,
        original_name=(upload.name or "")[:200],
        size=upload.size or 0,
        content_type=content_type,
        sha256=digest.hexdigest(),
        uploaded_at=timezone.now(),
        is_supplement=application.status == Application.Status.SUPPLEMENT_REQUESTED,
    )
    stored.file.save(upload.name or "upload", upload, save=False)
    stored.save()
    audit_record(
        actor=actor,
        action="cases.material_upload",
        object_type="application",
        object_id=application.receipt_no,
        changes={"material_code": material_code, "size": stored.size, "sha256": stored.sha256},
    )
    return stored


def _upload_of(name: str, content: bytes) -> UploadedFile:
    upload = ContentFile(content, name=name)
    upload.size = len(content)
    return upload  # type: ignore[return-value]  # the File interface material uploads use


def material_upload_bytes(
    *, actor: User, receipt_no: str, material_code: str, name: str, content: bytes
) -> ApplicationMaterial:
    upload = _upload_of(name, content)
    return material_upload(actor=actor, receipt_no=receipt_no, material_code=material_code, upload=upload)


def _missing_materials(
    application: Application, *, materials: list[Material] | None = None, present: set[str] | None = None
) -> list[Material]:
    """The required materials the application lacks.

    A material the applicant provides must be uploaded. A licence (电子证照) must be uploaded too, or
    supplied by a registered provider with the applicant's consent and confirmed by it now (a licence
    revoked or changed since the consent no longer counts). Shared data (共享数据) is fetched by the
    department and never counts as missing here.
    """
    if present is None:
        present = set(
            ApplicationMaterial.objects.filter(application=application, is_current=True).values_list(
                "material_code", flat=True
            )
        )
    if materials is None:
        materials = list(application.service_item.materials.all())
    lacking = [
        material
        for material in materials
        if material.is_required
        and material.source in (Material.Source.APPLICANT, Material.Source.LICENCE)
        and material.code not in present
    ]
    if any(material.source == Material.Source.LICENCE for material in lacking):
        supplied = _confirmed_supplies(application, [m for m in lacking if m.source == Material.Source.LICENCE])
        lacking = [material for material in lacking if material.code not in supplied]
    return lacking


def application_missing_materials(*, application: Application) -> list[Material]:
    """The required materials the application still lacks (the rule of `_missing_materials`): what the
    apply wizard checks when the applicant leaves the materials step."""
    return _missing_materials(application)


def _needs_of(materials: list[Material]) -> list[MaterialNeed]:
    return [MaterialNeed(code=m.code, name=m.name, source=m.source, licence_type=m.licence_type) for m in materials]


def _confirmed_supplies(application: Application, materials: list[Material]) -> set[str]:
    """Codes among `materials` supplied with consent whose provider still offers the same document."""
    supplies = {
        supply.material_code: supply
        for supply in MaterialSupply.objects.filter(
            application=application, consent_given_at__isnull=False, material_code__in=[m.code for m in materials]
        )
    }
    if not supplies:
        return set()
    offers = material_offers(
        applicant=application.applicant,
        item_code=application.service_item.code,
        needs=_needs_of([m for m in materials if m.code in supplies]),
    )
    return {
        code
        for code, supply in supplies.items()
        if (offer := offers.get(code)) is not None
        and (offer.provider, offer.reference, offer.digest) == (supply.provider, supply.reference, supply.digest)
    }


def material_supply_consent(
    *, actor: User, receipt_no: str, material_code: str, consent: bool
) -> MaterialSupply | None:
    """The applicant agrees (or no longer agrees) that a provider supplies one material of a draft.

    The offer is asked from the providers again here, never taken from the request, so what is
    recorded is what the provider holds now. Consent is recorded with its time and the person who
    gave it; withdrawing it deletes the supply. Both are audited.
    """
    with transaction.atomic():
        application = _own_application(actor=actor, receipt_no=receipt_no)
        if application.status not in (Application.Status.DRAFT, Application.Status.SUPPLEMENT_REQUESTED):
            raise Conflict("当前状态不能更改材料。", "Materials can be changed on drafts or when asked to supplement.")
        material = application.service_item.materials.filter(code=material_code).first()
        if material is None or material.source == Material.Source.APPLICANT:
            raise ValidationFailed(
                {"material_code": ["该材料不能由其他部门提供 / no provider can supply this material"]}
            )
        existing = MaterialSupply.objects.filter(application=application, material_code=material_code).first()
        if not consent:
            if existing is not None:
                existing.delete()
                audit_record(
                    actor=actor,
                    action="cases.material_supply_withdraw",
                    object_type="application",
                    object_id=receipt_no,
                    changes={"material_code": material_code, "provider": existing.provider},
                )
            return None
        offer = material_offers(
            applicant=actor, item_code=application.service_item.code, needs=_needs_of([material])
        ).get(material_code)
        if offer is None:
            raise ValidationFailed(
                {
                    f"materials.{material_code}": [
                        "暂无可调取的电子证照或共享数据，请上传 / nothing to supply; please upload"
                    ]
                }
            )
        now = timezone.now()
        supply, _created = MaterialSupply.objects.update_or_create(
            application=application,
            material_code=material_code,
            defaults={
                "provider": offer.provider,
                "reference": offer.reference,
                "digest": offer.digest,
                "title": offer.title[:200],
                "consent_given_at": now,
                "consented_by": actor,
                "supplied_at": now,
            },
        )
        audit_record(
            actor=actor,
            action="cases.material_supply_consent",
            object_type="application",
            object_id=receipt_no,
            changes={
                "material_code": material_code,
                "provider": offer.provider,
                "reference": offer.reference,
                "digest": offer.digest,
                "consent_given_at": now.isoformat(),
            },
        )
        return supply


def tasks_create(
    application: Application, ready: list[engine.UserTaskInfo], *, now: dt.datetime, fresh: bool = False
) -> list[CaseTask]:
    """Mirror newly ready engine tasks into the workbench table (idempotent per engine task; `fresh`:
    the process has just started, so there are none yet)."""
    known: set[str] = set()
    if not fresh:
        known = set(CaseTask.objects.filter(application=application).values_list("engine_task_id", flat=True))
    departments = {application.department.code: application.department_id}
    co_codes = {info.department for info in ready if info.department}
    if co_codes:
        from govplus.identity.models import Department

        departments.update(dict(Department.objects.filter(code__in=co_codes).values_list("code", "id")))
    created = [
        CaseTask(
            application=application,
            engine_task_id=info.task_id,
            step=info.step,
            label=info.label,
            role=info.role,
            department_id=departments.get(info.department or application.department.code, application.department_id),
            due_date=application.due_date,
            created_at=now,
        )
        for info in ready
        if info.task_id not in known
    ]
    CaseTask.objects.bulk_create(created)
    return created


def application_submit(*, actor: User, receipt_no: str) -> Application:
    """Submit a complete draft: the process starts and the case waits for acceptance (待受理)."""
    with transaction.atomic():
        application = _own_application(actor=actor, receipt_no=receipt_no)
        return _submit(application, actor=actor)


def _submit(
    application: Application,
    *,
    actor: User,
    form_checked: bool = False,
    materials: list[Material] | None = None,
    present: set[str] | None = None,
) -> Application:
    """Submit an application the caller has locked (or just created). A caller that has just checked
    the form as complete and knows the item's materials and the files present passes them."""
    receipt_no = application.receipt_no
    if application.status != Application.Status.DRAFT:
        raise Conflict("办件已提交。", "The application was already submitted.", code="already_submitted")
    item = application.service_item
    problems: dict[str, list[str]] = {}
    if not form_checked:
        try:
            form_clean(fields=item.form_fields, data=application.form_data, require_complete=True, refuse_unknown=False)
        except ValidationFailed as error:
            problems.update(error.fields)
    for material in _missing_materials(application, materials=materials, present=present):
        problems[f"materials.{material.code}"] = [
            f"请上传“{material.name}”，或同意由电子证照提供 / upload it or consent to its supply from your e-licence"
            if material.source == Material.Source.LICENCE
            else f"请上传“{material.name}” / this material is required"
        ]
    if problems:
        raise ValidationFailed(problems, "申请尚不完整，请补充后再提交。", "The application is incomplete.")
    now = timezone.now()
    state = engine.workflow_start(
        bpmn_xml=item.process.bpmn_xml,
        data={"receipt_no": receipt_no, "co_departments": [d.code for d in item.co_departments.all()]},
    )
    calendar = WorkingCalendar()
    application.submitted_at = now
    application.workflow_state = state.serialized
    application.stage = state.ready_tasks[0].label if state.ready_tasks else ""
    clock_start_acceptance(application, today=timezone.localdate(now), calendar=calendar)
    application_transition(
        application,
        action="submit",
        to=Application.Status.SUBMITTED,
        actor=actor,
        event_kind="submitted",
        title="提交申请",
        audit_action="cases.application_submit",
        when=now,
        payload={"channel": application.channel},
    )
    tasks_create(application, state.ready_tasks, now=now, fresh=True)
    notification_send(
        recipient=actor,
        title=f"您的申请已提交：{item.name}",
        body=f"办件编号 {receipt_no}，请留意受理结果。",
        link=f"/my/applications/{receipt_no}",
        name_en=item.name_en,
    )
    return application


@dataclass(frozen=True)
class MaterialFile:
    """A material sent inline with an application (already decoded)."""

    code: str
    name: str
    content: bytes


def application_file(
    *,
    actor: User,
    service_code: str,
    form: dict[str, Any],
    files: list[MaterialFile],
    submit: bool,
    channel: str = Application.Channel.WEB,
) -> Application:
    """Create a draft with its materials and, with `submit`, submit it: all or nothing, in one
    transaction. The draft is new, so nobody else can see it before the commit: it is neither
    reloaded nor locked between the steps, and the item's materials are read once. A problem with
    the n-th file is reported under `materials.<n>.<field>`.

    The audit entries of the whole request join the chain together at the end (`audit_batch`), so
    the chain head is locked only for the last moment of the transaction. When anything fails, the
    files written so far are deleted with the rolled-back rows."""
    written: list[ApplicationMaterial] = []
    try:
        with transaction.atomic(), audit_batch():
            application = application_create(
                actor=actor, service_code=service_code, form=form, channel=channel, require_complete=submit
            )
            materials = {material.code: material for material in application.service_item.materials.all()}
            attached: set[str] = set()
            for index, file in enumerate(files):
                try:
                    written.append(
                        _material_attach(
                            application,
                            actor=actor,
                            material_code=file.code,
                            upload=_upload_of(file.name, file.content),
                            materials=materials,
                            replace_earlier=file.code in attached,
                        )
                    )
                except ValidationFailed as error:
                    raise ValidationFailed(
                        {f"materials.{index}.{name}": problems for name, problems in error.fields.items()}
                    ) from error
                attached.add(file.code)
            if submit:
                application = _submit(
                    application, actor=actor, form_checked=True, materials=list(materials.values()), present=attached
                )
    except BaseException:
        for stored in written:  # the rows were rolled back: their files must not stay behind
            stored.file.delete(save=False)
        raise
    return application


def application_supplement(*, actor: User, receipt_no: str, note: str = "") -> Application:
    """The applicant answers a one-time supplement notice; the case returns to the step that asked."""
    with transaction.atomic():
        application = _own_application(actor=actor, receipt_no=receipt_no)
        if application.status != Application.Status.SUPPLEMENT_REQUESTED:
            raise Conflict("该办件不需要补正。", "This application is not waiting for a supplement.")
        request = supplement_open(application=application)
        if request is None:
            raise Conflict("该办件不需要补正。", "No open supplement notice.")
        renewed = set(
            ApplicationMaterial.objects.filter(
                application=application, is_current=True, uploaded_at__gt=request.requested_at
            ).values_list("material_code", flat=True)
        )
        missing = [
            entry for entry in request.items if entry.get("material_code") and entry["material_code"] not in renewed
        ]
        if missing:
            raise ValidationFailed(
                {
                    f"materials.{entry['material_code']}": [
                        f"请重新上传“{entry.get('name', entry['material_code'])}” / upload again"
                    ]
                    for entry in missing
                }
            )
        now = timezone.now()
        calendar = WorkingCalendar()
        request.resolved_at = now
        request.save(update_fields=["resolved_at"])
        if request.stage_step == "accept":
            back_to = Application.Status.SUBMITTED
            application.clock_paused_on = None
            application.paused_days_remaining = None
            clock_start_acceptance(application, today=timezone.localdate(now), calendar=calendar)
        else:
            back_to = Application.Status.IN_PROGRESS
            clock_resume(application, today=timezone.localdate(now), calendar=calendar)
        application_transition(
            application,
            action="supplement",
            to=back_to,
            actor=actor,
            event_kind="supplemented",
            title="申请人已补正材料",
            opinion=note[:500],
            audit_action="cases.application_supplement",
            when=now,
            payload={"supplement_request_id": request.pk},
        )
        CaseTask.objects.filter(application=application, status=CaseTask.Status.WAITING).update(
            status=CaseTask.Status.OPEN, due_date=application.due_date
        )
    return application


def application_withdraw(*, actor: User, receipt_no: str, reason: str = "") -> Application:
    with transaction.atomic():
        application = _own_application(actor=actor, receipt_no=receipt_no)
        if application.status not in WITHDRAWABLE:
            raise Conflict(
                "已受理的办件不能撤回，请联系办理部门。", "Accepted applications cannot be withdrawn online."
            )
        if application.workflow_state:
            application.workflow_state = engine.workflow_cancel(
                bpmn_xml=application.service_item.process.bpmn_xml, serialized=application.workflow_state
            ).serialized
        application.concluded_at = timezone.now()
        # nothing is pending any more: no current stage, no deadline running
        application.stage = ""
        application.due_date = application.promised_due_date = None
        application.clock_paused_on = application.paused_days_remaining = None
        application.paused_promised_days_remaining = None
        application.warning_level = ""
        application_transition(
            application,
            action="withdraw",
            to=Application.Status.WITHDRAWN,
            actor=actor,
            event_kind="withdrawn",
            title="申请人撤回申请",
            opinion=reason[:500],
            audit_action="cases.application_withdraw",
            when=application.concluded_at,
        )
        CaseTask.objects.filter(
            application=application, status__in=[CaseTask.Status.OPEN, CaseTask.Status.WAITING]
        ).update(status=CaseTask.Status.CANCELLED)
    return application


def supplement_request_create(
    application: Application, *, actor: User, step: str, items: list[dict[str, str]], note: str, now: dt.datetime
) -> SupplementRequest:
    known = {material.code: material.name for material in application.service_item.materials.all()}
    cleaned = []
    for entry in items:
        code = entry.get("material_code", "")
        if code and code not in known:
            raise ValidationFailed({"supplement_items": [f"未知材料 {code} / unknown material"]})
        cleaned.append({"material_code": code, "name": known.get(code, ""), "reason": entry.get("reason", "")[:300]})
    if not cleaned and not note.strip():
        raise ValidationFailed({"supplement_items": ["请一次性列明需补正的全部材料 / list everything to supplement"]})
    return SupplementRequest.objects.create(
        application=application, items=cleaned, note=note[:2000], requested_by=actor, requested_at=now, stage_step=step
    )


def application_result_attach(
    *, application_id: int, actor: Any, title: str, link: str, title_en: str = ""
) -> CaseEvent:
    """Another module made a result of the case (an e-licence): a public line on the case's timeline
    with a link to it, so the applicant finds the result where they follow the case. `title_en` is its
    English (the other module knows the result's English name). Audited."""
    with transaction.atomic():
        application = Application.objects.select_for_update().get(pk=application_id)
        event = event_add(application, actor=actor, kind="result", title=title[:100])
        event.link = link[:200]
        event.title_en = (title_en or event.title_en)[:200]
        event.save(update_fields=["link", "title_en"])
        audit_record(
            actor=actor,
            action="cases.application_result_attach",
            object_type="application",
            object_id=application.receipt_no,
            changes={"title": title[:100], "link": link[:200]},
        )
    return event
