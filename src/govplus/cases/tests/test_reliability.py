"""Reliability under concurrency and failure, on committed data (real threads, real connections).

- a double-clicked (or retried 50 times at once) submit with one Idempotency-Key creates one case;
- two clerks pressing "受理" at the same moment: one wins, the other is told 409;
- a database failure in the middle of a submit leaves no half case and an intact audit chain;
- tampering with the audit log is found by `manage.py audit verify`.
"""

from __future__ import annotations

import base64
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import OperationalError, connection, connections
from django.test import Client

from govplus.cases.models import Application, CaseEvent, CaseTask
from govplus.cases.services import application_create, application_submit, material_upload_bytes
from govplus.core.audit import audit_verify
from govplus.core.models import AuditEntry, IdempotencyRecord
from govplus.testing.factories import PDF

API = "/api/v1"


def application_body(county: Any, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "service_code": county.standard_item.code,
        "form": {"reason": "有效期满", "phone": "13800138000"},
        "submit": True,
        "materials": [{"material_code": "M01", "filename": "id.pdf", "content_base64": base64.b64encode(PDF).decode()}],
    }
    body.update(overrides)
    return body


def run_in_threads(count: int, work: Callable[[int], Any]) -> list[Any]:
    """Run work(i) in `count` threads, each with its own DB connection; re-raise the first failure."""
    results: list[Any] = [None] * count
    errors: list[BaseException] = []

    def target(index: int) -> None:
        try:
            results[index] = work(index)
        except BaseException as error:  # collected and re-raised in the test's thread
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=target, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a request hung"
    if errors:
        raise errors[0]
    return results


