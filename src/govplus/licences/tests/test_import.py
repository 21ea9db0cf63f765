"""Bulk import of a department's existing licences: the check names every bad row and writes nothing,
only a clean file is committed, in resumable batches; the pages refuse other departments and bad input
with 4xx; the progress is polled as JSON."""

from __future__ import annotations

import datetime as dt
import io
import os

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook

from govplus.core.audit import audit_verify
from govplus.core.errors import Conflict, PermissionDenied, ValidationFailed
from govplus.core.models import AuditEntry
from govplus.identity.validators import id_check_char
from govplus.licences import imports
from govplus.licences.identifiers import licence_id_make
from govplus.licences.models import Licence, LicenceEvent, LicenceImport, LicenceType
from govplus.licences.selectors import licence_face, licences_of_holder
from govplus.licences.tests.conftest import AUTHORITY, CREDIT_CODES

ID_CARD = AUTHORITY + "001"
HOUSEHOLD = AUTHORITY + "002"
HEADER = "证照编号,持证人,持证人代码,颁证日期,有效期止,状态,性别,出生日期"


def person(index: int, *, born: str = "19800101") -> str:
    first17 = f"330521{born}{index % 1000:03d}"
    return first17 + id_check_char(first17)


def good_row(index: int, **overrides: str) -> str:
    code = overrides.get("code", person(index))
    sex = "男" if int(code[16]) % 2 else "女"
    values = {
        "number": f"GA{index:06d}",
        "name": f"居民{index}",
        "code": code,
        "issued": "2015-06-01",
        "until": "2035-05-31",
        "status": "有效",
        "sex": sex,
        "birth": "1980-01-01",
    }
    values.update(overrides)
    return ",".join(values.values())


def csv_bytes(*rows: str, header: str = HEADER, encoding: str = "utf-8") -> bytes:
    return ("\n".join([header, *rows]) + "\n").encode(encoding)


def check(actor, data: bytes, *, name: str = "licences.csv", department: str = "gaj", type_code: str = ID_CARD, **kw):
    return imports.licence_import_check(
        actor=actor, department_code=department, type_code=type_code, file_name=name, file=io.BytesIO(data), **kw
    )


def import_all(actor, job: LicenceImport) -> LicenceImport:
    imports.licence_import_commit(actor=actor, job_id=job.pk, enqueue=False)
    return imports.licence_import_run(job_id=job.pk)


@pytest.fixture
def approver(library):
    return library.staff["approver"]


# ---- the check (dry run) -----------------------------------------------------------------------------


def test_the_check_names_every_bad_row_and_writes_nothing(library, approver):
    holder = library.citizen.citizen_profile.id_number
    bad_check_digit = person(3)[:-1] + ("0" if person(3)[-1] != "0" else "1")
    data = csv_bytes(
        good_row(1, code=holder, birth="1990-03-07"),
        good_row(2, issued="2015-13-01"),
        good_row(3, code=bad_check_digit),
        good_row(4, sex="未知"),
        good_row(5, status="过期"),
        good_row(6, until="2010-01-01"),
        good_row(7, number="GA000001"),
    )
    before = (Licence.objects.count(), LicenceEvent.objects.count())
    job = check(approver, data)

    assert job.status == LicenceImport.Status.REJECTED
    assert job.rows_total == 7
    messages = [p["message"] for p in job.problems]
    assert messages == [
        "第 3 行：颁证日期：日期格式应为 YYYY-MM-DD",
        "第 4 行：持证人代码：身份证号校验位错误，请核对",
        "第 5 行：性别：应为 男、女 之一",
        "第 6 行：状态：应为 有效、暂扣、撤销、注销、失效、吊销 之一",
        "第 7 行：有效期止：有效期止早于有效期起",
        "第 8 行：证照编号：与第 2 行重复",
    ], messages
    assert job.problems[0]["message_en"] == "Row 3: issued on: a date must be YYYY-MM-DD"
    assert (Licence.objects.count(), LicenceEvent.objects.count()) == before
    assert not job.file  # a rejected file is not kept (it holds personal data)
    with pytest.raises(Conflict, match="检查未通过"):
        imports.licence_import_commit(actor=approver, job_id=job.pk)
    assert Licence.objects.count() == before[0]


