"""What the audit and personal-data tests drive: a whole case with personal data, through the services,
and one run of every public write service with the audit entry it must leave."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass
from types import ModuleType
from typing import Any

import pyotp
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import RequestFactory

import govplus
from govplus.appeals.tests import journeys as appeals_journeys
from govplus.cases import actions, ratings
from govplus.cases import services as case_services
from govplus.cases.models import Application, CaseTask, RectificationTask
from govplus.catalog import services as catalog_services
from govplus.catalog.selectors import builtin_process_definitions
from govplus.core.crypto import decrypt_text
from govplus.exchange.tests import journeys as exchange_journeys
from govplus.identity import services as identity_services
from govplus.identity.models import Role, User
from govplus.identity.validators import credit_check_char
from govplus.licences.tests import journeys as licence_journeys
from govplus.testing.factories import PASSWORD, PDF, County, id_number, item_data

# Modules whose public functions write: every `govplus.<module>.services`, and the cases modules that
# hold staff actions and ratings.
EXTRA_WRITE_MODULES = [
    "govplus.cases.actions",
    "govplus.cases.ratings",
    "govplus.licences.wallet",
    "govplus.licences.imports",
    "govplus.exchange.tree_heads",
    "govplus.exchange.evidence_export",
    "govplus.exchange.catalogue",
    "govplus.exchange.sources",
    "govplus.exchange.subscriptions",
    "govplus.appeals.intake",
    "govplus.appeals.partners",
    "govplus.appeals.training",
]


def credit_code(first17: str) -> str:
    return first17 + credit_check_char(first17)


@dataclass(frozen=True)
class Person:
    name: str = "王晓明"
    id_number: str = id_number("33052119880808123")
    phone: str = "13712345678"
    representative: str = "赵大海"
    representative_phone: str = "13612345670"

    def secrets(self) -> list[str]:
        return [self.name, self.id_number, self.phone, self.representative, self.representative_phone]


def personal_data_journey(county: County, person: Person) -> Application:
    """A citizen and a business register; the citizen applies with a material, is asked once to
    supplement, supplements, the case is accepted, reviewed, approved and concluded, the citizen
    rates it badly and the department resolves the rectification. Everything through the services."""
    citizen = identity_services.citizen_register(
        username="wangxm", password=PASSWORD, name=person.name, id_number=person.id_number, phone=person.phone
    )
    identity_services.business_register(
        username="dqfirm",
        password=PASSWORD,
        name="德清示例科技有限公司",
        credit_code=credit_code("91330521MA2B3C4D5"),
        representative=person.representative,
        phone=person.representative_phone,
    )
    application = case_services.application_file(
        actor=citizen,
        service_code=county.standard_item.code,
        form={"reason": "有效期满", "phone": person.phone},
        files=[case_services.MaterialFile("M01", "scan.pdf", PDF)],
        submit=True,
    )
    receipt_no = application.receipt_no
    actions.task_complete(
        actor=county.staff["clerk"],
        task_id=county.open_task(application, "accept").pk,
        action="request_supplement",
        opinion="原证照片不清晰",
        supplement_items=[{"material_code": "M01", "reason": "照片不清晰"}],
    )
    case_services.material_upload_bytes(
        actor=citizen, receipt_no=receipt_no, material_code="M01", name="scan-2.pdf", content=PDF
    )
    case_services.application_supplement(actor=citizen, receipt_no=receipt_no, note="已重新上传")
    for step, role, action in (
        ("accept", "clerk", "accept"),
        ("review", "reviewer", "pass"),
        ("decide", "approver", "approve"),
    ):
        actions.task_complete(actor=county.staff[role], task_id=county.open_task(application, step).pk, action=action)
    actions.task_complete(
        actor=county.staff["clerk"],
        task_id=county.open_task(application, "conclude").pk,
        action="conclude",
        delivery_method="download",
    )
    rating = ratings.rating_submit(
        actor=citizen, receipt_no=receipt_no, score=2, reasons=[ratings.REASONS["bad"][0]], comment="等待时间较长"
    )
    ratings.rectification_resolve(
        actor=county.staff["department_admin"],
        rectification_id=RectificationTask.objects.get(rating=rating).pk,
        resolution="已优化窗口排队",
    )
    application.refresh_from_db()
    return application


def every_stored_value() -> dict[str, str]:
    """Every table's rows as text, keyed by table name: what someone with a database dump can read."""
    stored: dict[str, str] = {}
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
            stored[table] = " ".join(
                value.decode("utf-8", "replace") if isinstance(value, bytes | memoryview) else str(value)
                for row in cursor.fetchall()
                for value in (bytes(v) if isinstance(v, memoryview) else v for v in row)
            )
    return stored


