"""Bulk import of a department's existing licences (存量证照导入) from CSV or Excel.

Rules:
- One file holds licences of one type, issued by one department. Its approvers and administrators
  (`department_admin`, `approver`) or the platform administrator import them; the command line
  (`govplus licences_import`) acts as the system.
- **Check first (the dry run)**: every row is checked — the face fields against the type (`face_clean`),
  the holder's code by the type's holder kind (ID number or unified social credit code, check digit
  included), dates, status and origin words, identifiers (证照标识, ISO 7064 check) and numbers (证照编号)
  repeated inside the file or already in the library — and so are the columns (unknown, repeated,
  missing required ones). Every problem is reported as "第 N 行：字段：问题" (N as the spreadsheet shows
  it, the header being row 1), in Chinese and English. Nothing is written but the job row.
- **Commit** only a job whose check found no problem, of the file the check read (its stored copy must
  still have the SHA-256 the check saw). A Huey task writes it in batches (`BATCH_SIZE` rows): each
  batch in one transaction with its licences, their history rows, one audit entry, one
  `licence.imported` event and the job's progress (`rows_done`). The first run checks the whole file
  against the library again (licences issued since the check) and rejects it, unwritten, if a row now
  clashes.
- **Nothing half-imported, nothing twice**: a crash (a killed process) rolls back the batch in flight and
  leaves the job at its last committed batch; resuming (`licence_import_resume`, the job page's button,
  `licences_import --resume`) continues right after it, and a batch only commits if `rows_done` is
  still what its runner read, so no row is written twice or skipped. The end state is every row
  written (`done`), or a job `interrupted` (or `running` with no sign of life for `STALE_AFTER`) that
  resume completes. A clash that appears between the first run's check and a later batch (the same
  identifier issued meanwhile elsewhere) stops the job before that batch, naming the rows.
- Imported licences keep a valid identifier the file gives (its type part must be the type's code) or
  get a new one from the department's serial; their origin is 导入 (扫描 when the 来源 column says so);
  they have no PDF until first downloaded; a status of 有效 past its validity is stored as 失效; the
  holder's account is linked when they have one. Holders are not notified (these are licences they
  already hold).
- **批量签发并盖章** (mode `issue`): the same check, commit and batches, but the rows are new licences of
  the platform (origin 签发, status 有效, in force today; a 来源 or 状态 column may say nothing else), and
  each committed batch is sealed as PDFs by the workers (bulk_issue.py); the job is `sealing` until every
  PDF is made, then done, and each holder with an account is told when their PDF is ready.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import IO, Any

from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation

from govplus.core.audit import audit_record
from govplus.core.crypto import encrypt_text, lookup_hash
from govplus.core.db import statistics_refresh
from govplus.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from govplus.core.events import event_publish
from govplus.identity.models import BusinessProfile, CitizenProfile, Department, User
from govplus.identity.selectors import is_platform_admin, staff_assignments
from govplus.identity.validators import credit_code_problem, id_birth_date
from govplus.licences import bulk_issue
from govplus.licences.identifiers import licence_id_make, licence_id_parts, licence_id_problem
from govplus.licences.import_files import CSV, FileUnreadable, csv_encoding, date_of, file_format_of, rows_of
from govplus.licences.models import Licence, LicenceEvent, LicenceImport, LicenceSerial, LicenceType
from govplus.licences.selectors import jurisdiction_of
from govplus.licences.services import (
    LONG_TERM,
    STAFF_ROLES_FOR_STATUS,
    _serial_take,
    face_clean,
    holder_code_problem,
    licence_digest,
    status_indices_take,
)

logger = logging.getLogger(__name__)

BATCH_SIZE = 2000
PROBLEMS_KEPT = 5000  # problems stored on the job (all are counted)
STATISTICS_EVERY = 50_000  # rows written between refreshes of PostgreSQL's statistics
STALE_AFTER = dt.timedelta(minutes=5)  # a running job silent this long is taken to be dead
IMPORT_ROLES = STAFF_ROLES_FOR_STATUS
S = LicenceImport.Status


# ---- columns ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    label_en: str
    required: bool
    aliases: tuple[str, ...] = ()


COLUMNS = (
    Column("licence_id", "证照标识", "licence ID", False, ("licence_id", "电子证照标识")),
    Column("number", "证照编号", "number", True, ("number", "证照号码")),
    Column("holder_name", "持证人", "holder", True, ("holder_name", "持证人名称", "持证主体")),
    Column("holder_code", "持证人代码", "holder code", True, ("holder_code", "持证主体代码", "持证人证件号码")),
    Column("issued_on", "颁证日期", "issued on", True, ("issued_on", "发证日期")),
    Column("valid_from", "有效期起", "valid from", False, ("valid_from", "有效期起始")),
    Column("valid_until", "有效期止", "valid until", False, ("valid_until", "有效期截止", "有效期至")),
    Column("status", "状态", "status", False, ("status",)),
    Column("origin", "来源", "origin", False, ("origin",)),
)


def _chinese_labels() -> list[tuple[str, str]]:
    """The statuses' Chinese words, whatever language is active (a file is in Chinese)."""
    with translation.override("zh-hans"):
        return [(value, str(label)) for value, label in Licence.Status.choices]