def test_duplicate_identifiers_in_the_file_and_in_the_library_are_named(library, approver, household_of_zhangsan):
    header = "证照标识,证照编号,持证人,持证人代码,颁证日期,户别"
    mine = household_of_zhangsan.licence_id
    new_id = licence_id_make(type_code=HOUSEHOLD, issuer_code=CREDIT_CODES["gaj"], serial=900)
    other_type = licence_id_make(type_code=ID_CARD, issuer_code=CREDIT_CODES["gaj"], serial=901)
    wrong_check = next(c for c in "0123456789" if c != new_id[-1])
    data = csv_bytes(
        f"{new_id},HH1,居民1,{person(1)},2015-06-01,家庭户",
        f"{new_id},HH2,居民2,{person(2)},2015-06-01,家庭户",
        f"{mine},HH3,居民3,{person(3)},2015-06-01,家庭户",
        f"{other_type},HH4,居民4,{person(4)},2015-06-01,家庭户",
        f"{new_id[:-1]}{wrong_check},HH5,居民5,{person(5)},2015-06-01,家庭户",
        header=header,
    )
    job = check(approver, data, type_code=HOUSEHOLD)
    assert [p["message"] for p in job.problems] == [
        "第 3 行：证照标识：与第 2 行重复",
        "第 5 行：证照标识：标识中的类型代码与所选证照类型不符",
        "第 6 行：证照标识：证照标识校验位错误，请核对是否输错",
        "第 4 行：证照标识：证照库中已有该证照标识",
    ]


def test_missing_and_unknown_columns_are_named_on_the_header_row(library, approver):
    data = csv_bytes("GA1,居民1,2015-06-01,男,汉", header="证照编号,持证人,颁证日期,性别,民族")
    job = check(approver, data)
    assert [p["message"] for p in job.problems] == [
        "第 1 行：民族：未知的列，请删除或改为模板中的列名",
        "第 1 行：持证人代码：缺少必需的列",
    ]
    assert job.status == LicenceImport.Status.REJECTED


def test_importing_the_same_file_twice_is_refused_by_its_numbers(library, approver):
    data = csv_bytes(good_row(1), good_row(2))
    import_all(approver, check(approver, data))
    again = check(approver, data, name="again.csv")
    assert again.status == LicenceImport.Status.REJECTED
    assert [p["message"] for p in again.problems] == [
        "第 2 行：证照编号：证照库中本部门已有该编号的此类证照",
        "第 3 行：证照编号：证照库中本部门已有该编号的此类证照",
    ]
    assert Licence.objects.count() == 2


def test_bad_input_to_the_check_names_the_field(library, approver):
    with pytest.raises(ValidationFailed) as caught:
        imports.licence_import_check(actor=approver, department_code="gaj", type_code="nope", file_name="", file=None)
    assert set(caught.value.fields) == {"type", "file"}
    with pytest.raises(ValidationFailed) as caught:
        check(approver, b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, name="old.xls")
    assert ".xls" in caught.value.fields["file"][0]
    with pytest.raises(ValidationFailed) as caught:
        check(approver, b"PK\x03\x04 not really a zip", name="broken.xlsx")
    assert "Excel" in caught.value.fields["file"][0]
    with pytest.raises(ValidationFailed) as caught:
        check(approver, "证照编号\n".encode("utf-16"), name="unicode.txt")
    assert "UTF-16" in caught.value.fields["file"][0]
    with pytest.raises(PermissionDenied):
        check(library.staff["scjgj_approver"], csv_bytes(good_row(1)))
    with pytest.raises(PermissionDenied):
        check(library.staff["clerk"], csv_bytes(good_row(1)))  # a clerk of the department itself neither


# ---- the commit ------------------------------------------------------------------------------------------


