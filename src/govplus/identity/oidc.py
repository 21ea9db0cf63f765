"""The OIDC provider's claims: other government systems log in through govplus (统一身份认证).

Claims are the minimum a relying party needs: subject, name, kind, roles. The ID number is never
released; the phone only masked.

The provider follows the OAuth 2.0 Security BCP (RFC 9700) where django-oauth-toolkit leaves a choice
(settings.OAUTH2_PROVIDER): PKCE is required and only with `S256` (a `plain` challenge is refused at the
authorize request, before the consent page); the implicit and password grants are refused whatever an
application is registered for; an access token is accepted in the `Authorization` header only, never
in the query string (RFC 6750 §5.3). Every authorization code and every token issued is audited: who,
which client, which scopes, whether the user consented on the page or consent was remembered.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from oauth2_provider.oauth2_validators import OAuth2Validator
from oauthlib.oauth2.rfc6749 import errors

from govplus.core.audit import audit_record


def root_issuer(issuer: str) -> str:
    """django-oauth-toolkit derives the issuer from its mount point (`…/o`); ours is the site root, so
    that `/.well-known/openid-configuration` and the `iss` of every ID token agree (OIDC Discovery §4.3)."""
    return issuer.removesuffix("/o")


class GovplusOAuth2Validator(OAuth2Validator):
    oidc_claim_scope = {**OAuth2Validator.oidc_claim_scope, "kind": "profile", "roles": "profile"}

    def is_pkce_required(self, client_id: str, request: Any) -> bool:
        """PKCE always, and only S256: a `plain` challenge (or one without a method, which means plain)
        would hand the verifier to anyone who sees the authorize URL (RFC 7636 §7.2, RFC 9700 §2.1.1)."""
        if getattr(request, "code_challenge", None) is not None and request.code_challenge_method != "S256":
            raise errors.InvalidRequestError(
                description='code_challenge_method must be "S256" (plain is not accepted)', request=request
            )
        return True

    def save_authorization_code(
        self, client_id: str, code: dict[str, Any], request: Any, *args: Any, **kwargs: Any
    ) -> None:
        with transaction.atomic():
            super().save_authorization_code(client_id, code, request, *args, **kwargs)
            audit_record(
                actor=request.user,
                action="oidc.authorization_code_issue",
                object_type="oauth_application",
                object_id=client_id,
                changes={
                    "scopes": sorted(request.scopes or []),
                    # the consent page posts its form; a remembered consent or a trusted client does not
                    "consent": "given" if request.http_method == "POST" else "remembered",
                },
            )

    def save_bearer_token(self, token: dict[str, Any], request: Any, *args: Any, **kwargs: Any) -> None:
        with transaction.atomic():
            super().save_bearer_token(token, request, *args, **kwargs)
            user = getattr(request, "user", None)
            audit_record(
                actor=user if getattr(user, "pk", None) else None,
                action="oidc.token_issue",
                object_type="oauth_application",
                object_id=getattr(request.client, "client_id", ""),
                changes={
                    "grant_type": request.grant_type,
                    "scopes": str(token.get("scope", "")).split(),
                    "refresh_token": bool(token.get("refresh_token")),
                },
            )

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
