"""A resource's sources as its data officer uses them: uploaded tables checked row by row and diffed
against the records, a read-only SQL source (a real SQLite file, and PostgreSQL when the suite runs
on it), an HTTP source served by a live local server, and the scheduled refresh."""

from __future__ import annotations

import io
import json
import os
import sqlite3
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from openpyxl import Workbook

from govplus.core.errors import Conflict, PermissionDenied, ValidationFailed
from govplus.core.models import AuditEntry
from govplus.exchange import sources
from govplus.exchange.models import Resource, ResourceField, ResourceRecord, SourceVersion
from govplus.exchange.records import record_values, records_by_keys
from govplus.exchange.tests.conftest import resource_make

ID_A, ID_B, ID_C = "330521199003071234", "33052119850101002X", "330521197712120015"


def csv_bytes(rows: list[list[str]], encoding: str = "utf-8") -> bytes:
    return "\n".join(",".join(r) for r in rows).encode(encoding)


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def roll(exchange) -> Resource:
    """公安局's 户籍人口 with a date and a number field, and no records yet."""
    resource = resource_make(
        "330521-GAJ-0100",
        "常住人口",
        exchange.county.departments["gaj"],
        Resource.ShareClass.CONDITIONAL,
        [("id_number", "公民身份号码", 3, True), ("name", "姓名", 2, True), ("address", "住址", 3, True)],
    )
    ResourceField.objects.create(resource=resource, position=3, name="born_on", label="出生日期", kind="date")
    ResourceField.objects.create(resource=resource, position=4, name="household_size", label="户人数", kind="integer")
    return resource


HEADER = ["公民身份号码", "姓名", "address", "出生日期", "户人数"]


def test_a_csv_upload_is_checked_then_applied_and_a_reupload_is_diffed(exchange, roll):
    officer = exchange.provider_officer
    first = csv_bytes(
        [HEADER, [ID_A, "张三", "武康街道", "1990-03-07", "3"], [ID_B, "李梅", "新市镇", "1985/1/1", "2"]]
    )
    checked = sources.table_upload(actor=officer, code=roll.code, file_name="人口.csv", content=first)
    assert (checked.status, checked.number, checked.added, checked.rows) == ("checked", 1, 2, 2)
    assert ResourceRecord.objects.filter(resource=roll).count() == 0  # a check writes no record
    applied = sources.source_version_apply(actor=officer, code=roll.code, number=1)
    assert applied.status == "applied" and (applied.version_from, applied.version_to) == (0, 2)
    assert not applied.file  # the sealed upload is gone once applied
    values = record_values(records_by_keys(roll, [ID_B])[ID_B])
    assert values == {
        "id_number": ID_B,
        "name": "李梅",
        "address": "新市镇",
        "born_on": "1985-01-01",
        "household_size": 2,
    }
    with pytest.raises(Conflict):
        sources.source_version_apply(actor=officer, code=roll.code, number=1)
    # re-upload, in GB18030 as Chinese Excel writes it: A unchanged, B changed, C added
    second = csv_bytes(
        [
            HEADER,
            [ID_A, "张三", "武康街道", "1990-03-07", "3"],
            [ID_B, "李梅", "乾元镇", "1985-01-01", "2"],
            [ID_C, "王五", "洛舍镇", "1977-12-12", "1"],
        ],
        "gb18030",
    )
    again = sources.table_upload(actor=officer, code=roll.code, file_name="人口.csv", content=second, apply=True)
    assert (again.number, again.status, again.added, again.changed, again.unchanged, again.removed) == (
        2,
        "applied",
        1,
        1,
        1,
        0,
    )
    records = records_by_keys(roll, [ID_A, ID_B, ID_C])
    assert records[ID_A].version <= 2 and records[ID_B].version > 2 and records[ID_C].version > 2
    # a third upload without A: A becomes a tombstone with a new version
    third = csv_bytes(
        [HEADER, [ID_B, "李梅", "乾元镇", "1985-01-01", "2"], [ID_C, "王五", "洛舍镇", "1977-12-12", "1"]]
    )
    removed = sources.table_upload(actor=officer, code=roll.code, file_name="人口.csv", content=third, apply=True)
    assert (removed.removed, removed.unchanged, removed.number) == (1, 2, 3)
    tombstone = ResourceRecord.objects.get(resource=roll, version=removed.version_to)
    assert tombstone.is_deleted and record_values(tombstone) == {}
    roll.refresh_from_db()
    assert roll.record_count == 2 and roll.version == removed.version_to
    audited = AuditEntry.objects.filter(action="exchange.source_apply", object_id=roll.code)
    assert audited.count() == 3 and ID_A not in json.dumps(list(audited.values_list("changes", flat=True)))


