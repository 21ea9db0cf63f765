"""Fixed-window counters in Django's cache, shared by every web process (Redis in production).

A limit counts events per key in windows of `window` seconds aligned to the clock; when the count
reaches `limit`, further calls are refused until the window ends, and the caller learns how many
seconds that is (for `Retry-After`, RFC 9110 §10.2.3). The keys hold no personal data: callers pass
a digest of the username, never the name itself. The counts live in the "shared" cache
(settings.CACHES): Redis with `REDIS_URL` (atomic increments, every node), else files under var/
that every process of the machine sees (each counter a small file rewritten under a lock, so no
count is lost).
"""

from __future__ import annotations

import hashlib
import math
import time

from django.core.cache import caches
from django.core.cache.backends.base import BaseCache

from govplus.core.shared_counters import window_clear, window_count, window_value


def _cache() -> BaseCache:
    return caches["shared"]


def limit_key(*parts: str) -> str:
    """A cache key from free text (usernames, addresses) that stores none of it."""
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:40]


def _window(window: int, now: float) -> tuple[int, int]:
    bucket = int(now // window)
    return bucket, max(1, math.ceil((bucket + 1) * window - now))


def limit_retry_after(*, name: str, key: str, limit: int, window: int) -> int:
    """Seconds until `key` may act again under this limit; 0 when it is below the limit."""
    bucket, remaining = _window(window, time.time())
    count = window_value(f"govplus:limit:{name}:{key}", bucket)
    return remaining if count >= limit else 0


def limit_hit(*, name: str, key: str, window: int) -> int:
    """Count one event for `key` in the current window; returns the count so far (one round trip to
    Redis, or one locked file on a machine without it: `shared_counters`)."""
    bucket, remaining = _window(window, time.time())
    return window_count(f"govplus:limit:{name}:{key}", bucket, remaining + 1)


def limit_clear(*, name: str, key: str, window: int) -> None:
    bucket, _ = _window(window, time.time())
    window_clear(f"govplus:limit:{name}:{key}", bucket)


def lock_set(*, name: str, key: str, seconds: int) -> float:
    """Lock `key` for `seconds`; returns the time (epoch seconds) the lock ends."""
    until = time.time() + seconds
    _cache().set(f"govplus:lock:{name}:{key}", until, timeout=seconds)
    return until


def lock_retry_after(*, name: str, key: str) -> int:
    until = _cache().get(f"govplus:lock:{name}:{key}")
    if until is None:
        return 0
    return max(0, math.ceil(float(until) - time.time()))