STATUS_WORDS = {label: value for value, label in _chinese_labels()} | {v: v for v in Licence.Status.values}
ORIGIN_WORDS = {"导入": Licence.Origin.IMPORTED, "存量": Licence.Origin.IMPORTED, "imported": Licence.Origin.IMPORTED}
ORIGIN_WORDS |= {"扫描": Licence.Origin.SCANNED, "纸质扫描": Licence.Origin.SCANNED, "scanned": Licence.Origin.SCANNED}
DERIVED = {"id.sex", "id.birth_date"}  # face fields a missing column takes from the holder's ID number


def columns_of(licence_type: LicenceType) -> list[Column]:
    """The columns a file of this type may have: the register's, then one per face field."""
    face = [
        Column(
            f"face.{entry['name']}",
            entry["label"],
            entry.get("label_en", entry["name"]),
            bool(entry.get("required")),
            (entry["name"],),
        )
        for entry in licence_type.face_schema
    ]
    return [*COLUMNS, *face]


def _derivable(licence_type: LicenceType, column: Column) -> bool:
    entry = next((e for e in licence_type.face_schema if f"face.{e['name']}" == column.key), None)
    return bool(entry and entry.get("from") in DERIVED and licence_type.holder_kind == LicenceType.HolderKind.CITIZEN)


# ---- problems --------------------------------------------------------------------------------------------


def _split(text: str) -> tuple[str, str]:
    zh, _, en = text.partition(" / ")
    return zh.strip(), (en or zh).strip()


def _problem(row: int, column: Column | None, text: str | tuple[str, str], *, field_name: str = "") -> dict[str, Any]:
    zh, en = _split(text) if isinstance(text, str) else text
    label = column.label if column else field_name
    label_en = column.label_en if column else field_name
    return {
        "row": row,
        "field": label,
        "message": f"第 {row} 行：{label}：{zh}",
        "message_en": f"Row {row}: {label_en}: {en}",
    }


@dataclass
class Report:
    rows_total: int = 0
    problem_count: int = 0
    problems: list[dict[str, Any]] = field(default_factory=list)

    def add(self, problem: dict[str, Any]) -> None:
        self.problem_count += 1
        if len(self.problems) < PROBLEMS_KEPT:
            self.problems.append(problem)


# ---- checking rows --------------------------------------------------------------------------------------


@dataclass(slots=True)
class Row:
    row: int
    licence_id: str
    number: str
    holder_name: str
    holder_code: str
    issued_on: dt.date
    valid_from: dt.date
    valid_until: dt.date | None
    status: str
    origin: str
    face: dict[str, str]


