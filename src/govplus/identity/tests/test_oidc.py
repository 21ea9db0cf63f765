"""govplus as an OpenID Connect provider, driven by a third-party client over real HTTP.

The client is authlib's OAuth2Session (public client, authorization code + PKCE S256, a loopback
redirect on a port chosen at run time as RFC 8252 §7.3 allows); the citizen's browser is a
requests.Session that signs in on the portal and presses "Authorize" on the consent page.
"""

from __future__ import annotations

import socket
import warnings
from html.parser import HTMLParser
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from authlib.common.security import generate_token
from authlib.integrations.requests_client import OAuth2Session

from govplus.demo.seed import CLI_CLIENT_ID, oidc_client_create
from govplus.testing.factories import PASSWORD

with warnings.catch_warnings():  # authlib.jose announces its successor (joserfc) when imported
    warnings.simplefilter("ignore")
    from authlib.jose import JsonWebKey, JsonWebToken


class Form:
    def __init__(self) -> None:
        self.fields: dict[str, str] = {}  # hidden inputs with their values
        self.names: list[str] = []  # every named input


class FormParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.forms: list[Form] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "form":
            self.forms.append(Form())
        elif tag == "input" and self.forms and (name := attributes.get("name")):
            self.forms[-1].names.append(name)
            if attributes.get("type") == "hidden":
                self.forms[-1].fields[name] = attributes.get("value") or ""


def form_with(html: str, field: str) -> Form:
    """The page's form that has an input called `field` (pages also carry e.g. a language switcher)."""
    parser = FormParser()
    parser.feed(html)
    matching = [form for form in parser.forms if field in form.names]
    assert matching, f"no form with {field!r} on the page"
    return matching[0]


def has_form_with(html: str, field: str) -> bool:
    parser = FormParser()
    parser.feed(html)
    return any(field in form.names for form in parser.forms)


class OneShotSession(requests.Session):
    """Keeps cookies but opens a new connection for every request and closes it after the answer.

    The live server serves each connection in a thread that holds a database connection until the
    client goes away; idle keep-alive connections would keep PostgreSQL sessions open across tests.
    """

    def __init__(self) -> None:
        super().__init__()
        self.headers["Connection"] = "close"

    def request(self, *args: Any, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        try:
            return super().request(*args, **kwargs)
        finally:
            self.close()


def session() -> requests.Session:
    return OneShotSession()


def get(url: str, **options: Any) -> requests.Response:
    with session() as http:
        return http.get(url, timeout=10, **options)


def post(url: str, **options: Any) -> requests.Response:
    with session() as http:
        return http.post(url, timeout=10, **options)


def free_loopback_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def provider(county_tx, live_server) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    oidc_client_create(county_tx.staff["department_admin"])
    metadata = get(f"{live_server.url}/.well-known/openid-configuration")
    assert metadata.status_code == 200
    return {"url": live_server.url, "metadata": metadata.json(), "county": county_tx}


def rp_session(scope: str = "openid profile applications") -> tuple[OAuth2Session, str]:
    redirect_uri = f"http://127.0.0.1:{free_loopback_port()}/callback"
    client = OAuth2Session(
        client_id=CLI_CLIENT_ID,
        redirect_uri=redirect_uri,
        scope=scope,
        code_challenge_method="S256",
        token_endpoint_auth_method="none",
    )
    return client, redirect_uri


def exchange(client: OAuth2Session, metadata: dict[str, Any], location: str, verifier: str) -> dict[str, Any]:
    """The client trades the code from the redirect (plus its PKCE verifier) for tokens."""
    client.headers["Connection"] = "close"
    try:
        return dict(
            client.fetch_token(metadata["token_endpoint"], authorization_response=location, code_verifier=verifier)
        )
    finally:
        client.close()


def signed_in_browser(base_url: str, *, next_url: str, username: str = "zhangsan") -> tuple[requests.Session, Any]:
    """Sign in on the portal's login page, which then forwards to `next_url` (the authorize request)."""
    browser = session()
    login_url = f"{base_url}/login/"
    page = browser.get(login_url, params={"next": next_url}, timeout=10)
    assert page.status_code == 200
    form = form_with(page.text, "password")
    assert {"username", "password", "next", "csrfmiddlewaretoken"} <= set(form.names)
    answer = browser.post(
        login_url,
        timeout=10,
        allow_redirects=False,
        data={**form.fields, "username": username, "password": PASSWORD, "next": next_url},
    )
    assert answer.status_code == 302, answer.text[:500]
    assert answer.headers["Location"] == next_url
    return browser, browser.get(f"{base_url}{next_url}", timeout=10, allow_redirects=False)


def authorize(provider: dict[str, Any], client: OAuth2Session) -> tuple[str, dict[str, Any]]:
    """Sign in, consent, and return (the redirect Location, the authorize request's parameters)."""
    metadata = provider["metadata"]
    verifier = generate_token(64)
    nonce = generate_token(20)
    url, state = client.create_authorization_url(
        metadata["authorization_endpoint"], code_verifier=verifier, nonce=nonce
    )
    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}" == provider["url"]
    browser, consent = signed_in_browser(provider["url"], next_url=f"{parts.path}?{parts.query}")
    assert consent.status_code == 200, consent.text[:500]
    form = form_with(consent.text, "allow")
    assert form.fields["client_id"] == CLI_CLIENT_ID
    assert form.fields["redirect_uri"] == client.redirect_uri
    assert form.fields["code_challenge_method"] == "S256" and form.fields["code_challenge"]
    assert "csrfmiddlewaretoken" in form.fields
    # the citizen is told what the client asks for, and only that
    assert ("读写我的办件" in consent.text) == ("applications" in client.scope.split())
    granted = browser.post(url, data={**form.fields, "allow": "Authorize"}, timeout=10, allow_redirects=False)
    assert granted.status_code == 302, granted.text[:500]
    return granted.headers["Location"], {"verifier": verifier, "nonce": nonce, "state": state}


