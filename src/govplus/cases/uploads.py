"""Checks on uploaded materials: size, declared type and the file's real content (magic bytes).

A file is accepted only when its extension is one the material allows and its first bytes match
that type, so a renamed executable is not stored as a "PDF".
"""

from __future__ import annotations

from django.conf import settings

from govplus.core.errors import ValidationFailed

SIGNATURES: dict[str, tuple[bytes, ...]] = {
    "pdf": (b"%PDF-",),
    "jpg": (b"\xff\xd8\xff",),
    "jpeg": (b"\xff\xd8\xff",),
    "png": (b"\x89PNG\r\n\x1a\n",),
    "ofd": (b"PK\x03\x04",),
    "docx": (b"PK\x03\x04",),
    "xlsx": (b"PK\x03\x04",),
    "doc": (b"\xd0\xcf\x11\xe0",),
    "xls": (b"\xd0\xcf\x11\xe0",),
}
CONTENT_TYPES = {
    "pdf": "application/pdf",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "png": "image/png",
    "ofd": "application/ofd",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "doc": "application/msword",
    "xls": "application/vnd.ms-excel",
}


def upload_check(*, filename: str, head: bytes, size: int, accepted: list[str], field: str = "file") -> str:
    """Returns the content type to store; raises ValidationFailed naming `field` (the material)."""
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    allowed = [kind.lower() for kind in (accepted or ["pdf", "jpg", "png"])]
    if "jpg" in allowed:
        allowed.append("jpeg")
    limit = settings.GOVPLUS_UPLOAD_MAX_BYTES
    if size == 0:
        raise ValidationFailed({field: ["文件为空 / the file is empty"]})
    if size > limit:
        raise ValidationFailed(
            {field: [f"文件不能超过 {limit // (1024 * 1024)} MB / the file exceeds {limit // (1024 * 1024)} MB"]}
        )
    if extension not in allowed:
        raise ValidationFailed(
            {field: [f"仅支持 {', '.join(sorted(set(allowed)))} 格式 / only {', '.join(sorted(set(allowed)))} files"]}
        )
    if not any(head.startswith(signature) for signature in SIGNATURES.get(extension, (b"",))):
        raise ValidationFailed({field: ["文件内容与扩展名不符 / the content does not match the file type"]})
    return CONTENT_TYPES.get(extension, "application/octet-stream")
