"""The platform's licence PKI (电子证照签章体系): a root CA, one seal certificate per issuing department and a
time-stamping authority, all kept as `IssuerKey` rows with the private key encrypted at rest.

Rules:
- **One active key per kind** (and per department for seals): the root CA, the TSA, each department's
  seal. They are created on first use (set-up needs no manual step) and replaced only by `ca_rotate`.
- **Retired keys stay.** Rotation sets `retired_at` and creates a new key; a PDF sealed with the old key
  still verifies, because the trust store is every root the platform ever had (`root_certificates`).
  Rotating the root re-issues the TSA and every active department seal under the new root at once.
- **A seal names the department as it is now**: a renamed department, or one whose unified social
  credit code changed, gets a new certificate at its next seal; one that is about to expire is renewed.
- **Race-safe creation**: a key's `kid` is `<kind>.<scope>.g<generation>` and `kid` is unique in the
  database, so two processes creating the first root (or rotating the same key) cannot both win; the
  loser's insert fails and it reads the winner's key.
- **No revocation service.** The CA issues no CRL and runs no OCSP responder, and its certificates name
  none, so validators do not look for revocation data. A licence is withdrawn by its status in the
  library (checked by the verification page), not by revoking the department's certificate; a
  compromised department key is rotated.

Algorithm: ECDSA P-256 with SHA-256 for every key (GB/T 38540 and ETSI TS 119 312 accept it for seals;
PDF readers and pyHanko validate it). Compared with RSA-2048 it signs ~30× faster, makes a key in well
under a millisecond instead of ~100 ms (a department's first seal is made during an issue), and keeps
signatures and certificates small (a sealed PDF carries six certificates and three signatures). SM2
(国密) needs a hardware seal device and goes behind `signing.PdfSigner`.

Legal basis: 《电子签名法》第十三条 (a reliable electronic signature: the signing key belongs to the
signer alone and is under its control), GB/T 38540-2020 《信息安全技术 安全电子签章密码技术规范》.
"""

from __future__ import annotations

import datetime as dt
import threading
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from govplus.core.audit import audit_record
from govplus.core.crypto import decrypt_text, encrypt_text
from govplus.licences.models import IssuerKey

ROOT_YEARS = 30
SEAL_YEARS = 5
SEAL_RENEW_DAYS = 30  # a seal certificate this close to its end is replaced before it seals again
BACKDATE = dt.timedelta(minutes=5)  # clock skew between the platform's machines
_CREATE_ATTEMPTS = 5

Kind = IssuerKey.Kind
PKI_KINDS = (Kind.ROOT_CA, Kind.SEAL, Kind.TSA)


@dataclass(frozen=True)
class LoadedKey:
    """A key of the PKI ready to sign: the decrypted private key and the parsed certificate.

    Immutable key material only (never whether the key is retired), so it is cached by `kid`."""

    kid: str
    kind: str
    department_id: int | None
    private_key: ec.EllipticCurvePrivateKey
    certificate: x509.Certificate

    @cached_property
    def certificate_der(self) -> bytes:
        return self.certificate.public_bytes(serialization.Encoding.DER)

    @cached_property
    def private_key_der(self) -> bytes:
        return self.private_key.private_bytes(
            serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )

    def certificate_asn1(self) -> asn1_x509.Certificate:
        """The certificate as pyHanko takes it, parsed afresh for each use: asn1crypto objects fill in
        caches as they are used, and one shared across signatures makes later copies of it slow."""
        return asn1_x509.Certificate.load(self.certificate_der)

    def private_key_asn1(self) -> asn1_keys.PrivateKeyInfo:
        return asn1_keys.PrivateKeyInfo.load(self.private_key_der)

    @cached_property
    def key_identifier(self) -> bytes:
        return x509.SubjectKeyIdentifier.from_public_key(self.private_key.public_key()).digest


# Keyed by (kid, certificate): a kid names one key for good, but a test database starts again at g0001.
_cache: dict[tuple[str, str], LoadedKey] = {}
_certificates: dict[tuple[str, str], x509.Certificate] = {}
_cache_lock = threading.Lock()


def _load(row: IssuerKey) -> LoadedKey:
    """The row's key, decrypted and parsed once per process (decryption and parsing cost more than the
    query that found the row)."""
    cache_key = (row.kid, row.certificate_pem)
    loaded = _cache.get(cache_key)
    if loaded is not None:
        return loaded
    private_key = serialization.load_pem_private_key(decrypt_text(row.private_key_encrypted).encode(), None)
    if not isinstance(private_key, ec.EllipticCurvePrivateKey):
        raise ValueError(f"issuer key {row.kid} is not an EC key")
    loaded = LoadedKey(
        kid=row.kid,
        kind=row.kind,
        department_id=row.department_id,
        private_key=private_key,
        certificate=_certificate(row.kid, row.certificate_pem),
    )
    with _cache_lock:
        return _cache.setdefault(cache_key, loaded)