def test_a_gb18030_csv_imports_with_holders_linked_and_statuses_kept(library, approver):
    zhangsan = library.citizen.citizen_profile.id_number
    header = "证照编号,持证人,持证人代码,颁证日期,有效期起,有效期止,状态,来源,换领原因"
    data = csv_bytes(
        f"GA1,张三,{zhangsan},2016/4/12,2016-04-12,2036-04-11,有效,,有效期满",
        f"GA2,居民2,{person(2)},2005年6月1日,,2025-05-31,有效,,证件损坏",
        f"GA3,居民3,{person(3)},20100301,,长期,暂扣,扫描,",
        header=header,
        encoding="gb18030",
    )
    job = check(approver, data, name="公安存量.csv")
    assert job.encoding == "gb18030" and job.status == LicenceImport.Status.CHECKED, job.problems
    job = import_all(approver, job)
    assert job.status == LicenceImport.Status.DONE and job.rows_done == 3
    assert not job.file  # the stored copy is deleted once written

    rows, total = licences_of_holder(holder=library.citizen)
    assert total == 1
    mine = Licence.objects.get(licence_id=rows[0].licence_id)
    assert (mine.origin, mine.status, mine.issued_on, mine.pdf_path) == ("imported", "valid", dt.date(2016, 4, 12), "")
    assert (rows[0].origin, rows[0].status, rows[0].issued_on) == ("imported", "valid", dt.date(2016, 4, 12))
    # the face fields the file leaves out come from the ID number, as on issue
    assert licence_face(mine) == {"birth_date": "1990-03-07", "reason": "有效期满", "sex": "男"}
    expired = Licence.objects.get(number="GA2")
    assert expired.status == Licence.Status.EXPIRED  # 有效 in the file, but its validity ended
    scanned = Licence.objects.get(number="GA3")
    assert (scanned.origin, scanned.status, scanned.valid_until) == ("scanned", "suspended", None)
    assert LicenceEvent.objects.filter(kind="import", reason__contains=f"#{job.pk}").count() == 3
    actions = list(AuditEntry.objects.filter(object_type="licence_import").values_list("action", flat=True))
    assert actions == [
        "licences.import_check",
        "licences.import_commit",
        "licences.import_batch",
        "licences.import_done",
    ]
    assert audit_verify().is_intact


