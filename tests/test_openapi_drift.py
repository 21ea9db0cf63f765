"""The committed OpenAPI document matches the API (regenerate: see docs/openapi.json's test below)."""

from __future__ import annotations

import json
from pathlib import Path

COMMITTED = Path(__file__).resolve().parent.parent / "docs" / "openapi.json"


def test_committed_openapi_matches_the_code(client):
    current = client.get("/api/v1/openapi.json").json()
    committed = json.loads(COMMITTED.read_text())
    assert committed == current, (
        "docs/openapi.json is out of date; run: "
        ".venv/bin/govplus export_openapi_schema --api config.urls.api --indent 2 > docs/openapi.json"
    )


def test_the_api_docs_load_without_a_cdn(client):
    html = client.get("/api/v1/docs").content.decode()
    assert "cdn" not in html.lower() and "unpkg" not in html.lower()
    assert "/static/ninja/" in html