def _certificate(kid: str, certificate_pem: str) -> x509.Certificate:
    """A certificate parsed once per process; verification needs no private key."""
    cache_key = (kid, certificate_pem)
    certificate = _certificates.get(cache_key)
    if certificate is None:
        certificate = x509.load_pem_x509_certificate(certificate_pem.encode())
        with _cache_lock:
            _certificates[cache_key] = certificate
    return certificate


# ---------------------------------------------------------------------------------------------- names


def _platform_name() -> str:
    return getattr(settings, "GOVPLUS_SITE_NAME", "") or "govplus"


def _root_subject(generation: int) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, _platform_name()),
            x509.NameAttribute(NameOID.COMMON_NAME, f"govplus 电子证照根证书 G{generation}"),
        ]
    )


def _tsa_subject(generation: int) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, _platform_name()),
            x509.NameAttribute(NameOID.COMMON_NAME, f"govplus 电子证照时间戳服务 G{generation}"),
        ]
    )


def _seal_subject(department: Any) -> x509.Name:
    """The department by name, and by its unified social credit code (统一社会信用代码) as serialNumber."""
    attributes = [
        x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, department.name),
        x509.NameAttribute(NameOID.COMMON_NAME, department.name),
    ]
    if department.credit_code:
        attributes.append(x509.NameAttribute(NameOID.SERIAL_NUMBER, department.credit_code))
    else:
        attributes.append(x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, department.code))
    return x509.Name(attributes)


def subject_field(certificate: x509.Certificate, oid: x509.ObjectIdentifier) -> str:
    """One field of a certificate's subject ('' when absent)."""
    values = certificate.subject.get_attributes_for_oid(oid)
    return str(values[0].value) if values else ""


# -------------------------------------------------------------------------------------- certificates


def _new_key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def _builder(
    subject: x509.Name, issuer: x509.Name, key: ec.EllipticCurvePrivateKey, now: dt.datetime, until: dt.datetime
) -> x509.CertificateBuilder:
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - BACKDATE)
        .not_valid_after(until)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
    )


def _key_usage(*, signature: bool = False, certificates: bool = False) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=signature,
        content_commitment=signature,  # nonRepudiation: a seal commits its department
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=certificates,
        crl_sign=certificates,
        encipher_only=False,
        decipher_only=False,
    )


def _years_after(moment: dt.datetime, years: int) -> dt.datetime:
    try:
        return moment.replace(year=moment.year + years)
    except ValueError:  # 29 February
        return moment.replace(year=moment.year + years, day=28)


def _root_certificate(key: ec.EllipticCurvePrivateKey, generation: int, now: dt.datetime) -> x509.Certificate:
    subject = _root_subject(generation)
    return (
        _builder(subject, subject, key, now, _years_after(now, ROOT_YEARS))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_key_usage(certificates=True), critical=True)
        .sign(key, hashes.SHA256())
    )


def _issued_certificate(
    root: LoadedKey, subject: x509.Name, key: ec.EllipticCurvePrivateKey, now: dt.datetime, until: dt.datetime
) -> x509.CertificateBuilder:
    return (
        _builder(subject, root.certificate.subject, key, now, min(until, root.certificate.not_valid_after_utc))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(root.private_key.public_key()),
            critical=False,
        )
        .add_extension(_key_usage(signature=True), critical=True)
    )


def _seal_certificate(
    root: LoadedKey, department: Any, key: ec.EllipticCurvePrivateKey, now: dt.datetime
) -> x509.Certificate:
    builder = _issued_certificate(root, _seal_subject(department), key, now, _years_after(now, SEAL_YEARS))
    return builder.sign(root.private_key, hashes.SHA256())


def _tsa_certificate(
    root: LoadedKey, key: ec.EllipticCurvePrivateKey, generation: int, now: dt.datetime
) -> x509.Certificate:
    """RFC 3161 §2.3: the TSA's certificate has exactly one extended key usage, timeStamping, critical.
    It lives as long as the root, so a timestamp stays verifiable for as long as the seal it dates."""
    builder = _issued_certificate(root, _tsa_subject(generation), key, now, root.certificate.not_valid_after_utc)
    builder = builder.add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
    return builder.sign(root.private_key, hashes.SHA256())


