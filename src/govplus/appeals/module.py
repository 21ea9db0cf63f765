"""appeals' part of the platform: the Open311 GeoReport v2 API, the citizen's and the staff's pages and
their navigation (see core/modules.py)."""

from govplus.core.modules import ModuleSpec, NavEntry, gettext_noop

MODULE = ModuleSpec(
    name="appeals",
    urls="govplus.appeals.urls",
    navigation=(
        NavEntry(gettext_noop("我要留言"), "portal:appeal_new", audience=frozenset({"anonymous", "citizen"}), order=45),
        NavEntry(gettext_noop("诉求公开"), "portal:appeals_public", audience=frozenset({"anonymous"}), order=44),
        NavEntry(gettext_noop("我的诉求"), "portal:my_appeals", audience=frozenset({"citizen"}), order=46),
        NavEntry(gettext_noop("诉求办理"), "portal:staff_appeals", audience=frozenset({"staff"}), order=72),
        NavEntry(
            gettext_noop("热线坐席"),
            "portal:appeals_hotline",
            audience=frozenset({"staff"}),
            staff_roles=("dispatcher", "platform_admin"),
            order=73,
        ),
    ),
)
