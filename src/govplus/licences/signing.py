"""Sealing a licence PDF (加盖电子印章): the issuing department signs it, the platform TSA dates it.

The signer sits behind `PdfSigner`, chosen by `GOVPLUS_LICENCE_PDF_SIGNER`, so a 国密 (SM2/SM3) seal
device, or a writer of OFD (GB/T 33190) seals, can replace the default without touching the callers.

The default, `PadesSigner`, writes PAdES (ETSI EN 319 142-1) in the shape of the B-LTA level:
1. a CMS signature (`/SubFilter /ETSI.CAdES.detached`, ECDSA P-256 / SHA-256) by the department's seal
   certificate (`ca.department_seal`), which it carries; its signing time (/M) is the caller's
   `signed_at`, the trusted time is the timestamp's;
2. an RFC 3161 signature timestamp from the platform TSA (`ca.tsa_key`), signed in process — a real
   token, no network;
3. a Document Security Store with the validation data: the seal, TSA and root certificates. It holds no
   CRL or OCSP response because the platform CA publishes none and its certificates name none (see
   `ca`): whether a licence still holds is its status in the library, checked beside the seal;
4. a document timestamp over all of it, so the DSS is sealed too and the chain can be renewed.
Each step is an incremental update; any byte changed after them breaks a signature or shows up as a
modification after sealing (`pdf_verify`).

Legal basis: 《电子签名法》第十三、十四条; 《国务院关于在线政务服务的若干规定》第十条.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import threading
from functools import lru_cache
from io import BytesIO
from typing import Any, Protocol

from asn1crypto import algos, cms, core, tsp
from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import signers
from pyhanko.sign.attributes import CMSAttributeProvider, SignedAttributeProviderSpec
from pyhanko.sign.fields import SigSeedSubFilter
from pyhanko.sign.general import SigningError, as_signing_certificate_v2, simple_cms_attribute
from pyhanko.sign.signers.pdf_cms import PdfCMSSignedAttributes
from pyhanko.sign.signers.pdf_signer import PdfTimeStamper
from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper
from pyhanko.sign.validation import DocumentSecurityStore
from pyhanko_certvalidator.registry import SimpleCertificateStore
from pyhanko_certvalidator.util import get_pyca_cryptography_hash

from govplus.licences import ca
from govplus.licences.document import LicenceDocument

SEAL_FIELD = "GovplusSeal"
ARCHIVE_TIMESTAMP_FIELD = "GovplusArchiveTimestamp"
DIGEST = "sha256"
CERTIFICATE_ID_DIGEST = "sha512"  # see _signing_certificate_attribute
# Room left for each CMS object beyond the largest seen with the same keys (DER bytes; see _Reserved).
SLACK_BYTES = 64
# The TSA's policy (RFC 3161 TSTInfo.policy). The platform has no registered arc for it, so it takes an
# OID from the UUID arc (ITU-T X.667 / RFC 4122): 2.25.<the UUID 8b3f3ab0-5b0c-4f0e-9d7a-1c2b6a1e0c11>.
TSA_POLICY_OID = "2.25.185090996468282631121766361773878676497"


class PdfSigner(Protocol):
    """Seals a rendered licence PDF in the name of its issuing department (an `identity.Department`):
    returns the PDF with the seal added as incremental updates, the rendered bytes left as they were."""

    name: str

    def sign(self, pdf: bytes, *, department: Any, signed_at: dt.datetime) -> bytes: ...


# ---------------------------------------------------------------------------------------- the TSA


class PlatformTimeStamper(DummyTimeStamper):
    """The platform's own time-stamping authority: answers RFC 3161 requests in process with a token
    signed by the TSA key of `ca.tsa_key` (ECDSA P-256; pyHanko's in-process TSA signs RSA only).

    The token carries the TSA's certificate, not the root's: a verifier holds the root as its trust
    anchor, and the PDF's DSS has it too (every certificate in a token is hex that every verification
    parses). Made for one signature: asn1crypto objects shared across signatures grow slow to copy.
    What is constant for a TSA (the signing-certificate attribute) is built once per process."""

    def __init__(self, tsa: ca.LoadedKey) -> None:
        super().__init__(tsa_cert=tsa.certificate_asn1(), tsa_key=tsa.private_key_asn1())
        self._key = tsa.private_key
        self._signing_certificate = _signing_certificate_attribute(tsa.certificate_der)
        self.token_lengths: list[int] = []

    def _build_tst_info(
        self, message_imprint: tsp.MessageImprint, moment: dt.datetime, req: tsp.TimeStampReq
    ) -> tsp.TSTInfo:
        tst_info = super()._build_tst_info(message_imprint, moment, req)
        tst_info["policy"] = tsp.ObjectIdentifier(TSA_POLICY_OID)
        return tst_info

    def _sign_tst_info(
        self, tst_info_data: bytes, md_algorithm: str, moment: dt.datetime
    ) -> tuple[bytes, cms.CMSAttributes]:
        digest = hashes.Hash(get_pyca_cryptography_hash(md_algorithm))
        digest.update(tst_info_data)
        signed_attrs = cms.CMSAttributes(
            [
                simple_cms_attribute("content_type", "tst_info"),
                simple_cms_attribute("signing_time", cms.Time({"utc_time": core.UTCTime(moment)})),
                cms.CMSAttribute.load(self._signing_certificate),
                simple_cms_attribute("message_digest", digest.finalize()),
            ]
        )
        signature = self._key.sign(signed_attrs.dump(), ec.ECDSA(get_pyca_cryptography_hash(md_algorithm)))
        return signature, signed_attrs

    def request_tsa_response(self, req: tsp.TimeStampReq) -> tsp.TimeStampResp:
        # Re-read from DER: a token assembled in memory is re-encoded by asn1crypto every time pyHanko
        # copies it into the signature (hundreds of milliseconds); a parsed one keeps its bytes.
        response = tsp.TimeStampResp.load(super().request_tsa_response(req).dump())
        self.token_lengths.append(len(response["time_stamp_token"].dump()))
        return response

    def _build_signed_data(self, tst_info_data: bytes, md_algorithm: str, signature: bytes, signed_attrs: Any) -> dict:
        signed_data = super()._build_signed_data(tst_info_data, md_algorithm, signature, signed_attrs)
        signed_data["signer_infos"][0]["signature_algorithm"] = algos.SignedDigestAlgorithm(
            {"algorithm": f"{md_algorithm}_ecdsa"}
        )
        return signed_data


# ---------------------------------------------------------------------------------------- the seal


class _SigningCertificate(CMSAttributeProvider):
    attribute_type = "signing_certificate_v2"

    def __init__(self, value_der: bytes) -> None:
        self._der = value_der

    async def build_attr_value(self, dry_run: bool = False) -> tsp.SigningCertificateV2:
        return tsp.SigningCertificateV2.load(self._der)


class _PadesAttributes(SignedAttributeProviderSpec):
    """The signed attributes of a PAdES signature besides content type and digest: only the
    signing-certificate-v2 attribute (PAdES forbids signing-time in the CMS; the time is /M and the
    timestamp)."""

    def __init__(self, certificate_der: bytes) -> None:
        self._attribute = _signing_certificate_attribute(certificate_der)

    def signed_attr_providers(self, data_digest: bytes, digest_algorithm: str):  # type: ignore[no-untyped-def]
        value = cms.CMSAttribute.load(self._attribute)["values"][0].dump()
        yield _SigningCertificate(value)


@lru_cache(maxsize=64)
def _signing_certificate_attribute(certificate_der: bytes) -> bytes:
    """The DER of the signing-certificate-v2 attribute (RFC 5035) naming a certificate by its SHA-512
    hash, built once per certificate (asn1crypto takes milliseconds to build it).

    SHA-512, not the default SHA-256: DER leaves a default out, and asn1crypto then rebuilds the whole
    CMS object each time pyHanko copies it — seconds for one signature, at random (measured)."""
    certificate = asn1_x509.Certificate.load(certificate_der)
    value = as_signing_certificate_v2(certificate, hash_algo=CERTIFICATE_ID_DIGEST)
    return simple_cms_attribute("signing_certificate_v2", value).dump()


class _SealSigner(signers.SimpleSigner):
    """pyHanko's signer with the department's key already parsed (it would re-parse it every time);
    made for one signature, like the timestamper. The CMS object carries the seal certificate only; the
    root is the verifier's trust anchor and is in the DSS."""

    def __init__(self, seal: ca.LoadedKey) -> None:
        super().__init__(
            signing_cert=seal.certificate_asn1(),
            signing_key=seal.private_key_asn1(),
            cert_registry=SimpleCertificateStore(),
        )
        self._key = seal.private_key
        self.signed_attr_prov_spec = _PadesAttributes(seal.certificate_der)

    def sign_raw(self, data: bytes, digest_algorithm: str) -> bytes:
        return self._key.sign(data, ec.ECDSA(get_pyca_cryptography_hash(digest_algorithm)))


