"""The sealed PDF of an e-licence: what a holder, a reader and a verifier see.

The platform CA and one sealed licence are made once for the module, in a transaction rolled back at
its end; each test runs in a savepoint inside it (pytest-django's `db`), so tests that rotate keys or
seal more do not leak into the others.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import subprocess
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from django.db import transaction
from django.utils import timezone
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import signers
from pyhanko.sign.diff_analysis import ModificationLevel
from pyhanko.sign.fields import SigSeedSubFilter
from pyhanko.sign.validation import validate_pdf_signature, validate_pdf_timestamp
from pyhanko_certvalidator import ValidationContext

from govplus.core.crypto import decrypt_text
from govplus.identity.models import Department
from govplus.licences import ca
from govplus.licences.document import FaceField, LicenceDocument
from govplus.licences.identifiers import licence_id_make
from govplus.licences.models import IssuerKey
from govplus.licences.pdf import licence_pdf_render
from govplus.licences.pdf_verify import CHECK_NAMES, pdf_verify
from govplus.licences.signing import TSA_POLICY_OID, licence_pdf_build, pdf_signer

TYPE_CODE = "11330521MB1234567X001"
ISSUER_CODE = "11330521002519463K"
HOLDER = "德清县知味轩餐饮管理有限公司"
SCOPE = "热食类食品制售、冷食类食品制售、自制饮品制售"


def licence_document(serial: int = 1, *, valid_until: dt.date | None = None) -> LicenceDocument:
    licence_id = licence_id_make(type_code=TYPE_CODE, issuer_code=ISSUER_CODE, serial=serial)
    return LicenceDocument(
        licence_id=licence_id,
        type_code=TYPE_CODE,
        type_name="食品经营许可证",
        type_name_en="Food Business Licence",
        holder_name=HOLDER,
        holder_code="91330521MA2B3C4D5E",
        holder_code_type="001",
        number=f"JY133052100{serial:05d}",
        issuer_name="德清县市场监督管理局",
        issuer_code=ISSUER_CODE,
        issuer_department_id=0,
        issued_on=dt.date(2026, 12, 2),
        valid_from=dt.date(2026, 12, 2),
        valid_until=valid_until,
        jurisdiction="330521",
        status="valid",
        status_index=serial,
        origin="issued",
        verify_url=f"https://zwfw.deqing.gov.cn/licences/verify/{licence_id}",
        fields=(
            FaceField("legal_rep", "法定代表人（负责人）", "Legal representative", "欧阳娜娜"),
            FaceField("address", "经营场所", "Premises", "浙江省湖州市德清县武康街道千秋街１２３号"),
            FaceField("scope", "经营项目", "Business scope", SCOPE),
        ),
    )


@dataclass
class Sealed:
    department: Department
    document: LicenceDocument
    unsigned: bytes
    pdf: bytes
    root: asn1_x509.Certificate


@pytest.fixture(scope="module")
def sealed(django_db_setup: Any, django_db_blocker: Any) -> Iterator[Sealed]:
    with django_db_blocker.unblock(), transaction.atomic():
        department = Department.objects.create(code="scjgj-pdf", name="德清县市场监督管理局", credit_code=ISSUER_CODE)
        document = licence_document()
        pdf = licence_pdf_build(document, department=department, signed_at=timezone.now())
        root = asn1_x509.Certificate.load(ca.ca_root().certificate_der)
        yield Sealed(department, document, licence_pdf_render(document), pdf, root)
        transaction.set_rollback(True)


def first_stream_byte_flipped(pdf: bytes) -> bytes:
    """The PDF with one byte changed inside the first stream of the sealed revision (page or font)."""
    position = pdf.index(b"stream") + 60
    return pdf[:position] + bytes([pdf[position] ^ 0x01]) + pdf[position + 1 :]


def foreign_sealed(pdf: bytes) -> bytes:
    """The PDF sealed by a CA that is not the platform's (someone's own root and seal certificate)."""
    now = timezone.now()
    root_key, seal_key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    root_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "govplus 电子证照根证书 G1")])
    seal_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "德清县市场监督管理局")])

    def certificate(subject: x509.Name, key: Any, is_ca: bool) -> x509.Certificate:
        builder = (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(root_name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=365))
            .add_extension(x509.BasicConstraints(ca=is_ca, path_length=None), critical=True)
        )
        return builder.sign(root_key, hashes.SHA256())

    root, seal = certificate(root_name, root_key, True), certificate(seal_name, seal_key, False)
    signer = signers.SimpleSigner(
        signing_cert=asn1_x509.Certificate.load(seal.public_bytes(serialization.Encoding.DER)),
        signing_key=asn1_keys.PrivateKeyInfo.load(
            seal_key.private_bytes(
                serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
        ),
        cert_registry=None,
    )
    signer.cert_registry.register(asn1_x509.Certificate.load(root.public_bytes(serialization.Encoding.DER)))
    meta = signers.PdfSignatureMetadata(field_name="Seal", md_algorithm="sha256", subfilter=SigSeedSubFilter.PADES)
    return signers.sign_pdf(IncrementalPdfFileWriter(BytesIO(pdf)), meta, signer=signer).getvalue()


def seal_status(pdf: bytes, root: asn1_x509.Certificate, **context: Any) -> Any:
    signature = PdfFileReader(BytesIO(pdf)).embedded_regular_signatures[0]
    return validate_pdf_signature(signature, ValidationContext(trust_roots=[root], **context))


def failed(result: Any) -> list[str]:
    return [check.name for check in result.checks if not check.ok]


# ------------------------------------------------------------------------------------- pyHanko agrees


@pytest.mark.django_db
def test_pyhanko_trusting_only_the_platform_root_judges_an_issued_pdf_valid(sealed: Sealed) -> None:
    status = seal_status(sealed.pdf, sealed.root)
    assert status.bottom_line, status.pretty_print_details()
    assert status.intact and status.valid and status.trusted
    assert status.timestamp_validity is not None
    assert status.timestamp_validity.valid and status.timestamp_validity.trusted
    assert status.timestamp_validity.timestamp <= timezone.now()
    # After the seal only the validation data and the document timestamp were added.
    assert status.modification_level == ModificationLevel.LTA_UPDATES
    assert status.signing_cert.subject.native["serial_number"] == ISSUER_CODE

    # The certificates name no revocation service, so a validator that insists on checking the ones
    # that are named still accepts the seal.
    assert seal_status(sealed.pdf, sealed.root, revocation_mode="hard-fail", crls=[], ocsps=[]).bottom_line

    reader = PdfFileReader(BytesIO(sealed.pdf))
    token = reader.embedded_regular_signatures[0].signer_info["unsigned_attrs"][0]["values"][0]
    tst_info = token["content"]["encap_content_info"]["content"].parsed
    assert (
        tst_info["policy"].dotted == TSA_POLICY_OID == f"2.25.{uuid.UUID('8b3f3ab0-5b0c-4f0e-9d7a-1c2b6a1e0c11').int}"
    )
    archive = validate_pdf_timestamp(
        reader.embedded_timestamp_signatures[-1], validation_context=ValidationContext(trust_roots=[sealed.root])
    )
    assert archive.valid and archive.intact and archive.trusted
    assert reader.root["/DSS"]["/Certs"]  # the validation data is in the file


@pytest.mark.django_db
def test_pyhanko_finds_a_pdf_with_one_changed_byte_invalid(sealed: Sealed) -> None:
    status = seal_status(first_stream_byte_flipped(sealed.pdf), sealed.root)
    assert not status.intact
    assert not status.bottom_line


@pytest.mark.django_db
def test_a_pdf_sealed_by_a_foreign_ca_is_not_trusted(sealed: Sealed) -> None:
    forged = foreign_sealed(sealed.unsigned)
    status = seal_status(forged, sealed.root)
    assert status.intact and status.valid  # a sound signature …
    assert not status.trusted  # … by someone the platform never certified

    result = pdf_verify(forged)
    assert not result.valid
    assert "signer_trusted" in failed(result)
    assert "timestamp_valid" in failed(result)


# ------------------------------------------------------------------------------------ what people see


@pytest.mark.django_db
def test_the_face_fields_are_text_in_chinese(sealed: Sealed, tmp_path: Path) -> None:
    path = tmp_path / "licence.pdf"
    path.write_bytes(sealed.pdf)
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, check=True, text=True).stdout
    flat = "".join(text.split())
    for expected in ("食品经营许可证", HOLDER, "91330521MA2B3C4D5E", "欧阳娜娜", "德清县市场监督管理局", "长期"):
        assert expected in flat, expected
    assert "法定代表人（负责人）" in flat and "热食类食品制售" in flat
    assert sealed.document.licence_id in flat
    assert "2026年12月2日至长期" in flat


@pytest.mark.django_db
def test_the_qr_code_leads_to_the_verification_page(sealed: Sealed, tmp_path: Path) -> None:
    from PIL import Image
    from pyzbar.pyzbar import decode

    path = tmp_path / "licence.pdf"
    path.write_bytes(sealed.pdf)
    subprocess.run(["pdftoppm", "-png", "-r", "150", "-singlefile", str(path), str(tmp_path / "page")], check=True)
    codes = decode(Image.open(tmp_path / "page.png"))
    assert [code.data.decode() for code in codes] == [sealed.document.verify_url]


@pytest.mark.django_db
def test_a_licence_pdf_is_small_and_names_its_licence(sealed: Sealed) -> None:
    assert len(sealed.pdf) < 300 * 1024
    info = PdfFileReader(BytesIO(sealed.pdf)).trailer_view["/Info"]
    assert info["/Subject"] == sealed.document.licence_id
    assert info["/Title"] == "食品经营许可证"


def test_a_character_outside_the_font_prints_as_the_missing_mark(tmp_path: Path) -> None:
    document = licence_document()
    document = LicenceDocument(**{**document.__dict__, "holder_name": "张喆"})  # 喆 is not in GB 2312
    path = tmp_path / "licence.pdf"
    path.write_bytes(licence_pdf_render(document))
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, check=True, text=True).stdout
    assert "张〓" in text


# ------------------------------------------------------------------------------------------- pdf_verify


@pytest.mark.django_db
def test_pdf_verify_passes_an_issued_pdf_and_says_who_sealed_it_and_when(sealed: Sealed) -> None:
    result = pdf_verify(sealed.pdf)
    assert result.valid, [(c.name, c.detail) for c in result.checks]
    assert [check.name for check in result.checks] == list(CHECK_NAMES)
    assert all(check.detail and check.detail_en for check in result.checks)
    assert result.licence_id == sealed.document.licence_id
    assert result.signer_name == "德清县市场监督管理局"
    assert result.signer_code == ISSUER_CODE
    assert result.signed_at is not None and timezone.now() - result.signed_at < dt.timedelta(minutes=5)
    assert result.document_digest == hashlib.sha256(sealed.pdf).hexdigest()
    sealed_by = result.check("sealed_by")
    assert sealed_by is not None and "德清县市场监督管理局" in sealed_by.detail and ISSUER_CODE in sealed_by.detail


@pytest.mark.django_db
def test_a_licence_still_verifies_after_its_seal_certificate_expired(sealed: Sealed) -> None:
    seal = ca.department_seal(sealed.department)
    years_later = seal.certificate.not_valid_after_utc + dt.timedelta(days=365)
    assert pdf_verify(sealed.pdf, at=years_later).valid  # the seal was valid when it was timestamped
    # A check of the certificate as of that day, ignoring the timestamp, would reject it.
    assert not seal_status(sealed.pdf, sealed.root, moment=years_later).trusted
    # Once the root itself has expired nothing is vouched for any more.
    after_root = ca.ca_root().certificate.not_valid_after_utc + dt.timedelta(days=1)
    assert "timestamp_valid" in failed(pdf_verify(sealed.pdf, at=after_root))


@pytest.mark.django_db
def test_pdf_verify_on_bytes_that_are_no_pdf() -> None:
    for garbage in (b"", b"hello", b"%PDF-1.7\n" + bytes(range(256)) * 4, b"\x89PNG\r\n\x1a\n" + b"\0" * 100):
        result = pdf_verify(garbage)
        assert not result.valid
        assert [check.name for check in result.checks] == ["pdf"]
        assert not result.checks[0].ok and "PDF" in result.checks[0].detail
        assert result.licence_id is None


@pytest.mark.django_db
def test_pdf_verify_on_an_unsigned_pdf(sealed: Sealed) -> None:
    result = pdf_verify(sealed.unsigned)
    assert not result.valid
    assert failed(result) == ["signature_present"]
    assert result.licence_id is None  # an unsealed file's metadata vouches for nothing


@pytest.mark.django_db
def test_pdf_verify_on_a_tampered_pdf(sealed: Sealed) -> None:
    result = pdf_verify(first_stream_byte_flipped(sealed.pdf))
    assert not result.valid
    assert "signature_intact" in failed(result)
    assert "unchanged_after_sealing" in failed(result)


@pytest.mark.django_db
def test_pdf_verify_notices_a_change_appended_after_sealing(sealed: Sealed) -> None:
    writer = IncrementalPdfFileWriter(BytesIO(sealed.pdf))
    page = writer.root["/Pages"]["/Kids"][0].get_object()
    page["/Rotate"] = generic.NumberObject(90)  # any change to the page after the seal
    writer.update_container(page)
    changed = BytesIO()
    writer.write(changed)

    result = pdf_verify(changed.getvalue())
    assert not result.valid
    assert "unchanged_after_sealing" in failed(result)
    assert result.check("signature_intact").ok  # the sealed bytes themselves are untouched


# ----------------------------------------------------------------------------------------------- the CA


@pytest.mark.django_db
def test_the_seal_certificate_names_the_department_and_chains_to_the_root(sealed: Sealed) -> None:
    seal, root, tsa = ca.department_seal(sealed.department), ca.ca_root(), ca.tsa_key()
    certificate = seal.certificate
    assert ca.subject_field(certificate, NameOID.COMMON_NAME) == "德清县市场监督管理局"
    assert ca.subject_field(certificate, NameOID.SERIAL_NUMBER) == ISSUER_CODE
    usage = certificate.extensions.get_extension_for_class(x509.KeyUsage)
    assert usage.critical and usage.value.digital_signature and usage.value.content_commitment
    assert not usage.value.key_cert_sign
    assert certificate.issuer == root.certificate.subject
    certificate.verify_directly_issued_by(root.certificate)
    assert "电子证照根证书" in ca.subject_field(root.certificate, NameOID.COMMON_NAME)
    purposes = tsa.certificate.extensions.get_extension_for_class(x509.ExtendedKeyUsage)
    assert purposes.critical and list(purposes.value) == [ExtendedKeyUsageOID.TIME_STAMPING]
    tsa.certificate.verify_directly_issued_by(root.certificate)


@pytest.mark.django_db
def test_private_keys_are_not_stored_in_plain_text(sealed: Sealed) -> None:
    rows = list(IssuerKey.objects.filter(kind__in=ca.PKI_KINDS))
    assert {row.kind for row in rows} == {"root_ca", "seal", "tsa"}
    for row in rows:
        assert "PRIVATE KEY" not in row.private_key_encrypted
        assert "MI" not in row.private_key_encrypted[:8]  # nor base64 DER
        assert decrypt_text(row.private_key_encrypted).startswith("-----BEGIN PRIVATE KEY-----")
        assert "PRIVATE" not in row.certificate_pem


@pytest.mark.django_db
def test_a_pdf_sealed_before_a_root_rotation_still_verifies_and_new_ones_chain_to_the_new_root(
    sealed: Sealed,
) -> None:
    old_root, old_seal = ca.ca_root(), ca.department_seal(sealed.department)
    new_root = ca.ca_rotate("root_ca")
    assert new_root.kid != old_root.kid
    assert ca.ca_root().kid == new_root.kid
    new_seal = ca.department_seal(sealed.department)
    assert new_seal.kid != old_seal.kid  # re-issued under the new root at once
    new_seal.certificate.verify_directly_issued_by(new_root.certificate)
    assert IssuerKey.objects.get(kid=old_root.kid).retired_at is not None
    assert IssuerKey.objects.filter(kind="root_ca", retired_at__isnull=True).count() == 1
    assert ca.root_certificates_pem().count("BEGIN CERTIFICATE") == 2

    after = licence_pdf_build(licence_document(2), department=sealed.department, signed_at=timezone.now())
    assert pdf_verify(sealed.pdf).valid  # sealed under the retired root
    assert pdf_verify(after).valid
    new_root_asn1 = asn1_x509.Certificate.load(new_root.certificate_der)
    assert seal_status(after, new_root_asn1).bottom_line
    assert not seal_status(sealed.pdf, new_root_asn1).trusted  # each chains to its own root


@pytest.mark.django_db
def test_rotating_a_seal_or_renaming_a_department_gives_a_new_certificate(sealed: Sealed) -> None:
    first = ca.department_seal(sealed.department)
    assert ca.department_seal(sealed.department).kid == first.kid  # stable while nothing changes
    second = ca.ca_rotate("seal", sealed.department)
    assert second.kid != first.kid and ca.department_seal(sealed.department).kid == second.kid

    sealed.department.name = "德清县市场监督管理局（知识产权局）"
    renamed = ca.department_seal(sealed.department)
    assert renamed.kid != second.kid
    assert ca.subject_field(renamed.certificate, NameOID.COMMON_NAME) == "德清县市场监督管理局（知识产权局）"
    sealed.department.name = "德清县市场监督管理局"
    active = IssuerKey.objects.filter(kind="seal", department=sealed.department, retired_at__isnull=True)
    assert active.count() == 1


def test_the_default_signer_is_pades() -> None:
    assert pdf_signer().name == "pades"


class UnsealedDevice:
    """A seal device that is switched off: it hands the PDF back as it came (an adapter, as an SM2
    device's would be, chosen by GOVPLUS_LICENCE_PDF_SIGNER)."""

    name = "unsealed-device"

    def sign(self, pdf: bytes, *, department: Any, signed_at: dt.datetime) -> bytes:
        return pdf


@pytest.mark.django_db
def test_another_signer_plugs_in_by_setting_and_its_output_is_judged_on_its_merits(
    sealed: Sealed, settings: Any
) -> None:
    settings.GOVPLUS_LICENCE_PDF_SIGNER = f"{__name__}.UnsealedDevice"
    assert pdf_signer().name == "unsealed-device"
    pdf = licence_pdf_build(sealed.document, department=sealed.department, signed_at=timezone.now())
    assert failed(pdf_verify(pdf)) == ["signature_present"]