def write_modules() -> list[ModuleType]:
    found = []
    for info in pkgutil.iter_modules(govplus.__path__):
        try:
            found.append(importlib.import_module(f"govplus.{info.name}.services"))
        except ModuleNotFoundError:
            continue
    return found + [importlib.import_module(name) for name in EXTRA_WRITE_MODULES]


def public_functions() -> dict[str, Callable[..., Any]]:
    return {
        f"{module.__name__}.{name}": function
        for module in write_modules()
        for name, function in inspect.getmembers(module, inspect.isfunction)
        if not name.startswith("_") and function.__module__ == module.__name__
    }


# Public functions of those modules that are not write services, and why.
NOT_WRITE_SERVICES = {
    "govplus.cases.services.today_local": "reads the clock",
    "govplus.cases.services.application_missing_materials": "reads",
    "govplus.cases.services.receipt_number": "computes a number",
    "govplus.cases.services.event_add": "a step inside a service's transaction; that service audits",
    "govplus.cases.services.tasks_create": "a step inside a service's transaction; that service audits",
    "govplus.cases.services.supplement_request_create": "a step inside task_complete's transaction, audited there",
    "govplus.cases.actions.task_for_actor": "reads",
    "govplus.catalog.services.process_check_register": "registers a check in memory at start-up",
    "govplus.catalog.services.process_definition_problems": "reads",
    "govplus.catalog.services.catalog_changed": "retires cached pages (cache only, no record)",
    "govplus.catalog.services.search_text_for": "computes text",
    "govplus.catalog.services.catalog_item_export": "reads",
    "govplus.catalog.services.catalog_export": "reads",
    "govplus.licences.imports.columns_of": "reads",
    "govplus.licences.imports.import_departments_for": "reads",
    "govplus.licences.imports.importable_types_for": "reads",
    "govplus.licences.imports.import_template_columns": "reads",
    "govplus.licences.imports.can_resume": "reads",
    "govplus.licences.imports.licence_import_for": "reads",
    "govplus.licences.imports.licence_imports_for": "reads",
    "govplus.licences.imports.licence_import_progress": "reads",
}


def _submitted(county: County) -> Application:
    return county.submitted_application()


def _concluded_not_accepted(county: County) -> Application:
    application = county.submitted_application()
    actions.task_complete(
        actor=county.staff["clerk"],
        task_id=county.open_task(application, "accept").pk,
        action="not_accept",
        opinion="不属于本县受理范围",
    )
    return application


def _in_progress(county: County) -> Application:
    application = county.submitted_application()
    actions.task_complete(
        actor=county.staff["clerk"], task_id=county.open_task(application, "accept").pk, action="accept"
    )
    return application


def _supplement_requested(county: County) -> Application:
    application = county.submitted_application()
    actions.task_complete(
        actor=county.staff["clerk"],
        task_id=county.open_task(application, "accept").pk,
        action="request_supplement",
        opinion="请补正",
        supplement_items=[{"material_code": "M01", "reason": "不清晰"}],
    )
    case_services.material_upload_bytes(
        actor=county.citizen, receipt_no=application.receipt_no, material_code="M01", name="again.pdf", content=PDF
    )
    return application


def _bad_rating(county: County) -> RectificationTask:
    application = _concluded_not_accepted(county)
    rating = ratings.rating_submit(
        actor=county.citizen, receipt_no=application.receipt_no, score=1, reasons=[ratings.REASONS["bad"][0]]
    )
    return RectificationTask.objects.get(rating=rating)


def _totp_enable(county: County) -> None:
    user = county.staff["clerk"]
    identity_services.totp_begin(actor=user)
    user.refresh_from_db()
    code = pyotp.TOTP(decrypt_text(user.totp_secret_encrypted)).now()
    identity_services.totp_enable(actor=user, code=code)


