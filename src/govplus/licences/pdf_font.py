"""The Chinese font of licence PDFs, cut down to what one licence prints.

The shipped font (`fonts/wqy-microhei-gb2312.ttf`, WenQuanYi Micro Hei cut to GB 2312, see
fonts/README.md) has 13,000 glyphs; handing it to fpdf2 whole costs ~150 ms per PDF (fpdf2 parses and
subsets it again each time). So the font is read once per process, and each PDF gets a small TrueType
font written here byte by byte with only the characters its text uses, which fpdf2 then subsets and
embeds in a few milliseconds. Composite glyphs (many hanzi are built of parts) are flattened into
plain outlines once per process, so a PDF's font holds one glyph per character.

A character the font lacks (a rare name character outside GB 2312) prints as 〓, the typesetter's mark
for a missing character, and is counted in the log — never written there.
"""

from __future__ import annotations

import logging
import struct
import threading
from functools import cached_property
from io import BytesIO
from pathlib import Path

from fontTools.ttLib import TTFont
from fontTools.ttLib.tables import ttProgram
from fontTools.ttLib.tables._g_l_y_f import Glyph
from fpdf import FPDF
from fpdf.fonts import TTFFont

logger = logging.getLogger(__name__)
# fontTools logs every table it subsets at INFO: a dozen lines for every PDF fpdf2 writes.
logging.getLogger("fontTools.subset").setLevel(logging.WARNING)

FONT_PATH = Path(__file__).resolve().parent / "fonts" / "wqy-microhei-gb2312.ttf"
FAMILY = "licence-cjk"
MISSING = "〓"


def _padded(data: bytes) -> bytes:
    return data + b"\0" * (-len(data) % 4)


def _checksum(data: bytes) -> int:
    padded = _padded(data)
    return sum(struct.unpack(f">{len(padded) // 4}I", padded)) & 0xFFFFFFFF


class SourceFont:
    """The shipped font, read once per process; each character's outline is prepared once."""

    def __init__(self, path: Path) -> None:
        self._font = TTFont(path, lazy=True)
        self._lock = threading.Lock()
        self._glyphs: dict[int, tuple[bytes, int, int]] = {}  # code point -> (outline, advance, lsb)

    @cached_property
    def cmap(self) -> dict[int, str]:
        return dict(self._font.getBestCmap())

    @cached_property
    def _raw(self) -> dict[str, bytes]:
        return {tag: self._font.reader[tag] for tag in ("head", "hhea", "maxp", "OS/2", "name", "post")}

    @cached_property
    def _locations(self) -> tuple[int, ...]:
        raw = self._font.reader["loca"]
        if self._font["head"].indexToLocFormat:
            return struct.unpack(f">{len(raw) // 4}I", raw)
        return tuple(2 * offset for offset in struct.unpack(f">{len(raw) // 2}H", raw))

    @cached_property
    def _metrics(self) -> dict[str, tuple[int, int]]:
        return dict(self._font["hmtx"].metrics)

    @cached_property
    def _glyf_data(self) -> bytes:
        return self._font.reader["glyf"]

    def _outline(self, name: str) -> bytes:
        """A glyph's outline as a simple TrueType glyph: stored bytes, or a composite flattened."""
        index = self._font.getGlyphID(name)
        data = self._glyf_data[self._locations[index] : self._locations[index + 1]]
        if len(data) < 2 or struct.unpack(">h", data[:2])[0] >= 0:
            return data
        table = self._font["glyf"]
        coordinates, ends, flags = table[name].getCoordinates(table)
        flat = Glyph()
        flat.numberOfContours = len(ends)
        flat.coordinates, flat.endPtsOfContours, flat.flags = coordinates, ends, flags
        flat.program = ttProgram.Program()
        flat.program.fromBytecode(b"")
        flat.recalcBounds(table)
        return flat.compile(table, recalcBBoxes=False)

    def glyph(self, code_point: int) -> tuple[bytes, int, int] | None:
        """(outline, advance width, left side bearing) of a character the font has."""
        found = self._glyphs.get(code_point)
        if found is None and code_point in self.cmap:
            with self._lock:
                name = self.cmap[code_point]
                advance, bearing = self._metrics[name]
                found = self._glyphs[code_point] = (self._outline(name), advance, bearing)
        return found

    def subset(self, text: str) -> bytes:
        """A TrueType font with the characters of `text` (and the space and the missing mark).

        Glyph 0 is .notdef; the others follow in code point order, so the character map is a few runs."""
        code_points = sorted(c for c in {ord(c) for c in text} | {ord(" "), ord(MISSING)} if c < 0x10000)
        chosen = [(c, g) for c in code_points if (g := self.glyph(c)) is not None]
        notdef = self._glyf_data[self._locations[0] : self._locations[1]]
        advance, bearing = self._metrics[".notdef"]
        glyphs = [(notdef, advance, bearing)] + [glyph for _, glyph in chosen]
        count = len(glyphs)

        outlines, offsets = [], [0]
        for outline, _, _ in glyphs:
            outlines.append(_padded(outline))
            offsets.append(offsets[-1] + len(outlines[-1]))
        raw = self._raw
        head = bytearray(raw["head"])
        head[8:12] = b"\0\0\0\0"  # checkSumAdjustment, set below
        head[50:52] = struct.pack(">h", 1)  # long offsets in loca
        hhea = bytearray(raw["hhea"])
        hhea[34:36] = struct.pack(">H", count)
        maxp = bytearray(raw["maxp"])
        points, contours, composite_points, composite_contours = struct.unpack(">4H", maxp[6:14])
        # numGlyphs; and flattened composites count as simple glyphs now
        maxp[4:10] = struct.pack(">3H", count, max(points, composite_points), max(contours, composite_contours))
        tables = {
            "OS/2": raw["OS/2"],
            "cmap": _cmap_format_4([(c, index + 1) for index, (c, _) in enumerate(chosen)]),
            "glyf": b"".join(outlines),
            "head": bytes(head),
            "hhea": bytes(hhea),
            "hmtx": b"".join(struct.pack(">Hh", advance, bearing) for _, advance, bearing in glyphs),
            "loca": struct.pack(f">{count + 1}I", *offsets),
            "maxp": bytes(maxp),
            "name": raw["name"],  # copyright and licence records travel with the font
            "post": b"\0\3\0\0" + raw["post"][4:32],  # format 3: no glyph names
        }
        font, head_at = _sfnt(tables)
        adjustment = (0xB1B0AFBA - _checksum(font)) & 0xFFFFFFFF
        return font[: head_at + 8] + struct.pack(">I", adjustment) + font[head_at + 12 :]


