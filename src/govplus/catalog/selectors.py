"""Catalog reads: search, guides, themes, the power and responsibility lists."""

from __future__ import annotations

import datetime
import hashlib
import time
from dataclasses import dataclass
from importlib import resources

from django.core.cache import cache
from django.db.models import Count, Max, Prefetch, Q, QuerySet

from govplus.catalog.models import POWER_TYPES, ItemType, Material, ProcessDefinition, ServiceItem, Theme
from govplus.catalog.responsibilities import ResponsibilityEntry, responsibilities_for
from govplus.catalog.search import is_english_word, query_tokens, score
from govplus.core.engine import process_steps
from govplus.core.errors import NotFound
from govplus.core.i18n import stage_name_en


@dataclass(frozen=True)
class BundledProcess:
    key: str
    name: str
    bpmn_xml: str


# The process definitions the catalogue ships with (catalog/bpmn/<key>.bpmn), installed by
# `builtin_processes_install`; an administrator may attach others. Their step ids and outcomes use the
# action vocabulary of the application flow (cases/workflow.py).
BUILTIN_PROCESSES = {"standard": "标准审批流程（受理→审查→决定→办结）", "parallel": "并联审批流程（多部门会签）"}


def builtin_process_definitions() -> list[BundledProcess]:
    """The bundled BPMN files, read as package data (so an installed wheel has them too)."""
    folder = resources.files("govplus.catalog") / "bpmn"
    return [
        BundledProcess(key=key, name=name, bpmn_xml=(folder / f"{key}.bpmn").read_text(encoding="utf-8"))
        for key, name in BUILTIN_PROCESSES.items()
    ]


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
    "name_en",
    "item_type",
    "category",
    "status",
    "statutory_limit_days",
    "promised_limit_days",
    "visits_required",
    "online_depth",
    "search_text",
    "department__name",
    "department__name_en",
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
        if is_english_word(token):  # a whole indexed word, not a part of one
            condition |= Q(search_text__regex=rf"(^| ){token}( |$)")
        else:
            condition |= Q(name__icontains=token) | Q(search_text__contains=token)
    candidates = list(items.filter(condition).distinct()[:500])
    scored = [
        (score(query=query, tokens=tokens, name=item.name, search_text=item.search_text, name_en=item.name_en), item)
        for item in candidates
    ]
    ranked = [item for _, item in sorted(scored, key=lambda pair: (-pair[0], pair[1].code))]
    return SearchResult(len(ranked), ranked[offset : offset + limit])


def services_popular(*, demand: list[tuple[int, int]], limit: int = 8) -> list[ServiceItem]:
    """热门事项: published items by demand (`demand` is (item id, applications), most first, from the
    cases module); when fewer items were asked for than `limit`, the catalogue fills the rest."""
    ranked = [item_id for item_id, count in demand if count > 0]
    items = {item.pk: item for item in _published().filter(pk__in=ranked[: limit * 2]).select_related("department")}
    popular = [items[item_id] for item_id in ranked if item_id in items][:limit]
    if len(popular) < limit:
        chosen = {item.pk for item in popular}
        popular += [item for item in service_search(limit=limit * 2).items if item.pk not in chosen][
            : limit - len(popular)
        ]
    return popular


@dataclass(frozen=True)
class ServiceHead:
    code: str
    name: str
    version: int
    updated_at: datetime.datetime
    name_en: str = ""


def service_published_head(*, code: str) -> ServiceHead | None:
    """Just enough of a published item to check a cached guide: one narrow query, no model instance."""
    row = _published().filter(code=code).values_list("code", "name", "version", "updated_at", "name_en").first()
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


def responsibility_list() -> list[ResponsibilityEntry]:
    """责任清单: for each power, the duties and the situations that incur liability under the law of
    its kind (行政许可法, 行政处罚法, 行政强制法…), filled in item by item (`catalog.responsibilities`)."""
    return [responsibilities_for(item) for item in power_list()]


@dataclass(frozen=True)
class BusinessStep:
    """One business step of an item's process as the public sees it (受理 → 审查 → 决定 → 办结)."""

    step: str
    name: str
    name_en: str
    role: str
    kind: str
    limit_days: int | None
    description: str


# process_description lines are written "阶段：说明"; a step of the BPMN file may go by another name there
_STEP_DESCRIPTION_NAMES = {"co_review": ("并联审查", "会签审查", "审查")}


def business_steps(*, item: ServiceItem) -> list[BusinessStep]:
    """The steps a case of this item goes through, in order: the process's user tasks only (no
    gateways or end events, which are how the engine branches, not steps of the service).

    `limit_days` is the promise made for the step where the guide makes one: acceptance within the
    acceptance limit (受理时限, working days from submission), and conclusion within the promised
    limit (承诺办结时限, working days from acceptance; 0 means 即办, done on the spot)."""
    descriptions: dict[str, str] = {}
    for line in item.process_description:
        stage, _, text = str(line).partition("：")
        if text:
            descriptions.setdefault(stage.strip(), text.strip())
    steps = []
    for raw in process_steps(bpmn_xml=item.process.bpmn_xml):
        if raw["kind"] not in ("user", "parallel"):
            continue
        names = _STEP_DESCRIPTION_NAMES.get(raw["id"], (raw["name"],))
        description = next((descriptions[name] for name in names if name in descriptions), "")
        limit = {"accept": item.acceptance_limit_days, "conclude": item.promised_limit_days}.get(raw["id"])
        steps.append(
            BusinessStep(
                step=raw["id"],
                name=raw["name"],
                name_en=stage_name_en(raw["name"]),
                role=raw["role"],
                kind=raw["kind"],
                limit_days=limit,
                description=description,
            )
        )
    return steps


def process_get(*, key: str) -> ProcessDefinition:
    process = ProcessDefinition.objects.filter(key=key).first()
    if process is None:
        raise NotFound("未找到该流程。", "No such process definition.")
    return process


def item_materials(*, item: ServiceItem) -> list[Material]:
    return list(item.materials.all())