@dataclass
class Checker:
    """Checks the rows of one file of one type for one issuing department."""

    licence_type: LicenceType
    department: Department
    today: dt.date
    issue: bool = False  # 批量签发: new licences of the platform, valid today
    positions: dict[str, int] = field(default_factory=dict)
    columns: dict[str, Column] = field(default_factory=dict)

    def header(self, row: int, cells: list[str], report: Report) -> None:
        known: dict[str, Column] = {}
        for column in columns_of(self.licence_type):
            for name in (column.label, column.key, column.label_en, *column.aliases):
                known.setdefault(name.strip().lower(), column)
        self.columns = {column.key: column for column in columns_of(self.licence_type)}
        for index, cell in enumerate(cells):
            name = cell.strip().lstrip("\ufeff")
            if not name:
                continue
            found = known.get(name.lower())
            if found is None:
                report.add(
                    _problem(row, None, ("未知的列，请删除或改为模板中的列名", "unknown column"), field_name=name)
                )
            elif found.key in self.positions:
                report.add(_problem(row, found, ("该列重复出现", "the column appears twice")))
            else:
                self.positions[found.key] = index
        for column in self.columns.values():
            if column.required and column.key not in self.positions and not _derivable(self.licence_type, column):
                report.add(_problem(row, column, ("缺少必需的列", "a required column is missing")))

    def _cell(self, cells: list[str], key: str) -> str:
        index = self.positions.get(key)
        return cells[index].strip() if index is not None and index < len(cells) else ""

    def _date(self, row: int, cells: list[str], key: str, problems: list[dict[str, Any]]) -> dt.date | None:
        text = self._cell(cells, key)
        if not text:
            return None
        try:
            value = date_of(text)
        except ValueError:
            problems.append(_problem(row, self.columns[key], ("日期格式应为 YYYY-MM-DD", "a date must be YYYY-MM-DD")))
            return None
        if value.year < 1900:
            problems.append(_problem(row, self.columns[key], ("日期不合理", "the date is out of range")))
            return None
        return value

    def row(self, row: int, cells: list[str]) -> tuple[Row | None, list[dict[str, Any]]]:
        """The row, cleaned, or None, and its problems."""
        problems: list[dict[str, Any]] = []
        col = self.columns
        for key in ("number", "holder_name", "holder_code", "issued_on"):
            if key in self.positions and not self._cell(cells, key):
                problems.append(_problem(row, col[key], ("必填", "required")))
        number = self._cell(cells, "number")
        if len(number) > 60:
            problems.append(_problem(row, col["number"], ("太长（最多 60 字）", "too long (60 characters at most)")))
        holder_name = self._cell(cells, "holder_name")
        if len(holder_name) > 100:
            problems.append(
                _problem(row, col["holder_name"], ("太长（最多 100 字）", "too long (100 characters at most)"))
            )
        holder_code = self._cell(cells, "holder_code").upper()
        if holder_code and (problem := holder_code_problem(self.licence_type, holder_code)):
            problems.append(_problem(row, col["holder_code"], problem))
            holder_code = ""
        licence_id = self._cell(cells, "licence_id").upper()
        if licence_id:
            if pair := licence_id_problem(licence_id):
                problems.append(_problem(row, col["licence_id"], pair))
            elif licence_id_parts(licence_id)["type"] != self.licence_type.code:
                problems.append(
                    _problem(
                        row,
                        col["licence_id"],
                        ("标识中的类型代码与所选证照类型不符", "its type code is not this type's"),
                    )
                )
        issued_on = self._date(row, cells, "issued_on", problems)
        if issued_on and issued_on > self.today:
            problems.append(_problem(row, col["issued_on"], ("颁证日期晚于今天", "the issue date is in the future")))
        valid_from = self._date(row, cells, "valid_from", problems) or issued_on
        until_text = self._cell(cells, "valid_until")
        valid_until = None if until_text in ("", LONG_TERM) else self._date(row, cells, "valid_until", problems)
        if valid_until and valid_from and valid_until < valid_from:
            problems.append(
                _problem(row, col["valid_until"], ("有效期止早于有效期起", "validity ends before it starts"))
            )
        status_text = self._cell(cells, "status") or "有效"
        status = STATUS_WORDS.get(status_text) or STATUS_WORDS.get(status_text.lower(), "")
        if not status:
            words = "、".join(label for _, label in _chinese_labels())
            problems.append(_problem(row, col["status"], (f"应为 {words} 之一", "must be one of the statuses")))
        origin_text = self._cell(cells, "origin")
        origin = ORIGIN_WORDS.get(origin_text.lower(), "") if origin_text else Licence.Origin.IMPORTED
        if self.issue:
            problems.extend(self._issue_problems(row, origin_text, status, valid_until))
            origin = Licence.Origin.ISSUED
        elif not origin:
            problems.append(
                _problem(row, col["origin"], ("应为 导入 或 扫描", "must be 导入 (imported) or 扫描 (scanned)"))
            )
        face = self._face(row, cells, holder_code, problems)
        if problems or issued_on is None or valid_from is None:
            return None, problems
        if status == Licence.Status.VALID and valid_until is not None and valid_until < self.today:
            status = Licence.Status.EXPIRED
        return (
            Row(
                row,
                licence_id,
                number,
                holder_name,
                holder_code,
                issued_on,
                valid_from,
                valid_until,
                status,
                origin,
                face,
            ),
            problems,
        )

    def _issue_problems(
        self, row: int, origin_text: str, status: str, valid_until: dt.date | None
    ) -> list[dict[str, Any]]:
        """A licence issued now is the platform's own and in force: no other origin, no other status."""
        col, problems = self.columns, []
        if origin_text and origin_text not in ("签发", "issued"):
            problems.append(
                _problem(row, col["origin"], ("批量签发的证照来源只能是“签发”", "a bulk issuance issues (签发) only"))
            )
        if status and status != Licence.Status.VALID:
            problems.append(_problem(row, col["status"], ("批量签发的证照状态应为有效", "an issued licence is valid")))
        if valid_until is not None and valid_until < self.today:
            problems.append(
                _problem(row, col["valid_until"], ("有效期已过，不能签发", "its validity has ended: not issuable"))
            )
        return problems

    def _face(self, row: int, cells: list[str], holder_code: str, problems: list[dict[str, Any]]) -> dict[str, str]:
        given: dict[str, str] = {}
        for entry in self.licence_type.face_schema:
            key = f"face.{entry['name']}"
            if key in self.positions:
                value = self._cell(cells, key)
                if value and entry.get("type") == "date":
                    with contextlib.suppress(ValueError):  # a bad date: face_clean names it
                        value = date_of(value).isoformat()
                given[entry["name"]] = value
            elif entry.get("from") in DERIVED and len(holder_code) == 18 and holder_code[:17].isdigit():
                birth = id_birth_date(holder_code)
                given[entry["name"]] = birth.isoformat() if entry["from"] == "id.birth_date" else _sex_of(holder_code)
        cleaned, face_problems = face_clean(self.licence_type, given)
        by_key = {f"face.{e['name']}": e for e in self.licence_type.face_schema}
        for key, messages in face_problems.items():
            entry = by_key.get(key)
            if entry is None or (not holder_code and entry.get("from") in DERIVED and key not in self.positions):
                continue  # derived from a holder code already reported
            for message in messages:
                zh, en = _split(message)
                if zh.startswith(entry["label"]):  # face_clean names the field; the report has its own column
                    zh = zh[len(entry["label"]) :].lstrip("：") or zh
                problems.append(_problem(row, self.columns[key], ("必填", "required") if zh == "必填" else (zh, en)))
        sex_given = "sex" in cleaned and "face.sex" in self.positions and "face.sex" not in face_problems
        if sex_given and len(holder_code) == 18 and _sex_of(holder_code) != cleaned["sex"]:
            problems.append(
                _problem(row, self.columns["face.sex"], ("性别与身份证号不符", "the sex does not match the ID number"))
            )
        return cleaned


