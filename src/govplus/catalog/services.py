"""Catalog writes: import/export, publish/retire, attaching BPMN processes.

Import is all-or-nothing: every item is validated first and every problem reported with the item's
position and field; only a clean file is written, in one transaction, with one audit entry per item.
Items are matched by implementation code, so importing the same file twice changes nothing and an
edited file bumps the version of the items that changed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.core.cache import cache
from django.db import transaction

from govplus.catalog.models import ItemType, Material, ProcessDefinition, ServiceItem, Theme
from govplus.catalog.search import english_words, tokens_for_index
from govplus.catalog.selectors import CATALOG_GENERATION_KEY, builtin_process_definitions, catalog_stamp_forget
from govplus.core.audit import audit_record
from govplus.core.engine import ProcessError, process_validate
from govplus.core.errors import ValidationFailed
from govplus.identity.models import Department

ITEM_SCALARS = [
    "basic_code",
    "name",
    "name_en",
    "summary_en",
    "item_type",
    "category",
    "legal_basis",
    "scope",
    "statutory_limit_days",
    "promised_limit_days",
    "visits_required",
    "online_depth",
    "place",
    "hours",
    "phone_consult",
    "phone_complaint",
    "result_type",
    "result_name",
]
ITEM_JSON = ["conditions", "process_description", "faqs", "keywords", "form_fields", "results_by_department"]
FIELD_TYPES = {"text", "textarea", "number", "date", "select", "phone", "idcard", "address", "email"}


ProcessCheck = Callable[[str], list[str]]
_process_checks: list[ProcessCheck] = []


def process_check_register(check: ProcessCheck) -> None:
    """Let a module that runs processes refuse definitions it cannot run (called in its AppConfig.ready).

    `check(bpmn_xml)` returns one bilingual line per problem, [] when the file is fine for it; cases
    registers the check against its action vocabulary. Registering the same check twice is harmless.
    """
    if check not in _process_checks:
        _process_checks.append(check)


def process_definition_problems(*, bpmn_xml: str) -> list[str]:
    """Why a BPMN file cannot be stored: the engine's parse error, or each registered check's problems."""
    try:
        process_validate(bpmn_xml=bpmn_xml)
    except ProcessError as error:
        return [f"BPMN 文件无法解析：{error} / the BPMN file is invalid"]
    return [problem for check in _process_checks for problem in check(bpmn_xml)]


def process_definition_save(*, actor: Any, key: str, name: str, bpmn_xml: str) -> ProcessDefinition:
    """Store (or replace, bumping the version) a BPMN file that the engine parses and every module
    running processes accepts (`process_check_register`): a file that would stop a live case is refused."""
    problems = process_definition_problems(bpmn_xml=bpmn_xml)
    if problems:
        raise ValidationFailed(
            {"bpmn_xml": problems},
            "流程定义无法使用，请按提示修改。",
            "The process definition cannot be used; see `fields`.",
        )
    with transaction.atomic():
        process = ProcessDefinition.objects.select_for_update().filter(key=key).first()
        if process is None:
            process = ProcessDefinition.objects.create(key=key, name=name, bpmn_xml=bpmn_xml)
        elif process.bpmn_xml != bpmn_xml or process.name != name:
            process.bpmn_xml, process.name, process.version = bpmn_xml, name, process.version + 1
            process.save()
        audit_record(
            actor=actor,
            action="catalog.process_save",
            object_type="process",
            object_id=key,
            changes={"version": process.version},
        )
    catalog_changed()
    return process


def catalog_changed() -> None:
    """After a catalogue write: cached public pages and search results stop being served.

    Bumps the generation in `catalog_stamp` at once and again after the commit (a request in between
    may have cached the old state under the new stamp); this process sees it at once, other processes
    within `CATALOG_STAMP_SECONDS`.
    """

    def bump() -> None:
        try:
            cache.incr(CATALOG_GENERATION_KEY)
        except ValueError:  # not in the cache yet (or evicted)
            cache.set(CATALOG_GENERATION_KEY, 1, timeout=None)
        catalog_stamp_forget()

    bump()
    transaction.on_commit(bump)


def builtin_processes_install(*, actor: Any) -> None:
    """Store the process definitions the catalogue ships with (`builtin_process_definitions`)."""
    for process in builtin_process_definitions():
        process_definition_save(actor=actor, key=process.key, name=process.name, bpmn_xml=process.bpmn_xml)


def search_text_for(item: ServiceItem, department_name: str, department_name_en: str = "") -> str:
    """The words an item is found by: Chinese from its name, field, department, keywords and result;
    English from its English name, summary and department (`catalog.search`)."""
    text = " ".join([item.name, item.category, department_name, *item.keywords, item.result_name])
    english = english_words(" ".join([item.name_en, item.summary_en, department_name_en]))
    return " ".join(sorted(set(tokens_for_index(text)) | set(english)))


def _item_problems(position: int, raw: dict[str, Any], departments: dict[str, Department]) -> dict[str, list[str]]:
    problems: dict[str, list[str]] = {}
    prefix = f"services[{position}]"

    def add(field: str, message: str) -> None:
        problems.setdefault(f"{prefix}.{field}", []).append(message)

    for field in ("code", "name", "department", "legal_basis", "item_type", "result_type"):
        if not raw.get(field):
            add(field, "必填 / required")
    if raw.get("item_type") and raw["item_type"] not in ItemType.values:
        add("item_type", f"未知的事项类型 {raw['item_type']} / unknown item type")
    if raw.get("department") and raw["department"] not in departments:
        add("department", f"部门 {raw['department']} 不存在 / unknown department")
    for code in raw.get("co_departments", []):
        if code not in departments:
            add("co_departments", f"部门 {code} 不存在 / unknown department")
    handling = {raw.get("department"), *raw.get("co_departments", [])}
    for index, part in enumerate(raw.get("results_by_department", [])):
        if not isinstance(part, dict) or part.get("department") not in handling or not part.get("result"):
            add(
                f"results_by_department[{index}]",
                "需写明牵头或协办部门及其办理结果 / name a lead or co-handling department and what it issues",
            )
    statutory, promised = raw.get("statutory_limit_days", 0), raw.get("promised_limit_days", 0)
    if not isinstance(statutory, int) or not isinstance(promised, int) or statutory < 0 or promised < 0:
        add("statutory_limit_days", "时限应为非负整数（工作日）/ limits are whole working days")
    elif statutory and promised > statutory:
        add("promised_limit_days", "承诺时限不能超过法定时限 / promised limit exceeds the statutory one")
    if raw.get("online_depth", 4) not in (1, 2, 3, 4):
        add("online_depth", "网办深度应为1至4 / online depth is 1 to 4")
    for index, field in enumerate(raw.get("form_fields", [])):
        if field.get("type") not in FIELD_TYPES or not field.get("name") or not field.get("label"):
            add(f"form_fields[{index}]", "字段需要 name、label 和合法的 type / a field needs name, label, type")
        if field.get("type") == "select" and not field.get("options"):
            add(f"form_fields[{index}]", "下拉字段需要选项 / a select needs options")
        for bound in ("not_before", "not_after"):
            if bound in field and (field.get("type") != "date" or field[bound] != "today"):
                add(f"form_fields[{index}].{bound}", "仅日期字段可用，取值 today / only on dates, value today")
        condition = field.get("required_when")
        names = {other.get("name") for other in raw.get("form_fields", [])}
        if condition is not None and (
            not isinstance(condition, dict)
            or condition.get("field") not in names
            or not isinstance(condition.get("in"), list)
        ):
            add(
                f"form_fields[{index}].required_when",
                "应为 {field: 其他字段名, in: [取值]} / must name another field and list its values",
            )
    for index, material in enumerate(raw.get("materials", [])):
        if not material.get("code") or not material.get("name"):
            add(f"materials[{index}]", "材料需要编码和名称 / a material needs a code and a name")
        if material.get("source", "applicant") not in Material.Source.values:
            add(f"materials[{index}].source", "未知的材料来源 / unknown source")
    return problems


def _normalise(raw: dict[str, Any]) -> dict[str, Any]:
    raw = dict(raw)
    raw.setdefault("code", raw.get("implementation_code", ""))
    return raw


@transaction.atomic
def catalog_import(*, actor: Any, data: dict[str, Any]) -> dict[str, int]:
    """Import themes and service items; returns counts {"created", "updated", "unchanged", "themes"}."""
    departments = {department.code: department for department in Department.objects.all()}
    services = [_normalise(raw) for raw in data.get("services", [])]
    problems: dict[str, list[str]] = {}
    for position, raw in enumerate(services):
        problems.update(_item_problems(position, raw, departments))
    processes = {process.key: process for process in ProcessDefinition.objects.all()}
    for position, raw in enumerate(services):
        if raw.get("process_key", "standard") not in processes:
            problems.setdefault(f"services[{position}].process_key", []).append("流程不存在 / unknown process")
    if problems:
        raise ValidationFailed(problems, "导入文件有误，未导入任何内容。", "The file has errors; nothing was imported.")
    themes = {}
    for order, raw_theme in enumerate(data.get("themes", [])):
        theme, _ = Theme.objects.update_or_create(
            code=raw_theme["code"],
            defaults={
                "name": raw_theme["name"],
                "name_en": raw_theme.get("name_en", ""),
                "audience": raw_theme.get("audience", "citizen"),
                "description": raw_theme.get("description", ""),
                "description_en": raw_theme.get("description_en", ""),
                "order": order,
            },
        )
        themes[theme.code] = theme
    themes.update({theme.code: theme for theme in Theme.objects.exclude(code__in=themes)})
    counts = {"created": 0, "updated": 0, "unchanged": 0, "themes": len(data.get("themes", []))}
    for raw in services:
        outcome = _item_upsert(actor=actor, raw=raw, departments=departments, processes=processes, themes=themes)
        counts[outcome] += 1
    catalog_changed()
    return counts


def _item_upsert(
    *,
    actor: Any,
    raw: dict[str, Any],
    departments: dict[str, Department],
    processes: dict[str, ProcessDefinition],
    themes: dict[str, Theme],
) -> str:
    fee = raw.get("fee", {})
    targets = raw.get("target", ["citizen"])
    values: dict[str, Any] = {field: raw.get(field, "") for field in ITEM_SCALARS if field in raw}
    values.update({field: raw.get(field, []) for field in ITEM_JSON})
    values.update(
        department=departments[raw["department"]],
        process=processes[raw.get("process_key", "standard")],
        target_citizen="citizen" in targets,
        target_business="business" in targets,
        fee_is_charged=bool(fee.get("is_charged", False)),
        fee_standard=fee.get("standard", ""),
        fee_basis=fee.get("basis", ""),
        delivery_methods=raw.get("delivery", ["download"]),
        status=raw.get("status", ServiceItem.Status.PUBLISHED),
        effective_date=dt.date.fromisoformat(raw["effective_date"]) if raw.get("effective_date") else None,
    )
    item = ServiceItem.objects.filter(code=raw["code"]).first()
    snapshot = catalog_item_export(item) if item else None
    if item is None:
        item = ServiceItem(code=raw["code"], version=raw.get("version", 1), **values)
        outcome = "created"
    else:
        for field, value in values.items():
            setattr(item, field, value)
        outcome = "updated"
    item.search_text = search_text_for(item, item.department.name, item.department.name_en)
    item.save()
    item.co_departments.set([departments[code] for code in raw.get("co_departments", [])])
    item.themes.set([themes[code] for code in raw.get("themes", []) if code in themes])
    item.materials.all().delete()
    Material.objects.bulk_create(
        Material(
            item=item,
            code=material["code"],
            name=material["name"],
            name_en=material.get("name_en") or "",
            is_required=material.get("is_required", True),
            form=material.get("form", "original"),
            medium=material.get("medium", "electronic"),
            copies=material.get("copies", 1),
            source=material.get("source", "applicant"),
            licence_type=material.get("licence_type") or "",
            note=material.get("note", ""),
            has_template=material.get("has_template", False),
            accepted_types=material.get("accept", ["pdf", "jpg", "png"]),
            order=order,
        )
        for order, material in enumerate(raw.get("materials", []))
    )
    if snapshot is not None:
        if snapshot == catalog_item_export(item):
            return "unchanged"
        ServiceItem.objects.filter(pk=item.pk).update(version=item.version + 1)
    audit_record(
        actor=actor,
        action=f"catalog.item_{outcome}",
        object_type="service_item",
        object_id=item.code,
        changes={"name": item.name, "status": item.status},
    )
    return outcome


def catalog_item_export(item: ServiceItem) -> dict[str, Any]:
    """One item in the import format."""
    targets = [name for name, flag in (("citizen", item.target_citizen), ("business", item.target_business)) if flag]
    exported: dict[str, Any] = {field: getattr(item, field) for field in ITEM_SCALARS}
    exported.update({field: getattr(item, field) for field in ITEM_JSON})
    exported.update(
        code=item.code,
        department=item.department.code,
        co_departments=sorted(department.code for department in item.co_departments.all()),
        target=targets,
        process_key=item.process.key,
        fee={"is_charged": item.fee_is_charged, "standard": item.fee_standard, "basis": item.fee_basis},
        delivery=item.delivery_methods,
        status=item.status,
        effective_date=item.effective_date.isoformat() if item.effective_date else None,
        themes=sorted(theme.code for theme in item.themes.all()),
        materials=[
            {
                "code": m.code,
                "name": m.name,
                "name_en": m.name_en,
                "is_required": m.is_required,
                "form": m.form,
                "medium": m.medium,
                "copies": m.copies,
                "source": m.source,
                "licence_type": m.licence_type or None,
                "note": m.note,
                "has_template": m.has_template,
                "accept": m.accepted_types,
            }
            for m in item.materials.all()
        ],
    )
    return exported


def catalog_export() -> dict[str, Any]:
    items = ServiceItem.objects.select_related("department", "process").prefetch_related(
        "co_departments", "themes", "materials"
    )
    return {
        "format": "govplus-catalog/1",
        "themes": [
            {
                "code": t.code,
                "name": t.name,
                "name_en": t.name_en,
                "audience": t.audience,
                "description": t.description,
                "description_en": t.description_en,
            }
            for t in Theme.objects.all()
        ],
        "services": [dict(catalog_item_export(item), version=item.version) for item in items],
    }


def service_item_set_status(*, actor: Any, code: str, status: str) -> ServiceItem:
    """Publish or retire an item (draft → published → retired; a retired item can be republished)."""
    if status not in ServiceItem.Status.values:
        raise ValidationFailed({"status": ["未知状态 / unknown status"]})
    with transaction.atomic():
        item = ServiceItem.objects.select_for_update().get(code=code)
        before = item.status
        item.status = status
        item.save(update_fields=["status", "updated_at"])
        audit_record(
            actor=actor,
            action="catalog.item_status",
            object_type="service_item",
            object_id=code,
            changes={"status": [before, status]},
        )
    catalog_changed()
    return item