def test_every_bad_row_is_named_and_nothing_is_written(exchange, roll):
    bad = csv_bytes(
        [
            HEADER,
            [ID_A, "张三", "武康街道", "1990-03-07", "3"],
            ["", "无号码", "武康街道", "1990-03-07", "1"],
            [ID_A, "重复", "武康街道", "1990-03-07", "1"],
            [ID_C, "王五", "洛舍镇", "1977年13月40日", "三"],
        ]
    )
    version = sources.table_upload(actor=exchange.provider_officer, code=roll.code, file_name="x.csv", content=bad)
    assert version.status == "rejected"
    found = {(p["row"], p["field"]) for p in version.problems}
    assert found == {(3, "id_number"), (4, "id_number"), (5, "born_on"), (5, "household_size")}
    assert all(p["problem"] and p["problem_en"] for p in version.problems)
    assert "与第 2 行重复" in next(p["problem"] for p in version.problems if p["row"] == 4)
    assert not ResourceRecord.objects.filter(resource=roll).exists()
    # the columns must be the resource's fields
    wrong = csv_bytes([["公民身份号码", "姓名", "电话"], [ID_A, "张三", "138"]])
    columns = sources.table_upload(actor=exchange.provider_officer, code=roll.code, file_name="x.csv", content=wrong)
    problems = {p["field"]: p["problem"] for p in columns.problems}
    assert "未知的列" in problems["电话"] and "缺少列" in problems["address"] and "born_on" in problems
    # an unreadable file is a 422 naming `file`
    with pytest.raises(ValidationFailed) as old_excel:
        sources.table_upload(
            actor=exchange.provider_officer, code=roll.code, file_name="x.xls", content=b"\xd0\xcf\x11\xe0rest"
        )
    assert ".xls" in old_excel.value.fields["file"][0]
    # another department's officer may not upload
    with pytest.raises(PermissionDenied):
        sources.table_upload(actor=exchange.consumer_officer, code=roll.code, file_name="x.csv", content=bad)


def xlsx_bytes(rows: list[list[Any]]) -> bytes:
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_an_xlsx_upload_with_dates_and_numbers_in_their_cells(exchange, roll):
    import datetime as dt

    content = xlsx_bytes(
        [
            ["id_number", "name", "address", "born_on", "household_size"],
            [ID_A, "张三", "武康街道", dt.date(1990, 3, 7), 3],
            [ID_B, "李梅", "新市镇", "不详", 2],
        ]
    )
    rejected = sources.table_upload(
        actor=exchange.provider_officer, code=roll.code, file_name="r.xlsx", content=content
    )
    assert [(p["row"], p["field"]) for p in rejected.problems] == [(3, "born_on")]
    fixed = xlsx_bytes(
        [
            ["id_number", "name", "address", "born_on", "household_size"],
            [ID_A, "张三", "武康街道", dt.date(1990, 3, 7), 3],
            [ID_B, "李梅", "新市镇", None, 2],
        ]
    )
    applied = sources.table_upload(
        actor=exchange.provider_officer, code=roll.code, file_name="r.xlsx", content=fixed, apply=True
    )
    assert applied.status == "applied" and applied.added == 2 and applied.number == 2
    assert record_values(records_by_keys(roll, [ID_A])[ID_A])["born_on"] == "1990-03-07"


