"""Records who is calling from where, for the audit log; sets the security headers of every response;
guards input and the API's error shape; shows the project's 404 page in DEBUG too."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable

from django.conf import settings
from django.core.handlers.exception import get_exception_response
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import Resolver404, get_resolver, resolve
from django.utils.cache import patch_cache_control

from govplus.core.context import RequestFacts, current_request

logger = logging.getLogger(__name__)


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


class InputGuardMiddleware:
    """Refuses a query string or form whose text cannot be stored — a NUL, or a lone surrogate —
    naming the field: 422 in the API's error shape under /api/, a 400 page elsewhere. See `core.input`.

    Django decodes query strings and forms with the charset the request declares, replacing what does
    not decode; from UTF-8 that never yields a surrogate, but from UTF-7 (`+2AA-`) or unicode_escape
    it does. So surrogates are looked for only in requests that declare another charset; NUL (`%00`)
    in any. Forms are read only for POSTs of form content types, which the view would read anyway."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        from govplus.core.input import querydict_problem

        surrogates = (request.encoding or "utf-8").lower().replace("_", "-") not in {"utf-8", "utf8"}
        found = querydict_problem(request.GET, surrogates=surrogates)
        if found is None and request.method == "POST" and _is_form(request):
            # A form Django refuses (too big, too many fields) raises here as it would in the view:
            # a 400, reshaped to JSON under /api/.
            found = querydict_problem(request.POST, surrogates=surrogates)
        if found is not None:
            return _text_refusal(request, *found)
        return self.get_response(request)


def _is_form(request: HttpRequest) -> bool:
    return request.content_type in {"application/x-www-form-urlencoded", "multipart/form-data"}


def _text_refusal(request: HttpRequest, field: str, problem: str) -> HttpResponse:
    from govplus.core.errors import ValidationFailed

    if is_api_path(request):
        return api_error_json(ValidationFailed({field: [problem]}).as_dict(), status=422)
    from django.shortcuts import render

    return render(request, "400.html", {"field": field, "problem": problem}, status=400)


def is_api_path(request: HttpRequest) -> bool:
    return request.path_info.startswith("/api/")


def api_error_json(body: dict[str, object], *, status: int) -> HttpResponse:
    from django.http import JsonResponse

    return JsonResponse(body, status=status, json_dumps_params={"ensure_ascii": False})


API_ERRORS_BY_STATUS: dict[int, tuple[str, str, str]] = {
    400: ("bad_request", "请求格式不正确。", "The request is malformed."),
    403: ("permission_denied", "没有权限。", "Permission denied."),
    404: ("not_found", "未找到。", "Not found."),
    405: ("method_not_allowed", "不支持该请求方法。", "Method not allowed."),
    413: ("request_too_large", "请求体过大。", "The request body is too large."),
    500: ("server_error", "服务器内部错误，请稍后再试；问题已记录。", "Internal server error; it has been logged."),
}


class ApiErrorShapeMiddleware:
    """Under /api/ every error is `{"code","message","message_en","fields"}`, also those the API's own
    handlers never see: an unknown path (Django's 404), a method the path does not offer (ninja's
    bare 405), an exception that escaped (Django's 500, with DEBUG a traceback page). The traceback
    goes to the log only; `Allow` and other headers are kept."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.status_code < 400 or not is_api_path(request):
            return response
        if response.get("Content-Type", "").startswith("application/json"):
            return response
        code, message, message_en = API_ERRORS_BY_STATUS.get(
            response.status_code, (f"http_{response.status_code}", "请求失败。", "The request failed.")
        )
        shaped = api_error_json(
            {"code": code, "message": message, "message_en": message_en, "fields": {}}, status=response.status_code
        )
        for name in ("Allow", "WWW-Authenticate", "Retry-After"):
            if name in response:
                shaped[name] = response[name]
        return shaped

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not is_api_path(request):
            return None
        from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
        from django.http import Http404

        if isinstance(exception, (Http404, DjangoPermissionDenied)):
            return None  # Django's own 404/403 responses, reshaped in __call__
        logger.exception("unhandled error in %s %s", request.method, request.path)
        code, message, message_en = API_ERRORS_BY_STATUS[500]
        return api_error_json({"code": code, "message": message, "message_en": message_en, "fields": {}}, status=500)


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
