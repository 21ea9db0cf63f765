"""Evidence of every exchange (交换存证) that nobody can rewrite: the `exchange` Merkle log.

Rules:
- Every exchange — a gateway lookup, a batch, a page of changes, a webhook delivery, a node-to-node
  call — appends one entry: who asked (node, consumer system, its department), for what (purpose, the
  case and the person's consent when personal data was fetched for a case), which resource, which
  fields, how many records, and the SHA-256 of the request and of the response. Never the data.
- The entry is written in the transaction of the exchange it records: an exchange is served only
  if its evidence is written. It is written *staged* (group commit): without its place in the log, so
  concurrent exchanges do not queue on the log's head. The sequencer (`evidence_sequence`) places the
  staged entries, oldest first, in batches under one lock of the head: a task queued at most once a
  second when an exchange commits (run inline where Huey is immediate), before every tree head is
  signed, and on demand by whoever needs an entry's place (a proof, an export, a peer's question).
  So an entry is in the log within about two seconds (like a certificate log's merge delay), its
  evidence id is final at once, and nothing reads a place that is not there yet.
- Leaves are the plain RFC 6962 leaf hash SHA-256(0x00 || canonical JSON of the entry), the canonical
  form being `entry_canonical` (sorted keys, no spaces, UTF-8, the leaf index included), so anyone
  holding an exported entry recomputes its leaf and checks it against the signed tree head with the
  inclusion proof — with any RFC 6962 implementation and none of govplus's code.
- Each append also stores the perfect subtrees it completes (`evidence_tree.py`), so proofs and past
  roots cost O(log n) reads; the signed tree heads (`tree_heads.py`) are what auditors and peer nodes
  check.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from govplus.core.merkle import Frontier
from govplus.core.shared_counters import flag_raise
from govplus.core.transparency import MerkleLog
from govplus.exchange.evidence_tree import nodes_store
from govplus.exchange.models import ExchangeEvidence

EVIDENCE_FIELDS = (
    "evidence_id",
    "occurred_at",
    "node",
    "consumer",
    "consumer_department",
    "operation",
    "resource_code",
    "purpose",
    "fields",
    "record_count",
    "request_hash",
    "response_hash",
    "case_number",
    "consent",
    "subject_hash",
)

_encode = json.JSONEncoder(sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode


def entry_canonical(leaf_index: int, values: Sequence[Any]) -> bytes:
    """The bytes an evidence leaf hashes: its fields (`EVIDENCE_FIELDS`) and its position, as JSON with
    sorted keys and no spaces, times in UTC ISO 8601 with microseconds (`...+00:00`)."""
    content: dict[str, Any] = dict(zip(EVIDENCE_FIELDS, values, strict=True))
    occurred_at = content["occurred_at"]
    if isinstance(occurred_at, datetime):
        content["occurred_at"] = occurred_at.astimezone(UTC).isoformat(timespec="microseconds")
    content["leaf_index"] = leaf_index
    return _encode(content).encode("utf-8")


class EvidenceLog(MerkleLog):
    """The exchange log: core's Merkle log that also stores the subtrees each append completes."""

    def _appended(self, before: Frontier, rows: list[Any]) -> None:
        """Under the head's lock, in the append's transaction: the subtrees these leaves complete (the
        head is read once per append, by core's `append`; the gateway appends on every call)."""
        nodes_store(before, [bytes.fromhex(row.leaf_hash) for row in rows])


EVIDENCE_LOG = EvidenceLog(
    name="exchange", leaf_model=ExchangeEvidence, fields=EVIDENCE_FIELDS, canonical=entry_canonical, keyed=False
)


def evidence_values(entry: ExchangeEvidence) -> tuple[Any, ...]:
    """The values of an entry its canonical form reads (`EVIDENCE_FIELDS`, in order)."""
    return tuple(getattr(entry, name) for name in EVIDENCE_FIELDS)


def evidence_canonical(entry: ExchangeEvidence) -> bytes:
    """The canonical bytes of a stored entry, whose RFC 6962 leaf hash is its `leaf_hash`."""
    return entry_canonical(leaf_position(entry), evidence_values(entry))


def body_hash(body: bytes | str | Any) -> str:
    """SHA-256 (hex) of a request or response body; a Python value is hashed as canonical JSON."""
    if isinstance(body, str):
        body = body.encode("utf-8")
    elif not isinstance(body, bytes):
        body = _encode(body).encode("utf-8")
    return hashlib.sha256(body).hexdigest()


def node_code() -> str:
    """This installation's node code (its region, e.g. 330521), as the evidence and its peers name it."""
    return str(settings.GOVPLUS_NODE_CODE or "local")


def evidence_record(
    *,
    consumer: str,
    consumer_department: str,
    operation: str,
    resource_code: str,
    purpose: str,
    fields: Sequence[str],
    record_count: int,
    request: bytes | str | Any,
    response: bytes | str | Any,
    case_number: str = "",
    consent: str = "",
    subject_hash: str = "",
    node: str = "",
) -> ExchangeEvidence:
    """Append the evidence of one exchange (inside the caller's transaction) and return it; its
    `evidence_id` is what the gateway answers with."""
    entry = ExchangeEvidence(
        evidence_id=str(uuid.uuid4()),
        occurred_at=timezone.now(),
        node=node or node_code(),
        consumer=consumer[:100],
        consumer_department=consumer_department[:32],
        operation=operation[:20],
        resource_code=resource_code[:40],
        purpose=purpose[:200],
        fields=sorted(set(fields)),
        record_count=record_count,
        request_hash=body_hash(request),
        response_hash=body_hash(response),
        case_number=case_number[:40],
        consent=consent[:100],
        subject_hash=subject_hash,
    )
    EVIDENCE_LOG.stage(entry)
    transaction.on_commit(_sequence_soon)
    return entry


SEQUENCE_DUE_KEY = "govplus:exchange:evidence-sequence-due"
SEQUENCE_DELAY_SECONDS = 1


def _sequence_soon() -> None:
    """After an exchange commits: place its entry within about two seconds. One sequencing task is
    queued per second at most (a key in the shared cache marks one as due); the task runs once the key
    has expired, so every entry committed while it was set is committed before the task looks. Where
    Huey runs tasks immediately (tests, one-process set-ups) the entry is placed now."""
    from huey.contrib.djhuey import HUEY

    if HUEY.immediate:
        evidence_sequence()
        return
    if flag_raise(SEQUENCE_DUE_KEY, SEQUENCE_DELAY_SECONDS):
        from govplus.exchange.tasks import sequence_exchange_evidence

        sequence_exchange_evidence.schedule(delay=SEQUENCE_DELAY_SECONDS)


def evidence_sequence() -> int:
    """Place every staged entry in the log (in batches); returns how many were placed."""
    placed = 0
    while True:
        count = EVIDENCE_LOG.sequence(evidence_values)
        placed += count
        if count == 0:
            return placed


def evidence_placed(entry: ExchangeEvidence) -> ExchangeEvidence:
    """The entry with its place in the log: placed now (with every entry staged before it) if it is
    still staged."""
    if entry.leaf_index is None:
        evidence_sequence()
        entry.refresh_from_db(fields=["leaf_index", "leaf_hash"])
    return entry


def leaf_position(entry: ExchangeEvidence) -> int:
    """The entry's leaf index, placing it first if it is still staged."""
    index = evidence_placed(entry).leaf_index
    if index is None:  # the sequencer places every committed staged entry; this one is not committed
        raise LookupError(f"evidence {entry.evidence_id} is not committed yet")
    return index