def _sex_of(id_number: str) -> str:
    return "男" if int(id_number[16]) % 2 else "女"


class _Duplicates:
    """Identifiers and numbers seen in the file so far (the first row of each), and the library's."""

    def __init__(self, checker: Checker) -> None:
        self.checker = checker
        self.ids: dict[str, int] = {}
        self.numbers: dict[str, int] = {}

    def in_file(self, row: Row, report: Report) -> bool:
        clean = True
        columns = self.checker.columns
        for seen, value, key in ((self.ids, row.licence_id, "licence_id"), (self.numbers, row.number, "number")):
            if not value:
                continue
            if value in seen:
                report.add(
                    _problem(row.row, columns[key], (f"与第 {seen[value]} 行重复", f"same as row {seen[value]}"))
                )
                clean = False
            else:
                seen[value] = row.row
        return clean

    def in_library(self, rows: list[Row], report: Report) -> int:
        """Report the rows whose identifier or number the library already has; returns how many."""
        columns = self.checker.columns
        given = [r.licence_id for r in rows if r.licence_id]
        taken_ids = (
            set(Licence.objects.filter(licence_id__in=given).order_by().values_list("licence_id", flat=True))
            if given
            else set()
        )
        # by number alone (the index `licence_number`), type and issuer compared here: given the type or
        # the issuer, a planner without fresh statistics walks all licences of the type or the department's
        # whole register for every batch instead (quadratic over a long import)
        wanted = (self.checker.licence_type.pk, self.checker.department.pk)
        taken_numbers = {
            number
            for number, type_id, issuer_id in Licence.objects.filter(number__in=[r.number for r in rows])
            .order_by()
            .values_list("number", "licence_type_id", "issuer_id")
            if (type_id, issuer_id) == wanted
        }
        clashes = 0
        for row in rows:
            if row.licence_id in taken_ids:
                report.add(
                    _problem(
                        row.row,
                        columns["licence_id"],
                        ("证照库中已有该证照标识", "the library already has this identifier"),
                    )
                )
            if row.number in taken_numbers:
                report.add(
                    _problem(
                        row.row,
                        columns["number"],
                        ("证照库中本部门已有该编号的此类证照", "the library already has this number"),
                    )
                )
            clashes += row.licence_id in taken_ids or row.number in taken_numbers
        return clashes


def _statistics_refresh() -> None:
    """PostgreSQL plans the duplicate lookups by the licence table's statistics (core.db)."""
    statistics_refresh(Licence)


def _data_rows(
    checker: Checker, stream: IO[bytes], job: LicenceImport, report: Report
) -> Iterator[tuple[int, list[str]]]:
    """The file's data rows (the header read into the checker)."""
    source = rows_of(stream, file_format=job.file_format, encoding=job.encoding)
    for number, cells in source:
        checker.header(number, cells, report)
        break
    else:
        report.add(_problem(1, None, ("文件是空的", "the file is empty"), field_name="文件 / file"))
        return
    yield from source


def _check(checker: Checker, stream: IO[bytes], job: LicenceImport, *, batch_size: int) -> Report:
    """The dry run: every row of the file checked; nothing written."""
    report = Report()
    duplicates = _Duplicates(checker)
    pending: list[Row] = []
    for number, cells in _data_rows(checker, stream, job, report):
        report.rows_total += 1
        row, problems = checker.row(number, cells)
        for problem in problems:
            report.add(problem)
        if row is not None and duplicates.in_file(row, report):
            pending.append(row)
        if len(pending) >= batch_size:
            duplicates.in_library(pending, report)
            pending = []
    if pending:
        duplicates.in_library(pending, report)
    if report.rows_total == 0 and not report.problems:
        report.add(_problem(2, None, ("文件中没有数据行", "the file has no data rows"), field_name="文件 / file"))
    return report


# ---- who may import ---------------------------------------------------------------------------------


def import_departments_for(*, actor: Any) -> list[Department]:
    """The departments whose existing licences the actor may import (all, for the platform admin)."""
    if actor is None:
        return list(Department.objects.filter(is_active=True).order_by("code"))
    if not isinstance(actor, User) or not actor.is_authenticated or actor.kind != User.Kind.STAFF:
        return []
    if is_platform_admin(user=actor):
        return list(Department.objects.filter(is_active=True).order_by("code"))
    ids = {a.department_id for a in staff_assignments(user=actor) if a.role in IMPORT_ROLES}
    return list(Department.objects.filter(pk__in=ids, is_active=True).order_by("code"))


def _may_import(actor: Any, department_id: int) -> bool:
    return any(d.pk == department_id for d in import_departments_for(actor=actor))


def importable_types_for(department: Department) -> list[LicenceType]:
    """Types the department issues (a type that names no issuing department: any department)."""
    return [
        t
        for t in LicenceType.objects.filter(is_active=True)
        if not t.issued_by or any(entry.get("department") == department.code for entry in t.issued_by)
    ]


