"""Records who is calling from where, for the audit log; shows the project's 404 page in DEBUG too."""

from __future__ import annotations

import uuid
from collections.abc import Callable

from django.conf import settings
from django.core.handlers.exception import get_exception_response
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import Resolver404, get_resolver, resolve

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


class ProjectNotFoundPageMiddleware:
    """With DEBUG on, a 404 still shows the project's own 404 page (the URL conf's handler404, as in
    production), not Django's debug page, which lists every URL pattern of the site to any visitor
    of a development or demo server. DEBUG off: Django already does this and the middleware steps
    aside. It sits after CommonMiddleware, so an address missing its slash is still redirected."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if settings.DEBUG:
            try:
                resolve(request.path_info, getattr(request, "urlconf", None))
            except Resolver404 as missing:
                return self._project_page(request, missing)
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if settings.DEBUG and isinstance(exception, Http404):
            return self._project_page(request, exception)
        return None

    @staticmethod
    def _project_page(request: HttpRequest, exception: Exception) -> HttpResponse:
        urlconf = getattr(request, "urlconf", None)
        return get_exception_response(request, get_resolver(urlconf), 404, exception)
