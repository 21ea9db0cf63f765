"""A resource's sources: an uploaded table, a read-only SQL query, an HTTP endpoint. Each import is a
`SourceVersion` that says what it would change (or changed) in the resource's records.

Rules:
- Every import is checked before anything is written. The columns must be the resource's fields (by
  their name or their Chinese label, each once; none missing, none unknown); every value must fit its
  field's kind; the key field is present and unique. Every bad row is named — row number, field,
  problem, in Chinese and English — and an import with any problem writes no record (status 有错误).
- A good import is diffed against the current records (added, changed, removed, unchanged). Applied,
  it replaces the resource's records in one transaction through `records.records_write(replace_all=
  True)`: nothing is half-applied; a changed row gets the next change-counter version, a removed one
  becomes a tombstone. Each import takes the next `SourceVersion.number`.
- An uploaded file is checked first (a dry run); the officer then applies that very version. Between
  check and apply its content is kept encrypted at rest (the table holds personal data) and it is
  deleted once applied; only its SHA-256 stays. Content checked but never applied is not kept for ever:
  after `GOVPLUS_EXCHANGE_UPLOAD_KEEP_DAYS` days `uploads_sweep` deletes it and the version becomes
  已过期 (its SHA-256 and counts stay; applying it is a 409 asking for a new upload). Personal values
  are only ever stored through `records_write`, encrypted.
- A SQL source is a connection URL and one SELECT (or WITH … SELECT) statement; anything else is
  refused before a connection opens, and the connection itself is read-only where the driver allows
  (PostgreSQL: `default_transaction_read_only`, MySQL/MariaDB: `SET SESSION TRANSACTION READ ONLY` and
  the query inside `START TRANSACTION READ ONLY`, SQLite: `mode=ro`). An HTTP source is a URL answering a
  JSON array of objects or a CSV table, fetched with a timeout and a size limit. Their configuration
  (which holds passwords) is stored encrypted; SQL and HTTP sources are refreshed by their update
  cycle (`sources_refresh_due`, a periodic task and `govplus exchange_sync`).
- Only the provider's administrator or data officer (or the platform administrator) imports or
  configures; every check, apply and configuration is audited (counts, never values).
"""

from __future__ import annotations

import base64
import datetime as dt
import decimal
import hashlib
import io
import json
import re
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any
from urllib.parse import SplitResult, quote, unquote, urlsplit, urlunsplit

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone

from govplus.core.audit import audit_record
from govplus.core.crypto import decrypt_text, encrypt_text
from govplus.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from govplus.exchange.models import Resource, ResourceField, ResourceRecord, SourceVersion
from govplus.exchange.records import canonical_json, record_key_hash, records_write
from govplus.exchange.selectors import speaks_for
from govplus.exchange.source_hosts import HostRefused, addresses_checked, host_problem
from govplus.licences.import_files import (
    CSV,
    FileUnreadable,
    cell_text,
    csv_encoding,
    date_of,
    file_format_of,
    rows_of,
)

MAX_PROBLEMS = 1_000  # stored on the version; the count of all is kept beside them
CYCLE_SECONDS: dict[str, int] = {
    Resource.UpdateCycle.REALTIME: 15 * 60,
    Resource.UpdateCycle.DAILY: 86_400,
    Resource.UpdateCycle.WEEKLY: 7 * 86_400,
    Resource.UpdateCycle.MONTHLY: 30 * 86_400,
    Resource.UpdateCycle.QUARTERLY: 91 * 86_400,
    Resource.UpdateCycle.YEARLY: 365 * 86_400,
}
POSTGRESQL_SCHEMES = frozenset({"postgresql", "postgres", "postgresql+psycopg"})
MYSQL_SCHEMES = frozenset({"mysql", "mariadb", "mysql+pymysql", "mariadb+pymysql"})
TRUE_WORDS = {"是", "true", "1", "y", "yes", "有"}
FALSE_WORDS = {"否", "false", "0", "n", "no", "无"}
_INTEGER = re.compile(r"^[+-]?\d+$")


@dataclass
class Checked:
    """An import, checked: its rows (as records_write takes them), its problems and its diff."""

    rows: list[dict[str, Any]] = field(default_factory=list)
    problems: list[dict[str, Any]] = field(default_factory=list)
    problem_count: int = 0
    added: int = 0
    changed: int = 0
    removed: int = 0
    unchanged: int = 0

    def problem(self, row: int, field_name: str, zh: str, en: str) -> None:
        self.problem_count += 1
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append({"row": row, "field": field_name, "problem": zh, "problem_en": en})


# --- values -------------------------------------------------------------------------------------