def _draft(county: County) -> Application:
    return case_services.application_create(
        actor=county.citizen, service_code=county.standard_item.code, form={"reason": "有效期满"}
    )


def _consent_to_a_licence(county: County) -> None:
    """The applicant consents to an e-licence supplied by a provider (a test provider, registered here
    only for this run)."""
    from govplus.cases.providers import material_provider_register, material_provider_unregister
    from govplus.cases.tests.test_providers import LicenceShelf

    provider = LicenceShelf(licences={(county.citizen.username, "居民户口簿"): b"hukou"})
    material_provider_register(provider)
    try:
        case_services.material_supply_consent(
            actor=county.citizen, receipt_no=_draft(county).receipt_no, material_code="M02", consent=True
        )
    finally:
        material_provider_unregister(provider.name)


def _totp_disable(county: County) -> None:
    _totp_enable(county)
    user = county.staff["clerk"]
    user.refresh_from_db()
    code = pyotp.TOTP(decrypt_text(user.totp_secret_encrypted)).now()
    identity_services.totp_disable(actor=user, code=code)


_IMPORTS = {"rows": 0}


def _licence_import(county: County, *, rows: int = 1, batch_size: int = 2000) -> Any:
    """A checked import of `rows` household registers for 公安局 (the library set up on first use)."""
    import io

    from govplus.identity.models import Department
    from govplus.licences import imports
    from govplus.licences.services import licence_types_load

    Department.objects.filter(code="gaj").update(credit_code="11330521002583510X")
    authority = "11100000000013127" + credit_check_char("11100000000013127")
    household = {
        "code": authority + "002",
        "name": "居民户口簿",
        "defining_authority": "公安部",
        "defining_authority_code": authority,
        "holder_kind": "citizen",
        "face_schema": [{"name": "household_type", "label": "户别", "type": "text", "required": True}],
    }
    licence_types_load(actor=None, data=[household])
    lines = ["证照编号,持证人,持证人代码,颁证日期,户别"]
    for _ in range(rows):
        _IMPORTS["rows"] += 1
        number = _IMPORTS["rows"]
        lines.append(
            f"AUDIT{number:05d},居民{number},{id_number(f'33052119800101{number % 1000:03d}')},2015-06-01,家庭户"
        )
    return imports.licence_import_check(
        actor=county.staff["approver"],
        department_code="gaj",
        type_code=household["code"],
        file_name="licences.csv",
        file=io.BytesIO("\n".join(lines).encode()),
        batch_size=batch_size,
    )


def _licence_import_committed(county: County, **kwargs: Any) -> Any:
    from govplus.licences import imports

    job = _licence_import(county, **kwargs)
    return imports.licence_import_commit(actor=county.staff["approver"], job_id=job.pk, enqueue=False)


def _licence_import_resume(county: County) -> Any:
    from govplus.licences import imports

    job = _licence_import_committed(county, rows=2, batch_size=1)
    imports.licence_import_run(job_id=job.pk, max_batches=1)
    return imports.licence_import_resume(actor=county.staff["approver"], job_id=job.pk, enqueue=False)


def _licence_import_run(county: County) -> Any:
    from govplus.licences import imports

    return imports.licence_import_run(job_id=_licence_import_committed(county).pk)


STANDARD_BPMN = next(p.bpmn_xml for p in builtin_process_definitions() if p.key == "standard")

