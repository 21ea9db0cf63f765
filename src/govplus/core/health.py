"""Probes for the operators: `/healthz` (liveness) and `/readyz` (readiness).

Liveness answers whether the process serves requests at all: it touches nothing else, so a slow
database never makes the orchestrator restart healthy web processes. Readiness answers whether this
process can do its work now: the database, the cache (sessions of sign-in throttling, page cache) and
the task queue (notifications, deadline scans) must each answer; when one does not the answer is 503
and the load balancer sends visitors elsewhere. Neither needs authentication, neither is cached, and
neither tells more than "ok" or the failing exception's class name (no hosts, no passwords).
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable

from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

logger = logging.getLogger(__name__)


def _database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def _cache() -> None:
    key = f"govplus:readyz:{uuid.uuid4().hex}"
    cache.set(key, "1", timeout=10)
    if cache.get(key) != "1":
        raise RuntimeError("the cache did not return the value just written")
    cache.delete(key)


def _task_queue() -> None:
    from huey.contrib.djhuey import HUEY

    HUEY.pending_count()


CHECKS: dict[str, Callable[[], None]] = {"database": _database, "cache": _cache, "task_queue": _task_queue}


@never_cache
@require_safe
def healthz(request: HttpRequest) -> HttpResponse:
    """Liveness: 200 "ok" whenever the process answers; no database, cache or queue is touched."""
    return HttpResponse("ok", content_type="text/plain; charset=utf-8")


@never_cache
@require_safe
def readyz(request: HttpRequest) -> HttpResponse:
    """Readiness: each dependency is tried once; 200 when all answer, 503 naming the one that did not."""
    checks: dict[str, dict[str, object]] = {}
    for name, check in CHECKS.items():
        started = time.perf_counter()
        try:
            check()
        except Exception as error:  # any failure of a dependency means "not ready", never a 500
            logger.warning("readiness check %s failed: %s", name, type(error).__name__)
            checks[name] = {"ok": False, "error": type(error).__name__}
        else:
            checks[name] = {"ok": True}
        checks[name]["ms"] = round((time.perf_counter() - started) * 1000, 1)
    ready = all(result["ok"] for result in checks.values())
    return JsonResponse({"status": "ok" if ready else "unavailable", "checks": checks}, status=200 if ready else 503)