@contextmanager
def fail_inserts_into(table: str) -> Iterator[list[str]]:
    """Make this connection raise OperationalError when SQL inserts into `table` (a dying database)."""
    seen: list[str] = []

    def wrapper(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        if sql.lstrip().upper().startswith("INSERT") and f'"{table}"' in sql:
            seen.append(sql)
            raise OperationalError(f"simulated failure writing {table}")
        return execute(sql, params, many, context)

    with connection.execute_wrapper(wrapper):
        yield seen


def test_fifty_concurrent_retries_with_one_idempotency_key_create_one_application(county_tx):
    body = application_body(county_tx)
    barrier = threading.Barrier(50, timeout=60)

    def submit(_index: int) -> tuple[int, dict[str, Any]]:
        client = Client()
        client.force_login(county_tx.citizen)
        barrier.wait()
        response = client.post(
            f"{API}/applications",
            body,
            content_type="application/json",
            headers={"Idempotency-Key": "double-click-7f3a"},
        )
        return response.status_code, response.json()

    results = run_in_threads(50, submit)
    assert [status for status, _ in results] == [201] * 50, [r for r in results if r[0] != 201][:3]
    receipts = {answer["receipt_no"] for _, answer in results}
    assert len(receipts) == 1
    assert {answer["status"] for _, answer in results} == {"submitted"}
    (receipt_no,) = receipts
    assert Application.objects.count() == 1
    application = Application.objects.get()
    assert application.receipt_no == receipt_no
    assert CaseTask.objects.filter(application=application).count() == 1
    assert CaseEvent.objects.filter(application=application, kind="submitted").count() == 1
    assert AuditEntry.objects.filter(object_id=receipt_no, action="cases.application_submit").count() == 1
    assert IdempotencyRecord.objects.count() == 1
    assert audit_verify().is_intact

    client = Client()
    client.force_login(county_tx.citizen)
    changed = application_body(county_tx, form={"reason": "证件损坏", "phone": "13800138000"})
    reused = client.post(
        f"{API}/applications",
        changed,
        content_type="application/json",
        headers={"Idempotency-Key": "double-click-7f3a"},
    )
    assert reused.status_code == 422
    assert "Idempotency-Key" in reused.json()["fields"]
    assert Application.objects.count() == 1


def test_two_clerks_completing_one_task_at_once_one_wins_one_gets_409(county_tx):
    application = county_tx.submitted_application()
    task = county_tx.open_task(application)
    version_before = Application.objects.get(pk=application.pk).version
    clerks = [county_tx.staff["clerk"], county_tx.staff["clerk2"]]
    clients = []
    for clerk in clerks:
        client = Client()
        client.force_login(clerk)
        clients.append(client)
    barrier = threading.Barrier(2, timeout=30)

    def complete(index: int) -> tuple[int, dict[str, Any]]:
        barrier.wait()
        response = clients[index].post(
            f"{API}/tasks/{task.pk}/complete", {"action": "accept"}, content_type="application/json"
        )
        return response.status_code, response.json()

    results = run_in_threads(2, complete)
    assert sorted(status for status, _ in results) == [200, 409], results
    winner = next(answer for status, answer in results if status == 200)
    loser = next(answer for status, answer in results if status == 409)
    assert winner["status"] == "in_progress"
    assert loser["code"] == "conflict" and loser["message"]

    application.refresh_from_db()
    assert application.status == Application.Status.IN_PROGRESS
    assert application.version == version_before + 1
    done = CaseTask.objects.get(pk=task.pk)
    assert done.status == CaseTask.Status.COMPLETED
    assert done.completed_by in clerks
    assert CaseTask.objects.filter(application=application, step="review").count() == 1
    assert CaseEvent.objects.filter(application=application, kind="accept").count() == 1
    completions = AuditEntry.objects.filter(object_id=application.receipt_no, action="cases.task_accept")
    assert completions.count() == 1
    assert completions.get().actor == done.completed_by
    assert audit_verify().is_intact


def test_a_crash_while_writing_tasks_leaves_the_draft_untouched(county_tx):
    citizen = county_tx.citizen
    draft = application_create(
        actor=citizen,
        service_code=county_tx.standard_item.code,
        form={"reason": "有效期满", "phone": "13800138000"},
    )
    material_upload_bytes(actor=citizen, receipt_no=draft.receipt_no, material_code="M01", name="id.pdf", content=PDF)
    audit_before = AuditEntry.objects.count()
    notifications_before = citizen.notifications.count()

    with fail_inserts_into("cases_casetask") as failed, pytest.raises(OperationalError):
        application_submit(actor=citizen, receipt_no=draft.receipt_no)
    assert failed, "the fault fired while the tasks were written"

    draft.refresh_from_db()
    assert draft.status == Application.Status.DRAFT
    assert draft.submitted_at is None and draft.workflow_state == "" and draft.due_date is None
    assert not CaseTask.objects.filter(application=draft).exists()
    assert not CaseEvent.objects.filter(application=draft).exists()
    assert AuditEntry.objects.count() == audit_before
    assert citizen.notifications.count() == notifications_before
    assert audit_verify().is_intact

    submitted = application_submit(actor=citizen, receipt_no=draft.receipt_no)  # the database is back
    assert submitted.status == Application.Status.SUBMITTED
    assert CaseTask.objects.filter(application=draft).count() == 1
    assert audit_verify().is_intact


def _stored_files() -> list[Path]:
    return [path for path in Path(settings.MEDIA_ROOT).rglob("*") if path.is_file()]


def test_a_crash_during_an_api_submit_then_a_retry_with_the_same_key_succeeds_once(county_tx):
    client = Client(raise_request_exception=False)
    client.force_login(county_tx.citizen)
    body = application_body(county_tx)
    headers = {"Idempotency-Key": "retry-after-crash"}
    audit_before = AuditEntry.objects.count()

    with fail_inserts_into("cases_casetask") as failed:
        crashed = client.post(f"{API}/applications", body, content_type="application/json", headers=headers)
    assert failed
    assert crashed.status_code == 500
    assert not Application.objects.exists()
    assert not CaseTask.objects.exists() and not CaseEvent.objects.exists()
    assert not IdempotencyRecord.objects.exists(), "a failed request must not pin its key to a failure"
    assert AuditEntry.objects.count() == audit_before
    assert audit_verify().is_intact
    assert _stored_files() == [], "the uploaded file of the rolled-back case was left behind"

    retried = client.post(f"{API}/applications", body, content_type="application/json", headers=headers)
    assert retried.status_code == 201, retried.content
    assert retried.json()["status"] == "submitted"
    replayed = client.post(f"{API}/applications", body, content_type="application/json", headers=headers)
    assert replayed.status_code == 201
    assert replayed.json() == retried.json()
    assert Application.objects.count() == 1
    assert Application.objects.get().receipt_no == retried.json()["receipt_no"]
    assert CaseTask.objects.count() == 1
    assert audit_verify().is_intact
    assert len(_stored_files()) == 1


# --- the audit chain ------------------------------------------------------------------------------------


def _audit_rows(county: Any) -> list[int]:
    county.submitted_application()
    ids = list(AuditEntry.objects.order_by("id").values_list("id", flat=True))
    assert len(ids) >= 5
    call_command("audit", "verify")  # intact before anyone touches it
    return ids


def _verify_fails_at(entry_id: int) -> str:
    with pytest.raises(CommandError) as broken:
        call_command("audit", "verify")
    message = str(broken.value)
    assert f"#{entry_id}" in message, message
    return message


def test_audit_verify_detects_an_altered_entry(county):
    ids = _audit_rows(county)
    target = ids[len(ids) // 2]
    cast = "CAST(%s AS jsonb)" if connection.vendor == "postgresql" else "%s"
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE core_auditentry SET changes = {cast} WHERE id = %s",
            ['{"status": ["draft", "concluded"]}', target],
        )
    assert "内容被改动" in _verify_fails_at(target)
    assert audit_verify().broken_entry_id == target


def test_audit_verify_detects_a_removed_middle_entry(county):
    ids = _audit_rows(county)
    middle = len(ids) // 2
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM core_auditentry WHERE id = %s", [ids[middle]])
    assert "链断裂" in _verify_fails_at(ids[middle + 1])  # the entry after the gap no longer links


def test_audit_verify_detects_a_removed_last_entry(county):
    ids = _audit_rows(county)
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM core_auditentry WHERE id = %s", [ids[-1]])
    assert "链尾不符" in _verify_fails_at(ids[-1])
