from govplus.core.modules import ApiRouter, ModuleSpec, NavEntry, OAuthScope, gettext_noop

MODULE = ModuleSpec(
    name="sample",
    api_routers=(ApiRouter("tests.sample_module.api:router", prefix="/sample", tags=("sample 示例",)),),
    urls="tests.sample_module.urls",
    navigation=(
        NavEntry(gettext_noop("示例服务"), "portal:sample_page", order=35),
        NavEntry(
            gettext_noop("示例督办"), "portal:sample_page", audience=frozenset({"staff"}), staff_roles=("supervisor",)
        ),
    ),
    scopes=(OAuthScope("sample", "读取示例数据", "read sample data"),),
)