def test_the_upload_page_and_the_api(exchange, roll):
    officer = client_for(exchange.provider_officer)
    form = officer.get(f"/staff/exchange/resources/{roll.code}/upload")
    assert form.status_code == 200 and 'type="file"' in form.content.decode()
    bad = io.BytesIO(csv_bytes([HEADER, [ID_A, "张三", "武康街道", "1990-03-07", "很多"]]))
    bad.name = "人口.csv"
    report = officer.post(f"/staff/exchange/resources/{roll.code}/upload", {"file": bad})
    assert report.status_code == 422
    page = report.content.decode()
    assert 'data-testid="problems"' in page and "household_size" in page and "户人数应为整数" in page
    good = io.BytesIO(csv_bytes([HEADER, [ID_A, "张三", "武康街道", "1990-03-07", "3"]]))
    good.name = "人口.csv"
    checked = officer.post(f"/staff/exchange/resources/{roll.code}/upload", {"file": good})
    assert checked.status_code == 200 and "确认生效" in checked.content.decode()
    assert officer.post(f"/staff/exchange/resources/{roll.code}/versions/2/apply").status_code == 302
    detail = officer.get(f"/staff/exchange/resources/{roll.code}").content.decode()
    assert 'data-testid="record-count">1<' in detail and 'data-testid="versions"' in detail
    # the API: multipart file + apply
    upload = io.BytesIO(csv_bytes([HEADER, [ID_B, "李梅", "新市镇", "1985-01-01", "2"]]))
    upload.name = "b.csv"
    answer = officer.post(f"/api/v1/exchange/resources/{roll.code}/versions", {"file": upload, "apply": "true"})
    assert answer.status_code == 201, answer.content
    assert answer.json()["status"] == "applied" and answer.json()["added"] == 1 and answer.json()["removed"] == 1
    read = officer.get(f"/api/v1/exchange/resources/{roll.code}").json()
    assert read["record_count"] == 1 and [v["number"] for v in read["versions"]] == [3, 2, 1]
    # another department's data officer: not their resource's page, nor its upload
    other = client_for(exchange.consumer_officer)
    assert other.get(f"/staff/exchange/resources/{roll.code}/upload").status_code == 404
    upload.seek(0)
    assert other.post(f"/api/v1/exchange/resources/{roll.code}/versions", {"file": upload}).status_code == 403


# --- SQL -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    [
        "DELETE FROM people",
        "SELECT 1; DROP TABLE people",
        "UPDATE people SET name = 'x'",
        "WITH x AS (SELECT 1) DELETE FROM people",
        "SELECT * INTO copy FROM people",
        "SELECT * FROM people FOR UPDATE",
        "INSERT INTO people VALUES ('1')",
    ],
)
def test_a_sql_source_that_is_not_one_select_is_refused(exchange, roll, query):
    with pytest.raises(ValidationFailed) as refused:
        sources.source_configure(
            actor=exchange.provider_officer,
            code=roll.code,
            kind="sql",
            config={"url": "sqlite:///x.db", "query": query},
        )
    assert "query" in refused.value.fields
    roll.refresh_from_db()
    assert roll.source_config_encrypted == ""


SQL = "SELECT id_number, name, address, born_on, household_size FROM people ORDER BY id_number"


def test_a_sqlite_source_is_read_read_only(exchange, roll, tmp_path):
    path = tmp_path / "hukou.sqlite3"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE people (id_number TEXT, name TEXT, address TEXT, born_on TEXT, household_size INT)")
        db.execute("INSERT INTO people VALUES (?, '张三', '武康街道', '1990-03-07', 3)", (ID_A,))
        db.execute("INSERT INTO people VALUES (?, '李梅', '新市镇', '1985-01-01', 2)", (ID_B,))
    url = f"sqlite:///{path}"
    sources.source_configure(
        actor=exchange.provider_officer, code=roll.code, kind="sql", config={"url": url, "query": SQL}
    )
    roll.refresh_from_db()
    assert str(path) not in roll.source_config_encrypted  # stored encrypted
    version = sources.source_refresh(actor=exchange.provider_officer, code=roll.code)
    assert (version.kind, version.status, version.added) == ("sql", "applied", 2)
    assert record_values(records_by_keys(roll, [ID_A])[ID_A])["household_size"] == 3
    # the query is checked again when it runs (a configuration written some other way)
    with pytest.raises(sources.SourceUnavailable, match="SELECT"):
        sources._sql_rows({"url": url, "query": "PRAGMA user_version = 5"})
    # the update cycle has not passed: nothing is due; a command names it anyway
    assert roll.code not in [r.code for r in sources.sources_due()]
    with sqlite3.connect(path) as db:
        db.execute("UPDATE people SET address = '乾元镇' WHERE id_number = ?", (ID_B,))
    out = io.StringIO()
    call_command("exchange_sync", "--resource", roll.code, stdout=out)
    assert f"{roll.code} v2 applied: +0 ~1 -0 =1" in out.getvalue()