def _value(kind: str, text: str) -> Any:
    """A cell's text as the stored value of its field's kind (ValueError when it is not one)."""
    if kind == ResourceField.Kind.INTEGER:
        if not _INTEGER.match(text):
            raise ValueError
        return int(text)
    if kind == ResourceField.Kind.DECIMAL:
        number = decimal.Decimal(text.replace(",", ""))
        if not number.is_finite():
            raise ValueError
        return str(number)
    if kind == ResourceField.Kind.DATE:
        try:
            return date_of(text).isoformat()
        except ValueError:  # a date and time (a DATETIME column feeding a date field): its day
            return dt.datetime.fromisoformat(text.replace("/", "-")).date().isoformat()
    if kind == ResourceField.Kind.DATETIME:
        return dt.datetime.fromisoformat(text.replace("/", "-")).isoformat()
    if kind == ResourceField.Kind.BOOLEAN:
        word = text.lower()
        if word in TRUE_WORDS:
            return True
        if word in FALSE_WORDS:
            return False
        raise ValueError
    return text


KIND_HINTS: dict[str, tuple[str, str]] = {
    ResourceField.Kind.INTEGER: ("应为整数", "must be a whole number"),
    ResourceField.Kind.DECIMAL: ("应为数值", "must be a number"),
    ResourceField.Kind.DATE: ("应为日期（如 2024-05-01）", "must be a date (e.g. 2024-05-01)"),
    ResourceField.Kind.DATETIME: ("应为日期时间（如 2024-05-01 08:30）", "must be a date and time"),
    ResourceField.Kind.BOOLEAN: ("应为 是/否", "must be yes or no (是/否)"),
}


def _columns(resource: Resource, header: Sequence[str], checked: Checked) -> list[ResourceField | None]:
    """Each column's field (by name or label); problems for missing, unknown and repeated columns."""
    fields = list(resource.fields.all())
    by_title = {f.name.lower(): f for f in fields} | {f.label: f for f in fields}
    columns: list[ResourceField | None] = []
    seen: set[str] = set()
    for title in header:
        found = by_title.get(title.strip()) or by_title.get(title.strip().lower())
        if found is None:
            checked.problem(1, title, f"未知的列“{title}”", f"unknown column {title!r}")
        elif found.name in seen:
            checked.problem(1, title, f"列“{title}”重复", f"the column {title!r} repeats")
            found = None
        else:
            seen.add(found.name)
        columns.append(found)
    for f in fields:
        if f.name not in seen:
            checked.problem(1, f.name, f"缺少列“{f.label}”（{f.name}）", f"the column {f.name} ({f.label}) is missing")
    return columns


def check_rows(resource: Resource, numbered_rows: Iterable[tuple[int, Sequence[Any]]]) -> Checked:
    """Check a table (its first row the header) against the resource's fields and diff it against the
    current records. Pure reading: nothing is written."""
    checked = Checked()
    rows = iter(numbered_rows)
    first = next(rows, None)
    if first is None:
        checked.problem(1, "", "表格是空的", "the table is empty")
        return checked
    columns = _columns(resource, [cell_text(c) for c in first[1]], checked)
    if checked.problem_count:
        return checked
    key = resource.key_field
    keys: dict[str, int] = {}
    for number, cells in rows:
        values: dict[str, Any] = {}
        texts = [cell_text(c) for c in cells]
        if len(texts) > len(columns) and any(texts[len(columns) :]):
            checked.problem(number, "", "该行的单元格多于表头", "the row has more cells than the header")
        for position, column in enumerate(columns):
            if column is None:
                continue
            text = texts[position] if position < len(texts) else ""
            if not text:
                values[column.name] = None
                continue
            try:
                values[column.name] = _value(column.kind, text)
            except (ValueError, decimal.InvalidOperation):
                zh, en = KIND_HINTS.get(column.kind, ("格式有误", "is not valid"))
                checked.problem(number, column.name, f"{column.label}{zh}：“{text[:40]}”", f"{column.name} {en}")
        key_value = values.get(key)
        if key_value in (None, ""):
            checked.problem(number, key, "主键字段为空", f"the key field {key} is empty")
        else:
            key_hash = record_key_hash(str(key_value).strip())
            if key_hash in keys:
                checked.problem(
                    number,
                    key,
                    f"主键与第 {keys[key_hash]} 行重复",
                    f"the key repeats row {keys[key_hash]}",
                )
            else:
                keys[key_hash] = number
        checked.rows.append(values)
    if not checked.problem_count:
        _diff(resource, checked)
    return checked