# -------------------------------------------------------------------------------------------- storage


def _scope(kind: str, department_id: int | None) -> str:
    return f"d{department_id}" if kind == Kind.SEAL else "platform"


def _active_rows(kind: str, department_id: int | None) -> QuerySet[IssuerKey]:
    rows = IssuerKey.objects.filter(kind=kind, retired_at__isnull=True)
    return rows.filter(department__isnull=True) if department_id is None else rows.filter(department_id=department_id)


def _active_row(kind: str, department_id: int | None) -> IssuerKey | None:
    return _active_rows(kind, department_id).order_by("-created_at", "-id").first()


def _next_generation(kind: str, department_id: int | None) -> int:
    prefix = f"{kind}.{_scope(kind, department_id)}.g"
    kids = IssuerKey.objects.filter(kid__startswith=prefix).values_list("kid", flat=True)
    return 1 + max((int(kid.removeprefix(prefix)) for kid in kids if kid.removeprefix(prefix).isdigit()), default=0)


def _store(
    kind: str, department_id: int | None, generation: int, key: ec.EllipticCurvePrivateKey, cert: x509.Certificate
) -> IssuerKey:
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    return IssuerKey.objects.create(
        kind=kind,
        department_id=department_id,
        kid=f"{kind}.{_scope(kind, department_id)}.g{generation:04d}",
        private_key_encrypted=encrypt_text(pem.decode()),
        certificate_pem=cert.public_bytes(serialization.Encoding.PEM).decode(),
        created_at=timezone.now(),
    )


def _create(kind: str, department: Any, *, replace: bool, actor: Any, reason: str) -> LoadedKey:
    """Create the next key of (kind, department) — retiring the active one when `replace` — in one
    transaction; when another process won the race, return its key instead."""
    department_id = department.pk if department is not None else None
    for _attempt in range(_CREATE_ATTEMPTS):
        try:
            with transaction.atomic():
                current = _active_row(kind, department_id)
                if current is not None and not replace:
                    return _load(current)
                now = timezone.now()
                generation = _next_generation(kind, department_id)
                key = _new_key()
                if kind == Kind.ROOT_CA:
                    cert = _root_certificate(key, generation, now)
                elif kind == Kind.TSA:
                    cert = _tsa_certificate(ca_root(), key, generation, now)
                else:
                    cert = _seal_certificate(ca_root(), department, key, now)
                row = _store(kind, department_id, generation, key, cert)
                retired = list(_active_rows(kind, department_id).exclude(pk=row.pk).values_list("kid", flat=True))
                _active_rows(kind, department_id).exclude(pk=row.pk).update(retired_at=now)
                audit_record(
                    actor=actor,
                    action="licences.issuer_key_rotate" if retired else "licences.issuer_key_create",
                    object_type="licences.IssuerKey",
                    object_id=row.kid,
                    changes={"kind": kind, "department_id": department_id, "retired": retired, "reason": reason},
                )
                return _load(row)
        except IntegrityError:
            # Another process created this generation first: its key is the active one now.
            replace = False
            continue
    raise RuntimeError(f"could not create the {kind} key after {_CREATE_ATTEMPTS} attempts")


# -------------------------------------------------------------------------------------------- public


def ca_root() -> LoadedKey:
    """The active root CA of the platform, created on first use (self-signed, P-256, 30 years)."""
    row = _active_row(Kind.ROOT_CA, None)
    if row is not None:
        return _load(row)
    return _create(Kind.ROOT_CA, None, replace=False, actor=None, reason="set-up")


def tsa_key() -> LoadedKey:
    """The active time-stamping authority, issued by the active root; a TSA left under a retired root
    (a rotation raced with its creation) is replaced."""
    row = _active_row(Kind.TSA, None)
    if row is not None:
        loaded = _load(row)
        if _issued_by(loaded, ca_root()):
            return loaded
        return _create(Kind.TSA, None, replace=True, actor=None, reason="root rotated")
    return _create(Kind.TSA, None, replace=False, actor=None, reason="set-up")


def department_seal(department: Any) -> LoadedKey:
    """The active seal certificate of an issuing department (an `identity.Department`).

    Issued by the active root, naming the department as it is now, valid for more than
    `SEAL_RENEW_DAYS`; otherwise a new one replaces it before it seals."""
    row = _active_row(Kind.SEAL, department.pk)
    if row is None:
        return _create(Kind.SEAL, department, replace=False, actor=None, reason="set-up")
    loaded = _load(row)
    problem = _seal_problem(loaded, department)
    if problem:
        return _create(Kind.SEAL, department, replace=True, actor=None, reason=problem)
    return loaded


