"""The hash-chained, append-only audit log (审计日志) of every write.

Each entry stores sha256(previous entry's hash + the entry's canonical content). Changing an entry
breaks its own hash; removing one breaks the next entry's link; removing the newest ones disagrees with
the chain head, which counts entries and holds the last hash. `audit_verify` walks the chain and names
the first broken entry. Personal data never enters an entry: callers pass field names and masked
values only.

An append locks the chain head row, so appends are serialised; services call `audit_record` as the
last write of their transaction to keep that lock short.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from govplus.core.context import current_request
from govplus.core.models import AuditChainHead, AuditEntry

GENESIS_HASH = "0" * 64


def _canonical(entry: AuditEntry) -> str:
    content = {
        "occurred_at": entry.occurred_at.isoformat(),
        "actor_id": entry.actor_id,
        "actor_label": entry.actor_label,
        "action": entry.action,
        "object_type": entry.object_type,
        "object_id": entry.object_id,
        "changes": entry.changes,
        "ip_address": entry.ip_address,
        "request_id": entry.request_id,
    }
    return json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)


def entry_digest(previous_hash: str, entry: AuditEntry) -> str:
    return hashlib.sha256((previous_hash + _canonical(entry)).encode()).hexdigest()


def _actor_label(actor: Any) -> str:
    if actor is None:
        return "system"
    return str(getattr(actor, "username", "") or getattr(actor, "pk", ""))


_batch: ContextVar[list[AuditEntry] | None] = ContextVar("govplus_audit_batch", default=None)


@contextmanager
def audit_batch() -> Iterator[None]:
    """Inside a transaction: collect the entries recorded in the block and append them to the chain
    together when the block ends, so the chain head (the one row every audited write locks) is held
    from the end of the block to the commit only, not from the first audited write of a long
    transaction. Use it around work whose every failure aborts the whole transaction (the entries of
    an inner savepoint rolled back and recovered from would otherwise still be appended)."""
    token = _batch.set([])
    try:
        yield
        entries = _batch.get() or []
    finally:
        _batch.reset(token)
    _append(entries)


def audit_record(
    *,
    actor: Any,
    action: str,
    object_type: str,
    object_id: object = "",
    changes: dict[str, Any] | None = None,
) -> AuditEntry:
    """Append one entry. Must run inside the caller's transaction (the entry commits with the write)."""
    facts = current_request.get()
    entry = AuditEntry(
        occurred_at=timezone.now(),
        actor=actor if getattr(actor, "pk", None) else None,
        actor_label=_actor_label(actor),
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        changes=json.loads(json.dumps(changes or {}, ensure_ascii=False, default=str)),
        ip_address=facts.ip_address,
        request_id=facts.request_id,
    )
    pending = _batch.get()
    if pending is not None:
        pending.append(entry)
    else:
        _append([entry])
    return entry


def _append(entries: list[AuditEntry]) -> None:
    if not entries:
        return
    with transaction.atomic(savepoint=False):
        head, _ = AuditChainHead.objects.select_for_update().get_or_create(pk=1)
        previous = head.last_hash
        for entry in entries:
            entry.previous_hash = previous
            entry.entry_hash = previous = entry_digest(previous, entry)
        AuditEntry.objects.bulk_create(entries)
        head.last_entry_id = entries[-1].pk
        head.last_hash = previous
        head.entry_count += len(entries)
        head.save(update_fields=["last_entry_id", "last_hash", "entry_count"])


@dataclass(frozen=True)
class AuditVerification:
    is_intact: bool
    entries_checked: int
    problem: str = ""
    broken_entry_id: int | None = None


def audit_verify(*, batch_size: int = 5000) -> AuditVerification:
    """Walk the whole chain in id order, in batches; O(entries) time, O(batch) memory."""
    expected_previous = GENESIS_HASH
    checked = 0
    last_id = 0
    while True:
        batch = list(AuditEntry.objects.filter(id__gt=last_id).order_by("id")[:batch_size])
        if not batch:
            break
        for entry in batch:
            if entry.previous_hash != expected_previous:
                return AuditVerification(
                    False,
                    checked,
                    "链断裂：前一条记录被删除或改动 / broken link: an entry before it was removed or altered",
                    entry.pk,
                )
            if entry_digest(entry.previous_hash, entry) != entry.entry_hash:
                return AuditVerification(False, checked, "内容被改动 / content altered", entry.pk)
            expected_previous = entry.entry_hash
            checked += 1
            last_id = entry.pk
    head = AuditChainHead.objects.filter(pk=1).first()
    head_hash = head.last_hash if head else GENESIS_HASH
    head_count = head.entry_count if head else 0
    if head_hash != expected_previous or head_count != checked:
        return AuditVerification(
            False,
            checked,
            f"链尾不符：应有 {head_count} 条，实有 {checked} 条 / chain head disagrees: expected {head_count} "
            f"entries, found {checked}",
            head.last_entry_id if head else None,
        )
    return AuditVerification(True, checked)


def changed_fields(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    """{"field": [old, new]} for the fields whose value differs."""
    return {key: [before.get(key), value] for key, value in after.items() if before.get(key) != value}
