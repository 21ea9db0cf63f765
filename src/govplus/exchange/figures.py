"""Tell-us-once, measured across both sources: what no applicant has to bring any more.

Rule: a required material of a published item need not be brought when either
- its source is a licence (电子证照) of a type the e-licence library holds (`licences` supplies the
  holder's own valid licence), or
- its source is shared data (共享数据) that a published resource answers for that item (`providers`:
  the resource's name or one of its `material_names`, and the resource is 无条件共享 or lists the item).

County-wide: required materials in all, those from the library, those from shared data, their share,
and the uploads avoided per application — the mean per item of the materials it need not be given,
weighted by the applications each item had in the last 90 days (per item when there were none). Per
item (the guide): how many of its materials shared data supplies, and how many in all the applicant
need not bring. Cached under the catalogue stamp for the day.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from django.core.cache import cache
from django.utils import timezone

from govplus.cases.selectors import service_demand
from govplus.catalog.extensions import GuideNote
from govplus.catalog.models import Material, ServiceItem
from govplus.catalog.selectors import catalog_cache_key
from govplus.exchange.models import Resource
from govplus.licences.selectors import licence_type_names

DEMAND_DAYS = 90
FIGURES_SECONDS = 3600


@dataclass(frozen=True)
class NeedNotBringFigures:
    items: int
    required_materials: int
    from_library: int
    from_shared_data: int
    uploads_avoided_per_application: float
    is_weighted_by_applications: bool
    per_item: dict[str, int] = field(default_factory=dict)

    @property
    def need_not_bring(self) -> int:
        return self.from_library + self.from_shared_data

    @property
    def share_percent(self) -> str:
        share = self.need_not_bring / self.required_materials if self.required_materials else 0.0
        return f"{share * 100:.1f}"


def _shared_names_by_item() -> tuple[frozenset[str], dict[str, frozenset[str]]]:
    """Names any unconditional resource answers (every item), and per item code the names of the
    conditional resources that list it."""
    everywhere: set[str] = set()
    per_item: dict[str, set[str]] = {}
    resources = Resource.objects.filter(is_published=True).exclude(share_class=Resource.ShareClass.NONE)
    for name, aliases, share_class, items in resources.values_list(
        "name", "material_names", "share_class", "service_items"
    ):
        names = {name, *(aliases or [])}
        if share_class == Resource.ShareClass.UNCONDITIONAL:
            everywhere |= names
        for code in items or []:
            per_item.setdefault(code, set()).update(names)
    return frozenset(everywhere), {code: frozenset(names) for code, names in per_item.items()}


def kind_of(
    material: Material, item_code: str, library: frozenset[str], everywhere: frozenset[str], per_item: dict
) -> str:
    """ "library", "shared" or "" for a required material (see the module's rule)."""
    if not material.is_required:
        return ""
    if material.source == Material.Source.LICENCE and material.licence_type in library:
        return "library"
    if material.source == Material.Source.SHARED_DATA and (
        material.licence_type in everywhere or material.licence_type in per_item.get(item_code, frozenset())
    ):
        return "shared"
    return ""


def need_not_bring_figures() -> NeedNotBringFigures:
    key = catalog_cache_key("exchange-need-not-bring", timezone.localdate().isoformat())
    figures = cache.get(key)
    if figures is None:
        figures = _figures()
        cache.set(key, figures, timeout=FIGURES_SECONDS)
    return figures


def _figures() -> NeedNotBringFigures:
    library = licence_type_names()
    everywhere, per_item_names = _shared_names_by_item()
    items = dict(ServiceItem.objects.filter(status=ServiceItem.Status.PUBLISHED).values_list("pk", "code"))
    required = Material.objects.filter(item_id__in=items, is_required=True).only(
        "item_id", "is_required", "source", "licence_type"
    )
    total = from_library = from_shared = 0
    per_item = dict.fromkeys(items.values(), 0)
    for material in required.order_by():
        total += 1
        code = items[material.item_id]
        kind = kind_of(material, code, library, everywhere, per_item_names)
        from_library += kind == "library"
        from_shared += kind == "shared"
        per_item[code] += bool(kind)
    demand = {item_id: n for item_id, n in service_demand(days=DEMAND_DAYS) if item_id in items}
    applications = sum(demand.values())
    if applications:
        avoided = sum(per_item[items[item_id]] * n for item_id, n in demand.items()) / applications
    else:
        avoided = sum(per_item.values()) / len(items) if items else 0.0
    return NeedNotBringFigures(
        items=len(items),
        required_materials=total,
        from_library=from_library,
        from_shared_data=from_shared,
        uploads_avoided_per_application=round(avoided, 2),
        is_weighted_by_applications=bool(applications),
        per_item=per_item,
    )


def shared_data_note(*, item: ServiceItem, materials: Sequence[Material]) -> list[GuideNote]:
    """The guide's note (a `catalog.extensions` note source): the materials shared data supplies, and
    how many in all the applicant need not bring (with the e-licence library's)."""
    library = licence_type_names()
    everywhere, per_item = _shared_names_by_item()
    kinds = [(m, kind_of(m, item.code, library, everywhere, per_item)) for m in materials]
    shared = [m for m, kind in kinds if kind == "shared"]
    if not shared:
        return []
    total = sum(1 for _, kind in kinds if kind)
    names_zh = "、".join(m.name for m in shared)
    names_en = ", ".join(m.name_en or m.name for m in shared)
    return [
        GuideNote(
            text=f"本事项 {len(shared)} 项材料由部门共享数据提供：{names_zh}（办理时经您同意调取）；"
            f"共 {total} 项材料您无需携带。",
            text_en=f"{len(shared)} of this service's materials come from data the departments share: {names_en} "
            f"(looked up with your consent when you apply); in all you need not bring {total}.",
            testid="shared-data",
        )
    ]