def _diff(resource: Resource, checked: Checked) -> None:
    current = {
        key_hash: (digest, deleted)
        for key_hash, digest, deleted in ResourceRecord.objects.filter(resource=resource)
        .values_list("key_hash", "data_digest", "is_deleted")
        .iterator(chunk_size=5_000)
    }
    seen: set[str] = set()
    for values in checked.rows:
        key_hash = record_key_hash(str(values[resource.key_field]).strip())
        seen.add(key_hash)
        found = current.get(key_hash)
        digest = hashlib.sha256(canonical_json(values).encode()).hexdigest()
        if found is None or found[1]:
            checked.added += 1
        elif found[0] == digest:
            checked.unchanged += 1
        else:
            checked.changed += 1
    checked.removed = sum(1 for key_hash, (_, deleted) in current.items() if not deleted and key_hash not in seen)


def _dict_rows(resource: Resource, items: Sequence[dict[str, Any]]) -> Iterator[tuple[int, list[Any]]]:
    """Rows given as objects (SQL, JSON) as a numbered table: the header from the first object's keys,
    row 2 onwards as the records (as a spreadsheet would number them)."""
    if not items:
        yield 1, [f.name for f in resource.fields.all()]
        return
    header = list(items[0])
    yield 1, header
    for number, item in enumerate(items, start=2):
        yield (
            number,
            [_plain(item.get(name)) for name in header] + [_plain(v) for k, v in item.items() if k not in header],
        )


def _plain(value: Any) -> Any:
    if isinstance(value, dt.datetime):  # a DATETIME/TIMESTAMP column keeps its time of day (and offset)
        return value.isoformat(sep=" ")
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, (bytes, bytearray, memoryview)):
        # a BINARY/VARBINARY/BLOB (MySQL) or bytea (PostgreSQL) column: its text when it is UTF-8 (MySQL
        # hands some text columns over as bytes), base64 otherwise — never Python's b'…' repr
        raw = bytes(value)
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            return base64.b64encode(raw).decode("ascii")
    return value


# --- versions -----------------------------------------------------------------------------------


def _require_officer(actor: Any, resource: Resource) -> None:
    if not speaks_for(actor, resource.provider_id):
        raise PermissionDenied(
            "只有资源提供部门的管理员或数据管理员可以更新数据 / only the provider department's "
            "administrators or data officers may import its data"
        )


def _locked(code: str, actor: Any) -> Resource:
    """The resource, locked; `actor` None is the platform itself (a scheduled refresh)."""
    resource = Resource.objects.select_for_update().filter(code=code).first()
    if resource is None or (
        actor is not None and not (resource.is_published or speaks_for(actor, resource.provider_id))
    ):
        raise NotFound("没有这个资源 / no such resource")
    if actor is not None:
        _require_officer(actor, resource)
    return resource


def _next_number(resource: Resource) -> int:
    last = SourceVersion.objects.filter(resource=resource).order_by("-number").values_list("number", flat=True).first()
    return (last or 0) + 1


def _apply(actor: Any, resource: Resource, version: SourceVersion, checked: Checked) -> None:
    counts = records_write(resource, checked.rows, replace_all=True)
    version.status = SourceVersion.Status.APPLIED
    version.added, version.changed, version.removed, version.unchanged = (
        counts.added,
        counts.changed,
        counts.removed,
        counts.unchanged,
    )
    version.version_from, version.version_to = counts.version_from, counts.version_to
    version.applied_at = timezone.now()
    if version.file:
        version.file.delete(save=False)
        version.file = ""  # type: ignore[assignment]
    version.save()
    audit_record(
        actor=actor,
        action="exchange.source_apply",
        object_type="resource",
        object_id=resource.code,
        changes={
            "version": version.number,
            "kind": version.kind,
            "added": counts.added,
            "changed": counts.changed,
            "removed": counts.removed,
            "unchanged": counts.unchanged,
            "version_to": counts.version_to,
        },
    )


