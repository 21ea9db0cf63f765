"""Consumer systems get their tokens as a third-party OAuth client would, over real HTTP (a live server):
authlib with client credentials and a client secret, and with `private_key_jwt` (RFC 7523) for a system
that registered its public keys — then call lookup, batch and changes with the token. An assertion is
refused when its jti was used, its audience is another server, it lives too long, or another key signed it."""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

import pytest
import requests
from authlib.integrations.requests_client import OAuth2Session
from authlib.oauth2.rfc7523 import PrivateKeyJWT, private_key_jwt_sign
from joserfc.jwk import ECKey, RSAKey
from jwcrypto import jwk, jwt

from govplus.exchange import services
from govplus.exchange.models import ExchangeEvidence
from govplus.exchange.tests.test_gateway import ID_NUMBER, grant

ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
HEADERS = {"X-Purpose": "%E7%A4%BE%E4%BF%9D%E5%AE%A1%E6%A0%B8", "X-Case-Number": "SB-1", "X-Consent": "CS-1"}


def key_pair(kty: str = "RSA") -> jwk.JWK:
    key = jwk.JWK.generate(kty="RSA", size=2048) if kty == "RSA" else jwk.JWK.generate(kty="EC", crv="P-256")
    key["kid"] = key.thumbprint()  # type: ignore[index]
    return key


def public_jwks(key: jwk.JWK) -> dict[str, Any]:
    return {"keys": [json.loads(key.export_public())]}


