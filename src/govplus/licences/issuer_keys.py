"""The credential issuer key (`IssuerKey` kind "credential"): it signs SD-JWT VCs, Token Status Lists and
亮证 tokens.

Rules:
- One active key at a time, ES256 (ECDSA P-256 with SHA-256, RFC 7518 §3.4). The database holds the
  invariant (the partial unique constraint `one_active_credential_key`): two processes that both find no
  key both try to create one, one insert wins and the other reads the winner's key.
- Its `kid` is the RFC 7638 thumbprint of the public key, so a verifier can recompute it from the JWK.
- The private key is kept encrypted at rest (PKCS#8 PEM under `core.crypto.encrypt_text`, AES-256-GCM with
  `GOVPLUS_DATA_KEY`, which never sits in the database).
- Rotation retires the active key and creates a new one in one transaction. Retired keys stay published in
  `issuer_jwks()`: credentials signed before the rotation still verify until they expire. A key is never
  deleted. Creating and rotating are audited.
- Issuer metadata (SD-JWT VC draft, "JWT VC Issuer Metadata", served at `/.well-known/jwt-vc-issuer`):
  `{"issuer": <the iss of our credentials>, "jwks": {"keys": [...]}}`.

Loaded keys are cached in the process by kid (a kid names one key forever, so the cache is never stale);
which key is active is read from the database on every signature, so a rotation in another process takes
effect at once.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.db import IntegrityError, transaction
from django.utils import timezone
from jwcrypto.jwk import JWK

from govplus.core.audit import audit_record
from govplus.core.crypto import decrypt_text, encrypt_text
from govplus.licences.jose import PublicKey, cached_public_key
from govplus.licences.models import IssuerKey

ALGORITHM = "ES256"

_private_keys: dict[str, ec.EllipticCurvePrivateKey] = {}
_public_keys: dict[str, PublicKey] = {}


@dataclass(frozen=True)
class CredentialKey:
    """The active signing key: its kid, the private key and the public JWK as published."""

    kid: str
    private_key: ec.EllipticCurvePrivateKey
    public_jwk: dict[str, Any]


def _published(jwk: dict[str, Any], kid: str) -> dict[str, Any]:
    return {**{m: jwk[m] for m in ("kty", "crv", "x", "y")}, "kid": kid, "alg": ALGORITHM, "use": "sig"}


def _active_row() -> IssuerKey | None:
    return (
        IssuerKey.objects.filter(kind=IssuerKey.Kind.CREDENTIAL, retired_at__isnull=True)
        .order_by("-created_at", "-id")
        .first()
    )


def _loaded(row: IssuerKey) -> CredentialKey:
    private_key = _private_keys.get(row.kid)
    if private_key is None:
        loaded = serialization.load_pem_private_key(decrypt_text(row.private_key_encrypted).encode(), password=None)
        if not isinstance(loaded, ec.EllipticCurvePrivateKey):
            raise TypeError(f"credential key {row.kid} is not an EC key")
        private_key = _private_keys[row.kid] = loaded
    return CredentialKey(kid=row.kid, private_key=private_key, public_jwk=dict(row.public_jwk))


def _new_row(now: dt.datetime) -> IssuerKey:
    jwk = JWK.generate(kty="EC", crv="P-256")
    kid = jwk.thumbprint()  # RFC 7638, SHA-256
    pem = jwk.export_to_pem(private_key=True, password=None).decode("ascii")
    return IssuerKey.objects.create(
        kind=IssuerKey.Kind.CREDENTIAL,
        kid=kid,
        private_key_encrypted=encrypt_text(pem),
        public_jwk=_published(jwk.export_public(as_dict=True), kid),
        created_at=now,
    )


def credential_key(*, now: dt.datetime | None = None) -> CredentialKey:
    """The active credential key, created on first use (race-safe: the loser of a concurrent create
    reads the winner's key)."""
    row = _active_row()
    if row is None:
        try:
            with transaction.atomic():
                row = _new_row(now or timezone.now())
                audit_record(
                    actor=None, action="licences.credential_key_create", object_type="issuer_key", object_id=row.kid
                )
        except IntegrityError:
            row = _active_row()
            if row is None:
                raise
    return _loaded(row)


def credential_key_rotate(*, actor: Any = None, now: dt.datetime | None = None) -> CredentialKey:
    """Retire the active key and make a new one, in one transaction. When another rotation runs at the
    same moment, the one that commits first wins and the other returns the winner's new key."""
    now = now or timezone.now()
    try:
        with transaction.atomic():
            retiring = list(
                IssuerKey.objects.select_for_update()
                .filter(kind=IssuerKey.Kind.CREDENTIAL, retired_at__isnull=True)
                .values_list("kid", flat=True)
            )
            IssuerKey.objects.filter(kid__in=retiring).update(retired_at=now)
            row = _new_row(now)
            audit_record(
                actor=actor,
                action="licences.credential_key_rotate",
                object_type="issuer_key",
                object_id=row.kid,
                changes={"retired": retiring},
            )
    except IntegrityError:
        return credential_key(now=now)
    return _loaded(row)


def issuer_jwks() -> dict[str, list[dict[str, Any]]]:
    """Every credential public key, the active one first, then the retired ones (newest first)."""
    rows = list(IssuerKey.objects.filter(kind=IssuerKey.Kind.CREDENTIAL).order_by("-created_at", "-id"))
    active = [r.public_jwk for r in rows if r.retired_at is None]
    return {"keys": active + [r.public_jwk for r in rows if r.retired_at is not None]}


def issuer_metadata(issuer: str) -> dict[str, Any]:
    """JWT VC Issuer Metadata (SD-JWT VC draft §5): what `/.well-known/jwt-vc-issuer` serves."""
    return {"issuer": issuer, "jwks": issuer_jwks()}


def issuer_public_key(kid: str) -> PublicKey | None:
    """The public key of credential key `kid` (active or retired), or None when the platform has none.

    Found keys are cached in the process; an unknown kid costs one indexed query each time (it is not
    cached, so a key created by another process a moment ago is found)."""
    key = _public_keys.get(kid)
    if key is None:
        row = IssuerKey.objects.filter(kind=IssuerKey.Kind.CREDENTIAL, kid=kid).only("public_jwk").first()
        if row is None:
            return None
        _, key = cached_public_key({m: row.public_jwk[m] for m in ("kty", "crv", "x", "y")})
        _public_keys[kid] = key
    return key
