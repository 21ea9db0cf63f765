"""licences' part of the platform: its API, pages, navigation and OAuth scope (see core/modules.py)."""

from govplus.core.modules import ApiRouter, ModuleSpec, OAuthScope

MODULE = ModuleSpec(
    name="licences",
    api_routers=(ApiRouter("govplus.licences.api:router"),),
    urls="govplus.licences.urls",
    navigation=(),  # the wallet, verification and register pages add their entries as they land
    scopes=(OAuthScope("licences", "查看和使用我的电子证照", "read and use my e-licences"),),
)
