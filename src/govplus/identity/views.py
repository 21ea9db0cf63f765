"""OIDC views: the discovery document at the site root, userinfo (header tokens only), the audited consent page."""

from __future__ import annotations

import json
from typing import Any

from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from oauth2_provider.views import AuthorizationView, ConnectDiscoveryInfoView, UserInfoView

from govplus.core.audit import audit_record
from govplus.identity.oidc import root_issuer


class RootDiscoveryView(ConnectDiscoveryInfoView):
    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = super().get(request, *args, **kwargs)
        document = json.loads(response.content)
        document["issuer"] = root_issuer(document["issuer"])
        response.content = json.dumps(document).encode()
        return response


class HeaderOnlyUserInfoView(UserInfoView):
    """The userinfo endpoint, taking the access token from the `Authorization` header only.

    A token in the URL ends up in server and proxy logs, browser history and Referer headers (RFC 6750
    §5.3, RFC 9700 §4.3.2); it is refused with `invalid_request` (RFC 6750 §3.1) before it is looked at.
    """

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if "access_token" in request.GET:
            response = JsonResponse(
                {
                    "error": "invalid_request",
                    "error_description": "访问令牌只能放在 Authorization 请求头中 / send the access token in the "
                    "Authorization header, never in the URL",
                },
                status=400,
            )
            response["WWW-Authenticate"] = 'Bearer error="invalid_request"'
            response["Cache-Control"] = "no-store"
            return response
        return super().dispatch(request, *args, **kwargs)


class AuditedAuthorizationView(AuthorizationView):
    """The consent page; a refusal is audited too (an accepted consent is audited where the code is
    issued, `oidc.GovplusOAuth2Validator.save_authorization_code`)."""

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        if not form.cleaned_data.get("allow"):
            with transaction.atomic():
                audit_record(
                    actor=self.request.user,
                    action="oidc.consent_refuse",
                    object_type="oauth_application",
                    object_id=form.cleaned_data.get("client_id", ""),
                    changes={"scopes": sorted(str(form.cleaned_data.get("scope", "")).split())},
                )
        return response
