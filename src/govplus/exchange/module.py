"""exchange's part of the platform: its API (catalogue, requests, gateway, evidence), pages, navigation
and OAuth scope (see core/modules.py)."""

from govplus.core.modules import ApiRouter, ModuleSpec, NavEntry, OAuthScope, gettext_noop

MODULE = ModuleSpec(
    name="exchange",
    api_routers=(
        ApiRouter("govplus.exchange.api:router"),
        ApiRouter("govplus.exchange.api_catalogue:router"),
        ApiRouter("govplus.exchange.api_gateway:router"),
        ApiRouter("govplus.exchange.api_subscriptions:router"),
        ApiRouter("govplus.exchange.api_federation:router"),
        ApiRouter("govplus.exchange.evidence_api:router"),
    ),
    urls="govplus.exchange.urls",
    navigation=(
        NavEntry(gettext_noop("数据使用记录"), "portal:my_data_uses", audience=frozenset({"citizen"}), order=50),
        NavEntry(gettext_noop("资源目录"), "portal:exchange_resources", audience=frozenset({"staff"}), order=68),
        NavEntry(gettext_noop("共享申请"), "portal:exchange_requests", audience=frozenset({"staff"}), order=70),
    ),
    scopes=(
        OAuthScope(
            "exchange", "调用数据共享交换接口（部门系统）", "call the data exchange gateway (department systems)"
        ),
    ),
)