def test_discovery_document_describes_an_rs256_provider(provider):
    metadata = provider["metadata"]
    issuer = metadata["issuer"]
    assert issuer.startswith(provider["url"])
    for endpoint in ("authorization_endpoint", "token_endpoint", "userinfo_endpoint", "jwks_uri"):
        assert metadata[endpoint].startswith(provider["url"]), endpoint
    assert "RS256" in metadata["id_token_signing_alg_values_supported"]
    assert "code" in metadata["response_types_supported"]
    assert "S256" in metadata.get("code_challenge_methods_supported", ["S256"])
    # An RP that validates per OIDC Discovery §4.3 fetches issuer + /.well-known/openid-configuration
    # and requires the same issuer back.
    own = get(f"{issuer}/.well-known/openid-configuration")
    assert own.status_code == 200
    assert own.json()["issuer"] == issuer
    assert own.json()["token_endpoint"] == metadata["token_endpoint"]
    keys = get(metadata["jwks_uri"]).json()["keys"]
    assert keys and all(key["kty"] == "RSA" for key in keys)


def test_a_third_party_client_signs_a_citizen_in_and_calls_the_api(provider):
    metadata, county = provider["metadata"], provider["county"]
    client, redirect_uri = rp_session()
    location, request = authorize(provider, client)

    callback = urlsplit(location)
    # registered as http://127.0.0.1/callback: any port on the loopback address is accepted (RFC 8252 §7.3)
    assert f"{callback.scheme}://{callback.netloc}{callback.path}" == redirect_uri
    query = parse_qs(callback.query)
    assert query["state"] == [request["state"]]
    assert "code" in query and "error" not in query

    token = exchange(client, metadata, location, request["verifier"])
    assert token["token_type"].lower() == "bearer"
    assert set(token["scope"].split()) == {"openid", "profile", "applications"}

    jwks = JsonWebKey.import_key_set(get(metadata["jwks_uri"]).json())
    claims = JsonWebToken(["RS256"]).decode(
        token["id_token"],
        jwks,
        claims_options={
            "iss": {"essential": True, "value": metadata["issuer"]},
            "aud": {"essential": True, "value": CLI_CLIENT_ID},
            "nonce": {"essential": True, "value": request["nonce"]},
        },
    )
    claims.validate(leeway=30)
    assert claims.header["alg"] == "RS256"
    assert claims["sub"] == str(county.citizen.pk)

    bearer = {"Authorization": f"Bearer {token['access_token']}"}
    userinfo = get(metadata["userinfo_endpoint"], headers=bearer)
    assert userinfo.status_code == 200
    info = userinfo.json()
    assert info["sub"] == str(county.citizen.pk)
    assert info["name"] == "张三" and info["kind"] == "citizen" and info["roles"] == []
    assert "id_number" not in info and "13800138000" not in userinfo.text

    me = get(f"{provider['url']}/api/v1/me", headers=bearer)
    assert me.status_code == 200, me.text
    assert me.json()["username"] == "zhangsan" and me.json()["kind"] == "citizen"
    county.submitted_application()
    applications = get(f"{provider['url']}/api/v1/applications", headers=bearer)
    assert applications.status_code == 200, applications.text
    assert applications.json()["count"] == 1

    stolen = get(f"{provider['url']}/api/v1/me", headers={"Authorization": f"Bearer {token['access_token']}x"})
    assert stolen.status_code == 401


