"""Catalog reads: search, guides, themes, the power and responsibility lists."""

from __future__ import annotations

import datetime
import hashlib
import time
from dataclasses import dataclass

from django.core.cache import cache
from django.db.models import Count, Max, Prefetch, Q, QuerySet

from govplus.catalog.models import POWER_TYPES, ItemType, Material, ProcessDefinition, ServiceItem, Theme
from govplus.catalog.search import query_tokens, score
from govplus.core.errors import NotFound


def _published() -> QuerySet[ServiceItem]:
    return ServiceItem.objects.filter(status=ServiceItem.Status.PUBLISHED)


@dataclass(frozen=True)
class SearchResult:
    count: int
    items: list[ServiceItem]


# Everything a search result shows (results page, home page, API summary) and the ranking needs; the
# long texts and JSON of the full guide stay in the database.
SEARCH_FIELDS = (
    "code",
    "name",
    "item_type",
    "category",
    "status",
    "statutory_limit_days",
    "promised_limit_days",
    "visits_required",
    "online_depth",
    "search_text",
    "department__name",
    "department__code",
)
SEARCH_CACHE_SECONDS = 300
CATALOG_GENERATION_KEY = "govplus:catalog:generation"


CATALOG_STAMP_SECONDS = 5.0
_stamp_memo: tuple[float, str] | None = None


def catalog_stamp() -> str:
    """A value that changes whenever what the public catalogue pages show may have changed.

    It combines the number of items and their latest `updated_at` (every save of an item bumps it)
    with a generation counter in the cache that `catalog_changed` bumps (imports, status changes,
    processes, and every catalogue save or delete in the admin: themes, materials). Each process
    reads it at most once every `CATALOG_STAMP_SECONDS`, so caches keyed by it cost no query per
    request; a change made in this process is seen at once, one made in another within those seconds.
    """
    global _stamp_memo
    now = time.monotonic()
    if _stamp_memo is not None and now - _stamp_memo[0] < CATALOG_STAMP_SECONDS:
        return _stamp_memo[1]
    stamp = ServiceItem.objects.aggregate(n=Count("id"), latest=Max("updated_at"))
    latest = stamp["latest"].timestamp() if stamp["latest"] else 0
    value = f"{stamp['n']}:{latest}:{cache.get(CATALOG_GENERATION_KEY, 0)}"
    _stamp_memo = (now, value)
    return value


def catalog_stamp_forget() -> None:
    """Make this process read the stamp again on its next use (after a catalogue write)."""
    global _stamp_memo
    _stamp_memo = None


def catalog_cache_key(kind: str, *parts: object) -> str:
    """A cache key for something derived from the catalogue: it changes with `catalog_stamp`, so
    whatever is stored under it is never served after the catalogue changed."""
    raw = repr((parts, catalog_stamp()))
    return f"govplus:{kind}:{hashlib.sha256(raw.encode()).hexdigest()}"


def service_search(
    *, query: str = "", theme: str = "", department: str = "", target: str = "", limit: int = 50, offset: int = 0
) -> SearchResult:
    """Published items matching the query and filters, best first; cached until the catalog changes."""
    key = catalog_cache_key("search", query.strip().lower()[:100], theme, department, target, limit, offset)
    result = cache.get(key)
    if result is None:
        result = _service_search(
            query=query, theme=theme, department=department, target=target, limit=limit, offset=offset
        )
        cache.set(key, result, timeout=SEARCH_CACHE_SECONDS)
    return result


def _service_search(*, query: str, theme: str, department: str, target: str, limit: int, offset: int) -> SearchResult:
    items = _published().select_related("department").only(*SEARCH_FIELDS)
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


@dataclass(frozen=True)
class ServiceHead:
    code: str
    name: str
    version: int
    updated_at: datetime.datetime


def service_published_head(*, code: str) -> ServiceHead | None:
    """Just enough of a published item to check a cached guide: one narrow query, no model instance."""
    row = _published().filter(code=code).values_list("code", "name", "version", "updated_at").first()
    return ServiceHead(*row) if row else None


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


APPLICATION_ITEM_SECONDS = 300


def service_for_application(*, code: str) -> ServiceItem:
    """A published item with everything starting an application needs: department, process,
    materials and co-handling departments (`item.materials.all()` and `item.co_departments.all()`
    are prefetched). Kept in the cache under the catalogue stamp, so a burst of applications for
    the same item reads it once; a retired or edited item is seen at once in the process that changed
    it and within `CATALOG_STAMP_SECONDS` in the others."""
    key = catalog_cache_key("application-item", code)
    item = cache.get(key)
    if item is None:
        item = (
            _published()
            .select_related("department", "process")
            .prefetch_related("materials", "co_departments")
            .filter(code=code)
            .first()
        )
        if item is None:
            raise NotFound("未找到该事项，可能已停用。", "No published service item with this code.")
        cache.set(key, item, timeout=APPLICATION_ITEM_SECONDS)
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


def power_list(*, department: str = "", item_type: str = "") -> QuerySet[ServiceItem]:
    """权力清单: every published administrative power, by department and type; optionally of one
    department (its code) and one type."""
    rows = _published().filter(item_type__in=POWER_TYPES)
    if department:
        rows = rows.filter(department__code=department)
    if item_type:
        rows = rows.filter(item_type=item_type)
    return rows.select_related("department").order_by("department__code", "item_type", "code")


def power_list_filters() -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """The departments holding powers and the power types, as (value, label) for the list's filters."""
    departments = list(
        _published()
        .filter(item_type__in=POWER_TYPES)
        .order_by("department__code")
        .values_list("department__code", "department__name")
        .distinct()
    )
    types = [(value, str(label)) for value, label in ItemType.choices if value in POWER_TYPES]
    return departments, types


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
