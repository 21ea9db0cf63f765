"""The keys one node signs with, and the check of a call signed by another (node-to-node calls).

Rules:
- A node signs with the platform's OIDC signing key (RS256, `OIDC_RSA_PRIVATE_KEY`): the key its
  identity provider already publishes, so a peer pins one set of public keys (`node_jwks`) and its
  thumbprint (RFC 7638), which the two administrators compare when they register each other.
- A node-to-node call carries `Authorization: Node <JWS>`, a compact RS256 JWS over {iss: the calling
  node, aud: the called node, iat, exp (at most `CALL_LIFETIME` later), jti, htm: the method, htu: the
  path, bsh: SHA-256 of the body} — like DPoP (RFC 9449) with the body bound — so a call cannot be
  replayed (jti remembered until it expires), redirected to another node or another path, or given
  another body. It is verified with the caller's pinned keys only.
"""

from __future__ import annotations

import base64
import hashlib
import json
import time
import uuid
from dataclasses import dataclass
from typing import Any

from django.core.cache import cache
from jwcrypto import jwk, jws
from jwcrypto.common import JWException
from oauth2_provider.settings import oauth2_settings
from oauth2_provider.utils import jwk_from_pem

CALL_LIFETIME = 60  # seconds a signed call is good for
CLOCK_SKEW = 30  # seconds of clock difference tolerated between nodes


class NodeCallRefused(Exception):
    """The call's signature or its claims do not hold: `message` / `message_en` say which."""

    def __init__(self, message: str, message_en: str) -> None:
        super().__init__(message_en)
        self.message, self.message_en = message, message_en


def node_private_key() -> jwk.JWK:
    """The platform's active OIDC signing key (RSA, private; django-oauth-toolkit's cached reader)."""
    return jwk_from_pem(oauth2_settings.OIDC_RSA_PRIVATE_KEY)


def node_jwks() -> dict[str, Any]:
    """The public keys the OIDC provider publishes (active, then inactive), as /o/.well-known/jwks.json
    serves them: what verifies this node's calls and its evidence log's tree heads."""
    keys = []
    for pem in [oauth2_settings.OIDC_RSA_PRIVATE_KEY, *oauth2_settings.OIDC_RSA_PRIVATE_KEYS_INACTIVE]:
        key = jwk_from_pem(pem)
        keys.append({"alg": "RS256", "use": "sig", "kid": key.thumbprint(), **key.export_public(as_dict=True)})
    return {"keys": keys}


def jwks_thumbprint(jwks: dict[str, Any]) -> str:
    """RFC 7638 thumbprints of the keys (sorted, joined): what two administrators read to each other."""
    prints = sorted(jwk.JWK(**key).thumbprint() for key in jwks.get("keys", []))
    return hashlib.sha256(".".join(prints).encode()).hexdigest()


def body_sha256(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


def node_call_sign(*, issuer: str, audience: str, method: str, path: str, body: bytes) -> str:
    """The `Authorization` value of one call from this node to another."""
    now = int(time.time())
    claims = {
        "iss": issuer,
        "aud": audience,
        "iat": now,
        "exp": now + CALL_LIFETIME,
        "jti": uuid.uuid4().hex,
        "htm": method.upper(),
        "htu": path,
        "bsh": body_sha256(body),
    }
    key = node_private_key()
    token = jws.JWS(json.dumps(claims, separators=(",", ":")).encode())
    token.add_signature(key, alg="RS256", protected={"alg": "RS256", "kid": key.thumbprint(), "typ": "node-call+jwt"})
    return "Node " + token.serialize(compact=True)


@dataclass(frozen=True)
class NodeCall:
    issuer: str
    jti: str


def node_call_claims(authorization: str) -> dict[str, Any]:
    """The claims of a signed call, unverified: only to find whose keys verify it (`iss`)."""
    token = _token_of(authorization)
    try:
        payload = token.split(".")[1]
        padded = payload + "=" * (-len(payload) % 4)
        claims = json.loads(base64.urlsafe_b64decode(padded))
    except (IndexError, ValueError) as error:
        raise NodeCallRefused("节点签名格式错误", "the node signature is malformed") from error
    if not isinstance(claims, dict):
        raise NodeCallRefused("节点签名格式错误", "the node signature is malformed")
    return claims


def _token_of(authorization: str) -> str:
    scheme, _, token = (authorization or "").partition(" ")
    if scheme != "Node" or not token:
        raise NodeCallRefused("缺少节点签名（Authorization: Node …）", "the call is not signed by a node")
    return token.strip()


def node_call_verify(
    *, authorization: str, jwks: dict[str, Any], audience: str, method: str, path: str, body: bytes
) -> NodeCall:
    """Verify a call with the caller's pinned keys; raises NodeCallRefused naming what failed."""
    token = _token_of(authorization)
    keys = jwk.JWKSet()
    for key in jwks.get("keys", []):
        keys.add(jwk.JWK(**key))
    verifier = jws.JWS()
    try:
        verifier.deserialize(token)
        verifier.verify(keys, alg="RS256")
        claims = json.loads(verifier.payload)
    except (JWException, ValueError) as error:
        raise NodeCallRefused("节点签名无效", "the node signature does not verify with its registered keys") from error
    now = time.time()
    if claims.get("aud") != audience:
        raise NodeCallRefused("该调用不是发给本节点的", "the call is addressed to another node")
    if not isinstance(claims.get("exp"), int) or claims["exp"] < now - CLOCK_SKEW:
        raise NodeCallRefused("节点签名已过期", "the node signature has expired")
    if not isinstance(claims.get("iat"), int) or claims["exp"] - claims["iat"] > CALL_LIFETIME + CLOCK_SKEW:
        raise NodeCallRefused("节点签名有效期过长", "the node signature lives too long")
    if claims.get("htm") != method.upper() or claims.get("htu") != path:
        raise NodeCallRefused("节点签名与请求的方法或地址不符", "the signature is for another method or path")
    if claims.get("bsh") != body_sha256(body):
        raise NodeCallRefused("节点签名与请求内容不符", "the signature is for another body")
    jti = str(claims.get("jti") or "")
    if not jti or not cache.add(f"exchange:node-jti:{claims.get('iss')}:{jti}", 1, timeout=CALL_LIFETIME * 3):
        raise NodeCallRefused("该节点调用已使用过（重放）", "the call was replayed")
    return NodeCall(issuer=str(claims.get("iss")), jti=jti)
