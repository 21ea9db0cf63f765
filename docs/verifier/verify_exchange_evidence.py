#!/usr/bin/env python3
"""Verify a govplus exchange evidence export offline (交换存证离线核验). Python 3.11+, standard library only.

    python3 verify_exchange_evidence.py export.json [--jwks jwks.json]

What it checks (docs/exchange.md, "Evidence"):
1. The signed tree head: a compact JWS, RS256, header typ `exchange-tree-head+jws`, made with the key
   named by its `kid`. The key is taken from `--jwks` (the node's /o/.well-known/jwks.json, fetched by
   the auditor independently: this is what makes the check mean something), otherwise from the JWKS
   inside the export (then the check only shows the export is internally consistent, and says so).
   The kid must be the key's RFC 7638 thumbprint. The signed payload must be the head the export states.
2. Each entry: its leaf hash is recomputed from its canonical JSON exactly as given (RFC 6962:
   SHA-256(0x00 || UTF-8 bytes)), the canonical JSON's leaf_index and evidence_id must be the entry's,
   and its inclusion proof must lead from that leaf to the signed root (RFC 9162 §2.1.3.2).

It prints one line per entry and exits 0 when the signature and every entry verify, 1 otherwise.

RSA: the standard library has none, and RS256 verification needs very little (RFC 8017 §8.2.2,
RSASSA-PKCS1-v1_5): s = signature as an integer, m = s^e mod n, and m as k bytes must equal
0x00 0x01 0xFF…0xFF 0x00 || DER(DigestInfo(SHA-256)) || SHA-256(signing input). This script does exactly
that with pow(); no signing, no private key, nothing secret.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import hmac
import json
import sys
from typing import Any

EXPORT_FORMAT = "govplus-exchange-evidence-v1"
HEAD_TYPE = "exchange-tree-head+jws"
# DER of DigestInfo{ sha256, NULL } followed by the 32-byte OCTET STRING header (RFC 8017 §9.2 note 1)
SHA256_DIGEST_INFO = bytes.fromhex("3031300d060960864801650304020105000420")
MIN_RSA_BITS = 2048


class Invalid(Exception):
    """The evidence does not verify; the message says why."""


def b64url_decode(text: str) -> bytes:
    if not isinstance(text, str) or any(c not in _B64URL for c in text) or len(text) % 4 == 1:
        raise Invalid(f"not base64url: {str(text)[:20]!r}")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


_B64URL = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


def b64url_encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def rsa_pkcs1v15_sha256_verify(n: int, e: int, message: bytes, signature: bytes) -> bool:
    """RSASSA-PKCS1-v1_5 verification with SHA-256 (RFC 8017 §8.2.2), by modular exponentiation."""
    k = (n.bit_length() + 7) // 8
    if len(signature) != k:
        return False
    s = int.from_bytes(signature, "big")
    if s >= n:
        return False
    encoded = pow(s, e, n).to_bytes(k, "big")
    digest = hashlib.sha256(message).digest()
    padding = k - 3 - len(SHA256_DIGEST_INFO) - len(digest)
    if padding < 8:
        return False
    expected = b"\x00\x01" + b"\xff" * padding + b"\x00" + SHA256_DIGEST_INFO + digest
    return hmac.compare_digest(encoded, expected)


def rsa_thumbprint(jwk: dict[str, Any]) -> str:
    """RFC 7638 thumbprint of an RSA JWK: SHA-256 of {"e","kty","n"} in that order, no spaces."""
    members = json.dumps({"e": jwk["e"], "kty": "RSA", "n": jwk["n"]}, separators=(",", ":"), sort_keys=True)
    return b64url_encode(hashlib.sha256(members.encode("ascii")).digest())


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def verify_inclusion(leaf: bytes, index: int, size: int, proof: list[bytes], root: bytes) -> bool:
    """RFC 9162 §2.1.3.2."""
    if not 0 <= index < size:
        return False
    fn, sn = index, size - 1
    result = leaf
    for node in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            result = node_hash(node, result)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            result = node_hash(result, node)
        fn >>= 1
        sn >>= 1
    return sn == 0 and hmac.compare_digest(result, root)


def find_key(jwks: dict[str, Any], kid: str) -> dict[str, Any]:
    for key in jwks.get("keys", []) if isinstance(jwks, dict) else []:
        if isinstance(key, dict) and key.get("kid") == kid and key.get("kty") == "RSA":
            return key
    raise Invalid(f"签名密钥不在公钥集中 / no RSA key with kid {kid!r} in the key set")


def verify_tree_head(head: dict[str, Any], jwks: dict[str, Any]) -> tuple[dict[str, Any], str]:
    """The signed payload of the tree head and the kid of the key that signed it, after checking the
    signature with `jwks`."""
    parts = str(head.get("jws", "")).split(".")
    if len(parts) != 3:
        raise Invalid("树头不是 compact JWS / the tree head is not a compact JWS")
    try:
        header = json.loads(b64url_decode(parts[0]))
        payload = json.loads(b64url_decode(parts[1]))
    except ValueError as error:
        raise Invalid(f"树头无法解析 / the tree head cannot be read: {error}") from error
    if header.get("alg") != "RS256" or header.get("typ") != HEAD_TYPE:
        raise Invalid(f"树头算法或类型不符 / not an RS256 {HEAD_TYPE}: {header}")
    key = find_key(jwks, str(header.get("kid", "")))
    if rsa_thumbprint(key) != key["kid"]:
        raise Invalid("kid 不是该公钥的指纹 / the kid is not the key's RFC 7638 thumbprint")
    n = int.from_bytes(b64url_decode(key["n"]), "big")
    e = int.from_bytes(b64url_decode(key["e"]), "big")
    if n.bit_length() < MIN_RSA_BITS:
        raise Invalid("RSA 公钥过短 / RSA key shorter than 2048 bits")
    signing_input = f"{parts[0]}.{parts[1]}".encode("ascii")
    if not rsa_pkcs1v15_sha256_verify(n, e, signing_input, b64url_decode(parts[2])):
        raise Invalid("树头签名无效 / the tree head's signature does not verify")
    for name in ("log", "node", "tree_size", "root_hash", "timestamp"):
        if payload.get(name) != head.get(name):
            raise Invalid(f"导出的树头与签名内容不符 / the export's {name} is not what was signed")
    if payload.get("log") != "exchange":
        raise Invalid("不是交换存证日志的树头 / not a head of an exchange evidence log")
    return payload, key["kid"]


def verify_entry(entry: dict[str, Any], size: int, root: bytes) -> str:
    """A one-line description of a verified entry; Invalid when it does not verify."""
    canonical = entry.get("canonical")
    if not isinstance(canonical, str):
        raise Invalid("缺少规范 JSON / no canonical JSON")
    data = canonical.encode("utf-8")
    try:
        content = json.loads(data)
    except ValueError as error:
        raise Invalid(f"规范 JSON 无法解析 / canonical JSON unreadable: {error}") from error
    index = entry.get("leaf_index")
    if not isinstance(index, int) or content.get("leaf_index") != index:
        raise Invalid("叶序号与内容不符 / leaf_index differs from the one inside the entry")
    if content.get("evidence_id") != entry.get("evidence_id"):
        raise Invalid("存证编号与内容不符 / evidence_id differs from the one inside the entry")
    leaf = hashlib.sha256(b"\x00" + data).digest()
    if entry.get("leaf_hash") not in (None, leaf.hex()):
        raise Invalid("叶哈希与内容不符（内容被改动）/ leaf hash does not match the content (altered)")
    try:
        proof = [bytes.fromhex(node) for node in entry.get("inclusion_proof", [])]
    except (TypeError, ValueError) as error:
        raise Invalid("包含证明无法解析 / inclusion proof unreadable") from error
    if not verify_inclusion(leaf, index, size, proof, root):
        raise Invalid(
            "包含证明不成立：内容被改动或不在签名的树中 / inclusion proof fails: altered, or not in the signed tree"
        )
    return (
        f"{content.get('occurred_at')} {content.get('operation')} {content.get('resource_code')} "
        f"by {content.get('consumer')} ({content.get('consumer_department')}), {content.get('record_count')} record(s)"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Verify a govplus exchange evidence export offline.")
    parser.add_argument("export", help="the export file (JSON)")
    parser.add_argument("--jwks", help="the node's JWKS, fetched independently from its jwks_uri")
    args = parser.parse_args(argv)
    try:
        with open(args.export, encoding="utf-8") as file:
            document = json.load(file)
        if document.get("format") != EXPORT_FORMAT:
            raise Invalid(f"不是 {EXPORT_FORMAT} 格式 / not a {EXPORT_FORMAT} document")
        if args.jwks:
            with open(args.jwks, encoding="utf-8") as file:
                jwks = json.load(file)
            source = f"the independently fetched key set {args.jwks}"
        else:
            jwks = document.get("jwks", {})
            source = "the key set inside the export (fetch the node's jwks_uri and pass --jwks to rely on it)"
        head = document.get("tree_head") or {}
        payload, kid = verify_tree_head(head, jwks)
    except (OSError, ValueError, KeyError, TypeError, Invalid) as error:
        print(f"FAIL tree head / 树头: {error}")
        return 1
    size, root = payload["tree_size"], bytes.fromhex(payload["root_hash"])
    print(f"node {payload['node']}: tree head of {size} entries, root {payload['root_hash']}")
    print(f"OK   signature / 签名有效 (RS256, kid {kid}) with {source}")
    failures = 0
    entries = document.get("entries", [])
    for entry in entries:
        name = entry.get("evidence_id", "?") if isinstance(entry, dict) else "?"
        try:
            summary = verify_entry(entry, size, root)
        except (Invalid, AttributeError, TypeError) as error:
            failures += 1
            print(f"FAIL entry {name} (leaf {entry.get('leaf_index') if isinstance(entry, dict) else '?'}): {error}")
        else:
            print(f"OK   entry {name} (leaf {entry['leaf_index']}): {summary}")
    if not entries:
        failures += 1
        print("FAIL no entries / 没有存证")
    print(f"{len(entries) - failures if entries else 0} of {len(entries)} entries verified")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
