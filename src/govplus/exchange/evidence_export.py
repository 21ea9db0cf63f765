"""Evidence exports (存证导出): what an auditor takes away and checks offline, and who may see an entry.

Rules:
- An entry is seen by the staff of the consumer's department and of the resource's provider
  department, and by auditors (superuser, platform administrator, supervisor 监察员); to anyone else
  it does not exist (404). An entry holds no personal data (hashes, codes, counts, purpose), so seeing
  it reveals none.
- An export is one exchange (`evidence_id`) or a period (`period_from`..`period_to`, local days, both
  included; optionally one resource or one consumer system). It is asked for by a data officer
  (department administrator, data officer) — and then holds only their departments' exchanges — or by
  an auditor, or from the command line (`govplus exchange_evidence_export`, actor None: everything).
- The document (format `govplus-exchange-evidence-v1`) carries the node, the signed tree head (a JWS
  by the platform's OIDC key), the public keys that verify it (the JWKS, and where to fetch it
  independently), and for each entry its canonical JSON, leaf index, leaf hash and inclusion proof
  against that head: `docs/verifier/verify_exchange_evidence.py` checks it with Python's standard
  library alone (docs/exchange.md "Evidence"). Every export is audited (`exchange.evidence_export`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from govplus.core.audit import audit_record
from govplus.core.errors import NotFound, PermissionDenied, ValidationFailed
from govplus.exchange.evidence import evidence_canonical, evidence_placed, evidence_sequence, leaf_position, node_code
from govplus.exchange.evidence_tree import inclusion_proofs
from govplus.exchange.models import ExchangeEvidence, Resource
from govplus.exchange.node_keys import node_jwks
from govplus.exchange.selectors import DATA_ROLES
from govplus.exchange.tree_heads import jwks_uri, tree_head_covering, tree_head_payload
from govplus.identity.selectors import is_platform_admin, staff_assignments, user_has_role

EXPORT_FORMAT = "govplus-exchange-evidence-v1"
EXPORT_MAX_ENTRIES = 100_000
HASHING = "RFC 6962 SHA-256: leaf = SHA-256(0x00 || canonical UTF-8), node = SHA-256(0x01 || left || right)"


def is_evidence_auditor(actor: Any) -> bool:
    """Superusers, platform administrators and supervisors see every exchange's evidence."""
    return is_platform_admin(user=actor) or user_has_role(user=actor, roles={"supervisor"})


def _scope(actor: Any, *, data_roles_only: bool) -> Q | None:
    """The entries of the actor's departments (either side), or None: every entry."""
    if actor is None or is_evidence_auditor(actor):
        return None
    assignments = [a for a in staff_assignments(user=actor) if not data_roles_only or a.role in DATA_ROLES]
    codes = sorted({a.department_code for a in assignments})
    provided = Resource.objects.filter(provider_id__in={a.department_id for a in assignments}).values("code")
    return Q(consumer_department__in=codes) | Q(resource_code__in=provided)


def may_export_evidence(actor: Any) -> bool:
    """Data officers (of their departments' exchanges), auditors and the command line (actor None)."""
    if actor is None or is_evidence_auditor(actor):
        return True
    return any(a.role in DATA_ROLES for a in staff_assignments(user=actor))


def evidence_exportable(*, actor: Any, limit: int = 50) -> list[ExchangeEvidence]:
    """The newest entries the actor may export (the same scope as `evidence_export`), newest first."""
    if not may_export_evidence(actor):
        return []
    rows = ExchangeEvidence.objects.all()
    scope = _scope(actor, data_roles_only=True)
    if scope is not None:
        rows = rows.filter(scope)
    return list(rows.order_by("-leaf_index")[:limit])


def export_file_name(
    *, evidence_id: str = "", period_from: dt.date | None = None, period_to: dt.date | None = None
) -> str:
    """`exchange-evidence-<evidence id>.json` or `exchange-evidence-<from>_<to>.json`."""
    return f"exchange-evidence-{evidence_id or f'{period_from}_{period_to}'}.json"


def export_content(document: dict[str, Any]) -> bytes:
    """The export as the file an auditor keeps (UTF-8 JSON, Chinese as written)."""
    return json.dumps(document, ensure_ascii=False, indent=1).encode("utf-8")


def evidence_visible_to(*, actor: Any, evidence_id: str) -> ExchangeEvidence:
    """One entry, if the actor is staff of either side or an auditor; NotFound otherwise."""
    rows = ExchangeEvidence.objects.filter(evidence_id=evidence_id)
    scope = _scope(actor, data_roles_only=False)
    found = (rows if scope is None else rows.filter(scope)).first()
    if found is None:
        raise NotFound("没有这条交换存证 / no such evidence entry")
    return evidence_placed(found)


