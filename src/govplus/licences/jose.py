"""The few JOSE pieces the credentials need, on `cryptography` directly: no Django, no database.

- base64url without padding (RFC 7515 §2) — decoding is strict: only the URL-safe alphabet, no padding,
  so one token has one spelling;
- public JWKs (RFC 7517) of the three key types a holder may bind a credential to: EC P-256, OKP Ed25519
  and RSA (≥ 2048 bits). A JWK that carries a private member (`d`, `p`, `q`, `dp`, `dq`, `qi`, `oth`, `k`)
  is refused: a private key sent to a server is a key that is no longer private;
- the RFC 7638 thumbprint (SHA-256 over the required members in lexicographic order);
- compact JWS (RFC 7515 §7.1) signed with ES256 (our issuer keys) and verified with ES256, EdDSA/Ed25519,
  RS256 or PS256 — the algorithm must fit the key (RFC 8725 §3.1: never let the token pick a weaker one,
  and never `none`).

Parsed public keys are kept in a bounded in-process map keyed by thumbprint, so a verifier that sees the
same holder or issuer key many times parses it once.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature, encode_dss_signature

PublicKey = ec.EllipticCurvePublicKey | ed25519.Ed25519PublicKey | rsa.RSAPublicKey

PRIVATE_MEMBERS = frozenset({"d", "p", "q", "dp", "dq", "qi", "oth", "k"})
REQUIRED_MEMBERS = {"EC": ("crv", "kty", "x", "y"), "OKP": ("crv", "kty", "x"), "RSA": ("e", "kty", "n")}
ALGORITHMS = {"EC": frozenset({"ES256"}), "OKP": frozenset({"EdDSA", "Ed25519"}), "RSA": frozenset({"RS256", "PS256"})}
MIN_RSA_BITS = 2048

_B64URL = re.compile(r"^[A-Za-z0-9_-]*$")
_KEY_CACHE_SIZE = 4096
_keys: dict[str, PublicKey] = {}


class JoseError(ValueError):
    """Bad JOSE input; `zh` and `en` say what is wrong to the person who sent it."""

    def __init__(self, zh: str, en: str) -> None:
        super().__init__(en)
        self.zh = zh
        self.en = en


def b64url_encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    """Strict base64url: raises `JoseError` on padding, other alphabets or an impossible length."""
    if not isinstance(text, str) or not _B64URL.match(text) or len(text) % 4 == 1:
        raise JoseError("不是有效的 base64url 编码", "not valid base64url")
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError) as error:
        raise JoseError("不是有效的 base64url 编码", "not valid base64url") from error


def json_bytes(value: Any) -> bytes:
    """Compact JSON in UTF-8 (Chinese stays three bytes a character, which keeps 亮证 QR codes small)."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def json_value(data: bytes) -> Any:
    try:
        return json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as error:
        raise JoseError("不是有效的 JSON", "not valid JSON") from error


def json_object(data: bytes) -> dict[str, Any]:
    value = json_value(data)
    if not isinstance(value, dict):
        raise JoseError("应为 JSON 对象", "a JSON object was expected")
    return value


def _coordinate(jwk: dict[str, Any], member: str, length: int) -> bytes:
    value = jwk.get(member)
    raw = b64url_decode(value) if isinstance(value, str) else b""
    if len(raw) != length:
        raise JoseError(f"公钥成员 {member} 长度不正确", f"the public key member {member!r} has the wrong length")
    return raw


def public_key_from_jwk(jwk: Any) -> PublicKey:
    """The public key of a JWK, checked: a known type and curve, on the curve, no private member."""
    if not isinstance(jwk, dict):
        raise JoseError("公钥应为 JWK 对象", "the public key must be a JWK object")
    private = sorted(PRIVATE_MEMBERS & jwk.keys())
    if private:
        raise JoseError(
            f"这是私钥（含 {', '.join(private)}），绝不能提交私钥，请只提交公钥",
            f"this is a private key (it has {', '.join(private)}); never send a private key, send the public key only",
        )
    kty = jwk.get("kty")
    try:
        if kty == "EC":
            if jwk.get("crv") != "P-256":
                raise JoseError("椭圆曲线公钥只支持 P-256", "EC keys must be on curve P-256")
            x = int.from_bytes(_coordinate(jwk, "x", 32), "big")
            y = int.from_bytes(_coordinate(jwk, "y", 32), "big")
            return ec.EllipticCurvePublicNumbers(x, y, ec.SECP256R1()).public_key()
        if kty == "OKP":
            if jwk.get("crv") != "Ed25519":
                raise JoseError("OKP 公钥只支持 Ed25519", "OKP keys must be Ed25519")
            return ed25519.Ed25519PublicKey.from_public_bytes(_coordinate(jwk, "x", 32))
        if kty == "RSA":
            n_text, e_text = jwk.get("n"), jwk.get("e")
            if not isinstance(n_text, str) or not isinstance(e_text, str):
                raise JoseError("RSA 公钥缺少 n 或 e", "the RSA key lacks n or e")
            n = int.from_bytes(b64url_decode(n_text), "big")
            e = int.from_bytes(b64url_decode(e_text), "big")
            if n.bit_length() < MIN_RSA_BITS:
                raise JoseError("RSA 公钥至少 2048 位", "RSA keys must have at least 2048 bits")
            return rsa.RSAPublicNumbers(e, n).public_key()
    except JoseError:
        raise
    except ValueError as error:  # a point off the curve, an even exponent…
        raise JoseError("公钥无效", f"the public key is invalid ({error})") from error
    raise JoseError("公钥类型只支持 EC P-256、Ed25519 或 RSA", "the key type must be EC P-256, Ed25519 or RSA")


