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


def test_the_oauth2_authorization_code_scheme_is_declared_with_the_providers_scopes(client, settings):
    """The docs' Authorize button needs an OAuth2 scheme with the provider's endpoints and scopes."""
    document = client.get("/api/v1/openapi.json").json()
    scheme = document["components"]["securitySchemes"]["OAuth2"]
    assert scheme["type"] == "oauth2"
    flow = scheme["flows"]["authorizationCode"]
    assert flow["authorizationUrl"] == "/o/authorize/" and flow["tokenUrl"] == "/o/token/"
    assert flow["scopes"] == settings.OAUTH2_PROVIDER["SCOPES"]
    operations = {
        (method.upper(), path): operation
        for path, methods in document["paths"].items()
        for method, operation in methods.items()
    }
    scopes = {
        key: next(iter(s["OAuth2"] for s in op.get("security", []) if "OAuth2" in s), None)
        for key, op in operations.items()
    }
    assert scopes[("POST", "/api/v1/applications")] == ["applications"]
    assert scopes[("POST", "/api/v1/tasks/{task_id}/complete")] == ["tasks"]
    assert scopes[("GET", "/api/v1/me")] == []
    assert scopes[("GET", "/api/v1/services")] is None  # public


# Rate limited: the progress query (per address) and the exchange gateway's calls (per consumer system).
RATE_LIMITED = {
    "/api/v1/progress",
    "/api/v1/exchange/gateway/{resource}/records/{key}",
    "/api/v1/exchange/gateway/{resource}/records:batch",
    "/api/v1/exchange/gateway/{resource}/changes",
    # a lookup of a peer node's resource counts against the caller's rate here and the peer's there
    "/api/v1/exchange/gateway/nodes/{node}/{resource}/records/{key}",
    "/api/v1/exchange/gateway/nodes/{node}/{resource}/records:batch",
    "/api/v1/exchange/node/lookup",
    # the API contract's paths of the same three gateway operations
    "/api/v1/exchange/resources/{code}/records/{key}",
    "/api/v1/exchange/resources/{code}/lookup",
    "/api/v1/exchange/resources/{code}/changes",
}


def test_each_operation_lists_the_errors_it_can_really_return(client):
    document = client.get("/api/v1/openapi.json").json()
    for path, methods in document["paths"].items():
        for method, operation in methods.items():
            where = f"{method.upper()} {path}"
            statuses = {int(code) for code in operation["responses"] if int(code) >= 400}
            for status in statuses:
                content = operation["responses"][str(status)]["content"]["application/json"]["schema"]
                assert content == {"$ref": "#/components/schemas/ErrorOut"}, where
            needs_sign_in = bool(operation.get("security"))
            assert (401 in statuses) == needs_sign_in, f"{where}: 401 only where authentication is needed"
            takes_input = bool(operation.get("parameters") or operation.get("requestBody"))
            assert (422 in statuses) == takes_input, f"{where}: 422 only where there is input to validate"
            if "{" in path:
                assert 404 in statuses, f"{where}: names an object, so it can be 404"
            if method == "get" and path != "/api/v1/progress":
                assert 409 not in statuses, f"{where}: a read does not conflict"
            assert (429 in statuses) == (path in RATE_LIMITED), f"{where}: only the rate-limited operations give 429"
            assert 400 not in statuses or where == "POST /api/v1/applications", where


def test_the_api_docs_authorize_with_pkce_through_a_local_redirect_page(client):
    from django.contrib.staticfiles import finders

    html = client.get("/api/v1/docs").content.decode()
    assert 'data-oauth2-redirect="/api/v1/oauth2-redirect.html"' in html
    assert "/static/core/api-docs.js" in html and "<script>" not in html  # no inline script
    script = Path(finders.find("core/api-docs.js")).read_text()
    assert "usePkceWithAuthorizationCodeGrant: true" in script and "oauth2RedirectUrl" in script
    redirect = client.get("/api/v1/oauth2-redirect.html")
    assert redirect.status_code == 200
    assert '<script src="/static/core/oauth2-redirect.js"></script>' in redirect.content.decode()
    assert finders.find("core/oauth2-redirect.js")


def test_the_document_has_no_key_twice(client):
    """Swagger UI refuses a document with a repeated key ("duplicated mapping key") — e.g. a response
    status given as 200 by the operation and "200" by its extra OpenAPI text."""
    repeated: list[str] = []

    def pairs_checked(pairs):  # type: ignore[no-untyped-def]
        keys = [key for key, _ in pairs]
        repeated.extend(key for key in set(keys) if keys.count(key) > 1)
        return dict(pairs)

    json.loads(client.get("/api/v1/openapi.json").content, object_pairs_hook=pairs_checked)
    assert not repeated