def test_a_broken_sql_source_leaves_a_refused_version(exchange, roll, tmp_path):
    url = f"sqlite:///{tmp_path / 'missing.sqlite3'}"
    sources.source_configure(
        actor=exchange.provider_officer, code=roll.code, kind="sql", config={"url": url, "query": SQL}
    )
    version = sources.source_refresh(actor=None, code=roll.code)
    assert version.status == "rejected" and "数据库查询失败" in version.problems[0]["problem"]
    assert not (tmp_path / "missing.sqlite3").exists()  # mode=ro never creates the file


@pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith("postgres"), reason="needs the PostgreSQL the suite runs on"
)
def test_a_postgresql_source_is_read_in_a_read_only_transaction(exchange, roll):
    import uuid

    import psycopg

    table, sequence = f"exchange_source_{uuid.uuid4().hex[:8]}", f"exchange_seq_{uuid.uuid4().hex[:8]}"

    url = os.environ["DATABASE_URL"].replace("postgres://", "postgresql://", 1)
    with psycopg.connect(url, autocommit=True) as db:
        db.execute(f"DROP TABLE IF EXISTS {table}")
        db.execute(f"CREATE SEQUENCE {sequence}")
        db.execute(f"CREATE TABLE {table} (id_number text, name text, address text, born_on date, n int)")
        db.execute(f"INSERT INTO {table} VALUES (%s, '张三', '武康街道', '1990-03-07', 3)", (ID_A,))
    try:
        query = f"SELECT id_number, name, address, born_on, n AS household_size FROM {table} ORDER BY id_number"
        sources.source_configure(
            actor=exchange.provider_officer, code=roll.code, kind="sql", config={"url": url, "query": query}
        )
        version = sources.source_refresh(actor=exchange.provider_officer, code=roll.code)
        assert version.status == "applied", version.problems
        assert record_values(records_by_keys(roll, [ID_A])[ID_A])["born_on"] == "1990-03-07"
        # a SELECT that would write (a sequence's next value) fails inside the read-only transaction
        with pytest.raises(sources.SourceUnavailable, match="read-only"):
            sources._sql_rows({"url": url, "query": f"SELECT nextval('{sequence}')"})
    finally:
        with psycopg.connect(url, autocommit=True) as db:
            db.execute(f"DROP TABLE IF EXISTS {table}")
            db.execute(f"DROP SEQUENCE IF EXISTS {sequence}")


def mariadb_answers() -> bool:
    import socket

    try:
        socket.create_connection(("127.0.0.1", 3306), timeout=1).close()
    except OSError:
        return False
    return True


MARIADB = "mysql://root:@127.0.0.1:3306/test"
needs_mariadb = pytest.mark.skipif(not mariadb_answers(), reason="needs MariaDB/MySQL on 127.0.0.1:3306 (CI has it)")


