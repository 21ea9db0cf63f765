"""The audit log (审计日志) of every write: an RFC 6962 Merkle log that database access cannot rewrite.

Each entry is a leaf of the `audit` log (`core/transparency.py`): its leaf hash is
HMAC-SHA256(GOVPLUS_AUDIT_KEY, 0x00 || canonical entry), the key living in the environment only;
tree heads (size, root, time) are signed with the platform's Ed25519 key every minute and every
GOVPLUS_AUDIT_STH_EVERY entries, and kept in the database and in a checkpoint file outside it.
`audit_verify` recomputes every leaf and the tree and names the first edited, removed, reordered or
inserted entry, or a truncated log — also when the attacker recomputed every stored hash, since
they do not hold the key and cannot sign a tree head. See docs/adr/0007-merkle-audit-log.md.
Personal data never enters an entry: callers pass field names and masked values only.

An append locks the log's head row, so appends are serialised; services call `audit_record` as the
last write of their transaction (or collect with `audit_batch`) to keep that lock short.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC
from typing import Any

from django.utils import timezone
from django.utils.ipv6 import clean_ipv6_address

from govplus.core.context import current_request
from govplus.core.merkle import leaf_hash
from govplus.core.models import AuditEntry
from govplus.core.transparency import LogVerification, MerkleLog, TreeHead, leaf_key


def _canonical(leaf_index: int, values: Sequence[Any]) -> bytes:
    """The bytes a leaf hashes: the entry's fields (in `AUDIT_FIELDS` order) and its position."""
    occurred_at, actor_id, actor_label, action, object_type, object_id, changes, ip_address, request_id = values
    content = {
        "leaf_index": leaf_index,
        "occurred_at": occurred_at.astimezone(UTC).isoformat(),
        "actor_id": actor_id,
        "actor_label": actor_label,
        "action": action,
        "object_type": object_type,
        "object_id": object_id,
        "changes": changes,
        "ip_address": ip_address,
        "request_id": request_id,
    }
    return _encode(content).encode("utf-8", "surrogatepass")


_encode = json.JSONEncoder(sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str).encode


AUDIT_FIELDS = (
    "occurred_at",
    "actor_id",
    "actor_label",
    "action",
    "object_type",
    "object_id",
    "changes",
    "ip_address",
    "request_id",
)


def _entry_values(entry: AuditEntry) -> tuple[Any, ...]:
    return tuple(getattr(entry, name) for name in AUDIT_FIELDS)


AUDIT_LOG = MerkleLog(name="audit", leaf_model=AuditEntry, fields=AUDIT_FIELDS, canonical=_canonical)


def entry_leaf_hash(entry: AuditEntry) -> str:
    """The keyed RFC 6962 leaf hash of a stored entry, hex (what `leaf_hash` must hold)."""
    return leaf_hash(key=leaf_key(), data=_canonical(entry.leaf_index, _entry_values(entry))).hex()


def _normalised_ip(address: str | None) -> str | None:
    """The form the database gives back (IPv6 compressed), so the leaf hash survives the round trip."""
    if address and ":" in address:
        try:
            return clean_ipv6_address(address)
        except Exception:
            return None
    return address or None


def _actor_label(actor: Any) -> str:
    if actor is None:
        return "system"
    return str(getattr(actor, "username", "") or getattr(actor, "pk", ""))


_batch: ContextVar[list[AuditEntry] | None] = ContextVar("govplus_audit_batch", default=None)


@contextmanager
def audit_batch() -> Iterator[None]:
    """Inside a transaction: collect the entries recorded in the block and append them to the log
    together when the block ends, so the log head (the one row every audited write locks) is held
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
        ip_address=_normalised_ip(facts.ip_address),
        request_id=facts.request_id,
    )
    pending = _batch.get()
    if pending is not None:
        pending.append(entry)
    else:
        _append([entry])
    return entry


def _append(entries: list[AuditEntry]) -> None:
    AUDIT_LOG.append(entries, _entry_values)


AuditVerification = LogVerification


def audit_verify(*, extra_heads: Sequence[TreeHead] = (), batch_size: int = 20_000) -> AuditVerification:
    """Recompute the whole audit log and check it against every signed tree head; O(entries) time."""
    result, _ = AUDIT_LOG.verify(extra_heads=extra_heads, batch_size=batch_size)
    return result


def changed_fields(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    """{"field": [old, new]} for the fields whose value differs."""
    return {key: [before.get(key), value] for key, value in after.items() if before.get(key) != value}
