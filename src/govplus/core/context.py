"""Per-request facts (client IP, request id) that services read without taking the request, and what a
request works out about its user."""

from __future__ import annotations

import contextvars
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar, cast

T = TypeVar("T")


@dataclass(frozen=True)
class RequestFacts:
    ip_address: str | None = None
    request_id: str = ""


current_request: contextvars.ContextVar[RequestFacts] = contextvars.ContextVar(
    "govplus_request",
    default=RequestFacts(),  # noqa: B039 — a frozen dataclass, never mutated
)


def user_memo(user: Any, key: str, compute: Callable[[], T]) -> T:
    """What a request works out about its user (their staff roles, the codes they hold licences
    under), computed once per request — and, for an API request whose Bearer token was verified
    moments ago, shared with that token's next requests for as long as the token is remembered
    (GOVPLUS_TOKEN_CACHE_SECONDS, 10 s by default; see ADR 6): a change reaches that token within
    those seconds, as a revoked token does."""
    local = getattr(user, "_govplus_request_memo", None)
    if local is None:
        local = {}
        user._govplus_request_memo = local
    if key in local:
        return cast(T, local[key])
    shared = getattr(user, "_govplus_memo", None)
    if shared is not None and key in shared:
        value = shared[key]
    else:
        value = compute()
        if shared is not None:
            shared[key] = value
    local[key] = value
    return value
