"""The printed face of an e-licence (电子证照版式文件): one landscape A4 page in Chinese, for its holder.

What the page shows, and why:
- the licence type as title (Chinese, English small), then every face field as label: value in the
  order of the type's schema, framed by the licence number, the holder (name and code in full — it is
  the holder's own document), the issuer, the date of issue and the validity (长期 when it has no end);
- the licence identifier (GB/T 36904) and a QR code of its verification page, so anyone handed a
  print-out can check it against the library;
- a red seal of the issuing department, drawn by the platform as vector graphics (ring, star, the
  department's name in an arc, its credit code below) over the issuer's name and date, as on paper.
  The drawing is not the proof — the PAdES signature (`signing.py`) is;
- the identifier again in the PDF metadata (/Subject), so `pdf_verify` finds the licence without
  reading the page.

The renderer takes a `LicenceDocument` only (no database) and is deterministic in everything but the
creation time.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass

import segno
from fpdf import FPDF
from fpdf.enums import RenderStyle

from govplus.licences.document import LicenceDocument
from govplus.licences.pdf_font import FAMILY, licence_font_add, printable

PAGE_WIDTH, PAGE_HEIGHT = 297.0, 210.0
FRAME = (150, 32, 32)
INK = (26, 26, 26)
GREY = (110, 110, 110)
SEAL_RED = (218, 37, 29)
TABLE_LEFT, LABEL_WIDTH, VALUE_WIDTH = 26.0, 46.0, 124.0
TABLE_TOP, TABLE_BOTTOM = 50.0, 182.0
QR_LEFT, QR_TOP, QR_SIZE = 224.0, 50.0, 40.0
SEAL_X, SEAL_Y, SEAL_RADIUS = 242.0, 164.0, 20.0
POINT = 25.4 / 72  # millimetres per point
FILL = RenderStyle.F  # the enum, not "F": fpdf2 converts a string on every one of the QR code's 500 rectangles
_QR_ALPHANUMERIC_TAIL = re.compile(r"[0-9A-Z $%*+\-./:]+$")  # ISO/IEC 18004 alphanumeric mode
SCAN_ZH, SCAN_EN, ID_LABEL = "扫码核验", "Scan to verify", "证照标识 Licence ID："


@dataclass(frozen=True)
class _Row:
    label: str
    label_en: str
    value: str


@dataclass(frozen=True)
class _Face:
    """Every string the page prints, made printable by the licence font."""

    title: str
    title_en: str
    rows: tuple[_Row, ...]
    issuer: str
    issuer_code: str
    issued: str
    licence_id: str
    note: str
    verify_url: str

    def all_text(self) -> str:
        parts = [self.title, self.title_en, self.issuer, self.issuer_code, self.issued, self.licence_id, self.note]
        parts += [f"{row.label}{row.label_en}{row.value}" for row in self.rows]
        return "".join(parts) + SCAN_ZH + SCAN_EN + ID_LABEL


def _date(value: dt.date) -> str:
    return f"{value.year}年{value.month}月{value.day}日"


def _face(document: LicenceDocument) -> _Face:
    citizen = document.holder_code_type == "111"
    until = _date(document.valid_until) if document.valid_until else "长期"
    rows = [
        _Row("证照编号", "Licence number", document.number),
        _Row("持证主体", "Holder", document.holder_name),
        _Row(
            "公民身份号码" if citizen else "统一社会信用代码",
            "Citizen ID number" if citizen else "Unified social credit code",
            document.holder_code,
        ),
        *(_Row(f.label, f.label_en, f.value) for f in document.fields),
        _Row("颁发机构", "Issuing authority", document.issuer_name),
        _Row("颁证日期", "Date of issue", _date(document.issued_on)),
        _Row("有效期", "Valid", f"{_date(document.valid_from)} 至 {until}"),
    ]
    return _Face(
        title=printable(document.type_name),
        title_en=printable(document.type_name_en),
        rows=tuple(_Row(printable(r.label), printable(r.label_en), printable(r.value)) for r in rows),
        issuer=printable(document.issuer_name),
        issuer_code=printable(document.issuer_code),
        issued=_date(document.issued_on),
        licence_id=printable(document.licence_id),
        note=printable(
            "本电子证照由颁发机构加盖电子印章，与纸质证照具有同等法律效力。扫描二维码或访问下方地址核验真伪与状态。"
        ),
        verify_url=printable(document.verify_url),
    )


def licence_pdf_render(document: LicenceDocument) -> bytes:
    """The unsigned PDF of a licence (`signing.licence_pdf_build` seals it)."""
    face = _face(document)
    pdf = FPDF(orientation="L", unit="mm", format="A4")
    pdf.set_auto_page_break(False)
    pdf.set_margins(0, 0, 0)
    pdf.set_title(face.title)
    pdf.set_subject(document.licence_id)
    pdf.set_author(face.issuer)
    pdf.set_keywords(["电子证照", document.type_code, document.licence_id])
    pdf.set_creator("govplus")
    pdf.set_lang("zh-CN")
    licence_font_add(pdf, face.all_text() + face.verify_url)
    pdf.add_page()
    _frame(pdf)
    _title(pdf, face)
    _rows(pdf, face.rows)
    _qr_code(pdf, document.verify_url)
    _footer(pdf, face)
    _issuer_block(pdf, face)
    _seal(pdf, face.issuer, face.issuer_code)
    return bytes(pdf.output())


def _put(pdf: FPDF, text: str, x: float, top: float, size: float, *, align: str = "L", width: float = 0) -> None:
    """One line of text whose line box starts at `top` (mm), left-aligned at `x`, or centred / right-
    aligned in `width` from `x`. (fpdf2's cell() does the same at seven times the cost.)"""
    pdf.set_font(FAMILY, size=size)
    if align != "L":
        spare = width - pdf.get_string_width(text)
        x += spare / 2 if align == "C" else spare
    pdf.text(x, top + size * POINT * 0.92, text)


_NO_LINE_START = set("，。、；：！？）》」』】〕…—·％‰,.;:!?)]}%")  # 禁则: these never begin a line
_NO_LINE_END = set("（《「『【〔([{")  # … and these never end one


def _wrap(pdf: FPDF, text: str, width: float) -> list[str]:
    """`text` broken into lines no wider than `width` at the current font: between any two Chinese
    characters, at a space inside Latin words, keeping the line-breaking rules of Chinese typesetting
    (no closing punctuation at the start of a line, no opening one at its end)."""
    widths: dict[str, float] = {}
    lines: list[str] = []
    line, used = "", 0.0
    for char in text:
        advance = widths.get(char)
        if advance is None:
            advance = widths[char] = pdf.get_string_width(char)
        if used + advance > width and line and char not in _NO_LINE_START:
            carry = ""
            if char.isascii() and char.isalnum() and " " in line and not line.endswith(" "):
                line, carry = line.rsplit(" ", 1)
            while line and line[-1] in _NO_LINE_END:
                line, carry = line[:-1], line[-1] + carry
            lines.append(line.rstrip())
            line = carry.lstrip()
            used = sum(widths.get(c) or pdf.get_string_width(c) for c in line)
        line += char
        used += advance
    if line or not lines:
        lines.append(line)
    return lines


def _frame(pdf: FPDF) -> None:
    pdf.set_draw_color(*FRAME)
    pdf.set_line_width(0.9)
    pdf.rect(8, 8, PAGE_WIDTH - 16, PAGE_HEIGHT - 16)
    pdf.set_line_width(0.3)
    pdf.rect(10.5, 10.5, PAGE_WIDTH - 21, PAGE_HEIGHT - 21)


def _title(pdf: FPDF, face: _Face) -> None:
    pdf.set_text_color(*INK)
    with pdf.local_context(text_mode="FILL_STROKE", line_width=0.25, draw_color=INK):
        _put(pdf, face.title, 0, 19.5, 24, align="C", width=PAGE_WIDTH)
    pdf.set_text_color(*GREY)
    _put(pdf, face.title_en, 0, 31.5, 9, align="C", width=PAGE_WIDTH)
    pdf.set_draw_color(*FRAME)
    pdf.set_line_width(0.4)
    pdf.line(24, 42, PAGE_WIDTH - 24, 42)


def _rows(pdf: FPDF, rows: tuple[_Row, ...]) -> None:
    """The face fields, label and value, shrunk together when many or long ones would run into the
    footer."""
    scale = 1.0
    for _attempt in range(6):
        value_size = 11.5 * scale
        pdf.set_font(FAMILY, size=value_size)
        lines = [_wrap(pdf, row.value, VALUE_WIDTH - 2) for row in rows]
        line_height = value_size * POINT * 1.45
        heights = [max(10.5 * scale, len(value) * line_height + 2.5) for value in lines]
        if sum(heights) <= TABLE_BOTTOM - TABLE_TOP or scale < 0.6:
            break
        scale *= 0.88
    y = TABLE_TOP
    for row, value, height in zip(rows, lines, heights, strict=True):
        pdf.set_text_color(*INK)
        _put(pdf, row.label, TABLE_LEFT, y + 1.2, 10.5 * scale)
        pdf.set_text_color(*GREY)
        _put(pdf, row.label_en, TABLE_LEFT, y + 1.6 + 10.5 * scale * POINT * 1.3, 6.5 * scale)
        pdf.set_text_color(*INK)
        for index, text in enumerate(value):
            _put(pdf, text, TABLE_LEFT + LABEL_WIDTH, y + 1.2 + index * line_height, value_size)
        y += height
        pdf.set_draw_color(215, 200, 200)
        pdf.set_line_width(0.15)
        pdf.line(TABLE_LEFT, y - 0.8, TABLE_LEFT + LABEL_WIDTH + VALUE_WIDTH, y - 0.8)


def _qr_segments(url: str) -> list[str]:
    """The URL in two QR segments when it ends in a licence identifier: byte mode for the address,
    alphanumeric mode (5.5 bits a character, not 8) for the identifier's digits, capitals and dots. The
    symbol is a version smaller (41 modules, not 45), quicker to make and to scan; it reads the same."""
    tail = _QR_ALPHANUMERIC_TAIL.search(url)
    if tail is None or len(tail.group(0)) < 20:
        return [url]
    return [url[: tail.start()], tail.group(0)]


def _qr_code(pdf: FPDF, url: str) -> None:
    """The verification page's address as a QR code (error correction M), drawn as vector modules."""
    # segno takes a list of segments (segno.encoder.prepare_data), though its type hints name one value.
    matrix = segno.make(_qr_segments(url), error="m", micro=False).matrix  # type: ignore[arg-type]
    module = QR_SIZE / len(matrix)
    pdf.set_fill_color(0, 0, 0)
    for row_index, row in enumerate(matrix):  # one rectangle per run of dark modules in a row
        start = None
        for column, dark in enumerate([*row, 0]):
            if dark and start is None:
                start = column
            elif not dark and start is not None:
                x, y, width = QR_LEFT + start * module, QR_TOP + row_index * module, (column - start) * module
                pdf.rect(x, y, width, module, FILL)
                start = None
    pdf.set_text_color(*GREY)
    _put(pdf, SCAN_ZH, QR_LEFT, QR_TOP + QR_SIZE + 2, 8, align="C", width=QR_SIZE)
    _put(pdf, SCAN_EN, QR_LEFT, QR_TOP + QR_SIZE + 6, 6.5, align="C", width=QR_SIZE)


def _footer(pdf: FPDF, face: _Face) -> None:
    pdf.set_text_color(*INK)
    _put(pdf, ID_LABEL + face.licence_id, TABLE_LEFT, 186.5, 7.5)
    pdf.set_text_color(*GREY)
    _put(pdf, face.note, TABLE_LEFT, 191.2, 6.5)
    _put(pdf, face.verify_url, TABLE_LEFT, 195.2, 6.5)


def _issuer_block(pdf: FPDF, face: _Face) -> None:
    pdf.set_text_color(*INK)
    _put(pdf, face.issuer, 196, 160.5, 11, align="R", width=78)
    _put(pdf, face.issued, 196, 167.5, 11, align="R", width=78)


def _seal(pdf: FPDF, name: str, code: str) -> None:
    """A Chinese official seal: a red ring, a five-pointed star, the department's name set in an arc
    over the star, its unified social credit code in small figures along the bottom."""
    with pdf.local_context(
        draw_color=SEAL_RED, fill_color=SEAL_RED, text_color=SEAL_RED, fill_opacity=0.88, blend_mode="Multiply"
    ):
        pdf.set_line_width(1.1)
        pdf.circle(SEAL_X, SEAL_Y, SEAL_RADIUS, style="D")
        pdf.star(SEAL_X, SEAL_Y, 2.7, 6.8, 5, rotate_degrees=0, style="F")
        _arc_text(pdf, name, radius=SEAL_RADIUS - 5.2, top=True)
        if code:
            _arc_text(pdf, code, radius=SEAL_RADIUS - 2.9, top=False)


def _arc_text(pdf: FPDF, text: str, *, radius: float, top: bool) -> None:
    """Characters along the seal's ring, upright towards the rim (top) or towards the centre (bottom)."""
    count = len(text)
    if count == 0:
        return
    if top:
        step = min(math.radians(21), math.radians(250) / count)
        size_mm = min(5.6, step * radius * 0.92)
    else:
        step = min(math.radians(6.5), math.radians(120) / count)
        size_mm = min(2.2, step * radius * 1.1)
    span = step * count
    with pdf.local_context(text_mode="FILL_STROKE", line_width=0.12 if top else 0.04):
        pdf.set_font(FAMILY, size=size_mm / POINT)
        for index, char in enumerate(text):
            angle = -span / 2 + step * (index + 0.5)
            if top:  # measured clockwise from the top
                x, y, turn = SEAL_X + radius * math.sin(angle), SEAL_Y - radius * math.cos(angle), -math.degrees(angle)
            else:  # measured from the bottom, left to right
                x, y, turn = SEAL_X + radius * math.sin(angle), SEAL_Y + radius * math.cos(angle), math.degrees(angle)
            width = pdf.get_string_width(char)
            with pdf.rotation(turn, x=x, y=y):
                pdf.text(x - width / 2, y + size_mm * 0.36, char)