def test_an_xlsx_imports_with_its_dates_and_numbers(library, approver):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["licence_id", "number", "holder_name", "holder_code", "issued_on", "household_type"])
    kept = licence_id_make(type_code=HOUSEHOLD, issuer_code=CREDIT_CODES["gaj"], serial=50)
    sheet.append([kept, 330521001, "居民1", person(1), dt.datetime(2012, 9, 1), "家庭户"])
    sheet.append([None, None, None, None, None, None])  # Excel's blank rows are skipped
    sheet.append(["", "HH2", "居民2", person(2), dt.date(2013, 1, 5), "集体户"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    job = check(approver, buffer.getvalue(), name="户口.xlsx", type_code=HOUSEHOLD)
    assert job.status == LicenceImport.Status.CHECKED, job.problems
    import_all(approver, job)
    first = Licence.objects.get(number="330521001")
    assert first.licence_id == kept and first.issued_on == dt.date(2012, 9, 1)
    second = Licence.objects.get(number="HH2")
    # a new identifier from the department's serial, past the one the file gave in its series
    assert second.licence_id == licence_id_make(type_code=HOUSEHOLD, issuer_code=CREDIT_CODES["gaj"], serial=51)


def test_commit_refuses_a_stored_file_that_changed_since_its_check(library, approver):
    job = check(approver, csv_bytes(good_row(1)))
    with open(job.file.path, "ab") as stored:
        stored.write(f"{good_row(2)}\n".encode())
    with pytest.raises(Conflict, match="不一致"):
        imports.licence_import_commit(actor=approver, job_id=job.pk)
    assert not Licence.objects.exists()


def test_an_interrupted_import_resumes_after_its_last_batch_without_duplicates(library, approver):
    rows = [good_row(index) for index in range(1, 8)]
    job = check(approver, csv_bytes(*rows), batch_size=3)
    imports.licence_import_commit(actor=approver, job_id=job.pk, enqueue=False)
    job = imports.licence_import_run(job_id=job.pk, max_batches=1)
    assert (job.status, job.rows_done, Licence.objects.count()) == ("interrupted", 3, 3)

    # a real failure in the next run: the stored file is gone (a disk unmounted under the worker)
    stored = job.file.path
    with open(stored, "rb") as original:
        content = original.read()
    imports.licence_import_resume(actor=approver, job_id=job.pk, enqueue=False)
    os.remove(stored)
    job = imports.licence_import_run(job_id=job.pk)
    assert (job.status, job.rows_done, Licence.objects.count()) == ("interrupted", 3, 3)
    assert "不可读" in job.error
    assert imports.licence_import_progress(job)["can_resume"]

    with open(stored, "wb") as restored:
        restored.write(content)
    imports.licence_import_resume(actor=approver, job_id=job.pk, enqueue=False)
    job = imports.licence_import_run(job_id=job.pk)
    assert (job.status, job.rows_done) == ("done", 7)
    numbers = sorted(Licence.objects.values_list("number", flat=True))
    assert numbers == [f"GA{index:06d}" for index in range(1, 8)]  # each row once
    assert len(set(Licence.objects.values_list("status_index", flat=True))) == 7
    assert AuditEntry.objects.filter(action="licences.import_batch").count() == 3


def test_a_job_whose_worker_died_is_resumable_and_a_second_runner_writes_nothing(library, approver):
    job = check(approver, csv_bytes(*[good_row(index) for index in range(1, 6)]), batch_size=2)
    imports.licence_import_commit(actor=approver, job_id=job.pk, enqueue=False)
    job = imports.licence_import_run(job_id=job.pk, max_batches=1)
    # what a killed worker leaves: the job still marked running after its last committed batch
    LicenceImport.objects.filter(pk=job.pk).update(status="running")
    job.refresh_from_db()
    assert not imports.can_resume(job)  # alive, as far as anyone can tell
    assert imports.licence_import_run(job_id=job.pk).rows_done == 2  # a second runner does not take it
    later = job.heartbeat_at + imports.STALE_AFTER + dt.timedelta(seconds=1)
    assert imports.can_resume(job, now=later)
    assert imports.licence_import_progress(job, now=later)["status"] == "interrupted"
    imports.licence_import_resume(actor=approver, job_id=job.pk, enqueue=False, now=later)
    job = imports.licence_import_run(job_id=job.pk)
    assert (job.status, job.rows_done, Licence.objects.count()) == ("done", 5, 5)
    with pytest.raises(Conflict):
        imports.licence_import_resume(actor=approver, job_id=job.pk)


def test_a_row_issued_meanwhile_rejects_the_first_run_unwritten(library, approver):
    given = licence_id_make(type_code=ID_CARD, issuer_code=CREDIT_CODES["gaj"], serial=77)
    header = "证照标识," + HEADER
    job = check(approver, csv_bytes(f"{given}," + good_row(1), "," + good_row(2), header=header))
    assert job.status == "checked"
    # between the check and the commit the same licence reached the library another way
    other = check(approver, csv_bytes(f"{given}," + good_row(9), header=header), name="other.csv")
    import_all(approver, other)
    job = import_all(approver, job)
    assert job.status == LicenceImport.Status.REJECTED
    assert [p["message"] for p in job.problems] == ["第 2 行：证照标识：证照库中已有该证照标识"]
    assert Licence.objects.count() == 1


# ---- the pages -----------------------------------------------------------------------------------------


def upload(client, data: bytes, *, name: str = "licences.csv", department: str = "gaj", type_code: str = ID_CARD):
    return client.post(
        reverse("portal:licence_import"),
        {"department": department, "type": type_code, "file": SimpleUploadedFile(name, data, "text/csv")},
    )


def test_the_pages_check_commit_and_show_the_progress(library, approver, client, django_capture_on_commit_callbacks):
    client.force_login(approver)
    page = client.get(reverse("portal:licence_import"))
    assert page.status_code == 200
    assert "存量证照批量导入" in page.content.decode()

    bad = upload(client, csv_bytes(good_row(1, issued="2015-02-30")))
    assert bad.status_code == 303
    report = client.get(bad["Location"])
    assert "第 2 行：颁证日期：日期格式应为 YYYY-MM-DD" in report.content.decode()
    rejected = LicenceImport.objects.get()
    refused = client.post(reverse("portal:licence_import_commit", args=[rejected.pk]))
    assert refused.status_code == 409 and "检查未通过" in refused.content.decode()
    problems = client.get(reverse("portal:licence_import_problems", args=[rejected.pk]))
    assert "颁证日期" in problems.content.decode("utf-8-sig")

    good = upload(client, csv_bytes(good_row(1), good_row(2)))
    job = LicenceImport.objects.get(status="checked")
    assert good["Location"] == reverse("portal:licence_import_job", args=[job.pk])
    assert "确认导入" in client.get(good["Location"]).content.decode()
    with django_capture_on_commit_callbacks(execute=True):  # the Huey task runs at once in tests
        committed = client.post(reverse("portal:licence_import_commit", args=[job.pk]))
    assert committed.status_code == 303
    progress = client.get(reverse("portal:licence_import_progress", args=[job.pk])).json()
    assert progress == {
        "id": job.pk,
        "status": "done",
        "status_label": "导入完成",
        "rows_done": 2,
        "rows_total": 2,
        "percent": 100.0,
        "mode": "import",
        "pdfs_done": 0,
        "pdf_percent": 0.0,
        "is_finished": True,
        "can_resume": False,
        "error": "",
    }
    done = client.get(reverse("portal:licence_import_job", args=[job.pk])).content.decode()
    assert '<progress id="import-progress" max="2" value="2"' in done
    assert Licence.objects.count() == 2

    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"  # the same pages in English
    english = client.get(reverse("portal:licence_import_job", args=[rejected.pk])).content.decode()
    assert f"Import #{rejected.pk}" in english
    assert "Row 2: issued on: a date must be YYYY-MM-DD" in english
    assert (
        "2 of 2 rows imported (100.0%)"
        in client.get(reverse("portal:licence_import_job", args=[job.pk])).content.decode()
    )
    assert (
        client.get(reverse("portal:licence_import_progress", args=[job.pk])).json()["status_label"] == "Import finished"
    )


def test_a_clerk_of_another_department_is_refused(library, approver, client):
    job = check(approver, csv_bytes(good_row(1)))
    client.force_login(library.staff["scjgj_clerk"])
    assert client.get(reverse("portal:licence_import")).status_code == 403
    assert upload(client, csv_bytes(good_row(1))).status_code == 403
    assert client.get(reverse("portal:licence_import_job", args=[job.pk])).status_code == 404
    assert client.post(reverse("portal:licence_import_commit", args=[job.pk])).status_code == 404
    assert client.get(reverse("portal:licence_import_progress", args=[job.pk])).status_code == 404
    client.force_login(library.staff["scjgj_approver"])  # may import for 市场监管局, not for 公安局
    refused = upload(client, csv_bytes(good_row(1)))
    assert refused.status_code == 403 and "只有该部门的审批人员" in refused.content.decode()
    client.force_login(library.citizen)
    assert client.get(reverse("portal:licence_import")).status_code == 404
    assert LicenceImport.objects.count() == 1 and not Licence.objects.exists()


def test_bad_input_on_the_page_is_a_4xx_naming_the_field(library, approver, client):
    client.force_login(approver)
    no_file = client.post(reverse("portal:licence_import"), {"department": "gaj", "type": ID_CARD})
    assert no_file.status_code == 422 and "请选择要导入的文件" in no_file.content.decode()
    bad_type = upload(client, csv_bytes(good_row(1)), type_code="X" * 500)
    assert bad_type.status_code == 422 and "请选择证照类型" in bad_type.content.decode()
    broken = upload(client, b"PK\x03\x04garbage", name="x.xlsx")
    assert broken.status_code == 422 and "无法读取该 Excel 文件" in broken.content.decode()
    bad_bytes = upload(client, b"\x81\x30\xff\xfe\xfd" * 10)
    assert bad_bytes.status_code == 422 and "编码" in bad_bytes.content.decode()
    unknown_department = upload(client, csv_bytes(good_row(1)), department="nope")
    assert unknown_department.status_code == 422 and "请选择部门" in unknown_department.content.decode()
    assert client.get(reverse("portal:licence_import_job", args=[999999])).status_code == 404
    assert client.get(reverse("portal:licence_import_template") + "?type=" + "9" * 40).status_code == 404
    template = client.get(reverse("portal:licence_import_template") + f"?type={ID_CARD}")
    assert template.content.decode("utf-8-sig").splitlines()[0] == (
        "证照标识,证照编号,持证人,持证人代码,颁证日期,有效期起,有效期止,状态,来源,性别,出生日期,换领原因"
    )
    assert not LicenceImport.objects.exists()


def test_the_import_command_checks_then_writes(library, tmp_path, capsys):
    from django.core.management import call_command
    from django.core.management.base import CommandError

    path = tmp_path / "licences.csv"
    path.write_bytes(csv_bytes(good_row(1), good_row(2, birth="1980-02-30")))
    with pytest.raises(CommandError, match="检查未通过"):
        call_command("licences_import", str(path), "--type", ID_CARD, "--department", "gaj")
    assert "第 3 行：出生日期" in capsys.readouterr().out
    path.write_bytes(csv_bytes(good_row(1), good_row(2)))
    call_command("licences_import", str(path), "--type", ID_CARD, "--department", "gaj", "--dry-run")
    assert not Licence.objects.exists()
    call_command("licences_import", str(path), "--type", ID_CARD, "--department", "gaj", "--batch-size", "1")
    out = capsys.readouterr().out
    assert "done, 2 / 2" in out
    assert Licence.objects.filter(licence_type=LicenceType.objects.get(code=ID_CARD)).count() == 2