@pytest.fixture
def mariadb_table() -> Iterator[str]:
    """A table of its own in the MariaDB database `test` (and a stored function that writes), dropped after."""
    import uuid

    import pymysql

    table = f"exchange_source_{uuid.uuid4().hex[:10]}"
    db = pymysql.connect(host="127.0.0.1", port=3306, user="root", password="", database="test", autocommit=True)
    try:
        with db.cursor() as cursor:
            cursor.execute(
                f"CREATE TABLE {table} (id_number VARCHAR(18) PRIMARY KEY, name VARCHAR(40), address VARBINARY(100),"
                " born_on DATE, n DECIMAL(4, 0), registered_at DATETIME) CHARACTER SET utf8mb4"
            )
            cursor.execute(
                f"INSERT INTO {table} VALUES (%s, '张三', %s, '1990-03-07', 3, '2024-05-01 08:30:00'),"
                " (%s, '李梅', NULL, '1985-01-01', 2, NULL)",
                (ID_A, "武康街道".encode(), ID_B),
            )
            cursor.execute(
                f"CREATE FUNCTION {table}_touch() RETURNS INT MODIFIES SQL DATA "
                f"BEGIN INSERT INTO {table} (id_number) VALUES ('x'); RETURN 1; END"
            )
        yield table
    finally:
        with db.cursor() as cursor:
            cursor.execute(f"DROP FUNCTION IF EXISTS {table}_touch")
            cursor.execute(f"DROP TABLE IF EXISTS {table}")
        db.close()


@needs_mariadb
def test_a_mariadb_source_is_read_in_a_read_only_transaction(exchange, roll, mariadb_table):
    query = f"SELECT id_number, name, address, born_on, n AS household_size FROM `{mariadb_table}` ORDER BY id_number"
    sources.source_configure(
        actor=exchange.provider_officer, code=roll.code, kind="sql", config={"url": MARIADB, "query": query}
    )
    version = sources.source_refresh(actor=exchange.provider_officer, code=roll.code)
    assert (version.kind, version.status, version.added) == ("sql", "applied", 2), version.problems
    # DECIMAL, DATE and VARBINARY arrive as the fields' values (not Decimal('3') or b'…')
    assert record_values(records_by_keys(roll, [ID_A])[ID_A]) == {
        "id_number": ID_A,
        "name": "张三",
        "address": "武康街道",
        "born_on": "1990-03-07",
        "household_size": 3,
    }
    roll.refresh_from_db()
    assert sources.source_host(sources.source_config_of(roll)) == "mysql://127.0.0.1:3306/test"
    # mariadb:// is the same driver; a DATETIME comes through as the other drivers' do
    rows = sources._sql_rows(
        {"url": MARIADB.replace("mysql://", "mariadb://"), "query": f"SELECT registered_at FROM {mariadb_table}"}
    )
    assert {str(r["registered_at"]) for r in rows} == {"2024-05-01 08:30:00", "None"}
    # a SELECT that writes through a stored function is refused by the server inside the read-only transaction
    with pytest.raises(sources.SourceUnavailable, match="READ ONLY"):
        sources._sql_rows({"url": MARIADB, "query": f"SELECT {mariadb_table}_touch()"})
    # and a write statement never reaches the server at all
    with pytest.raises(ValidationFailed) as refused:
        sources.source_configure(
            actor=exchange.provider_officer,
            code=roll.code,
            kind="sql",
            config={"url": MARIADB, "query": f"INSERT INTO {mariadb_table} (id_number) VALUES ('y')"},
        )
    assert "query" in refused.value.fields
    import pymysql

    with pymysql.connect(host="127.0.0.1", user="root", password="", database="test") as db, db.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM {mariadb_table}")
        assert cursor.fetchone() == (2,)  # nothing was written


def test_a_mysql_source_that_cannot_be_reached_is_a_refused_version_saying_so(exchange, roll, settings):
    import socket

    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]  # nothing listens there once the socket is closed
    settings.GOVPLUS_EXCHANGE_SOURCE_TIMEOUT = 2
    sources.source_configure(
        actor=exchange.provider_officer,
        code=roll.code,
        kind="sql",
        config={"url": f"mysql://reader:pw@127.0.0.1:{port}/hukou", "query": SQL},
    )
    version = sources.source_refresh(actor=None, code=roll.code)
    assert version.status == "rejected"
    problem = version.problems[0]
    assert f"无法连接数据库 127.0.0.1:{port}" in problem["problem"]
    assert f"cannot connect to the database 127.0.0.1:{port}" in problem["problem_en"]
    assert "pw" not in problem["problem"].replace("pw@", "")  # no password in the message
    with pytest.raises(ValidationFailed) as nameless:
        sources.source_configure(
            actor=exchange.provider_officer, code=roll.code, kind="sql", config={"url": "mysql://u@db", "query": SQL}
        )
    assert "url" in nameless.value.fields


