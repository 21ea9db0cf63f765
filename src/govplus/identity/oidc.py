"""The OIDC provider's claims: other government systems log in through govplus (统一身份认证).

Claims are the minimum a relying party needs: subject, name, kind, roles. The ID number is never
released; the phone only masked.
"""

from __future__ import annotations

from typing import Any

from oauth2_provider.oauth2_validators import OAuth2Validator


def root_issuer(issuer: str) -> str:
    """django-oauth-toolkit derives the issuer from its mount point (`…/o`); ours is the site root, so
    that `/.well-known/openid-configuration` and the `iss` of every ID token agree (OIDC Discovery §4.3)."""
    return issuer.removesuffix("/o")


class GovplusOAuth2Validator(OAuth2Validator):
    oidc_claim_scope = {**OAuth2Validator.oidc_claim_scope, "kind": "profile", "roles": "profile"}

    def get_oidc_issuer_endpoint(self, request: Any) -> str:
        return root_issuer(super().get_oidc_issuer_endpoint(request))

    def get_additional_claims(self, request: Any) -> dict[str, Any]:
        from govplus.identity.selectors import staff_assignments

        user = request.user
        return {
            "name": user.real_name,
            "preferred_username": user.username,
            "kind": user.kind,
            "roles": [f"{a.department_code}:{a.role}" for a in staff_assignments(user=user)],
        }
