"""The JSON API (/api/v1): one NinjaAPI, one error shape, session or Bearer authentication.

Authentication: a browser session (with CSRF) or `Authorization: Bearer <token>` issued by the
platform's own OIDC provider. Every error is {"code", "message", "message_en", "fields"}: `fields`
maps each bad field to its problems, Chinese first.
"""

from __future__ import annotations

import copy
import hashlib
import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import DataError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.security import APIKeyHeader, SessionAuth

from govplus.core.errors import GovplusError, NotAuthenticated, RateLimited

if TYPE_CHECKING:
    from govplus.core.modules import ApiRouter

logger = logging.getLogger(__name__)


class ErrorOut(Schema):
    code: str
    message: str
    message_en: str
    fields: dict[str, list[str]]


ERRORS: dict[int, Any] = {status: ErrorOut for status in (400, 401, 403, 404, 409, 422, 429)}


@dataclass(frozen=True)
class _VerifiedToken:
    until: float
    user: Any
    scopes: frozenset[str]


_verified_tokens: dict[str, _VerifiedToken] = {}
_VERIFIED_TOKENS_MAX = 10_000


def forget_verified_tokens() -> None:
    """Verify every token with the provider again from now on (tests; after a mass revocation)."""
    _verified_tokens.clear()


class BearerTokenAuth(APIKeyHeader):
    """Accepts access tokens of the platform's OIDC provider (django-oauth-toolkit).

    A token verified by the provider is remembered in this process for GOVPLUS_TOKEN_CACHE_SECONDS
    (default 10 s, never past its expiry): looking it up again with its user and client costs more
    than the rest of a workbench request. So a revoked token, or a deactivated user's token, may keep
    working for those seconds in a process that has just seen it — far less than the lifetime of a
    self-contained JWT access token, which cannot be revoked at all. 0 turns the cache off.
    """

    param_name = "Authorization"
    openapi_scheme = "bearer"

    def __init__(self, scopes: list[str] | None = None) -> None:
        super().__init__()
        self.scopes = list(scopes or [])

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        if not key or not key.lower().startswith("bearer "):
            return None
        digest = hashlib.sha256(key[7:].strip().encode()).hexdigest()
        now = time.monotonic()
        known = _verified_tokens.get(digest)
        if known is not None and known.until > now and known.scopes.issuperset(self.scopes):
            user = copy.copy(known.user)  # each request gets its own instance
            request.user = user
            return user
        from oauth2_provider.oauth2_backends import get_oauthlib_core

        valid, oauth_request = get_oauthlib_core().verify_request(request, scopes=self.scopes)
        if not valid:
            _verified_tokens.pop(digest, None)
            return None
        self._remember(digest, oauth_request, now)
        request.user = oauth_request.user
        return oauth_request.user

    @staticmethod
    def _remember(digest: str, oauth_request: Any, now: float) -> None:
        seconds = float(settings.GOVPLUS_TOKEN_CACHE_SECONDS)
        token = getattr(oauth_request, "access_token", None)
        if seconds <= 0 or token is None:
            return
        remaining = (token.expires - timezone.now()).total_seconds()
        if len(_verified_tokens) >= _VERIFIED_TOKENS_MAX:
            _verified_tokens.clear()
        _verified_tokens[digest] = _VerifiedToken(
            until=now + min(seconds, remaining), user=copy.copy(oauth_request.user), scopes=frozenset(token.scopes)
        )


class BrowserSessionAuth(SessionAuth):
    """The browser's session, CSRF-checked. Without a live session (no cookie, or an expired one) there
    is nothing for CSRF to protect: the request falls through to 401, so a page knows to sign in again."""

    def __call__(self, request: HttpRequest) -> Any:
        if not request.user.is_authenticated:
            return None
        return super().__call__(request)

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = super().authenticate(request, key)
        return user if user is not None and user.is_active else None


def auth_with(*scopes: str) -> list[Any]:
    """Session, or a Bearer token granted all of `scopes` (OAuth scopes in settings.OAUTH2_PROVIDER)."""
    return [BearerTokenAuth(list(scopes)), BrowserSessionAuth()]


AUTH = auth_with()
APPLICATIONS_AUTH = auth_with("applications")
TASKS_AUTH = auth_with("tasks")


