"""licences' part of the platform: its API, pages, navigation and OAuth scope (see core/modules.py)."""

from govplus.core.modules import ApiRouter, ModuleSpec, NavEntry, OAuthScope, gettext_noop

MODULE = ModuleSpec(
    name="licences",
    api_routers=(ApiRouter("govplus.licences.api:router"),),
    urls="govplus.licences.urls",
    navigation=(
        # "citizen" is every signed-in visitor who is not staff: citizens and businesses (portal/context.py).
        NavEntry(gettext_noop("我的证照"), "portal:licences", audience=frozenset({"citizen"}), order=45),
        NavEntry(gettext_noop("证照库"), "portal:licence_register", audience=frozenset({"staff"}), order=45),
        NavEntry(
            gettext_noop("证照导入"),
            "portal:licence_import",
            audience=frozenset({"staff"}),
            staff_roles=("department_admin", "approver", "platform_admin"),
            order=60,
        ),
    ),
    scopes=(OAuthScope("licences", "查看和使用我的电子证照", "read and use my e-licences"),),
)
