"""Photos of an appeal: only whole JPEG/PNG images, stored re-encoded without their metadata."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from govplus.appeals.photos import photo_clean, photos_clean
from govplus.core.errors import ValidationFailed
from govplus.testing.files import jpeg_bytes, png_bytes


def _jpeg_with_gps() -> bytes:
    image = Image.new("RGB", (32, 24), "orange")
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x8825] = {2: (30.0, 32.0, 41.0)}  # GPSInfo: a latitude
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif.tobytes())
    return out.getvalue()


def test_a_photo_keeps_its_pixels_and_loses_its_metadata():
    original = _jpeg_with_gps()
    assert Image.open(io.BytesIO(original)).getexif()  # the phone's metadata is there
    cleaned = photo_clean("现场.jpg", original)
    stored = Image.open(io.BytesIO(cleaned.content))
    assert (stored.format, stored.size, cleaned.content_type) == ("JPEG", (32, 24), "image/jpeg")
    assert not stored.getexif() and b"PhoneMaker" not in cleaned.content
    assert photo_clean("x.png", png_bytes(4, 4)).content_type == "image/png"


@pytest.mark.parametrize(
    ("name", "content", "says"),
    [
        ("照片.png", b"<html>not a photo</html>", "不是可识别的图片"),
        ("照片.jpg", jpeg_bytes(8, 8)[:40], "不是可识别的图片"),  # cut short
        ("空.png", b"", "文件为空"),
    ],
)
def test_a_file_that_is_not_a_whole_image_is_refused_naming_it(name, content, says):
    with pytest.raises(ValidationFailed) as refused:
        photo_clean(name, content)
    message = refused.value.fields["photos"][0]
    assert message.startswith(name) and says in message


def test_a_gif_and_a_fourth_photo_are_refused():
    gif = io.BytesIO()
    Image.new("RGB", (4, 4)).save(gif, format="GIF")
    with pytest.raises(ValidationFailed) as gif_refused:
        photo_clean("动图.gif", gif.getvalue())
    assert "仅支持 JPG、PNG" in gif_refused.value.fields["photos"][0]
    with pytest.raises(ValidationFailed) as too_many:
        photos_clean([("p.png", png_bytes())] * 4)
    assert "最多 3 张" in too_many.value.fields["photos"][0]