# --- HTTP ------------------------------------------------------------------------------------------


@pytest.fixture
def endpoint() -> Iterator[dict[str, Any]]:
    """A live local HTTP server answering what the test puts in `state`."""
    state: dict[str, Any] = {"body": b"[]", "type": "application/json", "seen": [], "hosts": []}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            state["seen"].append(self.headers.get("Authorization", ""))
            state["hosts"].append(self.headers.get("Host", ""))
            self.send_response(200)
            self.send_header("Content-Type", state["type"])
            self.send_header("Content-Length", str(len(state["body"])))
            self.end_headers()
            self.wfile.write(state["body"])

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state["url"] = f"http://127.0.0.1:{server.server_address[1]}/people"
    yield state
    server.shutdown()
    server.server_close()


def test_an_http_source_of_json_then_csv(exchange, roll, endpoint):
    people = [
        {"id_number": ID_A, "name": "张三", "address": "武康街道", "born_on": "1990-03-07", "household_size": 3},
        {"id_number": ID_B, "name": "李梅", "address": "新市镇", "born_on": None, "household_size": 2},
    ]
    endpoint["body"] = json.dumps(people, ensure_ascii=False).encode()
    sources.source_configure(
        actor=exchange.provider_officer,
        code=roll.code,
        kind="http",
        config={"url": endpoint["url"], "headers": {"Authorization": "Bearer s3cret"}},
    )
    version = sources.source_refresh(actor=exchange.provider_officer, code=roll.code)
    assert (version.kind, version.status, version.added) == ("http", "applied", 2)
    assert endpoint["seen"] == ["Bearer s3cret"]
    endpoint["body"], endpoint["type"] = csv_bytes([HEADER, [ID_A, "张三", "武康街道", "1990-03-07", "4"]]), "text/csv"
    again = sources.source_refresh(actor=exchange.provider_officer, code=roll.code)
    assert (again.changed, again.removed, again.unchanged) == (1, 1, 0)
    endpoint["body"], endpoint["type"] = b'{"not": "a list"}', "application/json"
    refused = sources.source_refresh(actor=exchange.provider_officer, code=roll.code)
    assert refused.status == SourceVersion.Status.REJECTED and "对象数组" in refused.problems[0]["problem"]
    roll.refresh_from_db()
    assert roll.record_count == 1  # the refused read changed nothing
    settings_page = client_for(exchange.provider_officer).get(f"/staff/exchange/resources/{roll.code}/source")
    page = settings_page.content.decode()
    assert settings_page.status_code == 200 and "127.0.0.1" in page and "s3cret" not in page


def test_the_source_page_saves_and_shows_errors(exchange, roll):
    officer = client_for(exchange.provider_officer)
    bad = officer.post(
        f"/staff/exchange/resources/{roll.code}/source",
        {"action": "save", "kind": "sql", "url": "oracle://u:p@db/x", "query": "DELETE FROM t"},
    )
    page = bad.content.decode()
    assert bad.status_code == 422 and 'id="url-error"' in page and 'id="query-error"' in page
    good = officer.post(
        f"/staff/exchange/resources/{roll.code}/source",
        {"action": "save", "kind": "http", "url": "https://data.example.cn/people", "headers": "X-Key: abc"},
    )
    assert good.status_code == 302
    roll.refresh_from_db()
    assert roll.source_kind == "http" and sources.source_config_of(roll)["headers"] == {"X-Key": "abc"}
    assert AuditEntry.objects.filter(action="exchange.source_configure", object_id=roll.code).exists()


# --- which hosts a source may reach (GOVPLUS_EXCHANGE_SOURCE_HOSTS) -------------------------------


