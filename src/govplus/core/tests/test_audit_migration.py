"""The migration to the Merkle log keeps the entries written under the old hash chain verifiable."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from govplus.core.audit import audit_record, audit_verify

BEFORE = [("core", "0004_notification_text_en")]
AFTER = [("core", "0005_merkle_audit_log")]


def _old_chain_rows(model, count):
    previous = "0" * 64
    rows = []
    for number in range(count):
        row = model(
            occurred_at=datetime(2026, 11, 1, 8, number, tzinfo=UTC),
            actor_label="system",
            action="old.write",
            object_type="thing",
            object_id=str(number),
            changes={"n": number},
            request_id="",
        )
        content = {
            "occurred_at": row.occurred_at.isoformat(),
            "actor_id": None,
            "actor_label": row.actor_label,
            "action": row.action,
            "object_type": row.object_type,
            "object_id": row.object_id,
            "changes": row.changes,
            "ip_address": None,
            "request_id": "",
        }
        text = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
        row.previous_hash = previous
        row.entry_hash = previous = hashlib.sha256((previous + text).encode()).hexdigest()
        rows.append(row)
    model.objects.bulk_create(rows)
    return rows


def _executor():
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    return executor


@pytest.mark.django_db(transaction=True)
def test_old_chain_entries_become_leaves_and_a_broken_old_chain_stops_the_migration():
    """One test (migrating back and forth is slow): a broken chain refuses; an intact one migrates."""
    executor = _executor()
    executor.migrate(BEFORE)
    try:
        _old_chain_migrates(executor)
    finally:
        # the rest of the suite (on this worker's database) needs the latest schema back
        latest = _executor()
        latest.migrate(latest.loader.graph.leaf_nodes())


def _old_chain_migrates(executor):
    model = executor.loader.project_state(BEFORE).apps.get_model("core", "AuditEntry")
    rows = _old_chain_rows(model, 3)
    model.objects.filter(pk=rows[1].pk).update(changes={"n": 42})
    with pytest.raises(RuntimeError, match=f"#{rows[1].pk}"):
        _executor().migrate(AFTER)

    model.objects.all().delete()
    _old_chain_rows(model, 4)
    _executor().migrate(AFTER)
    result = audit_verify()
    assert result.is_intact and result.entries_checked == 4
    audit_record(actor=None, action="new.write", object_type="thing", object_id="5")
    assert audit_verify().entries_checked == 5
