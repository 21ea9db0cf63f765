"""What an uploaded material must be to be stored, and that stored materials are never served by
their storage path: an HTML page that starts with `%PDF-` is not a PDF; a file named .png must be a
PNG; /media/ answers 404 to everybody, DEBUG included."""

from __future__ import annotations

import importlib
import io
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import clear_url_caches

from govplus.cases.models import ApplicationMaterial
from govplus.cases.services import application_create
from govplus.cases.uploads import upload_check
from govplus.core.errors import ValidationFailed
from govplus.testing.factories import PDF, PNG
from govplus.testing.files import jpeg_bytes, pdf_bytes, png_bytes

HTML_AS_PDF = b"%PDF-1.7\n<html><body><script>fetch('/staff/')</script></body></html>\n"
DISGUISED = {
    "html that starts with %PDF-": ("a.pdf", HTML_AS_PDF),
    "pdf without xref": ("a.pdf", b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"),
    "pdf whose startxref points nowhere": ("a.pdf", PDF.replace(b"startxref\n", b"startxref\n9")),
    "truncated pdf": ("a.pdf", PDF[: len(PDF) // 2]),
    "png signature then zeros": ("a.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64),
    "png with a bad IHDR crc": ("a.png", PNG[:29] + b"\x00\x00\x00\x00" + PNG[33:]),
    "truncated png": ("a.png", PNG[:-12]),
    "jpeg signature then html": ("a.jpg", b"\xff\xd8\xff<html><script>alert(1)</script></html>"),
    "jpeg of zero width": ("a.jpg", jpeg_bytes(width=0)),
}


def check(name: str, content: bytes) -> str:
    return upload_check(
        filename=name, upload=io.BytesIO(content), size=len(content), accepted=["pdf", "png", "jpg"], field="file"
    )


@pytest.mark.parametrize("label", list(DISGUISED))
def test_a_file_without_the_structure_of_its_type_is_refused(settings, label):
    name, content = DISGUISED[label]
    with pytest.raises(ValidationFailed) as refused:
        check(name, content)
    assert "文件内容与扩展名不符" in refused.value.fields["file"][0]


def test_sound_files_of_each_type_are_accepted(settings):
    assert check("a.pdf", PDF) == "application/pdf"
    assert check("a.pdf", pdf_bytes(b"scan", size=300_000)) == "application/pdf"
    assert check("a.png", png_bytes(640, 480)) == "image/png"
    assert check("a.jpg", jpeg_bytes(640, 480)) == "image/jpeg"


def test_an_html_page_named_pdf_is_refused_on_the_api_and_nothing_is_stored(county):
    draft = application_create(actor=county.citizen, service_code=county.standard_item.code, form={})
    client = Client()
    client.force_login(county.citizen)
    response = client.post(
        f"/api/v1/applications/{draft.receipt_no}/materials",
        {"material_code": "M01", "file": SimpleUploadedFile("id.pdf", HTML_AS_PDF, "application/pdf")},
    )
    assert response.status_code == 422
    assert "文件内容与扩展名不符" in response.json()["fields"]["file"][0]
    assert not ApplicationMaterial.objects.exists()


@pytest.fixture
def urls_built_with_debug(settings) -> Any:  # type: ignore[no-untyped-def]
    """The URL map as `make run` builds it (DEBUG on), which once served MEDIA_ROOT."""
    import config.urls

    settings.DEBUG = True
    importlib.reload(config.urls)
    clear_url_caches()
    yield
    settings.DEBUG = False
    importlib.reload(config.urls)
    clear_url_caches()


def test_stored_materials_are_not_served_from_media_to_anybody(county, urls_built_with_debug):
    application = county.submitted_application()
    material = application.materials.get()
    path = f"/media/{material.file.name}"
    assert material.file.storage.exists(material.file.name)  # the file is there, just not served
    clients = [Client()]
    for user in (county.citizen, county.staff["clerk"]):
        signed_in = Client()
        signed_in.force_login(user)
        clients.append(signed_in)
    for client in clients:
        response = client.get(path)
        assert response.status_code == 404
        assert b"%PDF" not in b"".join(getattr(response, "streaming_content", [response.content]))
    clerk = clients[2]
    staff_view = clerk.get(f"/staff/cases/{application.receipt_no}/materials/{material.pk}")
    assert staff_view.status_code == 200  # the permission-checked view still shows it
