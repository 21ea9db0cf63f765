"""Per-request facts (client IP, request id) that services read without taking the request."""

from __future__ import annotations

import contextvars
from dataclasses import dataclass


@dataclass(frozen=True)
class RequestFacts:
    ip_address: str | None = None
    request_id: str = ""


current_request: contextvars.ContextVar[RequestFacts] = contextvars.ContextVar(
    "govplus_request",
    default=RequestFacts(),  # noqa: B039 — a frozen dataclass, never mutated
)
