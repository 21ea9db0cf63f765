"""The exchange evidence log: plain RFC 6962 leaves anyone can recompute, verified end to end."""

from __future__ import annotations

import hashlib
import json

from govplus.exchange.evidence import EVIDENCE_LOG, entry_canonical, evidence_placed, evidence_record
from govplus.exchange.models import ExchangeEvidence


def _record(n: int) -> ExchangeEvidence:
    return evidence_placed(
        evidence_record(
            consumer="demo-consumer",
            consumer_department="mzj",
            operation="lookup",
            resource_code="330521-GAJ-0001",
            purpose="低保审核",
            fields=["name", "id_number"],
            record_count=1,
            request={"key": f"K{n}"},
            response=b"{}",
        )
    )


def test_an_outsider_recomputes_each_leaf_from_the_entry_alone(db):
    entries = [_record(n) for n in range(3)]
    for entry in entries:
        exported = json.loads(entry_canonical(entry.leaf_index, [getattr(entry, f) for f in _fields()]))
        raw = json.dumps(exported, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()
        assert hashlib.sha256(b"\x00" + raw).hexdigest() == entry.leaf_hash
        assert f'"K{entry.leaf_index}"' not in raw.decode()  # the request itself is not kept, only its hash
        assert exported["request_hash"] == hashlib.sha256(f'{{"key":"K{entry.leaf_index}"}}'.encode()).hexdigest()
    result, _ = EVIDENCE_LOG.verify()
    assert result.is_intact and result.entries_checked == 3


def test_an_altered_entry_breaks_the_log(db):
    entries = [_record(n) for n in range(2)]
    ExchangeEvidence.objects.filter(pk=entries[0].pk).update(record_count=99)
    result, _ = EVIDENCE_LOG.verify()
    assert not result.is_intact and result.broken_entry_id == entries[0].pk


def _fields() -> tuple[str, ...]:
    from govplus.exchange.evidence import EVIDENCE_FIELDS

    return EVIDENCE_FIELDS
