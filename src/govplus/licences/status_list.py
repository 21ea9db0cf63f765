"""The licences' status as a Token Status List (IETF draft-ietf-oauth-status-list).

Every credential and 亮证 code points to one entry of the list (`status.status_list.idx` =
`Licence.status_index`, `uri` = the list's URL, draft §6.2). The list is:
- 2 bits per entry (`bits: 2`), the status of index i in the bits (i mod 4)·2 of byte ⌊i/4⌋, least
  significant first (draft §4.1 "Compressed Byte Array");
- the byte array compressed with DEFLATE in the ZLIB format (RFC 1950/1951) at the highest level, then
  base64url without padding (`lst`);
- carried in a JWT (draft §5.1): header `typ: statuslist+jwt`, `alg: ES256`, `kid` of the credential key;
  claims `sub` (the list's URI, which must equal the `uri` in the credential), `iat`, `exp` (a day: an
  offline verifier must not trust an older list), `ttl` (300 s: fetch again after five minutes),
  `status_list: {bits, lst}`.

Status values (draft §7.1): 0 VALID; 1 INVALID — revoked (撤销), cancelled (注销), withdrawn (吊销) or
expired (失效), all final; 2 SUSPENDED (暂扣), which a restore turns back to VALID. An unknown licence status
counts as INVALID (fail closed). The list's length is rounded up to a multiple of 16,384 entries, so it
does not publish the exact number of licences (draft §12, herd privacy).

`status_list_current` builds the list from the database in one query over the licences that are not
valid (a valid entry is the zero default) and keeps the signed token in the default cache (Redis in
production, shared by every process), keyed by a stamp of two primary-key lookups: the newest licence
and the newest licence event. Every status change is recorded as a `LicenceEvent` (the licence's
history), so a change moves the stamp and is published at the next request; whatever the stamp, a token is
re-signed after a minute, which also bounds how long a change committed out of id order can stay unseen.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import zlib
from collections.abc import Mapping
from typing import Any

from django.core.cache import caches

from govplus.licences.issuer_keys import ALGORITHM, credential_key
from govplus.licences.jose import (
    JoseError,
    b64url_decode,
    b64url_encode,
    cached_public_key,
    jws_compact,
    jws_parse,
    signature_valid,
)
from govplus.licences.models import Licence, LicenceEvent

BITS = 2
VALID, INVALID, SUSPENDED = 0, 1, 2
TYP = "statuslist+jwt"
TTL_SECONDS = 300
LIFETIME = dt.timedelta(days=1)
REUSE_SECONDS = 60
SIZE_STEP = 16_384
MAX_LIST_BYTES = 16 * 1024 * 1024  # refuse a list that inflates beyond 16 MB (a zip bomb)
STATUS_LIST_PATH = "/api/v1/licences/status-list"

_STATUS_VALUES = {
    Licence.Status.VALID: VALID,
    Licence.Status.SUSPENDED: SUSPENDED,
    Licence.Status.REVOKED: INVALID,
    Licence.Status.CANCELLED: INVALID,
    Licence.Status.WITHDRAWN: INVALID,
    Licence.Status.EXPIRED: INVALID,
}
_NONZERO = re.compile(rb"[^\x00]")
_decoded: dict[str, tuple[str, dict[str, Any], int, bytes, dict[str, Any]]] = {}
_DECODED_KEEP = 8


def status_list_uri(issuer: str) -> str:
    """The URL of the platform's list (the `sub` of its token, the `uri` in every credential)."""
    return issuer.rstrip("/") + STATUS_LIST_PATH


def status_value_of(licence_status: str) -> int:
    """The status list value of a licence status (unknown: INVALID)."""
    return _STATUS_VALUES.get(licence_status, INVALID)  # type: ignore[call-overload]


