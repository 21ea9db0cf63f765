"""The audit log: every write leaves an entry, and tampering of any kind is found."""

from __future__ import annotations

import json

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection

from govplus.core.audit import AUDIT_FIELDS, AUDIT_LOG, _canonical, audit_record, audit_verify
from govplus.core.merkle import Frontier, leaf_hash
from govplus.core.models import AuditEntry, MerkleLogHead, SignedTreeHead
from govplus.core.tests.journeys import (
    NOT_WRITE_SERVICES,
    WRITE_SERVICES,
    Person,
    every_stored_value,
    personal_data_journey,
    public_functions,
)
from govplus.core.transparency import TreeHead


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


# --- the Merkle log attacked as someone with write access to the database would ---------------
# The attacker runs the project's own code (canonical form, RFC 6962 hashing) but holds neither the
# leaf key (GOVPLUS_AUDIT_KEY, in the environment) nor the Ed25519 signing key.

GUESSED_KEY = b"attacker-does-not-know-the-real-key"


def _record(count, start=0):
    for number in range(start, start + count):
        audit_record(actor=None, action="test.write", object_type="thing", object_id=number, changes={"n": number})


def _sign():
    row = AUDIT_LOG.sign_tree_head()
    assert row is not None
    return row


def _attacker_rehashes(key=GUESSED_KEY):
    """Recompute every stored leaf hash with `key` and fix the log head, as an attacker would."""
    frontier = Frontier()
    last_id = 0
    for entry in AuditEntry.objects.order_by("leaf_index"):
        digest = leaf_hash(key=key, data=_canonical(entry.leaf_index, [getattr(entry, f) for f in AUDIT_FIELDS]))
        AuditEntry.objects.filter(pk=entry.pk).update(leaf_hash=digest.hex())
        frontier.append(digest)
        last_id = entry.pk
    _attacker_fixes_head(frontier, last_id)


def _attacker_fixes_head(frontier=None, last_id=None):
    if frontier is None:
        frontier = Frontier()
        for value in AuditEntry.objects.order_by("leaf_index").values_list("leaf_hash", flat=True):
            frontier.append(bytes.fromhex(value))
        last_id = AuditEntry.objects.order_by("-leaf_index").values_list("id", flat=True).first() or 0
    MerkleLogHead.objects.filter(log_name="audit").update(
        tree_size=frontier.size, frontier=frontier.to_hex(), last_leaf_id=last_id, signed_size=frontier.size
    )


def _verify_fails(*args):
    with pytest.raises(CommandError) as broken:
        call_command("audit", "verify", *args)
    return str(broken.value)


@pytest.fixture
def signed_log(db):
    """Ten entries, a tree head signed at 6 and one at 10 (in the database and the checkpoint file)."""
    _record(6)
    _sign()
    _record(4, start=6)
    _sign()
    return list(AuditEntry.objects.order_by("leaf_index"))


def test_a_signed_log_verifies_and_its_heads_reach_the_checkpoint_file(signed_log, capsys):
    assert audit_verify().is_intact
    call_command("audit", "verify")
    out = capsys.readouterr().out
    assert "审计日志完整 / audit log intact: 10 entries" in out
    lines = AUDIT_LOG.checkpoint_path().read_text().splitlines()
    assert [json.loads(line)["tree_size"] for line in lines] == [6, 10]
    assert SignedTreeHead.objects.filter(log_name="audit").count() == 2


def test_the_key_is_not_in_the_database(signed_log):
    key = settings.GOVPLUS_AUDIT_KEY
    assert len(key) >= 32
    dumped = json.dumps(
        [list(model.objects.values()) for model in (AuditEntry, MerkleLogHead, SignedTreeHead)], default=str
    )
    assert key not in dumped
    assert settings.GOVPLUS_AUDIT_SIGNING_KEY.split("\n")[1] not in dumped


