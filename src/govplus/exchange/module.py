"""exchange's part of the platform: its API (catalogue, requests, gateway, evidence), pages, navigation
and OAuth scope (see core/modules.py)."""

from govplus.core.modules import ApiRouter, ModuleSpec, OAuthScope

MODULE = ModuleSpec(
    name="exchange",
    api_routers=(ApiRouter("govplus.exchange.api:router"),),
    scopes=(
        OAuthScope(
            "exchange", "调用数据共享交换接口（部门系统）", "call the data exchange gateway (department systems)"
        ),
    ),
)
