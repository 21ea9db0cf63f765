"""Bulk issuance (批量签发并盖章): the same checked, batched import, but the rows become the platform's own
licences, each sealed as a PDF by the workers; the job page shows a second bar for the PDFs; a chunk run
twice seals nothing twice; a job whose workers died resumes only what is unsealed; the command does it
all with its progress printed."""

from __future__ import annotations

import hashlib

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from govplus.core.audit import audit_verify
from govplus.core.errors import ValidationFailed
from govplus.core.models import AuditEntry, Notification
from govplus.licences import bulk_issue, imports
from govplus.licences.models import Licence, LicenceEvent, LicenceImport
from govplus.licences.pdf_verify import pdf_verify
from govplus.licences.tests.test_import import HEADER, ID_CARD, check, csv_bytes, good_row

ISSUE = LicenceImport.Mode.ISSUE


@pytest.fixture
def approver(library):
    return library.staff["approver"]


def zhangsan_row(library) -> str:
    profile = library.citizen.citizen_profile
    return good_row(9, name=profile.name, code=profile.id_number, birth=profile.id_number[6:10] + "-01-01")


def test_an_issuance_refuses_rows_that_are_not_new_valid_licences(library, approver):
    job = check(
        approver,
        csv_bytes(
            good_row(1, status="吊销"),
            good_row(2, until="2020-01-01", issued="2010-01-01"),
            good_row(3) + ",扫描",
            header=HEADER + ",来源",
        ),
        mode=ISSUE,
    )
    assert job.status == LicenceImport.Status.REJECTED
    assert [p["message"] for p in job.problems] == [
        "第 2 行：状态：批量签发的证照状态应为有效",
        "第 3 行：有效期止：有效期已过，不能签发",
        "第 4 行：来源：批量签发的证照来源只能是“签发”",
    ]
    assert not Licence.objects.exists()
    with pytest.raises(ValidationFailed) as error:
        check(approver, csv_bytes(good_row(1)), mode="print")
    assert "mode" in error.value.fields


def test_the_page_issues_and_seals_every_licence_and_tells_the_holders(
    library, approver, client, django_capture_on_commit_callbacks
):
    client.force_login(approver)
    form = client.get(reverse("portal:licence_import")).content.decode()
    assert 'name="mode" value="issue"' in form and "批量签发并盖章" in form
    data = csv_bytes(good_row(1), good_row(2), zhangsan_row(library))
    upload = client.post(
        reverse("portal:licence_import"),
        {"department": "gaj", "type": ID_CARD, "mode": "issue", "file": SimpleUploadedFile("new.csv", data)},
    )
    job = LicenceImport.objects.get()
    assert upload.status_code == 303 and (job.mode, job.status) == (ISSUE, "checked")
    assert "确认签发" in client.get(upload["Location"]).content.decode()
    with django_capture_on_commit_callbacks(execute=True):  # Huey runs tasks at once in tests
        client.post(reverse("portal:licence_import_commit", args=[job.pk]))
    job.refresh_from_db()
    assert (job.status, job.rows_done, job.pdfs_done) == ("done", 3, 3)
    progress = client.get(reverse("portal:licence_import_progress", args=[job.pk])).json()
    assert (progress["mode"], progress["pdfs_done"], progress["pdf_percent"], progress["is_finished"]) == (
        "issue",
        3,
        100.0,
        True,
    )
    page = client.get(reverse("portal:licence_import_job", args=[job.pk])).content.decode()
    assert '<progress id="seal-progress" max="3" value="3"' in page
    assert "已签发盖章 3 / 3 份（100.0%）" in page

    for licence in Licence.objects.select_related("issuer"):
        assert (licence.origin, licence.status, licence.import_job_id) == ("issued", "valid", job.pk)
        with default_storage.open(licence.pdf_path, "rb") as stored:
            content = stored.read()
        assert hashlib.sha256(content).hexdigest() == licence.pdf_digest
        assert len(content) < 300 * 1024
        verified = pdf_verify(content)
        assert verified.valid and verified.licence_id == licence.licence_id
        assert verified.signer_code == library.departments["gaj"].credit_code
    assert LicenceEvent.objects.filter(kind=LicenceEvent.Kind.ISSUE).count() == 3
    zhangsan = Licence.objects.get(holder=library.citizen)
    told = Notification.objects.filter(recipient=library.citizen, link=f"/my/licences/{zhangsan.licence_id}")
    assert told.count() == 1 and "已签发" in told.get().title
    assert AuditEntry.objects.filter(action="licences.issue_batch").count() == 1
    assert sum(e.changes["sealed"] for e in AuditEntry.objects.filter(action="licences.bulk_seal")) == 3
    assert audit_verify().is_intact


def test_a_chunk_sealed_twice_counts_once_and_a_dead_sealing_job_resumes_the_rest(library, approver):
    job = check(approver, csv_bytes(*[good_row(index) for index in range(1, 6)]), mode=ISSUE, batch_size=2)
    imports.licence_import_commit(actor=approver, job_id=job.pk, enqueue=False)
    job = imports.licence_import_run(job_id=job.pk)  # the seal tasks of each batch are never queued here
    assert (job.status, job.rows_done, job.pdfs_done) == ("sealing", 5, 0)
    assert not job.file  # the file (personal data) is deleted once its rows are in
    first_two = bulk_issue.unsealed_of(job.pk)[:2]
    assert bulk_issue.licences_seal(job_id=job.pk, licence_pks=first_two) == 2
    assert bulk_issue.licences_seal(job_id=job.pk, licence_pks=first_two) == 0  # a retry: nothing twice
    job.refresh_from_db()
    assert (job.status, job.pdfs_done) == ("sealing", 2)
    assert not imports.can_resume(job)  # its workers may still be at it

    later = job.heartbeat_at + imports.STALE_AFTER + imports.dt.timedelta(seconds=1)
    assert imports.licence_import_progress(job, now=later)["can_resume"]
    imports.licence_import_resume(actor=approver, job_id=job.pk, enqueue=False, now=later)
    job.refresh_from_db()
    assert job.status == "sealing"
    assert len(bulk_issue.unsealed_of(job.pk)) == 3
    job = bulk_issue.seal_all(job_id=job.pk)
    assert (job.status, job.pdfs_done) == ("done", 5)
    assert not Licence.objects.filter(pdf_path="").exists()
    assert AuditEntry.objects.filter(action="licences.import_done", object_id=str(job.pk)).count() == 1


def test_the_command_issues_and_seals_with_its_progress(library, tmp_path, capsys):
    from django.core.management import call_command

    path = tmp_path / "new.csv"
    path.write_bytes(csv_bytes(good_row(1), good_row(2)))
    call_command("licences_import", str(path), "--type", ID_CARD, "--department", "gaj", "--issue", "--processes", "1")
    out = capsys.readouterr().out
    assert "盖章 / sealed 2 / 2" in out and "done, 2 / 2" in out
    assert Licence.objects.filter(origin="issued").exclude(pdf_path="").count() == 2
