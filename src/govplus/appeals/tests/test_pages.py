"""The citizen's form with bad input: a 4xx page naming the field, what was typed kept, nothing stored."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from govplus.appeals.models import Appeal
from govplus.appeals.taxonomy import taxonomy_load


def test_bad_input_on_the_form_names_the_field_keeps_what_was_typed_and_stores_nothing(county):
    taxonomy_load()
    client = Client()
    client.force_login(county.citizen)
    empty = client.post("/appeals/new", {"body": "", "title": "路灯", "address": "英溪南路 1 号"})
    page = empty.content.decode()
    assert empty.status_code == 422 and "请写明诉求内容" in page and "英溪南路 1 号" in page
    not_a_photo = SimpleUploadedFile("照片.png", b"<html>not an image</html>", content_type="image/png")
    refused = client.post("/appeals/new", {"body": "小区门口路灯坏了一个月", "photos": not_a_photo})
    assert refused.status_code == 422 and "照片.png" in refused.content.decode()
    assert "小区门口路灯坏了一个月" in refused.content.decode()
    assert Appeal.objects.count() == 0
    assert client.post("/staff/appeals/x/rate").status_code in (302, 404)  # not a staff page for citizens