class _Reserved:
    """How much room to leave in the PDF for the seal's CMS object and the document timestamp.

    pyHanko would size them with a dry run of the whole signature (twice the work) and leave half as
    much again spare; the spare is hex zeros that every verifier parses character by character. The
    objects' sizes hardly vary for one set of keys (a few bytes of random serials and signature
    lengths), so the first seal with a set of keys in a process is sized by pyHanko and the next ones
    get the largest size seen so far plus `SLACK_BYTES`; one that still does not fit is sealed again
    with pyHanko's sizing."""

    def __init__(self) -> None:
        self._seen: dict[tuple[str, str], tuple[int, int]] = {}
        self._lock = threading.Lock()

    def get(self, keys: ca.SigningKeys) -> tuple[int, int] | None:
        return self._seen.get((keys.seal.kid, keys.tsa.kid))

    def remember(self, keys: ca.SigningKeys, signature: int, timestamp: int) -> None:
        with self._lock:
            previous = self._seen.get((keys.seal.kid, keys.tsa.kid), (0, 0))
            self._seen[(keys.seal.kid, keys.tsa.kid)] = (max(previous[0], signature), max(previous[1], timestamp))


_reserved = _Reserved()


def _der_length(data: bytes) -> int:
    """The length of the DER object at the start of `data` (the CMS object before its zero padding)."""
    if data[1] < 0x80:
        return 2 + data[1]
    count = data[1] & 0x7F
    return 2 + count + int.from_bytes(data[2 : 2 + count], "big")


