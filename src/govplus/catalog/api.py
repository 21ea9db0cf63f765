"""Catalog endpoints: public search and guides; import/export for platform administrators."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.utils.translation import get_language
from ninja import Field, Query, Router, Schema

from govplus.catalog import selectors, services
from govplus.catalog.models import ServiceItem
from govplus.catalog.schemas import (
    DepartmentOut,
    ImportResultOut,
    ServiceDetailOut,
    ServiceListOut,
    ServiceSummaryOut,
    ThemeOut,
)
from govplus.core.api import AUTH, OFFSET_MAX, actor_of, errors
from govplus.core.errors import PermissionDenied
from govplus.identity.selectors import department_list, is_platform_admin

router = Router(tags=["catalog 事项"])


class SearchQuery(Schema):
    q: str = ""
    theme: str = ""
    department: str = ""
    target: str = ""
    limit: int = Field(20, ge=1, le=100)
    offset: int = Field(0, ge=0, le=OFFSET_MAX)


def summary(item: ServiceItem) -> dict[str, Any]:
    return {
        "code": item.code,
        "name": item.name,
        "name_en": item.name_en,
        "department": item.department.name,
        "department_en": item.department.name_en,
        "department_code": item.department.code,
        "item_type": item.item_type,
        "item_type_label": str(item.get_item_type_display()),
        "category": item.category,
        "statutory_limit_days": item.statutory_limit_days,
        "promised_limit_days": item.promised_limit_days,
        "visits_required": item.visits_required,
        "online_depth": item.online_depth,
        "is_applicable_online": item.is_applicable_online,
    }


def detail(item: ServiceItem) -> dict[str, Any]:
    materials = list(item.materials.all())
    return {
        **summary(item),
        "basic_code": item.basic_code,
        "co_departments": [d.code for d in item.co_departments.all()],
        "legal_basis": item.legal_basis,
        "target": [t for t, flag in (("citizen", item.target_citizen), ("business", item.target_business)) if flag],
        "scope": item.scope,
        "summary_en": item.summary_en,
        "conditions": item.conditions,
        "process_key": item.process.key,
        "process_steps": [asdict(step) for step in selectors.business_steps(item=item)],
        "process_description": item.process_description,
        "fee_is_charged": item.fee_is_charged,
        "fee_standard": item.fee_standard,
        "fee_basis": item.fee_basis,
        "place": item.place,
        "hours": item.hours,
        "phone_consult": item.phone_consult,
        "phone_complaint": item.phone_complaint,
        "result_type": item.result_type,
        "result_name": item.result_name,
        "delivery_methods": item.delivery_methods,
        "faqs": item.faqs,
        "form_fields": item.form_fields,
        "themes": [t.code for t in item.themes.all()],
        "materials": [
            {
                "code": m.code,
                "name": m.name,
                "name_en": m.name_en,
                "is_required": m.is_required,
                "form": m.form,
                "medium": m.medium,
                "copies": m.copies,
                "source": m.source,
                "licence_type": m.licence_type,
                "note": m.note,
                "accepted_types": m.accepted_types,
            }
            for m in materials
        ],
        "version": item.version,
        "effective_date": item.effective_date,
    }


SEARCH_RESPONSE_SECONDS = 300


@router.get("/services", response={200: ServiceListOut, **errors(422)}, summary="搜索事项 / search service items")
def service_search(request: HttpRequest, filters: Query[SearchQuery]) -> HttpResponse:
    """公开接口，无需登录；事项目录变更后几秒内生效。Public, no sign-in; reflects catalogue changes within seconds."""
    # The same for every caller: the finished JSON is kept per query, language and catalogue stamp
    # (`catalog_stamp`), so a repeated search costs a cache lookup.
    limit, offset = filters.limit, filters.offset
    params = (filters.q.strip()[:100], filters.theme, filters.department, filters.target, limit, offset)
    key = selectors.catalog_cache_key("api-search", params, get_language())
    body = cache.get(key)
    if body is None:
        result = selectors.service_search(
            query=filters.q,
            theme=filters.theme,
            department=filters.department,
            target=filters.target,
            limit=limit,
            offset=offset,
        )
        # built without validation: every value comes typed from the models
        body = ServiceListOut.model_construct(
            count=result.count, results=[ServiceSummaryOut.model_construct(**summary(item)) for item in result.items]
        ).model_dump_json()
        cache.set(key, body, timeout=SEARCH_RESPONSE_SECONDS)
    return HttpResponse(body, content_type="application/json; charset=utf-8")


@router.get(
    "/services/{code}", response={200: ServiceDetailOut, **errors(404, 422)}, summary="办事指南 / service guide"
)
def service_detail(request: HttpRequest, code: str) -> dict[str, Any]:
    return detail(selectors.service_get_published(code=code))


@router.get("/themes", response={200: list[ThemeOut], **errors(422)}, summary="主题服务 / life-event themes")
def theme_list(request: HttpRequest, audience: str = "") -> Any:
    return list(selectors.theme_list(audience=audience))


@router.get("/departments", response={200: list[DepartmentOut]}, summary="部门 / departments")
def departments(request: HttpRequest) -> Any:
    return list(department_list())


def _require_platform_admin(request: HttpRequest) -> Any:
    if not is_platform_admin(user=actor_of(request)):
        raise PermissionDenied("仅平台管理员可以导入导出事项。", "Only platform administrators may do this.")
    return actor_of(request)


@router.get(
    "/catalog/export", auth=AUTH, response={200: dict[str, Any], **errors(401, 403)}, summary="导出事项 / export"
)
def catalog_export(request: HttpRequest) -> Any:
    _require_platform_admin(request)
    return services.catalog_export()


@router.post(
    "/catalog/import", auth=AUTH, response={200: ImportResultOut, **errors(401, 403, 422)}, summary="导入事项 / import"
)
def catalog_import(request: HttpRequest, payload: dict[str, Any]) -> Any:
    actor = _require_platform_admin(request)
    return services.catalog_import(actor=actor, data=payload)
