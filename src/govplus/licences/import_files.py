"""Reading a licence import file, row by row: CSV or Excel (.xlsx), as a department exports it.

- CSV: UTF-8 with or without a byte-order mark, or GB18030 (what Chinese Excel writes for "CSV"); the
  encoding is decided over the whole file (UTF-8 when every byte sequence is valid UTF-8), comma- or
  tab-separated (decided by the header line).
- .xlsx: the first sheet, streamed (openpyxl `read_only`), values not formulas (`data_only`); dates come
  as dates, numbers written as numbers (an ID number typed into a number cell) as their digits.
- The old binary .xls and anything else is refused with a message saying what to save the file as.

Rows come out as (row number as the spreadsheet shows it, header row = 1, cells as stripped text).
Plain Python: no database, so the same reader serves the dry run, the commit and a resumed job.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import re
import zipfile
from collections.abc import Iterator
from typing import IO, Any

CSV = "csv"
XLSX = "xlsx"
UTF8_BOM = b"\xef\xbb\xbf"
_CHUNK = 1 << 20
_DATE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")


class FileUnreadable(Exception):
    """The file cannot be read as a table: (Chinese, English) of why and what to do."""

    def __init__(self, message: str, message_en: str) -> None:
        super().__init__(message)
        self.message = message
        self.message_en = message_en


def file_format_of(*, file_name: str, head: bytes) -> str:
    """CSV or XLSX, from the content's first bytes (and the name for a CSV); refuses the rest."""
    name = file_name.lower()
    if head.startswith(b"PK\x03\x04"):
        return XLSX
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise FileUnreadable(
            "不支持旧版 Excel（.xls）文件，请在 Excel 中另存为 .xlsx 或 CSV 后再上传",
            "old Excel (.xls) files are not supported: save the file as .xlsx or CSV first",
        )
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise FileUnreadable(
            "不支持 UTF-16（Unicode 文本）文件，请另存为“CSV UTF-8”或 .xlsx",
            "UTF-16 (Unicode text) files are not supported: save as CSV UTF-8 or .xlsx",
        )
    if name.endswith((".csv", ".txt")) or not name.endswith(".xlsx"):
        return CSV
    raise FileUnreadable("文件不是有效的 .xlsx 文件", "the file is not a valid .xlsx file")


def csv_encoding(stream: IO[bytes]) -> str:
    """utf-8-sig (a byte-order mark), utf-8 (every byte valid UTF-8) or gb18030; reads the whole stream."""
    stream.seek(0)
    head = stream.read(3)
    candidates = ["utf-8-sig"] if head == UTF8_BOM else ["utf-8", "gb18030"]
    for encoding in candidates:
        stream.seek(0)
        decoder = codecs.getincrementaldecoder(encoding)()
        try:
            while chunk := stream.read(_CHUNK):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            continue
        stream.seek(0)
        return encoding
    raise FileUnreadable(
        "无法识别文件编码，请另存为“CSV UTF-8”或 .xlsx 后再上传",
        "the file's encoding is not UTF-8 or GB18030: save it as CSV UTF-8 or .xlsx",
    )


def rows_of(stream: IO[bytes], *, file_format: str, encoding: str = "") -> Iterator[tuple[int, list[str]]]:
    """(row number, cells) for every row of the file, the header first; wholly empty rows left out."""
    stream.seek(0)
    source = _csv_rows(stream, encoding) if file_format == CSV else _xlsx_rows(stream)
    for number, cells in source:
        if any(cells):
            yield number, cells


def _csv_rows(stream: IO[bytes], encoding: str) -> Iterator[tuple[int, list[str]]]:
    text = io.TextIOWrapper(stream, encoding=encoding or "utf-8", newline="")
    try:
        first = text.readline()
        delimiter = "\t" if first.count("\t") > first.count(",") else ","
        text.seek(0)
        reader = csv.reader(text, delimiter=delimiter)
        try:
            for cells in reader:
                yield reader.line_num, [cell.strip() for cell in cells]
        except csv.Error as error:
            raise FileUnreadable(
                f"CSV 格式错误（第 {reader.line_num} 行）：引号不配对或含有不可识别的字符",
                f"malformed CSV at line {reader.line_num}: {error}",
            ) from error
        except UnicodeDecodeError as error:
            raise FileUnreadable("文件编码有误", "the file's encoding is inconsistent") from error
    finally:
        text.detach()  # leave the caller's stream open


def _xlsx_rows(stream: IO[bytes]) -> Iterator[tuple[int, list[str]]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(stream, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError) as error:
        raise FileUnreadable(
            "无法读取该 Excel 文件（文件损坏或不是 .xlsx），请重新导出后再上传",
            "the Excel file cannot be read (damaged, or not .xlsx): export it again",
        ) from error
    try:
        if not workbook.worksheets:
            return
        sheet = workbook.worksheets[0]
        try:
            for number, values in enumerate(sheet.iter_rows(min_row=1, values_only=True), start=1):
                yield number, [cell_text(value) for value in values]
        except (zipfile.BadZipFile, KeyError, ValueError, TypeError) as error:
            raise FileUnreadable("Excel 文件内容损坏", "the Excel file's content is damaged") from error
    finally:
        workbook.close()


def cell_text(value: Any) -> str:
    """A cell as text: a date as YYYY-MM-DD, a whole number without ".0", empty for nothing."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def date_of(text: str) -> dt.date:
    """A date written 2015-06-01, 2015/6/1, 2015.6.1, 20150601 or 2015年6月1日 (ValueError otherwise)."""
    text = text.strip()
    if len(text) == 8 and text.isdigit():
        return dt.date(int(text[:4]), int(text[4:6]), int(text[6:]))
    match = _DATE.match(text)
    if match is None:
        raise ValueError(text)
    return dt.date(int(match[1]), int(match[2]), int(match[3]))
