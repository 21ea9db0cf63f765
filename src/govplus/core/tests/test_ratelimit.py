"""Fixed-window counters: the same counts and waits on every backend of the shared cache — the
in-process cache of the tests, files under var/ (one machine), Redis (production, one round trip)."""

from __future__ import annotations

import uuid

import pytest
from django.core.cache import caches
from django.test import override_settings

from govplus.core.ratelimit import limit_clear, limit_hit, limit_retry_after


def _backends(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, str]]:
    return {
        "locmem": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "ratelimit-test"},
        "files": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(tmp_path_factory.mktemp("shared-cache")),
        },
        "redis": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:6379/9",
            "KEY_PREFIX": f"test-{uuid.uuid4().hex[:8]}",
        },
    }


@pytest.mark.parametrize("backend", ["locmem", "files", "redis"])
def test_counts_then_refuses_with_the_seconds_left_in_the_window(backend, tmp_path_factory):
    shared = _backends(tmp_path_factory)[backend]
    with override_settings(CACHES={"default": shared, "shared": shared}):
        if backend == "redis":
            try:
                caches["shared"].set("ping", 1, timeout=5)
            except Exception as error:
                pytest.skip(f"Redis on 127.0.0.1:6379 does not answer: {error}")
        key = uuid.uuid4().hex
        assert [limit_hit(name="t", key=key, window=60) for _ in range(3)] == [1, 2, 3]
        assert limit_retry_after(name="t", key=key, limit=5, window=60) == 0  # below the limit
        wait = limit_retry_after(name="t", key=key, limit=3, window=60)
        assert 1 <= wait <= 60
        assert limit_hit(name="t", key=uuid.uuid4().hex, window=60) == 1  # another key counts apart
        if backend == "redis":  # the window's expiry was set once, by the first hit, not reset by later ones
            cache = caches["shared"]
            bucket_keys = cache._cache.get_client(None).keys(f"{cache.key_prefix}*limit:t:{key}:*")
            assert len(bucket_keys) == 1
            ttl = cache._cache.get_client(None).ttl(bucket_keys[0])
            assert 0 < ttl <= 61
        limit_clear(name="t", key=key, window=60)
        assert limit_hit(name="t", key=key, window=60) == 1


@pytest.mark.parametrize("backend", ["locmem", "files", "redis"])
def test_a_flag_is_raised_once_per_period_and_a_generation_only_moves_on(backend, tmp_path_factory):
    from govplus.core.shared_counters import flag_raise, generation_next, generation_read

    shared = _backends(tmp_path_factory)[backend]
    with override_settings(CACHES={"default": shared, "shared": shared}):
        if backend == "redis":
            try:
                caches["shared"].set("ping", 1, timeout=5)
            except Exception as error:
                pytest.skip(f"Redis on 127.0.0.1:6379 does not answer: {error}")
        flag = f"flag-{uuid.uuid4().hex}"
        assert flag_raise(flag, 30) is True
        assert flag_raise(flag, 30) is False  # up already: nobody else queues the same work
        key = f"generation-{uuid.uuid4().hex}"
        assert generation_read(key) == 0
        first = generation_next(key)
        assert generation_read(key) == first
        assert caches["shared"].get(key) == first  # the cache API reads the same value
        assert generation_next(key) > first
