"""The resource catalogue's endpoints: every staff member lists and reads resources; the provider's data
officer describes one and uploads its tables. Thin: every rule lives in catalogue/sources/selectors."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Field, File, Form, Query, Router, Schema, Status, UploadedFile

from govplus.core.api import OFFSET_MAX, InputSchema, actor_of, auth_with, errors
from govplus.core.errors import NotFound, ValidationFailed
from govplus.exchange import catalogue, selectors, sources
from govplus.exchange.models import Resource, SourceVersion
from govplus.identity.models import User
from govplus.identity.selectors import department_by_code

router = Router(tags=["exchange 数据共享交换"])
EXCHANGE_AUTH = auth_with("exchange")


class FieldIn(InputSchema):
    name: str = Field(max_length=40)
    label: str = Field(max_length=60)
    label_en: str = Field(default="", max_length=80)
    kind: str = Field(default="string", max_length=10)
    description: str = Field(default="", max_length=200)
    sensitivity: int = Field(default=1, description="1 公开, 2 内部, 3 敏感, 4 高度敏感（不予共享）")
    is_personal: bool = False


class ResourceIn(InputSchema):
    """A new resource of `provider` (a department code). `share_conditions` for 有条件共享
    (`conditional`), `no_share_basis` for 不予共享 (`none`); `key_field` is one of `fields`."""

    code: str = Field(max_length=40)
    name: str = Field(max_length=100)
    name_en: str = Field(default="", max_length=150)
    summary: str = Field(default="", max_length=2000)
    summary_en: str = Field(default="", max_length=2000)
    provider: str = Field(max_length=32)
    share_class: str = Field(max_length=14, description="unconditional | conditional | none")
    share_conditions: str = Field(default="", max_length=2000)
    no_share_basis: str = Field(default="", max_length=2000)
    open_class: str = Field(default="none", max_length=12)
    update_cycle: str = Field(max_length=10)
    data_format: str = Field(default="", max_length=40)
    key_field: str = Field(max_length=40)
    fields: list[FieldIn] = Field(max_length=200)
    service_items: list[str] = Field(default_factory=list, max_length=200)
    material_names: list[str] = Field(default_factory=list, max_length=50)
    is_published: bool = False


class FieldOut(Schema):
    name: str
    label: str
    label_en: str
    kind: str
    description: str
    sensitivity: int
    sensitivity_label: str
    is_personal: bool


class ResourceOut(Schema):
    code: str
    name: str
    name_en: str
    summary: str
    provider: str
    provider_name: str
    share_class: str
    share_class_label: str
    share_conditions: str
    no_share_basis: str
    open_class: str
    update_cycle: str
    data_format: str
    key_field: str
    service_items: list[str]
    material_names: list[str]
    source_kind: str
    record_count: int
    version: int
    is_published: bool
    updated_at: dt.datetime


class VersionOut(Schema):
    number: int
    kind: str
    status: str
    status_label: str
    file_name: str
    sha256: str
    rows: int
    added: int
    changed: int
    removed: int
    unchanged: int
    problems: list[dict[str, Any]]
    version_from: int
    version_to: int
    created_at: dt.datetime
    applied_at: dt.datetime | None


class ResourceDetailOut(ResourceOut):
    fields: list[FieldOut]
    versions: list[VersionOut]


def resource_out(resource: Resource) -> dict[str, Any]:
    return {
        "code": resource.code,
        "name": resource.name,
        "name_en": resource.name_en,
        "summary": resource.summary,
        "provider": resource.provider.code,
        "provider_name": resource.provider.name,
        "share_class": resource.share_class,
        "share_class_label": str(resource.get_share_class_display()),
        "share_conditions": resource.share_conditions,
        "no_share_basis": resource.no_share_basis,
        "open_class": resource.open_class,
        "update_cycle": resource.update_cycle,
        "data_format": resource.data_format,
        "key_field": resource.key_field,
        "service_items": resource.service_items or [],
        "material_names": resource.material_names or [],
        "source_kind": resource.source_kind,
        "record_count": resource.record_count,
        "version": resource.version,
        "is_published": resource.is_published,
        "updated_at": resource.updated_at,
    }


def version_out(version: SourceVersion) -> dict[str, Any]:
    return {
        "number": version.number,
        "kind": version.kind,
        "status": version.status,
        "status_label": str(version.get_status_display()),
        "file_name": version.file_name,
        "sha256": version.sha256,
        "rows": version.rows,
        "added": version.added,
        "changed": version.changed,
        "removed": version.removed,
        "unchanged": version.unchanged,
        "problems": version.problems or [],
        "version_from": version.version_from,
        "version_to": version.version_to,
        "created_at": version.created_at,
        "applied_at": version.applied_at,
    }


def resource_detail_out(resource: Resource) -> dict[str, Any]:
    return {
        **resource_out(resource),
        "fields": [
            {
                "name": f.name,
                "label": f.label,
                "label_en": f.label_en,
                "kind": f.kind,
                "description": f.description,
                "sensitivity": f.sensitivity,
                "sensitivity_label": str(f.get_sensitivity_display()),
                "is_personal": f.is_personal,
            }
            for f in resource.fields.all()
        ],
        "versions": [version_out(v) for v in selectors.resource_versions(resource)],
    }


def _staff(request: HttpRequest) -> Any:
    actor = actor_of(request)
    if actor.kind != User.Kind.STAFF:
        raise NotFound("没有这个页面 / not found")
    return actor


@router.get(
    "/exchange/resources",
    auth=EXCHANGE_AUTH,
    response={200: list[ResourceOut], **errors(401, 403, 422)},
    summary="资源目录 / the resource catalogue",
)
def resource_list(
    request: HttpRequest,
    q: str = Query("", max_length=100),
    share_class: str = Query("", max_length=14),
    provider: str = Query("", max_length=32),
    limit: int = Query(50, ge=1, le=200),
    offset: int = Query(0, ge=0, le=OFFSET_MAX),
) -> Any:
    """Published resources (and the unpublished ones of the departments the actor speaks for), searched
    by code, name or provider (`q`), filtered by `share_class` and `provider` (a department code)."""
    actor = _staff(request)
    if share_class and share_class not in Resource.ShareClass.values:
        raise ValidationFailed({"share_class": ["应为 unconditional、conditional、none 之一 / unknown share class"]})
    rows = selectors.resource_catalogue(actor=actor, query=q, share_class=share_class, provider=provider)
    return [resource_out(r) for r in rows[offset : offset + limit]]


@router.get(
    "/exchange/resources/{code}",
    auth=EXCHANGE_AUTH,
    response={200: ResourceDetailOut, **errors(401, 403, 404, 422)},
    summary="一个资源：字段、共享条件、数据版本 / one resource: its fields, share class, versions",
)
def resource_detail(request: HttpRequest, code: str) -> Any:
    return resource_detail_out(selectors.resource_visible_to(actor=_staff(request), code=code))


@router.post(
    "/exchange/resources",
    auth=EXCHANGE_AUTH,
    response={201: ResourceDetailOut, **errors(401, 403, 409, 422)},
    summary="登记资源（提供部门的数据管理员）/ the provider's data officer describes a resource",
)
def resource_create(request: HttpRequest, payload: ResourceIn) -> Any:
    actor = _staff(request)
    provider = department_by_code(code=payload.provider)
    if provider is None:
        raise ValidationFailed({"provider": ["没有这个部门 / no such department"]})
    created = catalogue.resource_create(
        actor=actor,
        provider=provider,
        fields=[f.model_dump() for f in payload.fields],
        **payload.model_dump(exclude={"provider", "fields"}),
    )
    return Status(201, resource_detail_out(selectors.resource_visible_to(actor=actor, code=created.code)))


@router.post(
    "/exchange/resources/{code}/versions",
    auth=EXCHANGE_AUTH,
    response={201: VersionOut, **errors(401, 403, 404, 422)},
    summary="上传数据表格：检查，或检查并生效 / upload a table: check it, or check and apply it",
)
def version_upload(request: HttpRequest, code: str, file: File[UploadedFile], apply: Form[bool] = False) -> Any:
    """Multipart `file` (CSV in UTF-8 or GB18030, or .xlsx; the header row names the fields) and `apply`.
    The answer is the new version: `status` checked (the diff counts; apply it later from the resource's
    page), applied (`apply` true: the records were replaced) or rejected (`problems`: every bad row, with
    its row number, field and problem in Chinese and English; nothing was written)."""
    version = sources.table_upload(
        actor=_staff(request), code=code, file_name=file.name or "", content=file.read(), apply=apply
    )
    return Status(201, version_out(version))