def test_a_wrong_code_verifier_gets_no_token(provider):
    metadata = provider["metadata"]
    client, _redirect = rp_session()
    location, _request = authorize(provider, client)
    code = parse_qs(urlsplit(location).query)["code"][0]
    answer = post(
        metadata["token_endpoint"],
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": client.redirect_uri,
            "client_id": CLI_CLIENT_ID,
            "code_verifier": generate_token(64),
        },
    )
    assert answer.status_code == 400
    assert answer.json()["error"] == "invalid_grant"
    assert "access_token" not in answer.json()


def test_an_authorize_request_without_pkce_is_refused(provider):
    client, redirect_uri = rp_session()
    client.code_challenge_method = None  # a client that does not do PKCE
    url, _state = client.create_authorization_url(provider["metadata"]["authorization_endpoint"])
    assert "code_challenge" not in url
    parts = urlsplit(url)
    _browser, answer = signed_in_browser(provider["url"], next_url=f"{parts.path}?{parts.query}")
    assert answer.status_code == 302  # no consent page: the error goes straight back to the client
    refused = urlsplit(answer.headers["Location"])
    assert f"{refused.scheme}://{refused.netloc}{refused.path}" == redirect_uri
    query = parse_qs(refused.query)
    assert query["error"] == ["invalid_request"]
    assert "challenge" in query["error_description"][0].lower()
    assert "code" not in query


def test_a_redirect_outside_the_registered_loopback_is_refused(provider):
    client = OAuth2Session(
        client_id=CLI_CLIENT_ID,
        redirect_uri="http://evil.example/callback",
        scope="openid",
        code_challenge_method="S256",
    )
    url, _state = client.create_authorization_url(
        provider["metadata"]["authorization_endpoint"], code_verifier=generate_token(64)
    )
    parts = urlsplit(url)
    _browser, answer = signed_in_browser(provider["url"], next_url=f"{parts.path}?{parts.query}")
    assert answer.status_code == 400  # shown on the provider's page, never sent to the unknown address
    assert "evil.example" not in answer.headers.get("Location", "")
    assert not has_form_with(answer.text, "allow")


def test_a_token_granted_only_for_sign_in_cannot_use_the_citizens_applications(provider):
    """The consent page says "openid: 登录身份"; the client must not then read and write applications."""
    metadata, county = provider["metadata"], provider["county"]
    county.submitted_application()
    client, _redirect = rp_session(scope="openid profile")
    location, request = authorize(provider, client)
    token = exchange(client, metadata, location, request["verifier"])
    assert set(token["scope"].split()) == {"openid", "profile"}
    bearer = {"Authorization": f"Bearer {token['access_token']}"}
    assert get(f"{provider['url']}/api/v1/me", headers=bearer).status_code == 200
    listed = get(f"{provider['url']}/api/v1/applications", headers=bearer)
    assert listed.status_code in (401, 403), listed.text
    created = post(
        f"{provider['url']}/api/v1/applications",
        headers=bearer,
        json={"service_code": county.standard_item.code, "form": {}},
    )
    assert created.status_code in (401, 403), created.text
    assert county.citizen.applications.count() == 1
