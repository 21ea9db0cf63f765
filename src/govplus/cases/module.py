"""cases' part of the platform: its API, its OAuth scopes and its pages in the navigation (see core/modules.py)."""

from govplus.core.modules import ApiRouter, ModuleSpec, NavEntry, OAuthScope, gettext_noop

MODULE = ModuleSpec(
    name="cases",
    api_routers=(ApiRouter("govplus.cases.api:router"),),
    urls="govplus.cases.urls",
    navigation=(
        NavEntry(gettext_noop("进度查询"), "portal:progress", order=20),
        NavEntry(gettext_noop("工作台"), "portal:workbench", audience=frozenset({"staff"}), order=40),
        NavEntry(gettext_noop("我的办件"), "portal:my_applications", audience=frozenset({"citizen"}), order=40),
    ),
    scopes=(
        OAuthScope("applications", "读写我的办件", "read and write my applications"),
        OAuthScope("tasks", "办理我的待办", "work on my tasks"),
    ),
)
