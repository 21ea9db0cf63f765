"""Tell-us-once, measured (免提交): how much of what the catalogue asks for the licence library can supply.

Rule: a required material of a published item "need not be brought" when its source is a licence
(电子证照) of a type the library's catalogue (证照目录) holds, by the type's name or one of its aliases —
the holder's own valid licence of that type is then offered to the application with their consent
(`providers.LicenceLibrary`). Shared data (共享数据) is fetched by the department and is not counted here:
this measures the library only.

County-wide figures (for the demo county, every published item):
- required materials in all, and those the library can supply; their share;
- uploads avoided per application: the mean number of library-supplied required materials per item,
  weighted by the applications each item had in the last 90 days (`cases.selectors.service_demand`),
  or per item when there were none. It is what an applicant who holds the licences is spared.

The figures depend on the catalogue (cached under its stamp) and on demand (moves slowly; cached for
the day), never on the visitor. Basis: 《国务院关于加快推进全国一体化在线政务服务平台建设的指导意见》
（国发〔2018〕27号）"减材料", 《国务院关于在线政务服务的若干规定》第十条.
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
from govplus.licences.selectors import licence_type_names

DEMAND_DAYS = 90
FIGURES_SECONDS = 3600


@dataclass(frozen=True)
class TellUsOnceFigures:
    items: int
    required_materials: int
    from_library: int
    uploads_avoided_per_application: float
    is_weighted_by_applications: bool
    per_item: dict[str, int] = field(default_factory=dict)  # item code → materials it need not be given

    @property
    def share(self) -> float:
        return self.from_library / self.required_materials if self.required_materials else 0.0

    @property
    def share_percent(self) -> str:
        return f"{self.share * 100:.1f}"


def library_type_names() -> frozenset[str]:
    """The names and aliases of the library's active licence types: what a material's `licence_type`
    must say for the library to supply it."""
    return licence_type_names()


def library_materials(materials: Sequence[Material], names: frozenset[str]) -> list[Material]:
    """The required materials among `materials` that the library can supply."""
    return [m for m in materials if m.is_required and m.source == Material.Source.LICENCE and m.licence_type in names]


def tell_us_once_figures() -> TellUsOnceFigures:
    """The county-wide figures (see the module), cached under the catalogue stamp for the day."""
    key = catalog_cache_key("licences-tell-us-once", timezone.localdate().isoformat())
    figures = cache.get(key)
    if figures is None:
        figures = _figures()
        cache.set(key, figures, timeout=FIGURES_SECONDS)
    return figures


def _figures() -> TellUsOnceFigures:
    names = library_type_names()
    items = dict(ServiceItem.objects.filter(status=ServiceItem.Status.PUBLISHED).values_list("pk", "code"))
    required = (
        Material.objects.filter(item_id__in=items, is_required=True)
        .only("item_id", "is_required", "source", "licence_type")
        .order_by()
    )
    total = 0
    per_item = dict.fromkeys(items.values(), 0)
    for material in required:
        total += 1
        if material.source == Material.Source.LICENCE and material.licence_type in names:
            per_item[items[material.item_id]] += 1
    demand = {item_id: n for item_id, n in service_demand(days=DEMAND_DAYS) if item_id in items}
    applications = sum(demand.values())
    if applications:
        avoided = sum(per_item[items[item_id]] * n for item_id, n in demand.items()) / applications
    else:
        avoided = sum(per_item.values()) / len(items) if items else 0.0
    return TellUsOnceFigures(
        items=len(items),
        required_materials=total,
        from_library=sum(per_item.values()),
        uploads_avoided_per_application=round(avoided, 2),
        is_weighted_by_applications=bool(applications),
        per_item=per_item,
    )


def tell_us_once_note(*, item: ServiceItem, materials: Sequence[Material]) -> list[GuideNote]:
    """The guide's note (a `catalog.extensions` note source): how many of the item's required
    materials the library supplies, so the applicant need not bring them."""
    found = library_materials(materials, library_type_names())
    if not found:
        return []
    names_zh = "、".join(m.name for m in found)
    names_en = ", ".join(m.name_en or m.name for m in found)
    count = len(found)
    return [
        GuideNote(
            text=f"本事项 {count} 项材料可由电子证照库提供，无需提交：{names_zh}（办理时经您同意调取）。",
            text_en=(
                f"{count} of this service's materials can come from the e-licence library, so you need not "
                f"submit {'it' if count == 1 else 'them'}: {names_en} (fetched with your consent when you apply)."
            ),
            testid="tell-us-once",
        )
    ]
