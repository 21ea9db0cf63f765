"""Checks on uploaded materials: size, file name, declared type and the file's real structure.

A file is accepted only when its extension is one the material allows and its content has the
structure of that type, so a renamed executable — or an HTML page that merely begins with `%PDF-` —
is not stored as a "PDF" and later shown to a clerk as one:
- PDF (ISO 32000-1 §7.5): `%PDF-` at the start; at the end `startxref <offset>` and `%%EOF`, the
  offset pointing at a cross-reference table (`xref`) or stream (`n g obj`) inside the file;
- PNG (ISO/IEC 15948 §5): the signature, an IHDR chunk of 13 bytes with a correct CRC, non-zero
  dimensions and a legal bit depth and colour type, and the IEND chunk at the end;
- JPEG (ITU-T T.81 Annex B): SOI, then well-formed marker segments up to a frame header (SOFn) with
  non-zero width and 1–4 components;
- OFD/DOCX/XLSX (ZIP): the local header signature and an end-of-central-directory record at the end;
- DOC/XLS: the OLE2 signature.
Reading needs only the first and last kilobytes (and a few bytes at the xref offset), not the file.
"""

from __future__ import annotations

import re
import struct
import zlib
from typing import IO

from django.conf import settings

from govplus.core.errors import ValidationFailed

FILENAME_MAX = 200

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
HEAD_BYTES = 256 * 1024  # a JPEG's EXIF segment may come before its frame header
TAIL_BYTES = 1024
ZIP_TAIL_BYTES = 65_557  # end-of-central-directory record (22) + the longest comment (65,535)

_STARTXREF = re.compile(rb"startxref\s+(\d{1,20})\s+%%EOF")
_XREF_STREAM = re.compile(rb"\s*\d+\s+\d+\s+obj\b")
_SOF_MARKERS = {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}


def _read_at(upload: IO[bytes], offset: int, count: int) -> bytes:
    upload.seek(offset)
    return upload.read(count)


def _pdf_is_sound(upload: IO[bytes], size: int) -> bool:
    tail = _read_at(upload, max(0, size - TAIL_BYTES), TAIL_BYTES)
    matches = list(_STARTXREF.finditer(tail))
    if not matches:
        return False
    offset = int(matches[-1].group(1))
    if offset >= size:
        return False
    at = _read_at(upload, offset, 64)
    return at.lstrip().startswith(b"xref") or _XREF_STREAM.match(at) is not None


def _png_is_sound(upload: IO[bytes], size: int) -> bool:
    head = _read_at(upload, 0, 33)
    if len(head) < 33 or head[8:16] != b"\x00\x00\x00\x0dIHDR":
        return False
    data, crc = head[16:29], struct.unpack(">I", head[29:33])[0]
    if zlib.crc32(b"IHDR" + data) != crc:
        return False
    width, height, depth, colour = struct.unpack(">IIBB", data[:10])
    if width == 0 or height == 0 or colour not in {0, 2, 3, 4, 6} or depth not in {1, 2, 4, 8, 16}:
        return False
    return _read_at(upload, max(0, size - 12), 12) == b"\x00\x00\x00\x00IEND\xaeB`\x82"


def _jpeg_is_sound(upload: IO[bytes], size: int) -> bool:
    head = _read_at(upload, 0, HEAD_BYTES)
    position = 2
    while position + 4 <= len(head):
        if head[position] != 0xFF:
            return False
        marker = head[position + 1]
        if marker == 0xFF:  # fill byte
            position += 1
            continue
        if marker in {0xD8, 0xD9} or 0xD0 <= marker <= 0xD7:
            return False  # no image data may come before the frame header
        (length,) = struct.unpack(">H", head[position + 2 : position + 4])
        if length < 2:
            return False
        if marker in _SOF_MARKERS:
            frame = head[position + 4 : position + 2 + length]
            if len(frame) < 6:
                return False
            _precision, _height, width, components = struct.unpack(">BHHB", frame[:6])
            return width > 0 and 1 <= components <= 4 and length == 8 + 3 * components
        position += 2 + length
    return False


def _zip_is_sound(upload: IO[bytes], size: int) -> bool:
    return b"PK\x05\x06" in _read_at(upload, max(0, size - ZIP_TAIL_BYTES), ZIP_TAIL_BYTES)


STRUCTURE_CHECKS = {
    "pdf": _pdf_is_sound,
    "png": _png_is_sound,
    "jpg": _jpeg_is_sound,
    "jpeg": _jpeg_is_sound,
    "ofd": _zip_is_sound,
    "docx": _zip_is_sound,
    "xlsx": _zip_is_sound,
}


def upload_check(*, filename: str, upload: IO[bytes], size: int, accepted: list[str], field: str = "file") -> str:
    """Returns the content type to store; raises ValidationFailed naming `field` (the material).
    Leaves `upload` at its start."""
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    allowed = [kind.lower() for kind in (accepted or ["pdf", "jpg", "png"])]
    if "jpg" in allowed:
        allowed.append("jpeg")
    limit = settings.GOVPLUS_UPLOAD_MAX_BYTES
    if len(filename) > FILENAME_MAX:
        raise ValidationFailed(
            {field: [f"文件名不能超过 {FILENAME_MAX} 个字符 / the file name exceeds {FILENAME_MAX} characters"]}
        )
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
    try:
        head = _read_at(upload, 0, 16)
        sound = any(head.startswith(signature) for signature in SIGNATURES.get(extension, (b"",)))
        if sound and extension in STRUCTURE_CHECKS:
            sound = STRUCTURE_CHECKS[extension](upload, size)
    finally:
        upload.seek(0)
    if not sound:
        raise ValidationFailed(
            {
                field: [
                    "文件内容与扩展名不符或文件已损坏 / the content does not match the file type or the file is damaged"
                ]
            }
        )
    return CONTENT_TYPES.get(extension, "application/octet-stream")
