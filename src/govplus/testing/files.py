"""Small but structurally valid files (PDF, PNG, JPEG) for tests, the demo and benchmarks: they pass
the content checks of `cases.uploads` as a real scan would, at any size."""

from __future__ import annotations

import struct
import zlib


def pdf_bytes(note: bytes = b"", *, size: int | None = None) -> bytes:
    """A one-page-less PDF with a correct cross-reference table; with `size`, padded (inside a comment
    line) to exactly that many bytes."""

    def build(padding: int) -> bytes:
        head = b"%PDF-1.4\n%" + note.replace(b"\n", b" ") + b"\n"
        if padding:
            head += b"%" + b"0" * (padding - 2) + b"\n" if padding >= 2 else b"\n"
        objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [] /Count 0 >>"]
        body, offsets = head, []
        for number, content in enumerate(objects, start=1):
            offsets.append(len(body))
            body += b"%d 0 obj\n%s\nendobj\n" % (number, content)
        xref_at = len(body)
        body += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
        body += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
        body += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref_at)
        return body

    plain = build(0)
    if size is None or size <= len(plain):
        return plain
    padding = size - len(plain)
    padded = build(padding)
    return build(padding - (len(padded) - size))  # the xref offsets may have grown by a digit


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_bytes(width: int = 2, height: int = 2) -> bytes:
    """A grey PNG image of `width` × `height` pixels."""
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    pixels = zlib.compress(b"".join(b"\x00" + b"\x80" * width for _ in range(height)))
    return b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", header) + _png_chunk(b"IDAT", pixels) + _png_chunk(b"IEND", b"")


def jpeg_bytes(width: int = 8, height: int = 8) -> bytes:
    """A JPEG's structure (SOI, JFIF APP0, a baseline frame header, EOI) of `width` × `height`."""
    app0 = b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    frame = struct.pack(">BHHB", 8, height, width, 1) + b"\x01\x11\x00"
    return (
        b"\xff\xd8"
        + b"\xff\xe0"
        + struct.pack(">H", len(app0) + 2)
        + app0
        + b"\xff\xc0"
        + struct.pack(">H", len(frame) + 2)
        + frame
        + b"\xff\xd9"
    )
