"""catalog's part of the platform: its API and its public pages in the navigation (see core/modules.py)."""

from govplus.core.modules import ApiRouter, ModuleSpec, NavEntry, gettext_noop

MODULE = ModuleSpec(
    name="catalog",
    api_routers=(ApiRouter("govplus.catalog.api:router"),),
    urls="govplus.catalog.urls",
    navigation=(
        NavEntry(gettext_noop("办事服务"), "portal:search", order=10),
        NavEntry(gettext_noop("权责清单"), "portal:power_list", order=30),
    ),
)
