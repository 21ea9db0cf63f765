"""Protection of personal data (个人信息保护).

Personal identifiers are stored encrypted with AES-256-GCM (key `GOVPLUS_DATA_KEY`, never in the
database), found by a keyed HMAC-SHA256 "blind index" (key `GOVPLUS_LOOKUP_KEY`) so that equality search
works without decrypting, and shown masked. Ciphertexts carry a key version so keys can be rotated.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from functools import lru_cache

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings

KEY_VERSION = "v1"


@lru_cache(maxsize=4)
def _aes_key(secret: str) -> bytes:
    return hashlib.sha256(("govplus-data:" + secret).encode()).digest()


def _utf8(text: str) -> bytes:
    """Text as UTF-8; text that has none (a lone surrogate, which the edge should have refused,
    `core.input`) is bad input, not a server fault."""
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError as error:
        from govplus.core.errors import ValidationFailed
        from govplus.core.input import SURROGATE_PROBLEM

        raise ValidationFailed({"text": [SURROGATE_PROBLEM]}) from error


def encrypt_text(plaintext: str) -> str:
    """Encrypt with a fresh 96-bit nonce; output is `v1:<base64(nonce|ciphertext|tag)>`."""
    nonce = os.urandom(12)
    sealed = AESGCM(_aes_key(settings.GOVPLUS_DATA_KEY)).encrypt(nonce, _utf8(plaintext), None)
    return f"{KEY_VERSION}:{base64.b64encode(nonce + sealed).decode()}"


def decrypt_text(token: str) -> str:
    version, _, payload = token.partition(":")
    if version != KEY_VERSION:
        raise ValueError("unknown key version")
    raw = base64.b64decode(payload)
    return AESGCM(_aes_key(settings.GOVPLUS_DATA_KEY)).decrypt(raw[:12], raw[12:], None).decode()


def lookup_hash(value: str) -> str:
    """Keyed hash for equality lookup; normalised so that 'x' and 'X' check digits match."""
    normalised = value.strip().upper()
    return hmac.new(settings.GOVPLUS_LOOKUP_KEY.encode(), _utf8(normalised), hashlib.sha256).hexdigest()


def mask_middle(value: str, keep_start: int, keep_end: int) -> str:
    """Mask everything but the first and last characters: 330521********123X."""
    if len(value) <= keep_start + keep_end:
        return "*" * len(value)
    return value[:keep_start] + "*" * (len(value) - keep_start - keep_end) + value[len(value) - keep_end :]


def mask_id_number(value: str) -> str:
    return mask_middle(value, 6, 4)


def mask_phone(value: str) -> str:
    return mask_middle(value, 3, 4)


def mask_name(value: str) -> str:
    """张三 -> 张*, 欧阳娜娜 -> 欧***."""
    if not value:
        return value
    return value[0] + "*" * (len(value) - 1) if len(value) > 1 else "*"