# ---- services ---------------------------------------------------------------------------------------


def _hash_and_size(stream: IO[bytes]) -> tuple[str, int]:
    digest, size = hashlib.sha256(), 0
    stream.seek(0)
    while chunk := stream.read(1 << 20):
        digest.update(chunk)
        size += len(chunk)
    stream.seek(0)
    return digest.hexdigest(), size


def licence_import_check(
    *,
    actor: Any,
    department_code: str,
    type_code: str,
    file_name: str,
    file: IO[bytes] | None,
    batch_size: int = BATCH_SIZE,
    mode: str = LicenceImport.Mode.IMPORT,
) -> LicenceImport:
    """The dry run: check every row of the file and record the job with its report (audited). A clean
    file is kept (privately) for the commit; a file with problems is not kept, only its report.
    `mode` is 存量证照导入 (`import`, licences the holders already have) or 批量签发并盖章 (`issue`)."""
    problems: dict[str, list[str]] = {}
    if mode not in LicenceImport.Mode.values:
        problems["mode"] = ["请选择导入方式：存量导入或批量签发 / choose import or issue"]
    department = Department.objects.filter(code=(department_code or "").strip(), is_active=True).first()
    if department is None:
        problems["department"] = ["请选择部门 / choose a department"]
    elif not _may_import(actor, department.pk):
        raise PermissionDenied(
            "只有该部门的审批人员或部门管理员可以导入证照",
            "only the department's approvers and administrators may import",
        )
    elif not department.credit_code or credit_code_problem(department.credit_code):
        problems["department"] = ["该部门缺少有效的统一社会信用代码 / the department has no valid credit code"]
    licence_type = LicenceType.objects.filter(code=(type_code or "").strip(), is_active=True).first()
    if licence_type is None:
        problems["type"] = ["请选择证照类型 / choose a licence type"]
    elif department is not None and licence_type not in importable_types_for(department):
        problems["type"] = ["该部门不签发此类证照 / the department does not issue this type"]
    file_name = (file_name or "").strip()
    if file is None or not file_name:
        problems["file"] = ["请选择要导入的文件（CSV 或 .xlsx）/ choose a CSV or .xlsx file"]
    elif len(file_name) > 200:
        problems["file"] = ["文件名太长（最多 200 字）/ the file name is too long (200 characters at most)"]
    if not 1 <= batch_size <= 50_000:
        problems["batch_size"] = ["每批行数应为 1 到 50000 / a batch of 1 to 50,000 rows"]
    if problems:
        raise ValidationFailed(problems)
    assert file is not None and department is not None and licence_type is not None
    sha256, size = _hash_and_size(file)
    limit = settings.GOVPLUS_LICENCE_IMPORT_MAX_BYTES
    if size > limit:
        raise ValidationFailed(
            {"file": [f"文件太大（最大 {limit // (1024 * 1024)} MB）/ the file is over {limit // (1024 * 1024)} MB"]}
        )
    if size == 0:
        raise ValidationFailed({"file": ["文件是空的 / the file is empty"]})
    now = timezone.now()
    job = LicenceImport(
        licence_type=licence_type,
        department=department,
        created_by=actor if isinstance(actor, User) else None,
        file_name=file_name,
        file_sha256=sha256,
        batch_size=batch_size,
        mode=mode,
        created_at=now,
    )
    try:
        job.file_format = file_format_of(file_name=file_name, head=file.read(8))
        job.encoding = csv_encoding(file) if job.file_format == CSV else ""
        checker = Checker(
            licence_type=licence_type, department=department, today=timezone.localdate(), issue=_issues(job)
        )
        if size > 1 << 20:
            _statistics_refresh()
        report = _check(checker, file, job, batch_size=batch_size)
    except FileUnreadable as error:
        raise ValidationFailed({"file": [f"{error.message} / {error.message_en}"]}) from error
    job.rows_total, job.problem_count, job.problems = report.rows_total, report.problem_count, report.problems
    job.status = S.REJECTED if report.problem_count else S.CHECKED
    with transaction.atomic():
        if job.status == S.CHECKED:
            file.seek(0)
            job.file.save(file_name, File(file), save=False)
        try:
            job.save()
            audit_record(
                actor=actor,
                action="licences.import_check",
                object_type="licence_import",
                object_id=job.pk,
                changes={
                    "type": licence_type.code,
                    "department": department.code,
                    "file_sha256": sha256,
                    "rows": job.rows_total,
                    "problems": job.problem_count,
                    "status": job.status,
                    "mode": job.mode,
                },
            )
        except Exception:
            if job.file:
                job.file.delete(save=False)
            raise
    return job


def _issues(job: LicenceImport) -> bool:
    return job.mode == LicenceImport.Mode.ISSUE


def _locked_job(actor: Any, job_id: int) -> LicenceImport:
    job = (
        LicenceImport.objects.select_for_update().select_related("licence_type", "department").filter(pk=job_id).first()
    )
    if job is None or not _may_import(actor, job.department_id):
        raise NotFound("没有这个导入任务 / no such import job")
    return job