class OneShotOAuth2Session(OAuth2Session):
    """authlib's session, opening a new connection for every request and closing it after the answer
    (the live server serves a connection in a thread holding a database connection until it closes)."""

    def request(self, *args: Any, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        try:
            return super().request(*args, **kwargs)  # type: ignore[no-any-return]
        finally:
            self.close()


class ShortLivedPrivateKeyJWT(PrivateKeyJWT):
    """authlib's private_key_jwt with assertions that live 2 minutes (authlib's default is an hour; the
    platform takes at most 5 minutes). Each assertion gets a fresh jti."""

    def sign(self, auth: Any, token_endpoint: str) -> Any:
        return private_key_jwt_sign(
            auth.client_secret, client_id=auth.client_id, token_endpoint=token_endpoint, alg=self.alg, expires_in=120
        )


def session(client_id: str, secret: Any, method: Any, scope: str = "exchange") -> OAuth2Session:
    client = OneShotOAuth2Session(client_id, secret, scope=scope, token_endpoint_auth_method=method)
    client.headers["Connection"] = "close"
    return client


def assertion(key: jwk.JWK, client_id: str, audience: str, **claims: Any) -> str:
    now = int(time.time())
    body = {"iss": client_id, "sub": client_id, "aud": audience, "iat": now, "exp": now + 120, "jti": str(uuid.uuid4())}
    body.update(claims)
    alg = "RS256" if key["kty"] == "RSA" else "ES256"  # type: ignore[index]
    token = jwt.JWT(header={"alg": alg, "kid": key["kid"]}, claims=body)  # type: ignore[index]
    token.make_signed_token(key)
    return str(token.serialize())


def token_post(url: str, client_id: str, signed: str) -> requests.Response:
    return requests.post(
        f"{url}/o/token/",
        data={
            "grant_type": "client_credentials",
            "client_id": client_id,
            "client_assertion_type": ASSERTION_TYPE,
            "client_assertion": signed,
        },
        headers={"Connection": "close"},
        timeout=10,
    )


def calls(client: OAuth2Session, url: str, resource: str) -> list[dict[str, Any]]:
    """Lookup, batch and changes with the client's token; each answer's body."""
    base = f"{url}/api/v1/exchange/gateway/{resource}"
    answers = [
        client.get(f"{base}/records/{ID_NUMBER}", headers=HEADERS, timeout=10),
        client.post(f"{base}/records:batch", json={"keys": [ID_NUMBER, "nobody"]}, headers=HEADERS, timeout=10),
        client.get(f"{base}/changes", params={"since": 0, "limit": 10}, headers=HEADERS, timeout=10),
    ]
    client.close()
    assert [a.status_code for a in answers] == [200, 200, 200], [a.text for a in answers]
    return [a.json() for a in answers]


@pytest.fixture
def server(exchange_tx, live_server) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    grant(exchange_tx, exchange_tx.population, ["id_number", "name"])
    return {"url": live_server.url, "token_url": f"{live_server.url}/o/token/", "exchange": exchange_tx}


def keyed_consumer(exchange: Any, key: jwk.JWK) -> str:
    consumer, secret = services.consumer_system_create(
        actor=exchange.consumer_officer,
        department=exchange.consumer.department,
        name="持钥系统",
        jwks=public_jwks(key),
    )
    assert secret == ""  # a system with keys gets no secret
    return consumer.application.client_id


def test_client_credentials_with_a_secret_then_lookup_batch_and_changes(server):
    exchange = server["exchange"]
    client = session(exchange.consumer.application.client_id, exchange.secret, "client_secret_basic")
    token = client.fetch_token(server["token_url"], grant_type="client_credentials")
    assert token["scope"] == "exchange" and token["token_type"] == "Bearer"
    lookup, batch, changes = calls(client, server["url"], exchange.population.code)
    assert lookup["data"]["values"] == {"id_number": "330521********1234", "name": "张三"}
    assert [r["key"] for r in batch["data"]["records"]] == [ID_NUMBER] and batch["data"]["missing"] == ["nobody"]
    assert changes["data"]["next_since"] == 1
    assert ExchangeEvidence.objects.filter(consumer=exchange.consumer.application.client_id).count() == 3
    wrong = session(exchange.consumer.application.client_id, "not-the-secret", "client_secret_basic")
    with pytest.raises(Exception, match="invalid_client"):
        wrong.fetch_token(server["token_url"], grant_type="client_credentials")


@pytest.mark.parametrize("kty", ["RSA", "EC"])
def test_private_key_jwt_gets_a_token_and_calls_the_gateway(server, kty):
    exchange = server["exchange"]
    key = key_pair(kty)
    client_id = keyed_consumer(exchange, key)
    from govplus.exchange.selectors import consumer_of_client

    consumer = consumer_of_client(client_id)
    assert consumer is not None
    exchange.consumer = consumer
    grant(exchange, exchange.population, ["name"])
    alg = "RS256" if kty == "RSA" else "ES256"
    pem = key.export_to_pem(private_key=True, password=None).decode()
    private = RSAKey.import_key(pem) if kty == "RSA" else ECKey.import_key(pem)
    client = session(client_id, private, ShortLivedPrivateKeyJWT(server["token_url"], alg=alg))
    token = client.fetch_token(server["token_url"], grant_type="client_credentials")
    assert token["scope"] == "exchange"
    lookup, _batch, _changes = calls(client, server["url"], exchange.population.code)
    assert lookup["data"]["values"] == {"name": "张三"}
    # its secret — empty — never authenticates it
    empty = requests.post(
        server["token_url"],
        data={"grant_type": "client_credentials", "client_id": client_id, "client_secret": ""},
        headers={"Connection": "close"},
        timeout=10,
    )
    assert empty.status_code == 401 and empty.json()["error"] == "invalid_client"


def test_an_assertion_is_refused_when_replayed_for_another_audience_too_long_or_signed_by_another_key(server):
    exchange = server["exchange"]
    key = key_pair()
    client_id = keyed_consumer(exchange, key)
    token_url = server["token_url"]
    signed = assertion(key, client_id, token_url)
    first = token_post(server["url"], client_id, signed)
    assert first.status_code == 200, first.text
    replayed = token_post(server["url"], client_id, signed)
    assert replayed.status_code == 401 and replayed.json()["error"] == "invalid_client"
    elsewhere = token_post(server["url"], client_id, assertion(key, client_id, "https://other.example/o/token/"))
    assert elsewhere.status_code == 401
    too_long = token_post(server["url"], client_id, assertion(key, client_id, token_url, exp=int(time.time()) + 3600))
    assert too_long.status_code == 401
    expired = token_post(server["url"], client_id, assertion(key, client_id, token_url, exp=int(time.time()) - 120))
    assert expired.status_code == 401
    no_jti = token_post(server["url"], client_id, assertion(key, client_id, token_url, jti=""))
    assert no_jti.status_code == 401
    stranger = token_post(server["url"], client_id, assertion(key_pair(), client_id, token_url))
    assert stranger.status_code == 401
    someone_else = token_post(
        server["url"], client_id, assertion(key, client_id, token_url, sub=exchange.consumer.application.client_id)
    )
    assert someone_else.status_code == 401
    # and the one good assertion of the test still works afterwards with a fresh jti
    assert token_post(server["url"], client_id, assertion(key, client_id, token_url)).status_code == 200


def test_a_consumer_system_may_not_ask_for_another_scope(server):
    exchange = server["exchange"]
    client = session(exchange.consumer.application.client_id, exchange.secret, "client_secret_basic", "applications")
    with pytest.raises(Exception, match="invalid_scope"):
        client.fetch_token(server["token_url"], grant_type="client_credentials")
