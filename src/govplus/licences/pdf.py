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
from dataclasses import dataclass

import segno
from fpdf import FPDF

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


def _frame(pdf: FPDF) -> None:
    pdf.set_draw_color(*FRAME)
    pdf.set_line_width(0.9)
    pdf.rect(8, 8, PAGE_WIDTH - 16, PAGE_HEIGHT - 16)
    pdf.set_line_width(0.3)
    pdf.rect(10.5, 10.5, PAGE_WIDTH - 21, PAGE_HEIGHT - 21)


def _title(pdf: FPDF, face: _Face) -> None:
    pdf.set_text_color(*INK)
    with pdf.local_context(text_mode="FILL_STROKE", line_width=0.25, draw_color=INK):
        pdf.set_font(FAMILY, size=24)
        pdf.set_xy(0, 18)
        pdf.cell(PAGE_WIDTH, 12, face.title, align="C")
    pdf.set_font(FAMILY, size=9)
    pdf.set_text_color(*GREY)
    pdf.set_xy(0, 31)
    pdf.cell(PAGE_WIDTH, 5, face.title_en, align="C")
    pdf.set_draw_color(*FRAME)
    pdf.set_line_width(0.4)
    pdf.line(24, 42, PAGE_WIDTH - 24, 42)


def _value_lines(pdf: FPDF, value: str, size: float) -> int:
    pdf.set_font(FAMILY, size=size)
    return max(1, math.ceil(pdf.get_string_width(value) / (VALUE_WIDTH - 2)))


def _rows(pdf: FPDF, rows: tuple[_Row, ...]) -> None:
    """The face fields, shrunk together when many or long ones would run into the footer."""
    scale = 1.0
    for _attempt in range(6):
        value_size = 11.5 * scale
        line = value_size * POINT * 1.45
        heights = [max(10.5 * scale, _value_lines(pdf, r.value, value_size) * line + 2.5) for r in rows]
        if sum(heights) <= TABLE_BOTTOM - TABLE_TOP or scale < 0.6:
            break
        scale *= 0.88
    y = TABLE_TOP
    for row, height in zip(rows, heights, strict=True):
        pdf.set_text_color(*INK)
        pdf.set_font(FAMILY, size=10.5 * scale)
        pdf.set_xy(TABLE_LEFT, y + 0.6)
        pdf.cell(LABEL_WIDTH, 10.5 * scale * POINT * 1.3, row.label)
        pdf.set_text_color(*GREY)
        pdf.set_font(FAMILY, size=6.5 * scale)
        pdf.set_xy(TABLE_LEFT, y + 0.8 + 10.5 * scale * POINT * 1.3)
        pdf.cell(LABEL_WIDTH, 6.5 * scale * POINT * 1.3, row.label_en)
        pdf.set_text_color(*INK)
        pdf.set_font(FAMILY, size=value_size)
        pdf.set_xy(TABLE_LEFT + LABEL_WIDTH, y + 0.6)
        pdf.multi_cell(VALUE_WIDTH, value_size * POINT * 1.45, row.value)
        y += height
        pdf.set_draw_color(215, 200, 200)
        pdf.set_line_width(0.15)
        pdf.line(TABLE_LEFT, y - 0.8, TABLE_LEFT + LABEL_WIDTH + VALUE_WIDTH, y - 0.8)


def _qr_code(pdf: FPDF, url: str) -> None:
    """The verification page's address as a QR code, drawn as vector modules (sharp at any zoom)."""
    matrix = segno.make(url, error="m", micro=False).matrix
    module = QR_SIZE / len(matrix)
    pdf.set_fill_color(0, 0, 0)
    for row_index, row in enumerate(matrix):  # one rectangle per run of dark modules in a row
        start = None
        for column, dark in enumerate([*row, 0]):
            if dark and start is None:
                start = column
            elif not dark and start is not None:
                pdf.rect(QR_LEFT + start * module, QR_TOP + row_index * module, (column - start) * module, module, "F")
                start = None
    pdf.set_text_color(*GREY)
    pdf.set_font(FAMILY, size=8)
    pdf.set_xy(QR_LEFT - 5, QR_TOP + QR_SIZE + 2)
    pdf.cell(QR_SIZE + 10, 4, SCAN_ZH, align="C")
    pdf.set_font(FAMILY, size=6.5)
    pdf.set_xy(QR_LEFT - 5, QR_TOP + QR_SIZE + 6)
    pdf.cell(QR_SIZE + 10, 3, SCAN_EN, align="C")


def _footer(pdf: FPDF, face: _Face) -> None:
    pdf.set_text_color(*INK)
    pdf.set_font(FAMILY, size=7.5)
    pdf.set_xy(TABLE_LEFT, 186)
    pdf.cell(200, 4, ID_LABEL + face.licence_id)
    pdf.set_text_color(*GREY)
    pdf.set_font(FAMILY, size=6.5)
    pdf.set_xy(TABLE_LEFT, 191)
    pdf.cell(245, 3.5, face.note)
    pdf.set_xy(TABLE_LEFT, 195)
    pdf.cell(245, 3.5, face.verify_url)


def _issuer_block(pdf: FPDF, face: _Face) -> None:
    pdf.set_text_color(*INK)
    pdf.set_font(FAMILY, size=11)
    pdf.set_xy(196, 160)
    pdf.cell(78, 6, face.issuer, align="R")
    pdf.set_xy(196, 167)
    pdf.cell(78, 6, face.issued, align="R")


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
