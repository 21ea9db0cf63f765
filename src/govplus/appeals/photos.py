"""Photos sent with an appeal (随手拍).

Rules: at most `MAX_PHOTOS` photos, each at most GOVPLUS_UPLOAD_MAX_BYTES; a photo must be a JPEG or
PNG that Pillow decodes whole (a renamed file, a truncated image or a "photo" of 100,000 × 100,000
pixels is refused, naming the file). What is stored is the image re-encoded: its metadata (EXIF, with
the phone's GPS position and serial numbers) does not survive, and a crafted file's extra bytes are
dropped. Stored under media/appeals/ with its SHA-256.
"""

from __future__ import annotations

import hashlib
import io
import warnings
from dataclasses import dataclass

from django.conf import settings
from PIL import Image, UnidentifiedImageError

from govplus.core.errors import ValidationFailed

MAX_PHOTOS = 3
MAX_PIXELS = 40_000_000
KINDS = {"JPEG": ("image/jpeg", "jpg"), "PNG": ("image/png", "png")}


@dataclass(frozen=True)
class CleanPhoto:
    content: bytes
    content_type: str
    extension: str
    sha256: str


def _refused(name: str, zh: str, en: str) -> ValidationFailed:
    return ValidationFailed({"photos": [f"{name[:60]}：{zh} / {en}"]})


def photo_clean(name: str, content: bytes) -> CleanPhoto:
    """The photo as it will be stored (see the module's rules); ValidationFailed naming it otherwise."""
    if not content:
        raise _refused(name, "文件为空", "the file is empty")
    limit = int(settings.GOVPLUS_UPLOAD_MAX_BYTES)
    if len(content) > limit:
        raise _refused(name, f"超过 {limit // (1024 * 1024)} MB", f"larger than {limit // (1024 * 1024)} MB")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(content)) as probe:
                kind = probe.format or ""
                if kind not in KINDS:
                    raise _refused(name, "仅支持 JPG、PNG 照片", "only JPEG and PNG photos")
                if probe.width * probe.height > MAX_PIXELS:
                    raise _refused(name, "图片尺寸过大", "the image is too large")
                probe.load()
                image = probe.convert("RGB") if kind == "JPEG" else probe.copy()
    except ValidationFailed:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombWarning) as error:
        raise _refused(name, "不是可识别的图片或文件已损坏", "not an image, or a damaged one") from error
    out = io.BytesIO()
    if kind == "JPEG":
        image.save(out, format="JPEG", quality=85)
    else:
        image.save(out, format="PNG", optimize=True)
    cleaned = out.getvalue()
    content_type, extension = KINDS[kind]
    return CleanPhoto(cleaned, content_type, extension, hashlib.sha256(cleaned).hexdigest())


def photos_clean(files: list[tuple[str, bytes]]) -> list[CleanPhoto]:
    if len(files) > MAX_PHOTOS:
        raise ValidationFailed({"photos": [f"最多 {MAX_PHOTOS} 张照片 / at most {MAX_PHOTOS} photos"]})
    return [photo_clean(name, content) for name, content in files]
