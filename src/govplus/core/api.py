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
from django.core.exceptions import BadRequest, RequestDataTooBig, SuspiciousOperation
from django.db import DataError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.openapi.docs import Swagger
from ninja.openapi.schema import OpenAPISchema
from ninja.schema import DjangoGetter
from ninja.security import APIKeyHeader, SessionAuth
from ninja.security.base import SecuritySchema
from pydantic import BaseModel, model_validator
from pydantic_core import PydanticCustomError

from govplus.core.errors import GovplusError, InsufficientScope, NotAuthenticated, RateLimited
from govplus.core.input import JsonBodyParser

if TYPE_CHECKING:
    from govplus.core.modules import ApiRouter

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

# Paging of every list endpoint: out of range is a 422 naming `limit` or `offset`, never clamped in
# silence and never a database overflow (SQLite and PostgreSQL hold offsets in 64 bits).
OFFSET_MAX = 1_000_000_000


class InputSchema(Schema):
    """Base of every request body: a JSON object of exactly these fields. An unknown field is refused
    (a typo must not be ignored in silence), and so is anything that is not an object where an object
    belongs — ninja would otherwise read a list's missing attributes as "all defaults"."""

    model_config = {"extra": "forbid"}

    @model_validator(mode="before")
    @classmethod
    def _an_object(cls, value: Any) -> Any:
        raw = value._obj if isinstance(value, DjangoGetter) else value  # ninja's wrapper of the input
        if not isinstance(raw, (dict, BaseModel)):
            raise PydanticCustomError("dict_type", "must be an object")
        return value


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

        core = get_oauthlib_core()
        valid, oauth_request = core.verify_request(request, scopes=self.scopes)
        if not valid:
            _verified_tokens.pop(digest, None)
            if self.scopes and core.verify_request(request, scopes=[])[0]:
                raise InsufficientScope(self.scopes)  # RFC 6750 §3.1: 403, not "sign in first"
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
        user = copy.copy(oauth_request.user)
        # What a request works out about the user (`core.context.user_memo`) is kept here and shared by
        # the copies the token's next requests get, for as long as the token stays remembered.
        user._govplus_memo = {}
        _verified_tokens[digest] = _VerifiedToken(
            until=now + min(seconds, remaining), user=user, scopes=frozenset(token.scopes)
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
    "greater_than": "数值过小 / too small",
    "less_than_equal": "数值过大 / too large",
    "less_than": "数值过大 / too large",
    "extra_forbidden": "不是此接口的字段 / not a field of this operation",
    "model_type": "应为对象 / must be an object",
    "model_attributes_type": "应为对象 / must be an object",
    "float_parsing": "应为数字 / must be a number",
    "float_type": "应为数字 / must be a number",
    "finite_number": "应为有限的数值 / must be a finite number",
    "int_from_float": "应为整数 / must be a whole number",
}


def error_response(api: NinjaAPI, request: HttpRequest, error: GovplusError, status: int | None = None) -> HttpResponse:
    response = api.create_response(request, error.as_dict(), status=status or error.status)
    for name, value in getattr(error, "headers", {}).items():
        response[name] = value
    if isinstance(error, RateLimited):
        response["Retry-After"] = str(error.retry_after)
    return response


def bearer_challenge(request: HttpRequest) -> str:
    """RFC 6750 §3: no credentials get the bare challenge, a refused token `invalid_token`."""
    if request.headers.get("Authorization", "").lower().startswith("bearer "):
        return 'Bearer error="invalid_token"'
    return "Bearer"


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
        response = error_response(
            api, request, NotAuthenticated("请先登录。", "Sign in first (session or Bearer token).")
        )
        response["WWW-Authenticate"] = bearer_challenge(request)
        return response

    @api.exception_handler(RequestDataTooBig)
    def request_too_big(request: HttpRequest, error: RequestDataTooBig) -> HttpResponse:
        """A body over DATA_UPLOAD_MAX_MEMORY_SIZE: 413, naming the inline materials where they are
        what made it big, with the documented limit."""
        limit_mb = settings.GOVPLUS_UPLOAD_MAX_BYTES // (1024 * 1024)
        match = getattr(request, "resolver_match", None)
        field = "materials" if match is not None and match.url_name == "application_create" else "body"
        wrapped = GovplusError(
            "请求体过大。",
            "The request body is too large.",
            fields={
                field: [
                    f"每份材料不超过 {limit_mb} MB，请求体不超过约 {limit_mb * 4 // 3 + 1} MB；"
                    f"多份大文件请逐份上传 / each material is at most {limit_mb} MB and a request body at most "
                    f"about {limit_mb * 4 // 3 + 1} MB; upload large files one by one"
                ]
            },
            code="request_too_large",
        )
        return error_response(api, request, wrapped, status=413)

    @api.exception_handler(Http404)
    def not_found(request: HttpRequest, error: Http404) -> HttpResponse:
        wrapped = GovplusError("未找到。", "Not found.", code="not_found")
        return api.create_response(request, wrapped.as_dict(), status=404)

    @api.exception_handler(HttpError)
    def http_error(request: HttpRequest, error: HttpError) -> HttpResponse:
        if isinstance(error.__cause__, GovplusError):  # ninja wraps what the body parser raised
            return error_response(api, request, error.__cause__)
        wrapped = GovplusError(str(error), str(error), code=f"http_{error.status_code}")
        return api.create_response(request, wrapped.as_dict(), status=error.status_code)

    @api.exception_handler(SuspiciousOperation)
    def suspicious(request: HttpRequest, error: SuspiciousOperation) -> HttpResponse:
        """What Django refuses as a bad request (too many fields or files, a malformed multipart body)."""
        logger.info("request refused: %s", type(error).__name__)
        wrapped = GovplusError("请求格式不正确。", "The request is malformed.", code="bad_request")
        return error_response(api, request, wrapped, status=400)

    api.exception_handler(BadRequest)(suspicious)

    @api.exception_handler(Exception)
    def server_error(request: HttpRequest, error: Exception) -> HttpResponse:
        """A fault of ours: logged with its traceback, answered in the error shape without it (also
        with DEBUG on, where ninja would send the traceback as text)."""
        logger.exception("unhandled error in %s %s", request.method, request.path)
        return error_response(api, request, server_fault(), status=500)


def server_fault() -> GovplusError:
    return GovplusError(
        "服务器内部错误，请稍后再试；问题已记录。",
        "Internal server error; it has been logged. Please try again later.",
        code="server_error",
    )


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


def build_api(routers: Iterable[ApiRouter]) -> NinjaAPI:
    """The one NinjaAPI with every module's routers (`config/urls.py` passes those of the installed modules)."""
    from govplus.core.modules import resolve_dotted

    api = GovplusNinjaAPI(
        title="govplus API",
        version="1.0.0",
        description="一网通办平台接口 / One-stop government services API. Errors: {code, message, message_en, fields}.",
        urls_namespace="api",
        docs_url="/docs",
        parser=JsonBodyParser(),
        docs=LocalSwagger(settings={"persistAuthorization": False}),
    )
    install_error_handlers(api)
    for mounted in routers:
        api.add_router(mounted.prefix, resolve_dotted(mounted.router), tags=list(mounted.tags) or None)
    return api
