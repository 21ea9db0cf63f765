"""The OIDC provider's claims: other government systems log in through govplus (统一身份认证).

Claims are the minimum a relying party needs: subject, name, kind, roles. The ID number is never
released; the phone only masked.

The provider follows the OAuth 2.0 Security BCP (RFC 9700) where django-oauth-toolkit leaves a choice
(settings.OAUTH2_PROVIDER): PKCE is required and only with `S256` (a `plain` challenge is refused at the
authorize request, before the consent page); the implicit and password grants are refused whatever an
application is registered for; an access token is accepted in the `Authorization` header only, never
in the query string (RFC 6750 §5.3). Every authorization code and every token issued is audited: who,
which client, which scopes, whether the user consented on the page or consent was remembered.

Machine clients (client credentials) authenticate with their secret or, when they registered keys, only
with a signed JWT (`private_key_jwt`, RFC 7523: `client_assertion.py`); a module's client policy also
bounds the scopes their tokens carry (exchange's consumer systems: `exchange`).
"""

from __future__ import annotations

import base64
import contextlib
import json
import logging
from typing import Any

from django.conf import settings
from django.core.exceptions import DisallowedHost
from django.db import transaction
from django.urls import reverse
from oauth2_provider.oauth2_validators import OAuth2Validator
from oauthlib.oauth2.rfc6749 import errors

from govplus.core.audit import audit_record
from govplus.identity.client_assertion import ASSERTION_TYPE, AssertionRefused, assertion_verify, client_policy

logger = logging.getLogger(__name__)


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

    # --- client authentication: secret, or private_key_jwt for a client with registered keys --------
    def authenticate_client(self, request: Any, *args: Any, **kwargs: Any) -> bool:
        assertion_type = getattr(request, "client_assertion_type", None)
        if assertion_type is not None:
            return assertion_type == ASSERTION_TYPE and self._authenticate_by_assertion(request)
        if not super().authenticate_client(request, *args, **kwargs):
            return False
        policy = client_policy(request.client.client_id)
        if policy is not None and policy.jwks:
            logger.info("client %s has keys: a secret does not authenticate it", request.client.client_id)
            request.client = None
            return False
        return True

    def _authenticate_by_assertion(self, request: Any) -> bool:
        assertion = getattr(request, "client_assertion", None) or ""
        subject = _unverified_subject(assertion)
        client_id = getattr(request, "client_id", None) or subject
        if not client_id or client_id != subject:
            return False
        policy = client_policy(client_id)
        if policy is None or not policy.jwks or self._load_application(client_id, request) is None:
            return False
        try:
            assertion_verify(
                assertion=assertion, client_id=client_id, jwks=policy.jwks, audiences=token_endpoint_urls(request)
            )
        except AssertionRefused as refusal:
            logger.info("client assertion of %s refused: %s", client_id, refusal)
            request.client = None
            return False
        request.client_id = client_id
        return True

    def get_default_scopes(self, client_id: str, request: Any, *args: Any, **kwargs: Any) -> list[str]:
        policy = client_policy(client_id)
        if policy is not None and policy.scopes:
            return list(policy.scopes)
        return list(super().get_default_scopes(client_id, request, *args, **kwargs))

    def validate_scopes(
        self, client_id: str, scopes: list[str], client: Any, request: Any, *args: Any, **kwargs: Any
    ) -> bool:
        policy = client_policy(client_id)
        if policy is not None and policy.scopes and not set(scopes) <= set(policy.scopes):
            return False
        return bool(super().validate_scopes(client_id, scopes, client, request, *args, **kwargs))

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


def _unverified_subject(assertion: str) -> str:
    """The `sub` of a JWT before it is verified: only to find whose keys verify it."""
    try:
        payload = assertion.split(".")[1]
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except (IndexError, ValueError):
        return ""
    subject = claims.get("sub") if isinstance(claims, dict) else None
    return subject if isinstance(subject, str) else ""


def token_endpoint_urls(request: Any) -> list[str]:
    """The URLs an assertion's `aud` may name: the token endpoint as the site is configured
    (GOVPLUS_SITE_URL) and as this request reached it (what the discovery document says)."""
    from oauth2_provider.settings import oauth2_settings

    path = reverse("oauth2_provider:token")
    urls = [settings.SITE_URL.rstrip("/") + path]
    with contextlib.suppress(KeyError, AttributeError, TypeError, DisallowedHost):
        urls.append(root_issuer(oauth2_settings.oidc_issuer(request)).rstrip("/") + path)
    return urls
