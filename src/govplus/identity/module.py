"""identity's part of the platform: its API and the OpenID Connect scopes (see core/modules.py)."""

from govplus.core.modules import ApiRouter, ModuleSpec, OAuthScope

MODULE = ModuleSpec(
    name="identity",
    api_routers=(ApiRouter("govplus.identity.api:router"),),
    scopes=(
        OAuthScope("openid", "登录身份", "OpenID Connect sign-in"),
        OAuthScope("profile", "姓名与角色", "name and role"),
    ),
)
