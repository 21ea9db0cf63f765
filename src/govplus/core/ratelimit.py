"""Fixed-window counters in Django's cache, shared by every web process (Redis in production).

A limit counts events per key in windows of `window` seconds aligned to the clock; when the count
reaches `limit`, further calls are refused until the window ends, and the caller learns how many
seconds that is (for `Retry-After`, RFC 9110 §10.2.3). The keys hold no personal data: callers pass
a digest of the username, never the name itself. The counts live in the "shared" cache
(settings.CACHES): Redis with `REDIS_URL` (atomic increments, every node), else files under var/
that every process of the machine sees (increments there are read-then-write, so a burst may count
a little low).
"""

from __future__ import annotations

import hashlib
import math
import time

from django.core.cache import caches
from django.core.cache.backends.base import BaseCache
from django.core.cache.backends.filebased import FileBasedCache
from django.core.cache.backends.redis import RedisCache


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
    count = _cache().get(f"govplus:limit:{name}:{key}:{bucket}", 0)
    return remaining if int(count or 0) >= limit else 0


def limit_hit(*, name: str, key: str, window: int) -> int:
    """Count one event for `key` in the current window; returns the count so far."""
    bucket, remaining = _window(window, time.time())
    cache_key = f"govplus:limit:{name}:{key}:{bucket}"
    cache = _cache()
    if isinstance(cache, RedisCache):  # one round trip: INCR, and the window's expiry if not yet set
        full_key = cache.make_and_validate_key(cache_key)
        pipeline = cache._cache.get_client(full_key, write=True).pipeline(transaction=False)
        pipeline.incr(full_key)
        pipeline.expire(full_key, remaining + 1, nx=True)
        count, _ = pipeline.execute()
        return int(count)
    if isinstance(cache, FileBasedCache):  # its incr() would reset the expiry to the default 5 minutes
        count = int(cache.get(cache_key, 0) or 0) + 1
        cache.set(cache_key, count, timeout=remaining + 1)
        return count
    cache.add(cache_key, 0, timeout=remaining + 1)
    try:
        return int(cache.incr(cache_key))
    except ValueError:  # evicted between add and incr
        cache.set(cache_key, 1, timeout=remaining + 1)
        return 1


def limit_clear(*, name: str, key: str, window: int) -> None:
    bucket, _ = _window(window, time.time())
    _cache().delete(f"govplus:limit:{name}:{key}:{bucket}")


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
