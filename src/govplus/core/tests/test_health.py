"""The operators' probes: liveness without the database, readiness naming what is down."""

from __future__ import annotations

import pytest
from django.test import Client, override_settings


def test_liveness_answers_ok_without_touching_the_database():
    # No django_db mark: any query would fail this test.
    response = Client().get("/healthz")
    assert response.status_code == 200
    assert response.content == b"ok"
    assert "no-store" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]


@pytest.mark.django_db
def test_readiness_reports_each_dependency_and_is_never_cached():
    response = Client().get("/readyz")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "ok"
    assert {name for name, check in body["checks"].items() if check["ok"]} == {"database", "cache", "task_queue"}
    assert "max-age=0" in response["Cache-Control"]


@pytest.mark.django_db
def test_readiness_is_503_naming_the_cache_when_the_cache_is_unreachable():
    unreachable = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://127.0.0.1:1/0"}
    }
    with override_settings(CACHES=unreachable):
        response = Client().get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["checks"]["cache"]["ok"] is False
    assert body["checks"]["database"]["ok"] is True
    assert "127.0.0.1" not in response.content.decode()  # no connection details leak


def test_probes_need_no_sign_in_and_refuse_writes():
    assert Client().post("/healthz").status_code == 405
