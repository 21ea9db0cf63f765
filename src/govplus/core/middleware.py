"""Records who is calling from where, for the audit log; sets the security headers of every response."""

from __future__ import annotations

import uuid
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_cache_control

from govplus.core.context import RequestFacts, current_request


def client_ip(request: HttpRequest) -> str | None:
    """REMOTE_ADDR; behind a proxy configure it to set REMOTE_ADDR (we do not trust X-Forwarded-For)."""
    return request.META.get("REMOTE_ADDR") or None


class RequestContextMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = request.headers.get("X-Request-Id", "")[:36] or uuid.uuid4().hex
        token = current_request.set(RequestFacts(ip_address=client_ip(request), request_id=request_id))
        try:
            response = self.get_response(request)
        finally:
            current_request.reset(token)
        response["X-Request-Id"] = request_id
        return response


class SecurityHeadersMiddleware:
    """Headers every response gets, so no page can forget them.

    - `Content-Security-Policy` (settings.GOVPLUS_CONTENT_SECURITY_POLICY): scripts only from the site's
      own static files, never inline, so an injected `<script>` or `onclick=` does not run. A view that
      sets its own policy (the material viewer's `sandbox`) keeps it.
    - `Cache-Control: no-store, private` on every answer to a signed-in user (session) or a Bearer
      token: those pages and API responses carry personal data (my applications, the inbox, staff
      pages, /api/v1/applications, /api/v1/me), and no browser, proxy or shared computer may keep them.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        policy = settings.GOVPLUS_CONTENT_SECURITY_POLICY
        if policy and "Content-Security-Policy" not in response:
            response["Content-Security-Policy"] = policy
        if _is_personal(request):
            patch_cache_control(response, no_store=True, private=True, no_cache=True, max_age=0)
            response.headers.pop("Expires", None)
        return response


def _is_personal(request: HttpRequest) -> bool:
    if request.headers.get("Authorization"):
        return True
    user = getattr(request, "user", None)
    return bool(user is not None and user.is_authenticated)