def _stored_sha256(job: LicenceImport) -> str:
    if not job.file.name or not default_storage.exists(job.file.name):
        return ""
    with job.file.open("rb") as stream:
        return _hash_and_size(stream)[0]


def licence_import_commit(*, actor: Any, job_id: int, enqueue: bool = True) -> LicenceImport:
    """Commit a checked job: only one whose check found no problem, of the same file (SHA-256)."""
    with transaction.atomic():
        job = _locked_job(actor, job_id)
        if job.status == S.REJECTED:
            raise Conflict(
                "该文件检查未通过，不能导入；请按问题清单修改后重新上传检查",
                "the file's check found problems: fix them and upload it again to check",
            )
        if job.status != S.CHECKED:
            raise Conflict("该导入任务已提交 / this import has already been committed")
        if _stored_sha256(job) != job.file_sha256:
            raise Conflict(
                "待导入的文件与检查时不一致，请重新上传检查", "the stored file is not the one checked: upload it again"
            )
        job.status, job.committed_at = S.QUEUED, timezone.now()
        job.committed_by = actor if isinstance(actor, User) else None
        job.save(update_fields=["status", "committed_at", "committed_by"])
        audit_record(
            actor=actor,
            action="licences.import_commit",
            object_type="licence_import",
            object_id=job.pk,
            changes={"file_sha256": job.file_sha256, "rows": job.rows_total},
        )
        if enqueue:
            transaction.on_commit(lambda: _enqueue(job_id))
    return job


def can_resume(job: LicenceImport, *, now: dt.datetime | None = None) -> bool:
    """Interrupted, or queued/running with no sign of life for STALE_AFTER (its process died)."""
    now = now or timezone.now()
    if job.status == S.INTERRUPTED:
        return True
    last = job.heartbeat_at or job.committed_at
    return job.status in (S.QUEUED, S.RUNNING, S.SEALING) and last is not None and last < now - STALE_AFTER


def licence_import_resume(
    *, actor: Any, job_id: int, enqueue: bool = True, now: dt.datetime | None = None
) -> LicenceImport:
    """Start an interrupted job again: it continues after its last committed batch."""
    with transaction.atomic():
        job = _locked_job(actor, job_id)
        if not can_resume(job, now=now):
            raise Conflict("该导入任务没有中断，无需继续 / this import is not interrupted")
        sealing = job.status == S.SEALING
        job.status = S.SEALING if sealing else S.QUEUED
        job.error, job.heartbeat_at = "", now or timezone.now()
        job.save(update_fields=["status", "error", "heartbeat_at"])
        audit_record(
            actor=actor,
            action="licences.import_resume",
            object_type="licence_import",
            object_id=job.pk,
            changes={"rows_done": job.rows_done, "rows": job.rows_total, "pdfs_done": job.pdfs_done},
        )
        if sealing:
            bulk_issue.seal_resume(job, enqueue=enqueue)
        elif enqueue:
            transaction.on_commit(lambda: _enqueue(job_id))
    return job


def _enqueue(job_id: int) -> None:
    from govplus.licences.tasks import licence_import_task

    try:
        licence_import_task(job_id)
    except Exception:  # the queue is down: the job stays queued, and its page offers to resume it
        logger.exception("could not queue licence import %s", job_id)


class _StopWith(Exception):
    """Rows that no longer pass the check: stop before writing them."""

    def __init__(self, problems: list[dict[str, Any]]) -> None:
        super().__init__(problems[0]["message_en"] if problems else "")
        self.problems = problems


class _Superseded(Exception):
    """Another runner moved the job on (it committed this batch already): stop without writing."""


def licence_import_run(
    *,
    job_id: int,
    max_batches: int | None = None,
    progress: Callable[[LicenceImport], None] | None = None,
) -> LicenceImport:
    """Write a committed job's rows, batch after batch, from where it stands (the Huey task; the
    command line runs it in-process). With `max_batches`, stop after that many batches and leave the
    job interrupted (an import in stages; resume continues it)."""
    now = timezone.now()
    claimable = Q(status=S.QUEUED) | Q(status=S.RUNNING, heartbeat_at__lt=now - STALE_AFTER)
    if not LicenceImport.objects.filter(claimable, pk=job_id).update(status=S.RUNNING, heartbeat_at=now):
        return LicenceImport.objects.get(pk=job_id)  # done, or another runner has it
    job = LicenceImport.objects.select_related("licence_type", "department", "committed_by").get(pk=job_id)
    try:
        _run(job, max_batches=max_batches, progress=progress)
    except _Superseded:
        pass
    except _StopWith as stop:  # a row clashes with a licence written since the first run's check
        LicenceImport.objects.filter(pk=job_id, status=S.RUNNING).update(
            status=S.INTERRUPTED, error="；".join(p["message"] for p in stop.problems[:5])[:500]
        )
    except Exception as error:
        logger.exception("licence import %s interrupted", job_id)
        text = (
            "导入文件已不可读 / the stored file cannot be read" if isinstance(error, OSError) else type(error).__name__
        )
        LicenceImport.objects.filter(pk=job_id, status=S.RUNNING).update(
            status=S.INTERRUPTED, error=f"第 {job.rows_done + 1} 条数据起的批次未能写入：{text}"[:500]
        )
    return LicenceImport.objects.get(pk=job_id)


