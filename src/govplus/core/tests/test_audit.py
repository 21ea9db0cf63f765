"""The audit chain: every write leaves an entry, and tampering of any kind is found."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from govplus.core.audit import audit_record, audit_verify
from govplus.core.models import AuditEntry
from govplus.core.tests.journeys import (
    NOT_WRITE_SERVICES,
    WRITE_SERVICES,
    Person,
    every_stored_value,
    personal_data_journey,
    public_functions,
)


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
    """Every public function of every services module (and of cases' actions and ratings) is either a
    write service, run here once, or named as not one with the reason; each run leaves its audit entry
    naming the actor, and the chain still verifies."""
    functions = public_functions()
    unaccounted = sorted(set(functions) - set(WRITE_SERVICES) - set(NOT_WRITE_SERVICES))
    assert not unaccounted, (
        f"public service functions this test does not run (add them to WRITE_SERVICES): {unaccounted}"
    )
    assert not sorted(set(WRITE_SERVICES) - set(functions)), "WRITE_SERVICES names functions that do not exist"
    for name, (run, action, actor_of) in WRITE_SERVICES.items():
        latest = AuditEntry.objects.order_by("-id").values_list("id", flat=True).first() or 0
        run(county)
        entries = AuditEntry.objects.filter(id__gt=latest, action=action)
        assert entries.exists(), f"{name} left no {action} audit entry"
        assert entries.filter(actor=actor_of(county)).exists(), f"{name}: the {action} entry names another actor"
    assert audit_verify().is_intact


def test_personal_data_never_enters_the_audit_log(county):
    """A whole case (registration, application with a material, supplement, decision, bad rating,
    rectification) leaves audit entries that hold none of the people's personal data."""
    person = Person()
    application = personal_data_journey(county, person)
    assert application.status == "concluded"
    entries = AuditEntry.objects.filter(object_id=application.receipt_no)
    assert {"cases.application_supplement", "cases.rating_submit", "cases.task_conclude"} <= set(
        entries.values_list("action", flat=True)
    )
    audit_log = every_stored_value()["core_auditentry"]
    for value in [*person.secrets(), county.citizen.citizen_profile.id_number, "13800138000"]:
        assert value not in audit_log