def test_an_edit_with_every_hash_recomputed_is_found(signed_log):
    target = signed_log[3]
    AuditEntry.objects.filter(pk=target.pk).update(changes={"n": 99}, actor_label="someone else")
    _attacker_rehashes()
    SignedTreeHead.objects.all().delete()  # and hide the signed heads the database held
    result = audit_verify()
    assert not result.is_intact
    assert result.broken_entry_id == signed_log[0].pk  # every rehashed leaf is wrong; the first is named
    message = _verify_fails()
    assert "内容被改动" in message and "content altered" in message


def test_an_insider_with_the_leaf_key_is_still_caught_by_the_signed_heads(signed_log):
    """Even with the leaf key stolen, the tree no longer has the root that was signed."""
    target = signed_log[3]
    AuditEntry.objects.filter(pk=target.pk).update(changes={"n": 99})
    _attacker_rehashes(key=settings.GOVPLUS_AUDIT_KEY.encode())
    message = _verify_fails()
    assert f"#{signed_log[5].pk}" in message and "tree head signed in database" in message
    SignedTreeHead.objects.all().delete()
    message = _verify_fails()
    assert "audit-checkpoints" in message and "do not match the tree head" in message


def test_deleting_the_newest_entries_and_fixing_the_head_is_found(signed_log):
    AuditEntry.objects.filter(leaf_index__gte=7).delete()
    _attacker_fixes_head()
    SignedTreeHead.objects.filter(tree_size=10).delete()
    result = audit_verify()
    assert not result.is_intact and result.entries_checked == 7
    message = _verify_fails()
    assert "链尾不符" in message and "log truncated" in message and "covers 10 entries, the log holds 7" in message


def test_truncating_the_log_is_found_by_a_witness_even_without_the_checkpoint_file(signed_log, tmp_path):
    witness = tmp_path / "city-node.jsonl"
    witness.write_text(AUDIT_LOG.checkpoint_path().read_text())
    AuditEntry.objects.filter(leaf_index__gte=2).delete()
    _attacker_fixes_head()
    SignedTreeHead.objects.all().delete()
    AUDIT_LOG.checkpoint_path().unlink()  # the attacker reached the platform's file too
    assert audit_verify().is_intact  # what is left is consistent in itself...
    message = _verify_fails("--checkpoint", str(witness))  # ...but not with what the witness saw
    assert "log truncated" in message and "city-node.jsonl" in message


def test_a_reordered_log_is_found(signed_log):
    first, second = signed_log[2], signed_log[4]
    # swap the two entries' positions (index and stored hash) — the content stays where it was
    AuditEntry.objects.filter(pk=first.pk).update(leaf_index=-1)
    AuditEntry.objects.filter(pk=second.pk).update(leaf_index=first.leaf_index, leaf_hash=first.leaf_hash)
    AuditEntry.objects.filter(pk=first.pk).update(leaf_index=second.leaf_index, leaf_hash=second.leaf_hash)
    result = audit_verify()
    assert not result.is_intact and result.broken_entry_id == second.pk  # now at position 2
    assert "leaf hash does not match" in result.problem  # the position is part of what a leaf hashes


def test_swapped_contents_are_found(signed_log):
    first, second = signed_log[2], signed_log[4]
    for entry, other in ((first, second), (second, first)):
        AuditEntry.objects.filter(pk=entry.pk).update(
            object_id=other.object_id, changes=other.changes, occurred_at=other.occurred_at
        )
    result = audit_verify()
    assert not result.is_intact and result.broken_entry_id == first.pk
    assert "内容被改动" in result.problem


def test_an_inserted_entry_is_found(signed_log):
    # in the middle: shift the later entries up by one and slip a forged one in at index 5
    for entry in reversed(signed_log[5:]):
        AuditEntry.objects.filter(pk=entry.pk).update(leaf_index=entry.leaf_index + 1)
    forged = AuditEntry(
        occurred_at=signed_log[4].occurred_at,
        actor_label="system",
        action="test.write",
        object_type="thing",
        object_id="forged",
        changes={},
        leaf_index=5,
    )
    forged.leaf_hash = leaf_hash(key=GUESSED_KEY, data=_canonical(5, [getattr(forged, f) for f in AUDIT_FIELDS])).hex()
    forged.save()
    _attacker_fixes_head()
    result = audit_verify()
    assert not result.is_intact
    assert result.broken_entry_id in {forged.pk, signed_log[5].pk}
    assert f"#{result.broken_entry_id}" in _verify_fails()


