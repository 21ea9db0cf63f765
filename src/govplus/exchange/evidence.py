"""Evidence of every exchange (交换存证) that nobody can rewrite: the `exchange` Merkle log.

Rules:
- Every exchange — a gateway lookup, a batch, a page of changes, a webhook delivery, a node-to-node
  call — appends one entry: who asked (node, consumer system, its department), for what (purpose, the
  case and the person's consent when personal data was fetched for a case), which resource, which
  fields, how many records, and the SHA-256 of the request and of the response. Never the data.
- The entry is appended in the transaction of the exchange it records: an exchange is served only
  if its evidence is written.
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
from django.utils import timezone

from govplus.core.merkle import Frontier
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
    return entry_canonical(entry.leaf_index, evidence_values(entry))


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
    EVIDENCE_LOG.append([entry], evidence_values)
    return entry