class PadesSigner:
    """The platform's default seal: PAdES with the department's certificate from the platform CA, a
    signature timestamp, the validation data and a document timestamp (see the module docstring)."""

    name = "pades"

    def sign(self, pdf: bytes, *, department: Any, signed_at: dt.datetime) -> bytes:
        keys = ca.signing_keys(department)  # the database is read here, not in the event loop below
        sizes = _reserved.get(keys)
        try:
            sealed, signature, timestamp = asyncio.run(self._sign(pdf, department, signed_at, keys, sizes))
        except SigningError:
            if sizes is None:
                raise
            sealed, signature, timestamp = asyncio.run(self._sign(pdf, department, signed_at, keys, None))
        _reserved.remember(keys, signature, timestamp)
        return sealed

    async def _sign(
        self, pdf: bytes, department: Any, signed_at: dt.datetime, keys: ca.SigningKeys, sizes: tuple[int, int] | None
    ) -> tuple[bytes, int, int]:
        """The sealed PDF and the sizes of its two CMS objects."""
        seal, tsa, root = keys.seal, keys.tsa, keys.root
        timestamper = PlatformTimeStamper(tsa)
        meta = signers.PdfSignatureMetadata(
            field_name=SEAL_FIELD,
            md_algorithm=DIGEST,
            subfilter=SigSeedSubFilter.PADES,
            reason="电子证照签发 / e-licence issued",
            location=department.name,
            name=department.name,
        )
        pdf_signer = signers.PdfSigner(meta, _SealSigner(seal), timestamper=timestamper)
        writer = IncrementalPdfFileWriter(BytesIO(pdf))
        # The steps of pyHanko's sign_pdf, with the signing time (/M) set to the caller's instant.
        session = pdf_signer.init_signing_session(writer)
        session.system_time = timezone.localtime(signed_at)
        validation_info = await session.perform_presign_validation(writer)
        if sizes is None:
            room = await session.estimate_signature_container_size(validation_info, tight=False)
        else:
            room = 2 * (sizes[0] + SLACK_BYTES)
        tbs_document = session.prepare_tbs_document(validation_info=validation_info, bytes_reserved=room)
        prepared, output = tbs_document.digest_tbs_document(output=BytesIO())
        signed = await tbs_document.perform_signature(
            document_digest=prepared.document_digest,
            pdf_cms_signed_attrs=PdfCMSSignedAttributes(signing_time=session.system_time),
        )
        # The validation data and the document timestamp over it go in one incremental update.
        archive = IncrementalPdfFileWriter(output)
        DocumentSecurityStore.supply_dss_in_writer(
            archive,
            sig_contents=None,
            certs=[seal.certificate_asn1(), tsa.certificate_asn1(), root.certificate_asn1()],
        )
        stamped = await PdfTimeStamper(timestamper, field_name=ARCHIVE_TIMESTAMP_FIELD).async_timestamp_pdf(
            archive, DIGEST, bytes_reserved=None if sizes is None else 2 * (sizes[1] + SLACK_BYTES)
        )
        return bytes(stamped.getbuffer()), _der_length(signed.sig_contents), timestamper.token_lengths[-1]


@lru_cache(maxsize=4)
def _signer_for(dotted_path: str) -> PdfSigner:
    return import_string(dotted_path)()  # type: ignore[no-any-return]


def pdf_signer() -> PdfSigner:
    """The configured signer (`GOVPLUS_LICENCE_PDF_SIGNER`, default `PadesSigner`)."""
    return _signer_for(settings.GOVPLUS_LICENCE_PDF_SIGNER)


def licence_pdf_build(document: LicenceDocument, *, department: Any, signed_at: dt.datetime) -> bytes:
    """The licence's PDF as the holder receives it: rendered, then sealed by its issuing department."""
    from govplus.licences.pdf import licence_pdf_render

    return pdf_signer().sign(licence_pdf_render(document), department=department, signed_at=signed_at)
