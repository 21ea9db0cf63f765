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
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import DataError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.openapi.docs import Swagger
from ninja.openapi.schema import OpenAPISchema
from ninja.security import APIKeyHeader, SessionAuth
from ninja.security.base import SecuritySchema

from govplus.core.errors import GovplusError, NotAuthenticated

logger = logging.getLogger(__name__)


class ErrorOut(Schema):
    code: str
    message: str
    message_en: str
    fields: dict[str, list[str]]


ERROR_MEANINGS = {
    400: "请求无法处理 / the request cannot be processed",
    401: "未登录或令牌无效 / no session or a missing, expired or revoked Bearer token",
    403: "无权限：令牌缺少所需授权范围、会话写请求缺少 CSRF 令牌或角色不允许 / forbidden: the token lacks a "
    "required scope, a session write lacks its CSRF token, or the role may not do this",
    404: "对象不存在或无权查看 / the object does not exist or is not yours to see",
    409: "对象当前状态不允许该操作 / the object's state does not allow this now",
    422: "参数或请求体有误，`fields` 列出每个字段的问题 / a parameter or the body is invalid; `fields` names each",
    429: "请求过于频繁 / too many requests; see Retry-After",
}


def errors(*statuses: int) -> dict[int, Any]:
    """The error answers one operation really gives, for its `response=` (all in the ErrorOut shape).

    List only what the operation can return: 401 where it needs authentication, 403 where a scope, a
    CSRF token or a role is checked, 404 where a path or body names an object, 409 where the object's
    state is checked, 422 where it takes any parameter or body, 429 where it is rate limited.
    """
    unknown = sorted(set(statuses) - set(ERROR_MEANINGS))
    if unknown:
        raise ValueError(f"not an error status of this API: {unknown}")
    return {status: ErrorOut for status in statuses}


ERRORS: dict[int, Any] = errors(400, 401, 403, 404, 409, 422, 429)  # every status: prefer errors(...)


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


def oauth2_security_scheme() -> dict[str, Any]:
    """The platform's own OIDC provider as an OpenAPI OAuth2 scheme: authorization code with PKCE
    (S256; the provider refuses a code flow without it), scopes as in settings.OAUTH2_PROVIDER."""
    provider: dict[str, Any] = settings.OAUTH2_PROVIDER
    scopes: dict[str, str] = dict(provider["SCOPES"])
    return {
        "type": "oauth2",
        "description": "平台 OIDC 提供方签发的访问令牌（授权码 + PKCE）/ access token of the platform's OIDC "
        "provider (authorization code with PKCE S256), sent as `Authorization: Bearer <token>`.",
        "flows": {
            "authorizationCode": {
                "authorizationUrl": "/o/authorize/",
                "tokenUrl": "/o/token/",
                "refreshUrl": "/o/token/",
                "scopes": scopes,
            }
        },
    }


OAUTH2_SCHEME = "OAuth2"


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
        self.openapi_security_schema = SecuritySchema(**oauth2_security_scheme())

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
    return api.create_response(request, error.as_dict(), status=error.status)


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


class GovplusOpenAPISchema(OpenAPISchema):
    """Names the Bearer scheme "OAuth2" and lists, per operation, the scopes its token must carry."""

    def operation_security(self, operation: Any) -> list[dict[str, Any]] | None:
        if not operation.auth_callbacks:
            return None
        result: list[dict[str, Any]] = []
        for auth in operation.auth_callbacks:
            if isinstance(auth, BearerTokenAuth):
                result.append({OAUTH2_SCHEME: list(auth.scopes)})
                self.securitySchemes[OAUTH2_SCHEME] = auth.openapi_security_schema
            elif hasattr(auth, "openapi_security_schema"):
                name = auth.__class__.__name__
                result.append({name: []})
                self.securitySchemes[name] = auth.openapi_security_schema
        return result


class GovplusNinjaAPI(NinjaAPI):
    def get_openapi_schema(self, *, path_prefix: str | None = None, path_params: Any = None) -> OpenAPISchema:
        if path_prefix is None:
            path_prefix = self.get_root_path(path_params or {})
        return GovplusOpenAPISchema(self, path_prefix)


class LocalSwagger(Swagger):
    """Swagger UI from ninja's bundled static files (no CDN), with the Authorize button wired to the
    provider: PKCE on, and the OAuth2 redirect page served from our static files (no inline script).
    A client registered for the docs needs the redirect URI <site>/api/v1/oauth2-redirect.html."""

    template = "core/api_docs.html"


def api_docs_oauth2_redirect(request: HttpRequest) -> HttpResponse:
    """Where the provider sends the docs' Authorize pop-up back; its script hands the code to the docs.
    A page of the site (not a bare static file) so that it carries the same Cross-Origin-Opener-Policy
    as the docs: with a different one the browser cuts the pop-up off from the docs window."""
    from django.shortcuts import render

    return render(request, "core/oauth2_redirect.html")


def build_api() -> NinjaAPI:
    from govplus.cases.api import router as cases_router
    from govplus.catalog.api import router as catalog_router
    from govplus.identity.api import router as identity_router

    api = GovplusNinjaAPI(
        title="govplus API",
        version="1.0.0",
        description="一网通办平台接口 / One-stop government services API. Errors: {code, message, message_en, fields}.",
        urls_namespace="api",
        docs_url="/docs",
        docs=LocalSwagger(settings={"persistAuthorization": False}),
    )
    install_error_handlers(api)
    api.add_router("/", catalog_router)
    api.add_router("/", cases_router)
    api.add_router("/", identity_router)
    return api