def _run(job: LicenceImport, *, max_batches: int | None, progress: Callable[[LicenceImport], None] | None) -> None:
    checker = Checker(
        licence_type=job.licence_type, department=job.department, today=timezone.localdate(), issue=_issues(job)
    )
    with job.file.open("rb") as stream:
        if _hash_and_size(stream)[0] != job.file_sha256:
            raise OSError("the stored file changed")
        _statistics_refresh()
        if job.rows_done == 0:
            report = _check(checker, stream, job, batch_size=job.batch_size)
            if report.problem_count:
                _reject(job, report)
                return
            checker = Checker(
                licence_type=job.licence_type, department=job.department, today=checker.today, issue=checker.issue
            )
        batches = 0
        batch: list[Row] = []
        seen = 0
        for number, cells in _data_rows(checker, stream, job, Report()):
            seen += 1
            if seen <= job.rows_done:
                continue
            row, problems = checker.row(number, cells)
            if row is None:
                raise _StopWith(problems)
            batch.append(row)
            if len(batch) >= job.batch_size:
                _batch_write(job, checker, batch)
                batch, batches = [], batches + 1
                if job.rows_done % STATISTICS_EVERY < job.batch_size:
                    _statistics_refresh()
                if progress:
                    progress(job)
                if max_batches is not None and batches >= max_batches and job.rows_done < job.rows_total:
                    LicenceImport.objects.filter(pk=job.pk, status=S.RUNNING).update(
                        status=S.INTERRUPTED, error="按要求分批导入，已暂停 / paused after the batches asked for"
                    )
                    return
        if batch:
            _batch_write(job, checker, batch)
            if progress:
                progress(job)
    _finish(job)


def _reject(job: LicenceImport, report: Report) -> None:
    """The first run found rows that now clash with the library: nothing written, the job rejected."""
    with transaction.atomic():
        LicenceImport.objects.filter(pk=job.pk).update(
            status=S.REJECTED, problems=report.problems, problem_count=report.problem_count, finished_at=timezone.now()
        )
        audit_record(
            actor=job.committed_by,
            action="licences.import_rejected",
            object_type="licence_import",
            object_id=job.pk,
            changes={"problems": report.problem_count},
        )
    _file_forget(job)


def _file_forget(job: LicenceImport) -> None:
    """Delete the stored copy (it holds personal data); the SHA-256 stays on the job."""
    job.file.delete(save=False)
    LicenceImport.objects.filter(pk=job.pk).update(file="")


def _holder_accounts(licence_type: LicenceType, rows: list[Row]) -> dict[str, int]:
    """The platform accounts of the rows' holders, by holder code."""
    if licence_type.holder_kind == LicenceType.HolderKind.CITIZEN:
        by_hash = {lookup_hash(r.holder_code): r.holder_code for r in rows}
        found = CitizenProfile.objects.filter(id_number_hash__in=list(by_hash)).values_list("id_number_hash", "user_id")
        return {by_hash[h]: user_id for h, user_id in found}
    codes = list({r.holder_code for r in rows})
    return dict(BusinessProfile.objects.filter(credit_code__in=codes).values_list("credit_code", "user_id"))