def status_list_size(highest_index: int | None) -> int:
    """Entries in a list that covers `highest_index`, rounded up to a multiple of SIZE_STEP."""
    needed = 0 if highest_index is None else highest_index + 1
    return max(SIZE_STEP, -(-needed // SIZE_STEP) * SIZE_STEP)


def status_list_encode(statuses: Mapping[int, int] | bytes, size: int) -> str:
    """The `lst` of a 2-bit list of `size` entries. `statuses` is either {index: value} (missing indices
    are VALID) or bytes with one value per entry (entry i = statuses[i])."""
    packed = bytearray(-(-size * BITS // 8))
    if isinstance(statuses, bytes | bytearray):
        if len(statuses) > size:
            raise ValueError("more statuses than entries")
        items: Any = ((m.start(), statuses[m.start()]) for m in _NONZERO.finditer(statuses))
    else:
        items = statuses.items()
    for index, value in items:
        if not 0 <= index < size or not 0 <= value < 1 << BITS:
            raise ValueError(f"status {value} at index {index} does not fit a {BITS}-bit list of {size}")
        packed[index >> 2] |= value << ((index & 3) << 1)
    return b64url_encode(zlib.compress(bytes(packed), 9))


def status_list_token(*, uri: str, statuses: Mapping[int, int] | bytes, size: int, now: dt.datetime) -> str:
    """The signed Status List Token (draft §5.1)."""
    key = credential_key(now=now)
    iat = int(now.timestamp())
    payload = {
        "sub": uri,
        "iat": iat,
        "exp": iat + int(LIFETIME.total_seconds()),
        "ttl": TTL_SECONDS,
        "status_list": {"bits": BITS, "lst": status_list_encode(statuses, size)},
    }
    return jws_compact({"alg": ALGORITHM, "typ": TYP, "kid": key.kid}, payload, key.private_key)


def _stamp() -> tuple[int | None, int | None]:
    """What moves when the list changes: the newest licence (a new entry) and the newest licence event
    (every status change is a `LicenceEvent`). Two primary-key lookups, whatever the number of licences."""
    newest_licence = Licence.objects.order_by("-id").values_list("id", flat=True).first()
    newest_event = LicenceEvent.objects.order_by("-id").values_list("id", flat=True).first()
    return newest_licence, newest_event


def status_list_current(uri: str, now: dt.datetime) -> str:
    """The platform's list, signed, as it is now (see the module docstring for the cache)."""
    cache_key = "licences:status-list:" + hashlib.sha256(f"{uri}\0{_stamp()}".encode()).hexdigest()
    cache = caches["default"]
    cached = cache.get(cache_key)
    if cached is not None and 0 <= now.timestamp() - cached[0] < REUSE_SECONDS:
        return str(cached[1])
    highest = Licence.objects.order_by("-status_index").values_list("status_index", flat=True).first()
    statuses = {
        index: status_value_of(status)
        for index, status in Licence.objects.exclude(status=Licence.Status.VALID)
        .values_list("status_index", "status")
        .iterator(chunk_size=10_000)
    }
    token = status_list_token(uri=uri, statuses=statuses, size=status_list_size(highest), now=now)
    cache.set(cache_key, (now.timestamp(), token), timeout=REUSE_SECONDS)
    return token


def _inflate(lst: str) -> bytes:
    inflater = zlib.decompressobj()
    try:
        raw = inflater.decompress(b64url_decode(lst), MAX_LIST_BYTES)
    except zlib.error as error:
        raise JoseError("状态列表无法解压", "the status list cannot be inflated") from error
    if inflater.unconsumed_tail or not inflater.eof:
        raise JoseError("状态列表过大或不完整", "the status list is too large or truncated")
    return raw


def _verified(token: str, keys: Mapping[str, Any]) -> tuple[dict[str, Any], int, bytes]:
    """(payload, bits, byte array) of a token whose signature is by a key in `keys` (a JWKS)."""
    header, payload, signing_input, signature = jws_parse(token)
    if header.get("typ") != TYP:
        raise JoseError("不是状态列表令牌", "not a status list token (typ statuslist+jwt)")
    kid = header.get("kid")
    jwk = next((k for k in keys.get("keys", []) if isinstance(k, dict) and k.get("kid") == kid), None)
    if jwk is None:
        raise JoseError("状态列表的签名密钥不在公布的密钥中", "the status list is signed by an unpublished key")
    remembered = _decoded.get(token)
    if remembered is not None and remembered[0] == kid and remembered[1] == jwk:
        return remembered[4], remembered[2], remembered[3]
    _, public_key = cached_public_key({m: v for m, v in jwk.items() if m in ("kty", "crv", "x", "y", "n", "e")})
    if not signature_valid(header.get("alg"), public_key, signing_input, signature):
        raise JoseError("状态列表签名无效", "the status list's signature is invalid")
    status_list = payload.get("status_list")
    if not isinstance(status_list, dict) or status_list.get("bits") not in (1, 2, 4, 8):
        raise JoseError("状态列表格式不正确", "the status list is malformed")
    raw = _inflate(status_list.get("lst", ""))
    if len(_decoded) >= _DECODED_KEEP:
        _decoded.clear()
    _decoded[token] = (str(kid), dict(jwk), status_list["bits"], raw, payload)
    return payload, status_list["bits"], raw


def status_list_lookup(
    token: str, idx: int, keys: Mapping[str, Any], *, uri: str | None = None, now: dt.datetime | None = None
) -> int:
    """The status of entry `idx` in a Status List Token, after checking it (draft §8.3): signed by a key
    of `keys` (a JWKS such as `issuer_jwks()`), `sub` equal to `uri` when given, not expired at `now` when
    given, `idx` inside the list. Raises `JoseError` (Chinese and English) otherwise. A token once
    verified is remembered, so looking up many indices in one list verifies and inflates it once."""
    payload, bits, raw = _verified(token, keys)
    if uri is not None and payload.get("sub") != uri:
        raise JoseError("状态列表与凭证所指的不一致", "the status list is not the one the credential points to")
    expires = payload.get("exp")
    if now is not None and isinstance(expires, int | float) and now.timestamp() >= expires:
        raise JoseError("状态列表已过期", "the status list has expired")
    if not isinstance(idx, int) or isinstance(idx, bool) or not 0 <= idx < len(raw) * 8 // bits:
        raise JoseError("状态索引超出列表范围", "the status index is outside the list")
    position = idx * bits
    return (raw[position >> 3] >> (position & 7)) & ((1 << bits) - 1)


def status_of_index(idx: int) -> int:
    """The status of entry `idx` from the database itself (the platform's own verifier): one indexed
    query, fresher than any published list. No licence at that index: INVALID."""
    status = Licence.objects.filter(status_index=idx).values_list("status", flat=True).first()
    return INVALID if status is None else status_value_of(status)