def test_an_entry_appended_by_the_attacker_is_found(signed_log):
    forged = AuditEntry(occurred_at=signed_log[-1].occurred_at, action="x", object_type="y", leaf_index=10)
    forged.leaf_hash = leaf_hash(key=GUESSED_KEY, data=_canonical(10, [getattr(forged, f) for f in AUDIT_FIELDS])).hex()
    forged.save()
    _attacker_fixes_head()
    assert audit_verify().broken_entry_id == forged.pk


def test_a_forged_tree_head_is_refused(signed_log):
    SignedTreeHead.objects.create(
        log_name="audit", tree_size=7, root_hash="00" * 32, timestamp_ms=1, key_id="x", signature="AAAA"
    )
    message = _verify_fails()
    assert "树头签名无效" in message and "signature invalid" in message


def test_tree_heads_are_signed_every_n_entries(db, settings, django_capture_on_commit_callbacks):
    settings.GOVPLUS_AUDIT_STH_EVERY = 4
    with django_capture_on_commit_callbacks(execute=True):
        _record(9)
    sizes = list(SignedTreeHead.objects.order_by("tree_size").values_list("tree_size", flat=True))
    assert sizes == [4, 8]
    lines = AUDIT_LOG.checkpoint_path().read_text().splitlines()
    assert [json.loads(line)["tree_size"] for line in lines] == [4, 8]
    assert all(TreeHead.from_json_line(line, source="file").signature_is_valid() for line in lines)


def test_the_minute_task_signs_only_when_the_log_grew(db):
    from govplus.core.tasks import sign_audit_tree_head

    sign_audit_tree_head.call_local()
    assert not SignedTreeHead.objects.exists()  # empty log: nothing to sign
    _record(3)
    sign_audit_tree_head.call_local()
    sign_audit_tree_head.call_local()
    assert list(SignedTreeHead.objects.values_list("tree_size", flat=True)) == [3]


def test_a_witness_checkpoint_is_proven_consistent(signed_log, tmp_path, capsys):
    witness = tmp_path / "witness.jsonl"
    witness.write_text(AUDIT_LOG.checkpoint_path().read_text())
    _record(7, start=10)
    call_command("audit", "verify", "--checkpoint", str(witness))
    out = capsys.readouterr().out
    assert "一致性已证明 / consistent: size 6 → 17" in out
    assert "一致性已证明 / consistent: size 10 → 17" in out


def test_a_witness_checkpoint_of_another_history_fails(signed_log, tmp_path):
    """A head signed by us for a tree the log no longer extends (the first entries were rewritten
    with the stolen leaf key and every head the platform kept was removed)."""
    witness = tmp_path / "witness.jsonl"
    witness.write_text(AUDIT_LOG.checkpoint_path().read_text())
    AuditEntry.objects.filter(pk=signed_log[1].pk).update(changes={"n": -1})
    _attacker_rehashes(key=settings.GOVPLUS_AUDIT_KEY.encode())
    SignedTreeHead.objects.all().delete()
    AUDIT_LOG.checkpoint_path().unlink()
    message = _verify_fails("--checkpoint", str(witness))
    assert "witness.jsonl" in message


def test_an_unreadable_witness_file_is_a_clear_error(db, tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text("not json\n")
    assert "cannot read checkpoint file" in _verify_fails("--checkpoint", str(bad))
    assert "cannot read checkpoint file" in _verify_fails("--checkpoint", str(tmp_path / "missing.jsonl"))


def test_a_mangled_log_head_is_reported_not_a_crash(signed_log):
    MerkleLogHead.objects.filter(log_name="audit").update(frontier=["00"])
    message = _verify_fails()
    assert "链尾不符" in message and "log head disagrees" in message
