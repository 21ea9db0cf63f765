"""One error family for the whole platform.

Every error a user can cause has a stable machine `code`, a message in Chinese and English, the HTTP
status it maps to, and — for bad input — the problem of every field. The API renders all of them in
one JSON shape: {"code", "message", "message_en", "fields": {field: [message, ...]}}.
"""

from __future__ import annotations

from typing import ClassVar


class GovplusError(Exception):
    status: ClassVar[int] = 400
    code: ClassVar[str] = "bad_request"

    def __init__(
        self,
        message: str,
        message_en: str = "",
        *,
        fields: dict[str, list[str]] | None = None,
        code: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.message_en = message_en or message
        self.fields = fields or {}
        if code:
            self.code = code  # type: ignore[misc]

    def as_dict(self) -> dict[str, object]:
        return {"code": self.code, "message": self.message, "message_en": self.message_en, "fields": self.fields}


class ValidationFailed(GovplusError):
    status = 422
    code = "validation_failed"

    def __init__(self, fields: dict[str, list[str]], message: str = "", message_en: str = "") -> None:
        super().__init__(
            message or "提交的内容有误，请按提示修改。",
            message_en or "Some fields are invalid; see `fields`.",
            fields=fields,
        )


class NotFound(GovplusError):
    """Also used for objects the actor may not see: 404 reveals nothing about someone else's case."""

    status = 404
    code = "not_found"


class PermissionDenied(GovplusError):
    status = 403
    code = "permission_denied"


class Conflict(GovplusError):
    """The state changed under the caller (another clerk finished the task first, a double submit)."""

    status = 409
    code = "conflict"


class NotAuthenticated(GovplusError):
    status = 401
    code = "not_authenticated"


class InsufficientScope(GovplusError):
    """RFC 6750 §3.1: the access token is valid but was not granted the scope the operation needs.
    Answered with 403 and `WWW-Authenticate: Bearer error="insufficient_scope", scope="..."`, so the
    client asks for the scope instead of signing in again."""

    status = 403
    code = "insufficient_scope"

    def __init__(self, scopes: list[str]) -> None:
        wanted = " ".join(scopes)
        super().__init__(
            f"访问令牌未获授权范围“{wanted}”，请重新授权。",
            f"The access token was not granted the scope {wanted!r}; ask for it and try again.",
        )
        self.scopes = list(scopes)

    @property
    def headers(self) -> dict[str, str]:
        return {"WWW-Authenticate": f'Bearer error="insufficient_scope", scope="{" ".join(self.scopes)}"'}


class RateLimited(GovplusError):
    """Too many attempts; `retry_after` (seconds) is sent as the `Retry-After` header."""

    status = 429
    code = "rate_limited"

    def __init__(self, message: str, message_en: str = "", *, retry_after: int, code: str | None = None) -> None:
        super().__init__(message, message_en, code=code)
        self.retry_after = max(1, int(retry_after))


def field_error(field: str, message: str, message_en: str) -> ValidationFailed:
    """A single-field validation error, message bilingual: "中文 / English"."""
    return ValidationFailed({field: [f"{message} / {message_en}"]})
