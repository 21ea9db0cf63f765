"""Catalog reads: search, guides, themes, the power and responsibility lists."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Prefetch, Q, QuerySet

from govplus.catalog.models import POWER_TYPES, Material, ProcessDefinition, ServiceItem, Theme
from govplus.catalog.search import query_tokens, score
from govplus.core.errors import NotFound


def _published() -> QuerySet[ServiceItem]:
    return ServiceItem.objects.filter(status=ServiceItem.Status.PUBLISHED)


@dataclass(frozen=True)
class SearchResult:
    count: int
    items: list[ServiceItem]


def service_search(
    *, query: str = "", theme: str = "", department: str = "", target: str = "", limit: int = 50, offset: int = 0
) -> SearchResult:
    """Published items matching the query and filters, best first."""
    items = _published().select_related("department")
    if theme:
        items = items.filter(themes__code=theme)
    if department:
        items = items.filter(department__code=department)
    if target == "citizen":
        items = items.filter(target_citizen=True)
    elif target == "business":
        items = items.filter(target_business=True)
    tokens = query_tokens(query) if query.strip() else ()
    if not tokens:
        ordered = list(items.order_by("category", "code"))
        return SearchResult(len(ordered), ordered[offset : offset + limit])
    condition = Q()
    for token in tokens:
        condition |= Q(name__icontains=token) | Q(search_text__contains=token)
    candidates = list(items.filter(condition).distinct()[:500])
    ranked = sorted(
        candidates,
        key=lambda item: (-score(query=query, tokens=tokens, name=item.name, search_text=item.search_text), item.code),
    )
    return SearchResult(len(ranked), ranked[offset : offset + limit])


def service_get_published(*, code: str) -> ServiceItem:
    """The guide of a published item, with everything the guide page shows, in 3 queries."""
    item = (
        _published()
        .select_related("department", "process")
        .prefetch_related(
            "co_departments", "themes", Prefetch("materials", queryset=Material.objects.order_by("order", "id"))
        )
        .filter(code=code)
        .first()
    )
    if item is None:
        raise NotFound("未找到该事项，可能已停用。", "No published service item with this code.")
    return item


def service_get_any(*, code: str) -> ServiceItem:
    item = ServiceItem.objects.select_related("department", "process").filter(code=code).first()
    if item is None:
        raise NotFound("未找到该事项。", "No service item with this code.")
    return item


def theme_list(*, audience: str = "") -> QuerySet[Theme]:
    themes = Theme.objects.all()
    return themes.filter(audience=audience) if audience else themes


def theme_get(*, code: str) -> Theme:
    theme = Theme.objects.filter(code=code).first()
    if theme is None:
        raise NotFound("未找到该主题。", "No such theme.")
    return theme


def power_list() -> QuerySet[ServiceItem]:
    """权力清单: every published administrative power, by department and type."""
    return (
        _published()
        .filter(item_type__in=POWER_TYPES)
        .select_related("department")
        .order_by("department__code", "item_type", "code")
    )


RESPONSIBILITIES = [
    ("受理责任", "公示依法应当提交的材料；一次性告知补正材料；依法受理或不予受理（不予受理的说明理由）。"),
    ("审查责任", "对申请材料进行审查，提出审查意见；需要现场核查的，依法组织核查。"),
    ("决定责任", "在法定期限内作出决定；不予许可的，书面说明理由并告知救济途径。"),
    ("送达责任", "制作并送达决定文书或证照，按规定公开办理结果。"),
    ("事后监管责任", "对许可对象开展事中事后监管，依法查处违法行为。"),
    ("其他责任", "法律法规规章规定应履行的其他责任。"),
]
ACCOUNTABILITY = (
    "对符合条件不予受理、不予许可或者不在法定期限内作出决定的；对不符合条件的准予许可的；"
    "索取或收受他人财物、谋取其他利益的；其他违反法律法规规章规定的行为，依法追究责任。"
)


def responsibility_list() -> list[dict[str, object]]:
    """责任清单: for each power, the standard responsibilities and the situations that incur liability."""
    return [
        {"item": item, "responsibilities": RESPONSIBILITIES, "accountability": ACCOUNTABILITY} for item in power_list()
    ]


def process_get(*, key: str) -> ProcessDefinition:
    process = ProcessDefinition.objects.filter(key=key).first()
    if process is None:
        raise NotFound("未找到该流程。", "No such process definition.")
    return process


def item_materials(*, item: ServiceItem) -> list[Material]:
    return list(item.materials.all())