def public_jwk_minimal(jwk: dict[str, Any]) -> dict[str, Any]:
    """Only the members that define the public key (RFC 7638 §3.2), after checking it."""
    public_key_from_jwk(jwk)
    return {member: jwk[member] for member in REQUIRED_MEMBERS[jwk["kty"]]}


def jwk_thumbprint(jwk: dict[str, Any]) -> str:
    """RFC 7638 JWK thumbprint, SHA-256, base64url."""
    members = REQUIRED_MEMBERS.get(jwk.get("kty", ""))
    if members is None or any(not isinstance(jwk.get(m), str) for m in members):
        raise JoseError("公钥缺少必要成员", "the public key lacks required members")
    canonical = json.dumps({m: jwk[m] for m in members}, separators=(",", ":"), sort_keys=True)
    return b64url_encode(hashlib.sha256(canonical.encode("utf-8")).digest())


def cached_public_key(jwk: Any) -> tuple[str, PublicKey]:
    """(thumbprint, key), parsed once per process for each distinct key."""
    if not isinstance(jwk, dict):
        raise JoseError("公钥应为 JWK 对象", "the public key must be a JWK object")
    if PRIVATE_MEMBERS & jwk.keys():
        public_key_from_jwk(jwk)  # raises with the message about private keys
    thumbprint = jwk_thumbprint(jwk)
    key = _keys.get(thumbprint)
    if key is None:
        key = public_key_from_jwk(jwk)
        if len(_keys) >= _KEY_CACHE_SIZE:
            _keys.clear()
        _keys[thumbprint] = key
    return thumbprint, key


def es256_sign(signing_input: bytes, private_key: ec.EllipticCurvePrivateKey) -> bytes:
    r, s = decode_dss_signature(private_key.sign(signing_input, ec.ECDSA(hashes.SHA256())))
    return r.to_bytes(32, "big") + s.to_bytes(32, "big")


def jws_compact(header: dict[str, Any], payload: dict[str, Any], private_key: ec.EllipticCurvePrivateKey) -> str:
    """A compact JWS over `payload` with ES256; `header` must already name alg ES256."""
    signing_input = b64url_encode(json_bytes(header)) + "." + b64url_encode(json_bytes(payload))
    return signing_input + "." + b64url_encode(es256_sign(signing_input.encode("ascii"), private_key))


def jws_parse(compact: str) -> tuple[dict[str, Any], dict[str, Any], bytes, bytes]:
    """(header, payload, signing input, signature) of a compact JWS, unverified."""
    parts = compact.split(".") if isinstance(compact, str) else []
    if len(parts) != 3:
        raise JoseError("不是由三段组成的 JWT", "not a JWT of three parts")
    header = json_object(b64url_decode(parts[0]))
    payload = json_object(b64url_decode(parts[1]))
    signature = b64url_decode(parts[2])
    return header, payload, (parts[0] + "." + parts[1]).encode("ascii"), signature


def signature_valid(alg: Any, key: PublicKey, signing_input: bytes, signature: bytes) -> bool:
    """True when `signature` is `alg` over `signing_input` by `key`, and `alg` fits the key type."""
    try:
        if isinstance(key, ec.EllipticCurvePublicKey) and alg == "ES256":
            if len(signature) != 64:
                return False
            der = encode_dss_signature(int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big"))
            key.verify(der, signing_input, ec.ECDSA(hashes.SHA256()))
            return True
        if isinstance(key, ed25519.Ed25519PublicKey) and alg in ALGORITHMS["OKP"]:
            key.verify(signature, signing_input)
            return True
        if isinstance(key, rsa.RSAPublicKey) and alg == "RS256":
            key.verify(signature, signing_input, padding.PKCS1v15(), hashes.SHA256())
            return True
        if isinstance(key, rsa.RSAPublicKey) and alg == "PS256":
            pss = padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=32)
            key.verify(signature, signing_input, pss, hashes.SHA256())
            return True
    except InvalidSignature:
        return False
    return False
