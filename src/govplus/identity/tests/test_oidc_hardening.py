"""The OIDC provider under RFC 9700: S256-only PKCE, no implicit or password grant, no access token in
the userinfo query string; every authorization code and token issued is audited."""

from __future__ import annotations

import base64
import hashlib
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from django.test import Client
from oauth2_provider.models import get_application_model

from govplus.core.models import AuditEntry
from govplus.demo.seed import CLI_CLIENT_ID, oidc_client_create
from govplus.identity.tests.test_oidc import form_with
from govplus.testing.factories import PASSWORD

REDIRECT = "http://127.0.0.1:5555/callback"
VERIFIER = "v" * 20 + "erifier-of-the-test-client-0123456789"


def s256(verifier: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()


@pytest.fixture
def browser(county) -> Client:
    oidc_client_create(county.staff["department_admin"])
    client = Client()
    client.force_login(county.citizen)
    return client


def authorize_url(**overrides: str) -> str:
    params = {
        "response_type": "code",
        "client_id": CLI_CLIENT_ID,
        "redirect_uri": REDIRECT,
        "scope": "openid profile",
        "state": "st",
        "code_challenge": s256(VERIFIER),
        "code_challenge_method": "S256",
        **overrides,
    }
    return "/o/authorize/?" + urlencode({k: v for k, v in params.items() if v != ""})


def error_of(response) -> str:
    assert response.status_code == 302, response.content[:300]
    location = urlsplit(response["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == REDIRECT
    return parse_qs(location.query)["error"][0]


def code_and_token(browser: Client) -> dict[str, str]:
    url = authorize_url()
    consent = browser.get(url)
    assert consent.status_code == 200
    form = form_with(consent.content.decode(), "allow")
    granted = browser.post(url, {**form.fields, "allow": "Authorize"})
    code = parse_qs(urlsplit(granted["Location"]).query)["code"][0]
    token = Client().post(
        "/o/token/",
        {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": REDIRECT,
            "client_id": CLI_CLIENT_ID,
            "code_verifier": VERIFIER,
        },
    )
    assert token.status_code == 200, token.content
    return token.json()


@pytest.mark.parametrize("method", ["plain", ""])
def test_a_plain_pkce_challenge_is_refused_before_the_consent_page(browser, method):
    response = browser.get(authorize_url(code_challenge=VERIFIER, code_challenge_method=method))
    assert error_of(response) == "invalid_request"
    assert "S256" in parse_qs(urlsplit(response["Location"]).query)["error_description"][0]
    assert not AuditEntry.objects.filter(action="oidc.authorization_code_issue").exists()


def test_discovery_offers_s256_only(client):
    document = client.get("/.well-known/openid-configuration").json()
    assert document["code_challenge_methods_supported"] == ["S256"]


def test_the_userinfo_endpoint_refuses_a_token_in_the_query_string(browser):
    token = code_and_token(browser)["access_token"]
    assert Client().get("/o/userinfo/", HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 200
    in_query = Client().get("/o/userinfo/", {"access_token": token})
    assert in_query.status_code == 400 and in_query.json()["error"] == "invalid_request"
    assert "张三" not in in_query.content.decode()


@pytest.mark.parametrize("response_type", ["token", "id_token", "id_token token"])
def test_the_implicit_grant_is_refused_even_for_an_app_registered_for_it(browser, county, response_type):
    application = get_application_model().objects.create(
        client_id="implicit-app",
        name="implicit",
        user=county.staff["department_admin"],
        client_type="public",
        authorization_grant_type="implicit",
        redirect_uris=REDIRECT,
        algorithm="RS256",
    )
    response = browser.get(
        authorize_url(client_id=application.client_id, response_type=response_type, scope="openid", nonce="n")
    )
    assert response.status_code in (302, 400)
    assert "access_token=" not in response.get("Location", "") and "id_token=" not in response.get("Location", "")
    if response.status_code == 302:
        assert "error=" in response["Location"]


def test_the_password_grant_is_refused_even_for_an_app_registered_for_it(county):
    get_application_model().objects.create(
        client_id="password-app",
        name="password",
        user=county.staff["department_admin"],
        client_type="public",
        authorization_grant_type="password",
        redirect_uris="",
        algorithm="RS256",
    )
    answer = Client().post(
        "/o/token/",
        {"grant_type": "password", "username": "zhangsan", "password": PASSWORD, "client_id": "password-app"},
    )
    assert answer.status_code in (400, 401)
    assert "access_token" not in answer.json()


def test_code_issue_with_consent_and_token_issue_are_audited(browser, county):
    token = code_and_token(browser)
    code_entry = AuditEntry.objects.get(action="oidc.authorization_code_issue")
    assert code_entry.actor == county.citizen and code_entry.object_id == CLI_CLIENT_ID
    assert code_entry.changes == {"scopes": ["openid", "profile"], "consent": "given"}
    token_entry = AuditEntry.objects.get(action="oidc.token_issue")
    assert token_entry.actor == county.citizen and token_entry.object_id == CLI_CLIENT_ID
    assert token_entry.changes["grant_type"] == "authorization_code"
    assert set(token_entry.changes["scopes"]) == {"openid", "profile"}
    for entry in (code_entry, token_entry):
        assert token["access_token"] not in str(entry.changes)


def test_a_refused_consent_is_audited_and_issues_no_code(browser, county):
    url = authorize_url()
    form = form_with(browser.get(url).content.decode(), "allow")
    refused = browser.post(url, {**form.fields})  # the "cancel" button sends no `allow`
    assert error_of(refused) == "access_denied"
    entry = AuditEntry.objects.get(action="oidc.consent_refuse")
    assert entry.actor == county.citizen and entry.object_id == CLI_CLIENT_ID
    assert entry.changes == {"scopes": ["openid", "profile"]}
    assert not AuditEntry.objects.filter(action="oidc.authorization_code_issue").exists()