def actor_of(request: HttpRequest) -> Any:
    """The authenticated user of an API request (set by one of `AUTH`)."""
    return request.auth  # type: ignore[attr-defined]


FIELD_MESSAGES = {
    "missing": "必填 / required",
    "string_too_long": "过长 / too long",
    "string_too_short": "过短 / too short",
    "int_parsing": "应为整数 / must be a whole number",
    "int_type": "应为整数 / must be a whole number",
    "bool_parsing": "应为 true 或 false / must be true or false",
    "string_type": "应为文本 / must be text",
    "dict_type": "应为对象 / must be an object",
    "list_type": "应为列表 / must be a list",
    "json_invalid": "不是合法的 JSON / not valid JSON",
    "greater_than_equal": "数值过小 / too small",
    "less_than_equal": "数值过大 / too large",
}


def error_response(api: NinjaAPI, request: HttpRequest, error: GovplusError) -> HttpResponse:
    response = api.create_response(request, error.as_dict(), status=error.status)
    if isinstance(error, RateLimited):
        response["Retry-After"] = str(error.retry_after)
    return response


def install_error_handlers(api: NinjaAPI) -> None:
    @api.exception_handler(GovplusError)
    def govplus_error(request: HttpRequest, error: GovplusError) -> HttpResponse:
        return error_response(api, request, error)

    @api.exception_handler(NinjaValidationError)
    def validation_error(request: HttpRequest, error: NinjaValidationError) -> HttpResponse:
        fields: dict[str, list[str]] = {}
        for problem in error.errors:
            location = [str(part) for part in problem.get("loc", [])]
            if location and location[0] in {"body", "query", "path", "form", "file", "header"}:
                location = location[1:]
            if location and location[0] == "payload":
                location = location[1:]
            name = ".".join(location) or "body"
            fields.setdefault(name, []).append(
                FIELD_MESSAGES.get(problem.get("type", ""), f"格式不正确 / {problem.get('msg', 'invalid')}")
            )
        wrapped = GovplusError(
            "提交的内容有误，请按提示修改。",
            "Some fields are invalid; see `fields`.",
            fields=fields,
            code="validation_failed",
        )
        return api.create_response(request, wrapped.as_dict(), status=422)

    @api.exception_handler(DataError)
    def data_error(request: HttpRequest, error: DataError) -> HttpResponse:
        """E.g. a NUL byte, which PostgreSQL refuses to store or compare: bad input, not a server fault."""
        logger.info("request refused by the database: %s", type(error).__name__)
        wrapped = GovplusError(
            "提交的内容含有无法处理的字符。",
            "The request contains characters that cannot be processed (e.g. a NUL byte).",
            code="validation_failed",
        )
        return api.create_response(request, wrapped.as_dict(), status=422)

    @api.exception_handler(AuthenticationError)
    def authentication_error(request: HttpRequest, error: AuthenticationError) -> HttpResponse:
        return error_response(api, request, NotAuthenticated("请先登录。", "Sign in first (session or Bearer token)."))

    @api.exception_handler(Http404)
    def not_found(request: HttpRequest, error: Http404) -> HttpResponse:
        wrapped = GovplusError("未找到。", "Not found.", code="not_found")
        return api.create_response(request, wrapped.as_dict(), status=404)

    @api.exception_handler(HttpError)
    def http_error(request: HttpRequest, error: HttpError) -> HttpResponse:
        wrapped = GovplusError(str(error), str(error), code=f"http_{error.status_code}")
        return api.create_response(request, wrapped.as_dict(), status=error.status_code)


def build_api(routers: Iterable[ApiRouter]) -> NinjaAPI:
    """The one NinjaAPI with every module's routers (`config/urls.py` passes those of the installed modules)."""
    from govplus.core.modules import resolve_dotted

    api = NinjaAPI(
        title="govplus API",
        version="1.0.0",
        description="一网通办平台接口 / One-stop government services API. Errors: {code, message, message_en, fields}.",
        urls_namespace="api",
        docs_url="/docs",
    )
    install_error_handlers(api)
    for mounted in routers:
        api.add_router(mounted.prefix, resolve_dotted(mounted.router), tags=list(mounted.tags) or None)
    return api