# One run of each write service: (what to run, the audit action it must leave, the actor it must name).
Runner = Callable[[County], Any]
WRITE_SERVICES: dict[str, tuple[Runner, str, Callable[[County], User | None]]] = {
    "govplus.cases.services.material_supply_consent": (
        _consent_to_a_licence,
        "cases.material_supply_consent",
        lambda c: c.citizen,
    ),
    "govplus.identity.services.totp_disable": (
        _totp_disable,
        "identity.totp_disable",
        lambda c: c.staff["clerk"],
    ),
    "govplus.cases.services.application_create": (_draft, "cases.application_create", lambda c: c.citizen),
    "govplus.cases.services.application_update_form": (
        lambda c: case_services.application_update_form(
            actor=c.citizen, receipt_no=_draft(c).receipt_no, form={"reason": "证件损坏", "phone": "13800138000"}
        ),
        "cases.application_update_form",
        lambda c: c.citizen,
    ),
    "govplus.cases.services.material_upload": (
        lambda c: case_services.material_upload(
            actor=c.citizen,
            receipt_no=_draft(c).receipt_no,
            material_code="M01",
            upload=SimpleUploadedFile("id.pdf", PDF, content_type="application/pdf"),
        ),
        "cases.material_upload",
        lambda c: c.citizen,
    ),
    "govplus.cases.services.material_upload_bytes": (
        lambda c: case_services.material_upload_bytes(
            actor=c.citizen, receipt_no=_draft(c).receipt_no, material_code="M01", name="id.pdf", content=PDF
        ),
        "cases.material_upload",
        lambda c: c.citizen,
    ),
    "govplus.cases.services.application_submit": (_submitted, "cases.application_submit", lambda c: c.citizen),
    "govplus.cases.services.application_file": (
        lambda c: case_services.application_file(
            actor=c.citizen,
            service_code=c.standard_item.code,
            form={"reason": "有效期满", "phone": "13800138000"},
            files=[case_services.MaterialFile("M01", "id.pdf", PDF)],
            submit=True,
        ),
        "cases.application_submit",
        lambda c: c.citizen,
    ),
    "govplus.cases.services.application_supplement": (
        lambda c: case_services.application_supplement(
            actor=c.citizen, receipt_no=_supplement_requested(c).receipt_no, note="已补正"
        ),
        "cases.application_supplement",
        lambda c: c.citizen,
    ),
    "govplus.cases.services.application_withdraw": (
        lambda c: case_services.application_withdraw(
            actor=c.citizen, receipt_no=_submitted(c).receipt_no, reason="不再需要"
        ),
        "cases.application_withdraw",
        lambda c: c.citizen,
    ),
    "govplus.cases.actions.task_complete": (
        lambda c: actions.task_complete(
            actor=c.staff["clerk"], task_id=c.open_task(_submitted(c), "accept").pk, action="accept"
        ),
        "cases.task_accept",
        lambda c: c.staff["clerk"],
    ),
    "govplus.cases.actions.application_suspend": (
        lambda c: actions.application_suspend(
            actor=c.staff["approver"], receipt_no=_in_progress(c).receipt_no, reason="等待鉴定结论"
        ),
        "cases.application_suspended",
        lambda c: c.staff["approver"],
    ),
    "govplus.cases.actions.application_resume": (
        lambda c: actions.application_resume(
            actor=c.staff["approver"],
            receipt_no=actions.application_suspend(
                actor=c.staff["approver"], receipt_no=_in_progress(c).receipt_no, reason="等待鉴定结论"
            ).receipt_no,
            reason="鉴定结论已到",
        ),
        "cases.application_resumed",
        lambda c: c.staff["approver"],
    ),
    "govplus.cases.actions.application_extend": (
        lambda c: actions.application_extend(
            actor=c.staff["approver"], receipt_no=_in_progress(c).receipt_no, days=5, reason="情况复杂，经负责人批准"
        ),
        "cases.application_extend",
        lambda c: c.staff["approver"],
    ),
    "govplus.cases.ratings.rating_submit": (
        lambda c: ratings.rating_submit(
            actor=c.citizen, receipt_no=_concluded_not_accepted(c).receipt_no, score=5, reasons=[]
        ),
        "cases.rating_submit",
        lambda c: c.citizen,
    ),
    "govplus.cases.ratings.rectification_resolve": (
        lambda c: ratings.rectification_resolve(
            actor=c.staff["department_admin"], rectification_id=_bad_rating(c).pk, resolution="已整改"
        ),
        "cases.rectification_resolve",
        lambda c: c.staff["department_admin"],
    ),
    "govplus.catalog.services.process_definition_save": (
        lambda c: catalog_services.process_definition_save(
            actor=c.staff["department_admin"], key="custom", name="自定义流程", bpmn_xml=STANDARD_BPMN
        ),
        "catalog.process_save",
        lambda c: c.staff["department_admin"],
    ),
    "govplus.catalog.services.builtin_processes_install": (
        lambda c: catalog_services.builtin_processes_install(actor=c.staff["department_admin"]),
        "catalog.process_save",
        lambda c: c.staff["department_admin"],
    ),
    "govplus.catalog.services.catalog_import": (
        lambda c: catalog_services.catalog_import(
            actor=c.staff["department_admin"],
            data={"services": [item_data("11330521TEST000000000105009000", "居民身份证挂失", "gaj")]},
        ),
        "catalog.item_created",
        lambda c: c.staff["department_admin"],
    ),
    "govplus.catalog.services.service_item_set_status": (
        lambda c: catalog_services.service_item_set_status(
            actor=c.staff["department_admin"], code=c.standard_item.code, status="retired"
        ),
        "catalog.item_status",
        lambda c: c.staff["department_admin"],
    ),
    "govplus.identity.services.citizen_register": (
        lambda c: identity_services.citizen_register(
            username="newcomer",
            password=PASSWORD,
            name="钱多多",
            id_number=id_number("33052120000101001"),
            phone="13500135000",
        ),
        "identity.citizen_register",
        lambda c: User.objects.get(username="newcomer"),
    ),
    "govplus.identity.services.business_register": (
        lambda c: identity_services.business_register(
            username="firm",
            password=PASSWORD,
            name="德清某某有限公司",
            credit_code=credit_code("91330521MA2B3C4D6"),
            representative="孙某",
            phone="13500135001",
        ),
        "identity.business_register",
        lambda c: User.objects.get(username="firm"),
    ),
    "govplus.identity.services.staff_create": (
        lambda c: identity_services.staff_create(
            actor=c.staff["department_admin"],
            username="newclerk",
            password=PASSWORD,
            display_name="新受理员",
            roles=[(c.departments["gaj"], Role.CLERK)],
        ),
        "identity.staff_create",
        lambda c: c.staff["department_admin"],
    ),
    "govplus.identity.services.totp_begin": (
        lambda c: identity_services.totp_begin(actor=c.staff["clerk"]),
        "identity.totp_begin",
        lambda c: c.staff["clerk"],
    ),
    "govplus.identity.services.totp_current_uri": (
        lambda c: identity_services.totp_current_uri(actor=c.staff["reviewer"]),
        "identity.totp_begin",
        lambda c: c.staff["reviewer"],
    ),
    "govplus.identity.services.totp_enable": (_totp_enable, "identity.totp_enable", lambda c: c.staff["clerk"]),
    "govplus.identity.services.login_authenticate": (
        lambda c: identity_services.login_authenticate(
            request=RequestFactory().post("/login/"), username="zhangsan", password=PASSWORD
        ),
        "identity.login",
        lambda c: c.citizen,
    ),
    "govplus.licences.imports.licence_import_check": (
        _licence_import,
        "licences.import_check",
        lambda c: c.staff["approver"],
    ),
    "govplus.licences.imports.licence_import_commit": (
        _licence_import_committed,
        "licences.import_commit",
        lambda c: c.staff["approver"],
    ),
    "govplus.licences.imports.licence_import_run": (
        _licence_import_run,
        "licences.import_batch",
        lambda c: c.staff["approver"],
    ),
    "govplus.licences.imports.licence_import_resume": (
        _licence_import_resume,
        "licences.import_resume",
        lambda c: c.staff["approver"],
    ),
    "govplus.identity.services.regions_departments_import": (
        lambda c: identity_services.regions_departments_import(
            actor=c.staff["department_admin"],
            regions=[],
            departments=[{"code": "mzj", "name": "德清县民政局", "short_name": "民政局"}],
        ),
        "identity.regions_departments_import",
        lambda c: c.staff["department_admin"],
    ),
}

# The licences module's write services and helpers (its own runs, next to its tests).
WRITE_SERVICES.update(licence_journeys.WRITE_SERVICES)
NOT_WRITE_SERVICES.update(licence_journeys.NOT_WRITE_SERVICES)
WRITE_SERVICES.update(exchange_journeys.WRITE_SERVICES)
NOT_WRITE_SERVICES.update(exchange_journeys.NOT_WRITE_SERVICES)
WRITE_SERVICES.update(appeals_journeys.WRITE_SERVICES)
NOT_WRITE_SERVICES.update(appeals_journeys.NOT_WRITE_SERVICES)


__all__ = [
    "NOT_WRITE_SERVICES",
    "WRITE_SERVICES",
    "Application",
    "CaseTask",
    "Person",
    "every_stored_value",
    "personal_data_journey",
    "public_functions",
]