def _selection(
    *,
    evidence_id: str,
    period_from: dt.date | None,
    period_to: dt.date | None,
    resource_code: str,
    consumer: str,
) -> QuerySet[ExchangeEvidence]:
    if evidence_id:
        return ExchangeEvidence.objects.filter(evidence_id=evidence_id)
    problems: dict[str, list[str]] = {}
    if period_from is None:
        problems["from"] = ["须给出开始日期或存证编号 / give a start date, or an evidence_id"]
    if period_to is None:
        problems["to"] = ["须给出结束日期或存证编号 / give an end date, or an evidence_id"]
    if period_from and period_to and period_to < period_from:
        problems["to"] = ["结束日期早于开始日期 / the end date is before the start date"]
    if problems:
        raise ValidationFailed(problems)
    assert period_from is not None and period_to is not None
    zone = timezone.get_current_timezone()
    start = dt.datetime.combine(period_from, dt.time.min, tzinfo=zone)
    end = dt.datetime.combine(period_to + dt.timedelta(days=1), dt.time.min, tzinfo=zone)
    rows = ExchangeEvidence.objects.filter(occurred_at__gte=start, occurred_at__lt=end)
    if resource_code:
        rows = rows.filter(resource_code=resource_code)
    if consumer:
        rows = rows.filter(consumer=consumer)
    return rows


def evidence_export(
    *,
    actor: Any,
    evidence_id: str = "",
    period_from: dt.date | None = None,
    period_to: dt.date | None = None,
    resource_code: str = "",
    consumer: str = "",
) -> dict[str, Any]:
    """The evidence document of one exchange or a period (see the module's rules); audited.

    PermissionDenied for staff who are neither a data officer nor an auditor; NotFound when nothing
    the actor may see was selected; ValidationFailed naming `from`/`to` for a bad period or one of
    more than EXPORT_MAX_ENTRIES entries."""
    if not may_export_evidence(actor):
        raise PermissionDenied(
            "仅数据管理员、平台管理员和监察员可以导出交换存证。",
            "Only data officers, platform administrators and supervisors may export exchange evidence.",
        )
    rows = _selection(
        evidence_id=evidence_id,
        period_from=period_from,
        period_to=period_to,
        resource_code=resource_code,
        consumer=consumer,
    )
    scope = _scope(actor, data_roles_only=True)
    if scope is not None:
        rows = rows.filter(scope)
    evidence_sequence()  # staged entries of the period get their place first (one staged since waits)
    entries = list(rows.filter(leaf_index__isnull=False).order_by("leaf_index")[: EXPORT_MAX_ENTRIES + 1])
    if len(entries) > EXPORT_MAX_ENTRIES:
        raise ValidationFailed(
            {
                "to": [
                    f"超过 {EXPORT_MAX_ENTRIES} 条，请缩短时段 / "
                    f"more than {EXPORT_MAX_ENTRIES} entries: shorten the period"
                ]
            }
        )
    if not entries:
        raise NotFound("没有符合条件的交换存证 / no evidence entry matches")
    positions = [leaf_position(entry) for entry in entries]
    head = tree_head_covering(positions[-1])
    proofs = inclusion_proofs(positions, head.tree_size)
    selection = {
        "evidence_id": evidence_id or None,
        "from": period_from.isoformat() if period_from and not evidence_id else None,
        "to": period_to.isoformat() if period_to and not evidence_id else None,
        "resource": resource_code or None,
        "consumer": consumer or None,
    }
    document = {
        "format": EXPORT_FORMAT,
        "node": node_code(),
        "exported_at": timezone.now().astimezone(dt.UTC).isoformat(timespec="seconds"),
        "selection": selection,
        "hashing": HASHING,
        "jwks_uri": jwks_uri(),
        "jwks": node_jwks(),
        "tree_head": {**tree_head_payload(head), "kid": head.kid, "jws": head.jws},
        "entries": [_entry_out(entry, proofs[index]) for entry, index in zip(entries, positions, strict=True)],
    }
    with transaction.atomic():
        audit_record(
            actor=actor,
            action="exchange.evidence_export",
            object_type="exchange_evidence",
            object_id=evidence_id or f"{selection['from']}..{selection['to']}",
            changes={
                "entries": len(entries),
                "tree_size": head.tree_size,
                "resource": resource_code,
                "consumer": consumer,
            },
        )
    return document


def _entry_out(entry: ExchangeEvidence, proof: list[bytes]) -> dict[str, Any]:
    canonical = evidence_canonical(entry)
    return {
        "evidence_id": entry.evidence_id,
        "leaf_index": entry.leaf_index,
        "canonical": canonical.decode("utf-8"),
        "leaf_hash": hashlib.sha256(b"\x00" + canonical).hexdigest(),
        "inclusion_proof": [node.hex() for node in proof],
    }