@dataclass(frozen=True)
class SigningKeys:
    """What sealing one PDF takes: the department's seal, the TSA and the root that issued both."""

    seal: LoadedKey
    tsa: LoadedKey
    root: LoadedKey


def signing_keys(department: Any) -> SigningKeys:
    """The seal of `department`, the TSA and the root, found with one query when all three are in order
    (the path of every issue); otherwise through `department_seal` and `tsa_key`, which mend them."""
    rows = IssuerKey.objects.filter(retired_at__isnull=True).filter(
        Q(kind__in=(Kind.ROOT_CA, Kind.TSA), department__isnull=True) | Q(kind=Kind.SEAL, department_id=department.pk)
    )
    found: dict[str, IssuerKey] = {}
    for row in rows.order_by("created_at", "id"):
        found[row.kind] = row  # the newest of a kind wins, as in _active_row
    if len(found) == 3:
        root, tsa, seal = (_load(found[kind]) for kind in (Kind.ROOT_CA, Kind.TSA, Kind.SEAL))
        if _issued_by(tsa, root) and not _seal_problem(seal, department, root):
            return SigningKeys(seal=seal, tsa=tsa, root=root)
    seal, tsa = department_seal(department), tsa_key()
    return SigningKeys(seal=seal, tsa=tsa, root=ca_root())


def _issued_by(loaded: LoadedKey, root: LoadedKey) -> bool:
    try:
        authority = loaded.certificate.extensions.get_extension_for_class(x509.AuthorityKeyIdentifier).value
    except x509.ExtensionNotFound:
        return False
    return authority.key_identifier == root.key_identifier


def _seal_problem(loaded: LoadedKey, department: Any, root: LoadedKey | None = None) -> str:
    """Why the active seal certificate must be replaced before it seals again ('' when it need not)."""
    if not _issued_by(loaded, root or ca_root()):
        return "root rotated"
    if loaded.certificate.subject != _seal_subject(department):
        return "department renamed"
    if loaded.certificate.not_valid_after_utc - timezone.now() < dt.timedelta(days=SEAL_RENEW_DAYS):
        return "certificate expiring"
    return ""


def ca_rotate(kind: str, department: Any = None, *, actor: Any = None) -> LoadedKey:
    """Retire the active key of `kind` (a department's seal when `kind` is seal) and create a new one.

    Rotating the root also re-issues the TSA and every active department seal under the new root, so
    nothing is sealed under a retired root; all of it happens in one transaction."""
    if kind not in PKI_KINDS:
        raise ValueError(f"not a key of the licence PKI: {kind}")
    if kind == Kind.SEAL and department is None:
        raise ValueError("rotating a seal needs its department")
    with transaction.atomic():
        if kind != Kind.ROOT_CA:
            return _create(
                kind,
                department if kind == Kind.SEAL else None,
                replace=True,
                actor=actor,
                reason="rotation",
            )
        ca_root()  # the generation being retired exists (a rotation before any use still makes two)
        new_root = _create(Kind.ROOT_CA, None, replace=True, actor=actor, reason="rotation")
        _create(Kind.TSA, None, replace=True, actor=actor, reason="root rotated")
        seals = _active_rows_of_kind(Kind.SEAL).select_related("department")
        for row in list(seals):
            _create(Kind.SEAL, row.department, replace=True, actor=actor, reason="root rotated")
        return new_root


def _active_rows_of_kind(kind: str) -> QuerySet[IssuerKey]:
    return IssuerKey.objects.filter(kind=kind, retired_at__isnull=True)


def root_certificates() -> list[x509.Certificate]:
    """Every root the platform has had, active and retired, newest first: the trust store of verification
    (a PDF sealed under a retired root still verifies)."""
    rows = (
        IssuerKey.objects.filter(kind=Kind.ROOT_CA)
        .order_by("-created_at", "-id")
        .values_list(
            "kid",
            "certificate_pem",
        )
    )
    return [_certificate(kid, pem) for kid, pem in rows]


def root_certificates_pem() -> str:
    """All roots as one PEM bundle (GET /api/v1/licences/ca.pem), newest first; the active root is
    created if there is none yet, so the bundle is never empty."""
    roots = root_certificates() or [ca_root().certificate]
    return "".join(root.public_bytes(serialization.Encoding.PEM).decode() for root in roots)