@pytest.mark.parametrize(
    ("kind", "url"),
    [
        ("http", "http://169.254.169.254/latest/meta-data/"),  # the cloud metadata service
        ("http", "http://100.100.100.200/latest/meta-data/"),  # Alibaba Cloud's, in carrier-grade NAT space
        ("http", "https://10.0.0.5/people"),
        ("http", "http://[::ffff:127.0.0.1]:8000/admin"),  # loopback written as IPv4-mapped IPv6
        ("http", "http://localhost:8000/admin"),
        ("sql", "mysql://root:@192.168.1.10:3306/hukou"),
        ("sql", "postgresql://u:p@127.0.0.1/govplus"),
    ],
)
def test_a_source_may_not_reach_a_private_loopback_or_metadata_address(exchange, roll, settings, kind, url):
    settings.GOVPLUS_EXCHANGE_SOURCE_HOSTS = ["public"]  # production's default
    config = {"url": url, "query": SQL} if kind == "sql" else {"url": url}
    with pytest.raises(ValidationFailed) as refused:
        sources.source_configure(actor=exchange.provider_officer, code=roll.code, kind=kind, config=config)
    message = refused.value.fields["url"][0]
    assert "不允许访问" in message and "GOVPLUS_EXCHANGE_SOURCE_HOSTS" in message
    roll.refresh_from_db()
    assert roll.source_config_encrypted == ""


def test_a_source_refused_at_fetch_time_is_never_called(exchange, roll, endpoint, settings):
    """Configured while loopback was allowed (or DNS answered a public address then): each fetch checks
    again, and a refused host is a version saying so — the endpoint never sees a request."""
    sources.source_configure(
        actor=exchange.provider_officer, code=roll.code, kind="http", config={"url": endpoint["url"]}
    )
    settings.GOVPLUS_EXCHANGE_SOURCE_HOSTS = ["public"]
    version = sources.source_refresh(actor=None, code=roll.code)
    assert version.status == "rejected" and "不允许访问 127.0.0.1" in version.problems[0]["problem"]
    assert "GOVPLUS_EXCHANGE_SOURCE_HOSTS" in version.problems[0]["problem_en"]
    assert endpoint["seen"] == []


def test_a_listed_host_name_or_range_and_the_wildcard_are_allowed(exchange, roll, endpoint, settings):
    people = [{"id_number": ID_A, "name": "张三", "address": "武康街道", "born_on": None, "household_size": 1}]
    endpoint["body"] = json.dumps(people, ensure_ascii=False).encode()
    officer = exchange.provider_officer
    # a listed name: reached at the address it was checked at, the request still naming the host
    settings.GOVPLUS_EXCHANGE_SOURCE_HOSTS = ["public", "LOCALHOST"]
    by_name = endpoint["url"].replace("127.0.0.1", "localhost")
    sources.source_configure(actor=officer, code=roll.code, kind="http", config={"url": by_name})
    version = sources.source_refresh(actor=officer, code=roll.code)
    assert version.status == "applied" and version.added == 1, version.problems
    assert endpoint["hosts"][-1] == by_name.split("/")[2]
    # a listed range
    settings.GOVPLUS_EXCHANGE_SOURCE_HOSTS = ["public", "10.20.0.0/16", "127.0.0.1"]
    sources.source_configure(
        actor=officer, code=roll.code, kind="sql", config={"url": "mysql://u:p@10.20.3.4/hukou", "query": SQL}
    )
    with pytest.raises(ValidationFailed):
        sources.source_configure(
            actor=officer, code=roll.code, kind="sql", config={"url": "mysql://u:p@10.21.3.4/hukou", "query": SQL}
        )
    sources.source_configure(actor=officer, code=roll.code, kind="http", config={"url": endpoint["url"]})
    assert sources.source_refresh(actor=officer, code=roll.code).status == "applied"
    # without `public`, only what is listed
    settings.GOVPLUS_EXCHANGE_SOURCE_HOSTS = ["10.20.0.0/16"]
    with pytest.raises(ValidationFailed):
        sources.source_configure(actor=officer, code=roll.code, kind="http", config={"url": "https://8.8.8.8/people"})
    # `*`: everything, the metadata address included (the administrator's explicit choice)
    settings.GOVPLUS_EXCHANGE_SOURCE_HOSTS = ["*"]
    sources.source_configure(
        actor=officer, code=roll.code, kind="http", config={"url": "http://169.254.169.254/latest/meta-data/"}
    )
    roll.refresh_from_db()
    assert sources.source_config_of(roll)["url"].startswith("http://169.254.169.254/")


