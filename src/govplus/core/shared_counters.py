"""Counters and flags in the shared cache that hot paths touch on every call (a gateway lookup counts
its rate, reads the grants' generation and marks the evidence sequencer due): one round trip each.

Django's cache API costs more than the operation here: its Redis backend builds a new `redis.Redis`
client object for every call (about a millisecond with redis-py 8), and its file backend lists the whole
cache directory on every `set` (to cull it). So, with the same keys and values the cache API uses:
- Redis: one client per process for the shared cache's pool, plain INCR / EXPIRE NX / SET NX / GET;
- files (one machine, no Redis): a counter is one small file per key under the cache's directory,
  read and rewritten under an exclusive `flock`, so concurrent processes never lose a count;
- any other backend (the tests' in-process cache): the cache API.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import time
from pathlib import Path
from typing import Any

from django.core.cache import caches
from django.core.cache.backends.base import BaseCache
from django.core.cache.backends.filebased import FileBasedCache
from django.core.cache.backends.redis import RedisCache

_clients: dict[int, tuple[Any, Any]] = {}


def _shared() -> BaseCache:
    return caches["shared"]


def _redis(cache: BaseCache) -> Any | None:
    """The process's client of the shared Redis pool, or None when the shared cache is not Redis."""
    if not isinstance(cache, RedisCache):
        return None
    inner = cache._cache
    known = _clients.get(id(inner))
    if known is None or known[0] is not inner:
        known = _clients[id(inner)] = (inner, inner.get_client(write=True))
    return known[1]


def _counter_file(cache: FileBasedCache, key: str) -> Path:
    directory = cache._dir  # type: ignore[attr-defined]  # the backend's own directory (LOCATION)
    return Path(directory) / f"{hashlib.sha256(key.encode()).hexdigest()[:40]}.counter"


def window_count(key: str, window_id: int, seconds: int) -> int:
    """Count one event in window `window_id` of `key` (expiring after `seconds`); the count so far."""
    cache = _shared()
    client = _redis(cache)
    full = f"{key}:{window_id}"
    if client is not None:
        name = cache.make_and_validate_key(full)
        pipeline = client.pipeline(transaction=False)
        pipeline.incr(name)
        pipeline.expire(name, seconds, nx=True)
        count, _ = pipeline.execute()
        return int(count)
    if isinstance(cache, FileBasedCache):
        path = _counter_file(cache, key)
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX)
            stored = os.read(descriptor, 64).decode("ascii", "replace").split()
            count = int(stored[1]) + 1 if len(stored) == 2 and stored[0] == str(window_id) else 1
            os.lseek(descriptor, 0, os.SEEK_SET)
            os.ftruncate(descriptor, 0)
            os.write(descriptor, f"{window_id} {count}".encode("ascii"))
        finally:
            os.close(descriptor)
        return count
    cache.add(full, 0, timeout=seconds)
    try:
        return int(cache.incr(full))
    except ValueError:  # evicted between add and incr
        cache.set(full, 1, timeout=seconds)
        return 1


def _number(key: str) -> int:
    """A whole number kept under `key` (0 when none), as the cache API stores it."""
    cache = _shared()
    client = _redis(cache)
    if client is not None:
        value = client.get(cache.make_and_validate_key(key))
        return int(value) if value is not None else 0
    return int(cache.get(key, 0) or 0)


def window_value(key: str, window_id: int) -> int:
    """The count of window `window_id` of `key` so far (0 when none)."""
    cache = _shared()
    if isinstance(cache, FileBasedCache):
        try:
            stored = _counter_file(cache, key).read_text(encoding="ascii").split()
        except OSError:
            return 0
        return int(stored[1]) if len(stored) == 2 and stored[0] == str(window_id) else 0
    return _number(f"{key}:{window_id}")


def window_clear(key: str, window_id: int) -> None:
    cache = _shared()
    if isinstance(cache, FileBasedCache):
        _counter_file(cache, key).unlink(missing_ok=True)
        return
    cache.delete(f"{key}:{window_id}")


def flag_raise(key: str, seconds: int) -> bool:
    """Set the flag `key` for `seconds` unless it is up; True when this call raised it."""
    cache = _shared()
    client = _redis(cache)
    if client is not None:
        return bool(client.set(cache.make_and_validate_key(key), 1, ex=seconds, nx=True))
    return bool(cache.add(key, 1, timeout=seconds))


def generation_read(key: str) -> int:
    """A generation number (0 before the first `generation_next`)."""
    return _number(key)


def generation_next(key: str) -> int:
    """Move the generation on (to the clock in nanoseconds, so it never repeats across restarts)."""
    value = time.time_ns()
    cache = _shared()
    client = _redis(cache)
    if client is not None:
        client.set(cache.make_and_validate_key(key), value)
    else:
        cache.set(key, value, timeout=None)
    return value