def _batch_write(job: LicenceImport, checker: Checker, batch: list[Row]) -> None:
    """One batch, all or nothing, with the job's progress."""
    licence_type, department = job.licence_type, job.department
    issuer_code = department.credit_code
    with transaction.atomic():
        locked = LicenceImport.objects.select_for_update().get(pk=job.pk)
        if locked.status != S.RUNNING or locked.rows_done != job.rows_done:
            raise _Superseded
        report = Report()
        if _Duplicates(checker).in_library(batch, report):
            raise _StopWith(report.problems)
        # identifiers the file gives in this department's own series move its serial past them
        own = [
            int(licence_id_parts(r.licence_id)["serial"])
            for r in batch
            if r.licence_id and licence_id_parts(r.licence_id)["issuer"] == issuer_code
        ]
        if own:
            _serial_take(licence_type, issuer_code, 0)
            LicenceSerial.objects.filter(licence_type=licence_type, issuer_code=issuer_code, last__lt=max(own)).update(
                last=max(own)
            )
        missing = [r for r in batch if not r.licence_id]
        if missing:
            first = _serial_take(licence_type, issuer_code, len(missing))
            for offset, r in enumerate(missing):
                r.licence_id = licence_id_make(
                    type_code=licence_type.code, issuer_code=issuer_code, serial=first + offset
                )
        first_index = status_indices_take(len(batch))
        holders = _holder_accounts(licence_type, batch)
        jurisdiction = jurisdiction_of(department)
        licences = [
            Licence(
                licence_id=r.licence_id,
                licence_type=licence_type,
                issuer=department,
                issuer_name=department.name,
                issuer_code=issuer_code,
                holder_id=holders.get(r.holder_code),
                **Licence.holder_fields(
                    holder_code_type=licence_type.holder_code_type, name=r.holder_name, code=r.holder_code
                ),
                number=r.number,
                issued_on=r.issued_on,
                valid_from=r.valid_from,
                valid_until=r.valid_until,
                jurisdiction=jurisdiction,
                face_encrypted=encrypt_text(json.dumps(r.face, ensure_ascii=False, sort_keys=True)),
                status=r.status,
                origin=r.origin,
                import_job=job,
                status_index=first_index + offset,
                digest=licence_digest(
                    licence_id=r.licence_id,
                    type_code=licence_type.code,
                    holder_code=r.holder_code,
                    number=r.number,
                    issued_on=r.issued_on,
                    valid_from=r.valid_from,
                    valid_until=r.valid_until,
                    face=r.face,
                ),
            )
            for offset, r in enumerate(batch)
        ]
        Licence.objects.bulk_create(licences)
        now = timezone.now()
        actor = job.committed_by
        actor_name = (actor.display_name or actor.username)[:100] if actor else "系统 / system"
        issuing = _issues(job)
        LicenceEvent.objects.bulk_create(
            LicenceEvent(
                licence=licence,
                kind=LicenceEvent.Kind.ISSUE if issuing else LicenceEvent.Kind.IMPORT,
                reason=(
                    f"批量签发（任务 #{job.pk}，第 {r.row} 行）"
                    if issuing
                    else f"存量证照导入（导入任务 #{job.pk}，第 {r.row} 行）"
                ),
                actor=actor,
                actor_name=actor_name,
                occurred_at=now,
            )
            for licence, r in zip(licences, batch, strict=True)
        )
        audit_record(
            actor=actor,
            action="licences.issue_batch" if issuing else "licences.import_batch",
            object_type="licence_import",
            object_id=job.pk,
            changes={"rows": [batch[0].row, batch[-1].row], "count": len(batch), "type": licence_type.code},
        )
        event_publish(
            name="licence.imported",
            payload={
                "job_id": job.pk,
                "type_code": licence_type.code,
                "issuer_id": department.pk,
                "first_row": batch[0].row,
                "last_row": batch[-1].row,
                "count": len(batch),
                "mode": job.mode,
            },
        )
        if issuing:  # sealed by the workers once this batch is committed
            pks = [licence.pk for licence in licences]
            transaction.on_commit(lambda: bulk_issue.seal_enqueue(job.pk, pks))
        job.rows_done += len(batch)
        job.heartbeat_at = now
        LicenceImport.objects.filter(pk=job.pk).update(rows_done=job.rows_done, heartbeat_at=now)


def _finish(job: LicenceImport) -> None:
    if _issues(job):  # the rows are in; the job is done when the workers have sealed them all
        LicenceImport.objects.filter(pk=job.pk).update(status=S.SEALING, heartbeat_at=timezone.now())
        _file_forget(job)
        bulk_issue.seal_finish_if_done(job.pk)
        return
    with transaction.atomic():
        LicenceImport.objects.filter(pk=job.pk).update(status=S.DONE, finished_at=timezone.now(), error="")
        audit_record(
            actor=job.committed_by,
            action="licences.import_done",
            object_type="licence_import",
            object_id=job.pk,
            changes={"rows": job.rows_done},
        )
    _file_forget(job)


# ---- reads ------------------------------------------------------------------------------------------


def licence_import_for(*, actor: Any, job_id: int) -> LicenceImport:
    """One import job of a department the actor may import for (404 otherwise)."""
    job = LicenceImport.objects.select_related("licence_type", "department", "created_by").filter(pk=job_id).first()
    if job is None or not _may_import(actor, job.department_id):
        raise NotFound("没有这个导入任务 / no such import job")
    return job


def licence_imports_for(*, actor: Any, limit: int = 20) -> list[LicenceImport]:
    """The latest import jobs of the actor's departments."""
    departments = [d.pk for d in import_departments_for(actor=actor)]
    rows = LicenceImport.objects.filter(department_id__in=departments).select_related("licence_type", "department")
    return list(rows.order_by("-created_at", "-id")[:limit])


def import_template_columns(*, actor: Any, type_code: str) -> tuple[LicenceType, list[Column]]:
    """The columns of a file of one type, for the empty template (staff who may import only)."""
    licence_type = LicenceType.objects.filter(code=(type_code or "")[:21], is_active=True).first()
    if licence_type is None or not import_departments_for(actor=actor):
        raise NotFound("没有这个证照类型 / no such licence type")
    return licence_type, columns_of(licence_type)


def licence_import_progress(job: LicenceImport, *, now: dt.datetime | None = None) -> dict[str, Any]:
    """What the job page's progress bar shows (the JSON the page polls)."""
    resumable = can_resume(job, now=now)
    return {
        "id": job.pk,
        "status": S.INTERRUPTED.value if resumable else job.status,
        "status_label": str(S.INTERRUPTED.label if resumable else job.get_status_display()),
        "rows_done": job.rows_done,
        "rows_total": job.rows_total,
        "percent": round(100 * job.rows_done / job.rows_total, 1) if job.rows_total else 0.0,
        "mode": job.mode,
        **bulk_issue.seal_progress(job),
        "is_finished": job.status in (S.DONE, S.REJECTED),
        "can_resume": resumable,
        "error": job.error,
    }
