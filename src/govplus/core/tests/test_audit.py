"""The audit chain: every write leaves an entry, and tampering of any kind is found."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from govplus.core.audit import audit_record, audit_verify
from govplus.core.models import AuditEntry


@pytest.fixture
def chain(db):
    for number in range(5):
        audit_record(actor=None, action="test.write", object_type="thing", object_id=number, changes={"n": number})
    return list(AuditEntry.objects.order_by("id"))


def test_an_untouched_chain_verifies(chain, capsys):
    assert audit_verify().is_intact
    call_command("audit", "verify")
    assert "5 entries" in capsys.readouterr().out


def test_a_changed_entry_is_found(chain):
    with connection.cursor() as cursor:
        cursor.execute("UPDATE core_auditentry SET changes = %s WHERE id = %s", ['{"n": 99}', chain[2].pk])
    result = audit_verify()
    assert not result.is_intact
    assert result.broken_entry_id == chain[2].pk
    with pytest.raises(CommandError, match=f"#{chain[2].pk}"):
        call_command("audit", "verify")


def test_a_removed_entry_is_found(chain):
    AuditEntry.objects.filter(pk=chain[1].pk).delete()
    result = audit_verify()
    assert not result.is_intact
    assert result.broken_entry_id == chain[2].pk


def test_removing_the_newest_entry_is_found(chain):
    AuditEntry.objects.filter(pk=chain[-1].pk).delete()
    assert not audit_verify().is_intact


def test_every_service_write_is_audited(county):
    before = AuditEntry.objects.count()
    application = county.submitted_application()
    actions = list(AuditEntry.objects.filter(id__gt=0).order_by("-id").values_list("action", flat=True)[:3])
    assert AuditEntry.objects.count() - before == 3  # create, upload, submit
    assert "cases.application_submit" in actions
    entry = AuditEntry.objects.filter(object_id=application.receipt_no, action="cases.application_submit").get()
    assert entry.actor == county.citizen


def test_personal_data_never_enters_the_audit_log(county):
    profile = county.citizen.citizen_profile
    text = " ".join(str(entry.changes) for entry in AuditEntry.objects.all())
    assert profile.id_number not in text
    assert "13800138000" not in text