# --- uploads checked but never applied ---------------------------------------------------------


def test_an_upload_checked_but_never_applied_is_swept_after_the_keep_days(
    exchange, roll, settings, django_capture_on_commit_callbacks
):
    import datetime as dt
    import hashlib

    from django.core.files.storage import default_storage
    from django.utils import timezone

    settings.GOVPLUS_EXCHANGE_UPLOAD_KEEP_DAYS = 7
    officer = exchange.provider_officer
    content = csv_bytes([HEADER, [ID_A, "张三", "武康街道", "1990-03-07", "3"]])
    stale = sources.table_upload(actor=officer, code=roll.code, file_name="人口.csv", content=content)
    recent = sources.table_upload(actor=officer, code=roll.code, file_name="人口.csv", content=content)
    kept = stale.file.name
    assert default_storage.exists(kept)
    SourceVersion.objects.filter(pk=stale.pk).update(created_at=timezone.now() - dt.timedelta(days=7, hours=1))
    with django_capture_on_commit_callbacks(execute=True):
        swept = sources.uploads_sweep()
    assert [v.number for v in swept] == [1]
    stale.refresh_from_db()
    # the version stays, with its fingerprint and counts; only the content is gone
    assert (stale.status, stale.get_status_display(), bool(stale.file)) == ("expired", "已过期", False)
    assert stale.sha256 == hashlib.sha256(content).hexdigest() and (stale.rows, stale.added) == (1, 1)
    assert not default_storage.exists(kept)
    recent.refresh_from_db()
    assert recent.status == "checked" and default_storage.exists(recent.file.name)  # within the keep days
    with pytest.raises(Conflict) as expired:
        sources.source_version_apply(actor=officer, code=roll.code, number=1)
    assert "已过期，请重新上传" in expired.value.message and "upload the file again" in expired.value.message
    assert ResourceRecord.objects.filter(resource=roll).count() == 0
    # the officer's page says the same and offers no 生效 button for it
    page = client_for(officer).post(f"/staff/exchange/resources/{roll.code}/versions/1/apply", follow=True)
    text = page.content.decode()
    assert "已过期，请重新上传" in text and f"/staff/exchange/resources/{roll.code}/versions/1/apply" not in text
    audited = AuditEntry.objects.get(action="exchange.upload_sweep")
    assert audited.changes["count"] == 1 and audited.changes["versions"] == [f"{roll.code} v1"]
    assert ID_A not in json.dumps(audited.changes)
    # the command (what the nightly task runs): nothing left to sweep, and the second run is not audited
    out = io.StringIO()
    call_command("exchange_sweep", stdout=out)
    assert "swept 0 checked uploads not applied within 7 days" in out.getvalue()
    assert AuditEntry.objects.filter(action="exchange.upload_sweep").count() == 1
    # the applied version's content is already gone; it is not marked expired
    sources.source_version_apply(actor=officer, code=roll.code, number=2)
    SourceVersion.objects.filter(pk=recent.pk).update(created_at=timezone.now() - dt.timedelta(days=30))
    assert sources.uploads_sweep() == [] and SourceVersion.objects.get(pk=recent.pk).status == "applied"


def test_a_sql_datetime_keeps_its_time_of_day_and_a_date_field_takes_its_day():
    import datetime as dt

    from govplus.licences.import_files import cell_text

    moment = sources._plain(dt.datetime(2024, 5, 1, 8, 30, 15))
    assert sources._value("datetime", cell_text(moment)) == "2024-05-01T08:30:15"
    assert sources._value("date", cell_text(moment)) == "2024-05-01"
    assert sources._value("date", cell_text(sources._plain(dt.date(2024, 5, 1)))) == "2024-05-01"