def _cmap_format_4(mapping: list[tuple[int, int]]) -> bytes:
    """A (3, 1) format 4 character map; `mapping` is (code point, glyph) in code point order."""
    segments: list[list[int]] = []  # [start, end, delta]
    for code_point, glyph in mapping:
        if segments and segments[-1][1] == code_point - 1 and segments[-1][2] == (glyph - code_point) & 0xFFFF:
            segments[-1][1] = code_point
        else:
            segments.append([code_point, code_point, (glyph - code_point) & 0xFFFF])
    segments.append([0xFFFF, 0xFFFF, 1])
    count = len(segments)
    search = 2 ** (count.bit_length() - 1)
    body = struct.pack(">4H", count * 2, search * 2, search.bit_length() - 1, count * 2 - search * 2)
    body += struct.pack(f">{count}H", *(end for _, end, _ in segments)) + b"\0\0"
    body += struct.pack(f">{count}H", *(start for start, _, _ in segments))
    body += struct.pack(f">{count}H", *(delta for _, _, delta in segments))
    body += b"\0\0" * count  # idRangeOffset: every segment maps by delta
    subtable = struct.pack(">3H", 4, 6 + len(body), 0) + body
    return struct.pack(">2H", 0, 1) + struct.pack(">2HI", 3, 1, 12) + subtable


def _sfnt(tables: dict[str, bytes]) -> tuple[bytes, int]:
    """The TrueType file around `tables` (OpenType §5: offset table, sorted table records, 4-byte padding)
    and where its head table starts (for the checksum adjustment)."""
    tags = sorted(tables)
    search = 2 ** (len(tags).bit_length() - 1)
    header = struct.pack(
        ">I4H", 0x00010000, len(tags), search * 16, search.bit_length() - 1, len(tags) * 16 - search * 16
    )
    offset = len(header) + 16 * len(tags)
    records, bodies, head_at = [], [], 0
    for tag in tags:
        data = tables[tag]
        head_at = offset if tag == "head" else head_at
        records.append(struct.pack(">4s3I", tag.encode("ascii"), _checksum(data), offset, len(data)))
        bodies.append(_padded(data))
        offset += len(bodies[-1])
    return header + b"".join(records) + b"".join(bodies), head_at


_source: SourceFont | None = None
_source_lock = threading.Lock()


def source_font() -> SourceFont:
    global _source
    if _source is None:
        with _source_lock:
            if _source is None:
                _source = SourceFont(FONT_PATH)
    return _source


def printable(text: str) -> str:
    """`text` with every character the font lacks replaced by 〓 (control characters dropped)."""
    cmap = source_font().cmap
    missing = 0
    out = []
    for char in text:
        if ord(char) in cmap:
            out.append(char)
        elif char.isprintable():
            missing += 1
            out.append(MISSING)
    if missing:
        logger.warning("licence PDF: %d character(s) outside the licence font printed as %s", missing, MISSING)
    return "".join(out)


def licence_font_add(pdf: FPDF, text: str) -> None:
    """Register the licence font on `pdf`, made of the glyphs `text` uses (all the text the page prints)."""
    font = TTFFont(pdf, BytesIO(source_font().subset(text)), FAMILY, "")  # type: ignore[arg-type]
    font.ttfont.recalcBBoxes = False  # the outlines keep their bounds; recomputing them decodes every glyph
    pdf.fonts[FAMILY] = font
