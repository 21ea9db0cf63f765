"""The catalogue of government information resources (政务信息资源目录): describing, changing and
publishing a department's resources.

Rules (《政务信息资源共享管理暂行办法》国发〔2016〕51号, GB/T 21063 政务信息资源目录体系):
- A resource has a code (letters, digits, `-`, `_`, `.`; unique), a name, its provider department, its
  fields (信息项: an ascii name, a label, a kind, a sensitivity 1 公开 – 4 高度敏感, personal or not), a
  key field that is one of them, an update cycle and a share class:
  无条件共享 (unconditional), 有条件共享 (conditional: the conditions a request must meet are stated),
  不予共享 (not shared: the law or rule that says so is stated — 第九条 requires it).
- The service items that use it must exist in the service catalogue: they are the catalogue's record
  that the handling department has a legal basis for the data (tell-us-once relies on it).
- Only the provider department's administrator or data officer (or the platform administrator)
  creates, changes, publishes or withdraws its resources; every change is audited. A resource is
  created unpublished unless asked otherwise; unpublished, only its provider sees it.
- The key field of a resource that holds records cannot change (the records are found by it).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction

from govplus.catalog.selectors import service_get_any
from govplus.core.audit import audit_record
from govplus.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from govplus.exchange.models import Resource, ResourceField
from govplus.exchange.selectors import speaks_for
from govplus.identity.models import Department

CODE_PATTERN = re.compile(r"^[0-9A-Za-z][0-9A-Za-z._-]{2,39}$")
FIELD_NAME_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
MAX_FIELDS = 200


@dataclass(frozen=True)
class FieldSpec:
    """One field as a caller describes it."""

    name: str
    label: str
    kind: str = ResourceField.Kind.STRING
    sensitivity: int = ResourceField.Sensitivity.PUBLIC
    is_personal: bool = False
    description: str = ""
    label_en: str = ""

    @classmethod
    def of(cls, value: FieldSpec | Mapping[str, Any]) -> FieldSpec:
        if isinstance(value, FieldSpec):
            return value
        return cls(
            name=str(value.get("name", "")).strip(),
            label=str(value.get("label", "")).strip(),
            kind=str(value.get("kind") or ResourceField.Kind.STRING),
            sensitivity=_int(value.get("sensitivity", 1)),
            is_personal=bool(value.get("is_personal", False)),
            description=str(value.get("description", "")).strip(),
            label_en=str(value.get("label_en", "")).strip(),
        )


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def _fields_problems(fields: Sequence[FieldSpec], key_field: str) -> dict[str, list[str]]:
    problems: dict[str, list[str]] = {}
    if not fields:
        problems["fields"] = ["请至少填写一个字段 / give at least one field"]
    if len(fields) > MAX_FIELDS:
        problems["fields"] = [f"字段最多 {MAX_FIELDS} 个 / at most {MAX_FIELDS} fields"]
    seen: set[str] = set()
    for position, field in enumerate(fields, start=1):
        where = f"fields[{position}]"
        found: list[str] = []
        if not FIELD_NAME_PATTERN.match(field.name):
            found.append(
                f"第 {position} 个字段名“{field.name}”应为小写英文字母开头的字母、数字、下划线（最长 40）"
                f" / field {position}: the name must be lower-case ascii letters, digits and _ (at most 40)"
            )
        elif field.name in seen:
            found.append(f"字段名 {field.name} 重复 / the field name {field.name} repeats")
        seen.add(field.name)
        if not field.label or len(field.label) > 60:
            found.append(f"第 {position} 个字段须有中文名称（最长 60 字）/ field {position} needs a label (≤ 60)")
        if field.kind not in ResourceField.Kind.values:
            found.append(
                f"第 {position} 个字段的类型应为 {'、'.join(ResourceField.Kind.values)} 之一"
                f" / field {position}: unknown kind {field.kind!r}"
            )
        if field.sensitivity not in ResourceField.Sensitivity.values:
            found.append(f"第 {position} 个字段的敏感级别应为 1–4 / field {position}: sensitivity must be 1 to 4")
        if len(field.description) > 200:
            found.append(f"第 {position} 个字段的说明最长 200 字 / field {position}: description at most 200")
        if found:
            problems[where] = found
    if not key_field:
        problems["key_field"] = ["请指定主键字段 / name the key field"]
    elif key_field not in seen:
        problems["key_field"] = [
            f"主键字段 {key_field} 不在字段中 / the key field {key_field} is not one of the fields"
        ]
    return problems


def _share_problems(share_class: str, share_conditions: str, no_share_basis: str) -> dict[str, list[str]]:
    if share_class not in Resource.ShareClass.values:
        return {"share_class": ["共享类型应为 无条件共享、有条件共享、不予共享 之一 / unknown share class"]}
    if share_class == Resource.ShareClass.CONDITIONAL and not share_conditions.strip():
        return {"share_conditions": ["有条件共享须写明共享条件 / a conditional resource states its conditions"]}
    if share_class == Resource.ShareClass.NONE and not no_share_basis.strip():
        return {"no_share_basis": ["不予共享须写明法律法规或政策依据 / a resource not shared states its legal basis"]}
    return {}


def _service_items_problems(codes: Sequence[str]) -> dict[str, list[str]]:
    missing = []
    for code in codes:
        try:
            service_get_any(code=code)
        except NotFound:
            missing.append(code)
    if missing:
        return {
            "service_items": [
                f"事项目录中没有这些事项：{'、'.join(missing)} / no such service items: {', '.join(missing)}"
            ]
        }
    return {}


def _check(values: dict[str, Any], fields: Sequence[FieldSpec]) -> None:
    problems: dict[str, list[str]] = {}
    if not CODE_PATTERN.match(values["code"]):
        problems["code"] = [
            "资源代码应为 3–40 位字母、数字、“-”“_”“.” / the code is 3 to 40 letters, digits, '-', '_' or '.'"
        ]
    if not values["name"].strip() or len(values["name"]) > 100:
        problems["name"] = ["请填写资源名称（最长 100 字）/ give the name (at most 100 characters)"]
    if values["update_cycle"] not in Resource.UpdateCycle.values:
        problems["update_cycle"] = [
            f"更新周期应为 {'、'.join(Resource.UpdateCycle.values)} 之一 / unknown update cycle"
        ]
    if values["open_class"] not in Resource.OpenClass.values:
        problems["open_class"] = ["开放类型应为 无条件开放、有条件开放、不予开放 之一 / unknown open class"]
    if values["source_kind"] not in Resource.SourceKind.values:
        problems["source_kind"] = ["数据来源应为 table、sql、http 之一 / unknown source kind"]
    for name in ("material_names", "service_items"):
        if any(not isinstance(v, str) or not v.strip() for v in values[name]):
            problems[name] = ["每一项须为非空文字 / each entry must be non-empty text"]
    problems.update(_share_problems(values["share_class"], values["share_conditions"], values["no_share_basis"]))
    problems.update(_fields_problems(fields, values["key_field"]))
    if "service_items" not in problems:
        problems.update(_service_items_problems(values["service_items"]))
    if problems:
        raise ValidationFailed(problems)


def _fields_write(resource: Resource, fields: Sequence[FieldSpec]) -> None:
    resource.fields.all().delete()
    ResourceField.objects.bulk_create(
        ResourceField(
            resource=resource,
            position=position,
            name=f.name,
            label=f.label,
            label_en=f.label_en,
            kind=f.kind,
            description=f.description,
            sensitivity=f.sensitivity,
            is_personal=f.is_personal,
        )
        for position, f in enumerate(fields)
    )


def _fields_summary(fields: Sequence[FieldSpec]) -> list[list[Any]]:
    return [[f.name, f.kind, f.sensitivity, f.is_personal] for f in fields]


def _require_officer(actor: Any, department_id: int) -> None:
    if not speaks_for(actor, department_id):
        raise PermissionDenied(
            "只有资源提供部门的管理员或数据管理员可以维护该资源 / only the provider department's "
            "administrators or data officers may maintain its resources"
        )


def resource_create(
    *,
    actor: Any,
    code: str,
    name: str,
    provider: Department,
    share_class: str,
    fields: Sequence[FieldSpec | Mapping[str, Any]],
    key_field: str,
    update_cycle: str,
    summary: str = "",
    name_en: str = "",
    summary_en: str = "",
    share_conditions: str = "",
    no_share_basis: str = "",
    open_class: str = Resource.OpenClass.NONE,
    data_format: str = "",
    service_items: Sequence[str] = (),
    material_names: Sequence[str] = (),
    source_kind: str = Resource.SourceKind.TABLE,
    is_published: bool = False,
) -> Resource:
    """Describe a new resource of the provider (see the module's rules); 409 when the code is taken."""
    _require_officer(actor, provider.pk)
    specs = [FieldSpec.of(f) for f in fields]
    values: dict[str, Any] = {
        "code": code.strip(),
        "name": name.strip(),
        "name_en": name_en.strip(),
        "summary": summary.strip(),
        "summary_en": summary_en.strip(),
        "share_class": share_class,
        "share_conditions": share_conditions.strip() if share_class == Resource.ShareClass.CONDITIONAL else "",
        "no_share_basis": no_share_basis.strip() if share_class == Resource.ShareClass.NONE else "",
        "open_class": open_class,
        "update_cycle": update_cycle,
        "data_format": data_format.strip()[:40],
        "key_field": key_field.strip(),
        "service_items": list(dict.fromkeys(s.strip() for s in service_items)),
        "material_names": list(dict.fromkeys(m.strip() for m in material_names)),
        "source_kind": source_kind,
    }
    _check(values, specs)
    with transaction.atomic():
        if Resource.objects.select_for_update().filter(code=values["code"]).exists():
            raise Conflict(f"资源代码 {values['code']} 已被使用 / the code {values['code']} is taken")
        resource = Resource.objects.create(provider=provider, is_published=is_published, **values)
        _fields_write(resource, specs)
        audit_record(
            actor=actor,
            action="exchange.resource_create",
            object_type="resource",
            object_id=resource.code,
            changes={
                "provider": provider.code,
                "share_class": share_class,
                "fields": _fields_summary(specs),
                "published": is_published,
            },
        )
    return resource


UPDATABLE = (
    "name",
    "name_en",
    "summary",
    "summary_en",
    "share_class",
    "share_conditions",
    "no_share_basis",
    "open_class",
    "update_cycle",
    "data_format",
    "key_field",
    "service_items",
    "material_names",
    "source_kind",
)


def resource_update(
    *, actor: Any, code: str, fields: Sequence[FieldSpec | Mapping[str, Any]] | None = None, **changes: Any
) -> Resource:
    """Change a resource's description (any of `UPDATABLE`, and its fields when given: the new list
    replaces the old). The same rules as creation; the key field of a resource with records stays."""
    unknown = sorted(set(changes) - set(UPDATABLE))
    if unknown:
        raise ValidationFailed({name: ["该项不能修改 / this cannot be changed"] for name in unknown})
    with transaction.atomic():
        resource = Resource.objects.select_for_update().filter(code=code).first()
        if resource is None or not (resource.is_published or speaks_for(actor, resource.provider_id)):
            raise NotFound("没有这个资源 / no such resource")
        _require_officer(actor, resource.provider_id)
        specs = (
            [FieldSpec.of(f) for f in fields]
            if fields is not None
            else [
                FieldSpec(f.name, f.label, f.kind, f.sensitivity, f.is_personal, f.description, f.label_en)
                for f in resource.fields.all()
            ]
        )
        values: dict[str, Any] = {name: getattr(resource, name) for name in UPDATABLE}
        for name, value in changes.items():
            values[name] = value.strip() if isinstance(value, str) else list(value)
        values["code"] = resource.code
        if values["share_class"] != Resource.ShareClass.CONDITIONAL:
            values["share_conditions"] = ""
        if values["share_class"] != Resource.ShareClass.NONE:
            values["no_share_basis"] = ""
        _check(values, specs)
        if values["key_field"] != resource.key_field and resource.records.exists():
            raise Conflict(
                "资源已有数据，不能更换主键字段 / the resource holds records: its key field cannot change",
                fields={"key_field": ["资源已有数据，不能更换主键字段 / the key field cannot change"]},
            )
        before = {name: getattr(resource, name) for name in UPDATABLE}
        for name in UPDATABLE:
            setattr(resource, name, values[name])
        resource.save()
        if fields is not None:
            _fields_write(resource, specs)
        changed = {name: values[name] for name in UPDATABLE if before[name] != values[name]}
        if fields is not None:
            changed["fields"] = _fields_summary(specs)
        audit_record(
            actor=actor,
            action="exchange.resource_update",
            object_type="resource",
            object_id=resource.code,
            changes=changed,
        )
    return resource


def _set_published(*, actor: Any, code: str, is_published: bool) -> Resource:
    with transaction.atomic():
        resource = Resource.objects.select_for_update().filter(code=code).first()
        if resource is None or not (resource.is_published or speaks_for(actor, resource.provider_id)):
            raise NotFound("没有这个资源 / no such resource")
        _require_officer(actor, resource.provider_id)
        if resource.is_published == is_published:
            raise Conflict(
                "资源已发布 / the resource is already published"
                if is_published
                else "资源未发布 / the resource is not published"
            )
        resource.is_published = is_published
        resource.save(update_fields=["is_published", "updated_at"])
        audit_record(
            actor=actor,
            action="exchange.resource_publish" if is_published else "exchange.resource_unpublish",
            object_type="resource",
            object_id=resource.code,
        )
    return resource


def resource_publish(*, actor: Any, code: str) -> Resource:
    """Put the resource in the catalogue every department's staff see; publishing twice is 409."""
    return _set_published(actor=actor, code=code, is_published=True)


def resource_unpublish(*, actor: Any, code: str) -> Resource:
    """Withdraw the resource from the catalogue: no new requests, tell-us-once stops offering it
    (existing grants stay until withdrawn); withdrawing twice is 409."""
    return _set_published(actor=actor, code=code, is_published=False)
