"""Client authentication with a signed JWT (`private_key_jwt`, RFC 7523 §2.2 and §3; OIDC Core §9).

A system that holds a key pair authenticates at the token endpoint without a shared secret: it posts
`client_assertion_type=urn:ietf:params:oauth:client-assertion-type:jwt-bearer` and `client_assertion`,
a JWT it signed (RS256 or ES256) with a private key whose public half it registered (`jwks`).

Rules (each refusal is `invalid_client`, RFC 6749 §5.2):
- the signature verifies with one of the client's registered keys, algorithm RS256 or ES256 only
  (never `none`, never a symmetric algorithm a public key could be abused as);
- `iss` = `sub` = the client id (and the `client_id` parameter, when sent, is the same);
- `aud` is (or contains) the token endpoint URL (`GOVPLUS_TOKEN_ENDPOINT_URL`, else the URL the request
  was made to), so an assertion made for another server cannot be replayed here;
- `exp` is present, not past, and at most `ASSERTION_MAX_SECONDS` (5 minutes) ahead — a short-lived
  assertion; `nbf` and `iat`, when present, are not in the future (30 s of clock skew allowed);
- `jti` is present and never seen before for this client: used ones are kept in the shared cache
  (Redis in production) until the assertion expires, after which the `exp` check refuses it anyway.
  That is what stops an eavesdropper replaying an assertion within its five minutes.

A client that has registered keys authenticates only this way: its (empty) secret is never accepted.

Which clients have keys is not identity's business: a module that registers clients offers a
**client policy** (`client_policy_register`), e.g. exchange's consumer systems (their `jwks`, and the
scopes their tokens carry).
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.cache import caches

ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
ASSERTION_ALGORITHMS = ("RS256", "ES256")
ASSERTION_MAX_SECONDS = 300
CLOCK_SKEW_SECONDS = 30


@dataclass(frozen=True)
class ClientPolicy:
    """What a module says about one of its OAuth2 clients: its public keys (a JWK Set; empty: it
    authenticates with its secret) and the scopes its tokens may carry (the default when none is asked)."""

    jwks: dict[str, Any] = field(default_factory=dict)
    scopes: tuple[str, ...] = ()


ClientPolicyProvider = Callable[[str], ClientPolicy | None]
_providers: list[ClientPolicyProvider] = []


def client_policy_register(provider: ClientPolicyProvider) -> None:
    """Register a function client id → policy (or None: not one of this module's clients). Modules call
    it in `AppConfig.ready()`."""
    if provider not in _providers:
        _providers.append(provider)


def client_policy(client_id: str) -> ClientPolicy | None:
    """The policy of a client, from the first provider that knows it."""
    for provider in _providers:
        found = provider(client_id)
        if found is not None:
            return found
    return None


class AssertionRefused(ValueError):
    """The client assertion does not authenticate the client; the message says why (for the log and
    the `error_description`; it never holds the assertion itself)."""


def _audiences(claims: dict[str, Any]) -> list[str]:
    audience = claims.get("aud")
    if isinstance(audience, str):
        return [audience]
    if isinstance(audience, list):
        return [value for value in audience if isinstance(value, str)]
    return []


def assertion_verify(
    *, assertion: str, client_id: str, jwks: dict[str, Any], audiences: Sequence[str]
) -> dict[str, Any]:
    """Check a client assertion against the rules above and spend its `jti`; returns its claims.
    Raises `AssertionRefused`."""
    from jwcrypto import jwk, jws, jwt
    from jwcrypto.common import JWException

    if not jwks or not jwks.get("keys"):
        raise AssertionRefused("the client has no registered keys")
    try:
        keys = jwk.JWKSet.from_json(json.dumps(jwks))
    except (JWException, ValueError, TypeError) as error:
        raise AssertionRefused("the client's registered keys cannot be read") from error
    try:
        token = jwt.JWT(jwt=assertion, key=keys, algs=list(ASSERTION_ALGORITHMS), check_claims=False)
    except (JWException, jws.InvalidJWSSignature, ValueError, TypeError) as error:
        raise AssertionRefused("the assertion's signature does not verify with the client's keys") from error
    try:
        claims = json.loads(token.claims)
    except ValueError as error:
        raise AssertionRefused("the assertion's claims are not JSON") from error
    if not isinstance(claims, dict):
        raise AssertionRefused("the assertion's claims are not an object")
    if claims.get("iss") != client_id or claims.get("sub") != client_id:
        raise AssertionRefused("iss and sub must both be the client id")
    if not set(audiences) & set(_audiences(claims)):
        raise AssertionRefused("aud must be the token endpoint URL")
    now = time.time()
    expires = claims.get("exp")
    if not isinstance(expires, int | float) or isinstance(expires, bool):
        raise AssertionRefused("exp is missing")
    if expires <= now - CLOCK_SKEW_SECONDS:
        raise AssertionRefused("the assertion has expired")
    if expires > now + ASSERTION_MAX_SECONDS + CLOCK_SKEW_SECONDS:
        raise AssertionRefused(f"exp may be at most {ASSERTION_MAX_SECONDS} seconds ahead")
    for name in ("nbf", "iat"):
        value = claims.get(name)
        if isinstance(value, int | float) and value > now + CLOCK_SKEW_SECONDS:
            raise AssertionRefused(f"{name} is in the future")
    jti = claims.get("jti")
    if not isinstance(jti, str) or not jti:
        raise AssertionRefused("jti is missing")
    spent_key = "govplus:jti:" + hashlib.sha256(f"{client_id}\x1f{jti}".encode()).hexdigest()
    # add() writes only when the key is absent: atomic in Redis, so two replays racing each other
    # cannot both pass. Kept until the assertion's exp (plus the skew), when exp refuses it anyway.
    keep = max(1, int(expires - now + CLOCK_SKEW_SECONDS) + 1)
    if not caches["shared"].add(spent_key, 1, timeout=keep):
        raise AssertionRefused("this assertion (its jti) was already used")
    return claims