def _record_version(
    *,
    actor: Any,
    resource: Resource,
    kind: str,
    checked: Checked,
    apply: bool,
    file_name: str = "",
    content: bytes = b"",
) -> SourceVersion:
    version = SourceVersion(
        resource=resource,
        number=_next_number(resource),
        kind=kind,
        status=SourceVersion.Status.REJECTED if checked.problem_count else SourceVersion.Status.CHECKED,
        file_name=file_name[:200],
        sha256=hashlib.sha256(content).hexdigest() if content else "",
        rows=len(checked.rows),
        added=checked.added,
        changed=checked.changed,
        removed=checked.removed,
        unchanged=checked.unchanged,
        problems=checked.problems,
        version_from=resource.version,
        version_to=resource.version,
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    if content and not checked.problem_count and not apply:
        # kept for the apply step, encrypted: the table holds personal data
        sealed = encrypt_text(base64.b64encode(content).decode()).encode()
        version.file.save(f"{resource.pk}-{version.number}.sealed", ContentFile(sealed), save=False)
    version.save()
    audit_record(
        actor=actor,
        action="exchange.source_check",
        object_type="resource",
        object_id=resource.code,
        changes={
            "version": version.number,
            "kind": kind,
            "status": version.status,
            "rows": version.rows,
            "problems": checked.problem_count,
            "added": checked.added,
            "changed": checked.changed,
            "removed": checked.removed,
            "unchanged": checked.unchanged,
        },
    )
    if apply and not checked.problem_count:
        _apply(actor, resource, version, checked)
    return version


def _table_rows(file_name: str, content: bytes) -> list[tuple[int, list[str]]]:
    stream = io.BytesIO(content)
    file_format = file_format_of(file_name=file_name, head=content[:8])
    encoding = csv_encoding(stream) if file_format == CSV else ""
    return list(rows_of(stream, file_format=file_format, encoding=encoding))


def _unreadable(error: FileUnreadable) -> ValidationFailed:
    return ValidationFailed({"file": [f"{error.message} / {error.message_en}"]})


def table_upload(*, actor: Any, code: str, file_name: str, content: bytes, apply: bool = False) -> SourceVersion:
    """Check an uploaded table (CSV in UTF-8, UTF-8 with BOM or GB18030; or .xlsx) against the resource:
    a new version with every bad row named, or with the diff. With `apply` (and no problems) it also
    replaces the records at once; otherwise `source_version_apply` applies it later. An unreadable or
    oversized file is a 422 naming `file`, and nothing is written."""
    if not content:
        raise ValidationFailed({"file": ["请选择要上传的文件 / choose a file to upload"]})
    limit = settings.GOVPLUS_EXCHANGE_UPLOAD_MAX_BYTES
    if len(content) > limit:
        raise ValidationFailed({"file": [f"文件超过 {limit // (1024 * 1024)} MB / the file is larger than the limit"]})
    with transaction.atomic():
        resource = _locked(code, actor)
        try:
            checked = check_rows(resource, _table_rows(file_name, content))
        except FileUnreadable as error:
            raise _unreadable(error) from error
        return _record_version(
            actor=actor,
            resource=resource,
            kind=Resource.SourceKind.TABLE,
            checked=checked,
            apply=apply,
            file_name=file_name,
            content=content,
        )


def rows_import(
    *, actor: Any, code: str, rows: Sequence[dict[str, Any]], label: str = "", apply: bool = True
) -> SourceVersion:
    """Check and (by default) apply rows a provider's own system hands over as objects keyed by field
    name — the same checks, diff and version as an uploaded table (the rows are not kept: only applied
    values are stored, through records_write). `label` names the batch on the version (its file name)."""
    with transaction.atomic():
        resource = _locked(code, actor)
        checked = check_rows(resource, _dict_rows(resource, rows))
        return _record_version(
            actor=actor,
            resource=resource,
            kind=Resource.SourceKind.TABLE,
            checked=checked,
            apply=apply,
            file_name=label,
        )


def source_version_apply(*, actor: Any, code: str, number: int) -> SourceVersion:
    """Apply a checked upload: checked again against the records as they are now (another import may have
    come between), then written in one go. A version already applied, refused or superseded is 409."""
    with transaction.atomic():
        resource = _locked(code, actor)
        version = SourceVersion.objects.select_for_update().filter(resource=resource, number=number).first()
        if version is None:
            raise NotFound("没有这个数据版本 / no such version")
        if version.status == SourceVersion.Status.EXPIRED:
            raise Conflict(
                "该版本已过期，请重新上传 / this upload has expired: upload the file again",
                code="version_expired",
            )
        if version.status != SourceVersion.Status.CHECKED or not version.file:
            raise Conflict(
                f"该版本不能生效（{version.get_status_display()}）/ this version cannot be applied ({version.status})"
            )
        if SourceVersion.objects.filter(resource=resource, number__gt=number, status="applied").exists():
            raise Conflict("已有更新的版本生效 / a later version was applied since")
        with version.file.open("rb") as sealed:
            content = base64.b64decode(decrypt_text(sealed.read().decode()))
        if hashlib.sha256(content).hexdigest() != version.sha256:
            raise Conflict("文件与检查时不一致 / the file differs from the one checked")
        checked = check_rows(resource, _table_rows(version.file_name, content))
        if checked.problem_count:
            raise Conflict("数据已变化，请重新检查 / the data changed: check the file again")
        _apply(actor, resource, version, checked)
    return version


def uploads_sweep(*, now: dt.datetime | None = None) -> list[SourceVersion]:
    """Delete the kept (encrypted) content of uploads checked but not applied within
    `GOVPLUS_EXCHANGE_UPLOAD_KEEP_DAYS` days: the table holds personal data and nobody is going to apply
    it. The version stays, 已过期, with its SHA-256, counts and problems; applying it is a 409 asking for a
    new upload. The files go once the change commits (a rolled-back sweep leaves every version
    applicable). Audited once per run with how many were swept (`exchange.upload_sweep`)."""
    cutoff = (now or timezone.now()) - dt.timedelta(days=settings.GOVPLUS_EXCHANGE_UPLOAD_KEEP_DAYS)
    with transaction.atomic():
        stale = list(
            SourceVersion.objects.select_for_update()
            .select_related("resource")
            .filter(status=SourceVersion.Status.CHECKED, created_at__lt=cutoff)
            .exclude(file="")
            .order_by("id")
        )
        for version in stale:
            transaction.on_commit(partial(default_storage.delete, str(version.file.name)))
            version.status = SourceVersion.Status.EXPIRED
            version.file = ""  # type: ignore[assignment]
            version.save(update_fields=["status", "file"])
        if stale:
            audit_record(
                actor=None,
                action="exchange.upload_sweep",
                object_type="source_version",
                object_id=f"<{cutoff.date().isoformat()}",
                changes={
                    "count": len(stale),
                    "keep_days": settings.GOVPLUS_EXCHANGE_UPLOAD_KEEP_DAYS,
                    "versions": [f"{v.resource.code} v{v.number}" for v in stale[:100]],
                },
            )
    return stale


# --- SQL and HTTP sources -----------------------------------------------------------------------


def sql_query_problem(query: str) -> str | None:
    """Why a SQL source's query is refused (None: it is one read-only SELECT or WITH … SELECT)."""
    import sqlparse

    statements = [s for s in sqlparse.parse(query) if s.value.strip().strip(";").strip()]
    if len(statements) != 1:
        return "只能是一条查询语句 / exactly one statement"
    statement = statements[0]
    if statement.get_type() != "SELECT":
        return "只允许 SELECT 查询 / only a SELECT query is allowed"
    words = {t.normalized for t in statement.flatten() if t.ttype in sqlparse.tokens.Keyword or t.is_keyword}
    forbidden = words & {"INTO", "INSERT", "UPDATE", "DELETE", "DROP", "ALTER", "CREATE", "TRUNCATE", "GRANT", "COPY"}
    if forbidden:
        return f"查询中不允许 {'、'.join(sorted(forbidden))} / {', '.join(sorted(forbidden))} is not allowed"
    if "FOR" in words and re.search(r"\bfor\s+(update|share|no\s+key)", query, re.IGNORECASE):
        return "不允许锁定行（FOR UPDATE）/ row locks are not allowed"
    return None


def _config_problems(kind: str, config: dict[str, Any]) -> dict[str, list[str]]:
    url = str(config.get("url", "")).strip()
    scheme = urlsplit(url).scheme.lower()
    if kind == Resource.SourceKind.SQL:
        problems: dict[str, list[str]] = {}
        if scheme not in POSTGRESQL_SCHEMES | MYSQL_SCHEMES | {"sqlite"}:
            problems["url"] = [
                "连接地址应为 postgresql://、mysql://（或 mariadb://）或 sqlite:///"
                " / the URL must be postgresql://, mysql:// (or mariadb://) or sqlite:///"
            ]
        elif scheme in MYSQL_SCHEMES and not urlsplit(url).path.strip("/"):
            problems["url"] = ["MySQL 连接地址须写明数据库名 / a mysql:// URL must name the database"]
        elif scheme != "sqlite" and (problem := _url_host_problem(url)):
            problems["url"] = [problem]
        problem = sql_query_problem(str(config.get("query", "")))
        if problem:
            problems["query"] = [problem]
        return problems
    if kind == Resource.SourceKind.HTTP:
        if scheme not in ("http", "https") or not urlsplit(url).hostname:
            return {"url": ["接口地址应为 http:// 或 https:// 地址 / the URL must be http(s)://"]}
        if problem := _url_host_problem(url):
            return {"url": [problem]}
        headers = config.get("headers", {})
        if not isinstance(headers, dict) or not all(isinstance(v, str) for v in headers.values()):
            return {"headers": ["请求头应为 名称: 值 / headers are name: value pairs"]}
        return {}
    return {"kind": ["数据来源应为 sql 或 http / the source kind must be sql or http"]}


DEFAULT_PORTS = {"http": 80, "https": 443, "mysql": 3306, "mariadb": 3306, "postgresql": 5432, "postgres": 5432}


def _host_port(url: str) -> tuple[str, int]:
    """The host a (non-SQLite) source's URL names and its port (ValueError for a port that is not one);
    no host is the local machine (PostgreSQL's Unix socket)."""
    parts = urlsplit(url)
    port = parts.port or DEFAULT_PORTS.get(parts.scheme.lower().split("+")[0], 0)
    return parts.hostname or "localhost", port


def _url_host_problem(url: str) -> str | None:
    try:
        host, port = _host_port(url)
    except ValueError:
        return "连接地址中的端口无效 / the URL's port is not valid"
    return host_problem(host, port)


def _addresses(url: str) -> list[str]:
    """The checked addresses a fetch connects to (source_hosts); SourceUnavailable when refused."""
    try:
        return addresses_checked(*_host_port(url))
    except ValueError as error:
        raise SourceUnavailable("连接地址中的端口无效", "the URL's port is not valid") from error
    except HostRefused as refused:
        raise SourceUnavailable(refused.message, refused.message_en) from refused


def source_configure(*, actor: Any, code: str, kind: str, config: dict[str, Any]) -> Resource:
    """Set a resource's SQL (`{"url", "query"}`) or HTTP (`{"url", "headers"}`) source; the
    configuration is stored encrypted and never shown back in full."""
    problems = _config_problems(kind, config)
    if problems:
        raise ValidationFailed(problems)
    clean = {"url": str(config["url"]).strip()}
    if kind == Resource.SourceKind.SQL:
        clean["query"] = str(config["query"]).strip().rstrip(";")
    else:
        clean["headers"] = dict(config.get("headers") or {})  # type: ignore[assignment]
    with transaction.atomic():
        resource = _locked(code, actor)
        resource.source_kind = kind
        resource.source_config_encrypted = encrypt_text(json.dumps(clean, ensure_ascii=False))
        resource.save(update_fields=["source_kind", "source_config_encrypted", "updated_at"])
        audit_record(
            actor=actor,
            action="exchange.source_configure",
            object_type="resource",
            object_id=resource.code,
            changes={"kind": kind, "host": urlsplit(clean["url"]).hostname or urlsplit(clean["url"]).path[-40:]},
        )
    return resource


def source_config_of(resource: Resource) -> dict[str, Any]:
    """The source's configuration, decrypted ({} when there is none). For the source's own use."""
    if not resource.source_config_encrypted:
        return {}
    config: dict[str, Any] = json.loads(decrypt_text(resource.source_config_encrypted))
    return config


def source_host(config: dict[str, Any]) -> str:
    """Where the source reads from, without its user or password (shown to the officer)."""
    url = str(config.get("url", ""))
    if not url:
        return ""
    parts = urlsplit(url)
    if parts.scheme.lower() == "sqlite":
        return url
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{parts.hostname or ''}{port}{parts.path}"


class SourceUnavailable(Exception):
    """The source could not be read (connection, timeout, answer not a table): (Chinese, English)."""

    def __init__(self, message: str, message_en: str) -> None:
        super().__init__(message_en)
        self.message, self.message_en = message, message_en


def _sqlite_path(url: str) -> str:
    """The file of sqlite:////abs/path, sqlite:///relative/path (SQLAlchemy's forms) or sqlite:/abs/path."""
    rest = url.split(":", 1)[1]
    path = rest[3:] if rest.startswith("///") else rest[2:] if rest.startswith("//") else rest
    if not path or path == ":memory:":
        raise SourceUnavailable("SQLite 连接须指向一个文件", "a SQLite source must name a file")
    return quote(path)


def _sql_rows(config: dict[str, Any]) -> list[dict[str, Any]]:
    url, query = config["url"], config["query"]
    problem = sql_query_problem(query)
    if problem:
        raise SourceUnavailable(problem, problem)
    limit = settings.GOVPLUS_EXCHANGE_SOURCE_MAX_ROWS
    parts = urlsplit(url)
    if parts.scheme.lower() in MYSQL_SCHEMES:
        names, rows = _mysql_rows(parts, query, limit)
    else:
        names, rows = _sqlite_or_postgresql_rows(url, query, limit)
    if len(rows) > limit:
        raise SourceUnavailable(f"查询结果超过 {limit} 行", f"the query returns more than {limit} rows")
    return [dict(zip(names, row, strict=False)) for row in rows]


def _sqlite_or_postgresql_rows(url: str, query: str, limit: int) -> tuple[list[str], Sequence[Sequence[Any]]]:
    parts = urlsplit(url)
    try:
        if parts.scheme.lower() == "sqlite":
            uri = f"file:{_sqlite_path(url)}?mode=ro"
            connection = sqlite3.connect(uri, uri=True, timeout=settings.GOVPLUS_EXCHANGE_SOURCE_TIMEOUT)
            try:
                cursor = connection.execute(query)
                names = [d[0] for d in cursor.description or ()]
                rows = cursor.fetchmany(limit + 1)
            finally:
                connection.close()
        else:
            import psycopg
            from psycopg.conninfo import make_conninfo

            timeout_ms = int(settings.GOVPLUS_EXCHANGE_SOURCE_TIMEOUT * 1000)
            dsn = url.replace("postgresql+psycopg://", "postgresql://", 1)
            options = f"-c default_transaction_read_only=on -c statement_timeout={timeout_ms}"
            if parts.hostname:  # libpq tries each checked address in turn (no second DNS lookup)
                addresses = _addresses(url)
                dsn = make_conninfo(dsn, host=",".join([parts.hostname] * len(addresses)), hostaddr=",".join(addresses))
            with psycopg.connect(
                dsn, options=options, connect_timeout=int(settings.GOVPLUS_EXCHANGE_SOURCE_TIMEOUT)
            ) as pg:
                pg.read_only = True
                with pg.cursor() as pg_cursor:
                    pg_cursor.execute("SET TRANSACTION READ ONLY")
                    pg_cursor.execute(query)  # type: ignore[arg-type]  # checked: one SELECT
                    names = [d.name for d in pg_cursor.description or ()]
                    rows = pg_cursor.fetchmany(limit + 1)
                pg.rollback()
    except (sqlite3.Error, ImportError) as error:
        raise SourceUnavailable(f"数据库查询失败：{error}", f"the query failed: {error}") from error
    except Exception as error:
        if type(error).__module__.startswith("psycopg"):
            raise SourceUnavailable(f"数据库查询失败：{error}", f"the query failed: {error}") from error
        raise
    return names, rows


def _mysql_rows(parts: SplitResult, query: str, limit: int) -> tuple[list[str], Sequence[Sequence[Any]]]:
    """One SELECT on MySQL or MariaDB through PyMySQL: the session is read-only and the query runs in a
    read-only transaction (the server refuses any write, a stored function's included, with error
    1792), rolled back afterwards; connect, read and statement timeouts are the source timeout."""
    import pymysql

    timeout = settings.GOVPLUS_EXCHANGE_SOURCE_TIMEOUT
    host, port = _host_port(parts.geturl())
    connection = None
    for address in _addresses(parts.geturl()):  # each one allowed; the first that answers
        try:
            connection = pymysql.connect(
                host=address,
                port=port,
                user=unquote(parts.username or ""),
                password=unquote(parts.password or ""),
                database=unquote(parts.path.lstrip("/")),
                charset="utf8mb4",
                connect_timeout=max(1, int(timeout)),
                read_timeout=timeout,
                write_timeout=timeout,
                init_command="SET SESSION TRANSACTION READ ONLY",
            )
            break
        except pymysql.MySQLError as error:
            failure = error
    if connection is None:
        raise SourceUnavailable(
            f"无法连接数据库 {host}:{port}：{failure}", f"cannot connect to the database {host}:{port}: {failure}"
        ) from failure
    try:
        with connection.cursor() as cursor:
            if "mariadb" in connection.get_server_info().lower():
                cursor.execute("SET SESSION max_statement_time = %s", (timeout,))
            else:
                cursor.execute("SET SESSION max_execution_time = %s", (int(timeout * 1000),))
            cursor.execute("START TRANSACTION READ ONLY")
            cursor.execute(query)  # checked: one SELECT
            names = [d[0] for d in cursor.description or ()]
            rows = cursor.fetchmany(limit + 1)
        connection.rollback()
    except pymysql.MySQLError as error:
        raise SourceUnavailable(f"数据库查询失败：{error}", f"the query failed: {error}") from error
    finally:
        connection.close()
    return names, rows


def _http_content(config: dict[str, Any]) -> tuple[bytes, str]:
    import httpx

    addresses = _addresses(config["url"])
    for position, address in enumerate(addresses):
        try:
            return _http_get(config, address)
        except httpx.ConnectError:
            if position == len(addresses) - 1:
                raise SourceUnavailable(
                    f"无法连接接口 {urlsplit(config['url']).hostname}",
                    f"cannot connect to {urlsplit(config['url']).hostname}",
                ) from None
    raise AssertionError("addresses_checked returns at least one address")


def _http_get(config: dict[str, Any], address: str) -> tuple[bytes, str]:
    """GET the source's URL from `address` (one checked by source_hosts): the request names the host in
    its Host header and, over TLS, in SNI and the certificate check — only the connection is pinned."""
    import httpx

    parts = urlsplit(config["url"])
    authority = parts.netloc.rpartition("@")[2]
    literal = f"[{address}]" if ":" in address else address
    url = urlunsplit((parts.scheme, literal + (f":{parts.port}" if parts.port else ""), parts.path, parts.query, ""))
    headers = {k: v for k, v in (config.get("headers") or {}).items() if k.lower() != "host"} | {"Host": authority}
    extensions = {"sni_hostname": parts.hostname} if parts.scheme.lower() == "https" else {}
    auth = (unquote(parts.username), unquote(parts.password or "")) if parts.username else None
    limit = settings.GOVPLUS_EXCHANGE_SOURCE_MAX_BYTES
    try:
        with (
            httpx.Client(timeout=settings.GOVPLUS_EXCHANGE_SOURCE_TIMEOUT, follow_redirects=False, auth=auth) as client,
            client.stream("GET", url, headers=headers, extensions=extensions) as response,
        ):
            if response.status_code != 200:
                raise SourceUnavailable(
                    f"接口返回 HTTP {response.status_code}", f"the endpoint answered HTTP {response.status_code}"
                )
            body = bytearray()
            for chunk in response.iter_bytes():
                body += chunk
                if len(body) > limit:
                    raise SourceUnavailable(
                        f"接口返回的数据超过 {limit} 字节", f"the answer is larger than {limit} bytes"
                    )
            return bytes(body), response.headers.get("content-type", "")
    except httpx.ConnectError:
        raise
    except httpx.HTTPError as error:
        raise SourceUnavailable(f"接口访问失败：{error}", f"the endpoint could not be read: {error}") from error


def _http_table(resource: Resource, config: dict[str, Any]) -> list[tuple[int, list[Any]]]:
    body, content_type = _http_content(config)
    if "json" in content_type or body.lstrip()[:1] in (b"[", b"{"):
        try:
            items = json.loads(body)
        except ValueError as error:
            raise SourceUnavailable("接口返回的不是有效的 JSON", "the answer is not valid JSON") from error
        if isinstance(items, dict) and isinstance(items.get("items"), list):
            items = items["items"]
        if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
            raise SourceUnavailable("接口应返回对象数组", "the answer must be a JSON array of objects")
        return list(_dict_rows(resource, items))
    try:
        return _table_rows("source.csv", body)
    except FileUnreadable as error:
        raise SourceUnavailable(error.message, error.message_en) from error


def source_refresh(*, actor: Any, code: str) -> SourceVersion:
    """Read the resource's SQL or HTTP source now and apply it when it has no problems (a new version
    either way: applied, or 有错误 with every bad row). A source that cannot be read is a version with
    that one problem, so the officer sees it on the resource's page. `actor` None: the platform's
    scheduled run."""
    with transaction.atomic():
        resource = _locked(code, actor)
        config = source_config_of(resource)
        if resource.source_kind not in (Resource.SourceKind.SQL, Resource.SourceKind.HTTP) or not config:
            raise ValidationFailed({"source_kind": ["该资源没有配置数据库或接口来源 / no SQL or HTTP source is set"]})
        try:
            if resource.source_kind == Resource.SourceKind.SQL:
                table = list(_dict_rows(resource, _sql_rows(config)))
            else:
                table = _http_table(resource, config)
            checked = check_rows(resource, table)
        except SourceUnavailable as error:
            checked = Checked()
            checked.problem(0, "", error.message, error.message_en)
        return _record_version(actor=actor, resource=resource, kind=resource.source_kind, checked=checked, apply=True)


def sources_due(now: dt.datetime | None = None) -> list[Resource]:
    """The SQL and HTTP resources whose update cycle has passed since their last import (不定期: never)."""
    moment = now or timezone.now()
    due = []
    resources = Resource.objects.filter(source_kind__in=[Resource.SourceKind.SQL, Resource.SourceKind.HTTP]).exclude(
        source_config_encrypted=""
    )
    for resource in resources.order_by("code"):
        seconds = CYCLE_SECONDS.get(resource.update_cycle)
        if seconds is None:
            continue
        last = (
            SourceVersion.objects.filter(resource=resource)
            .order_by("-number")
            .values_list("created_at", flat=True)
            .first()
        )
        if last is None or (moment - last).total_seconds() >= seconds:
            due.append(resource)
    return due


def sources_refresh_due(*, codes: Sequence[str] = ()) -> list[SourceVersion]:
    """Refresh every due SQL/HTTP source (or exactly `codes`, due or not), each in its own transaction;
    the platform itself is the actor (the audit entries name no person)."""
    from govplus.exchange.selectors import resource_by_code

    targets = [r for code in codes if (r := resource_by_code(code)) is not None] if codes else sources_due()
    return [source_refresh(actor=None, code=resource.code) for resource in targets]
