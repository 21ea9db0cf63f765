"""The gateway consumer systems call (共享交换网关): lookup by key, batch lookup, changes since a version.

Rules, checked on every call in this order:
1. **Rate** — each consumer system makes at most `rate_per_minute` calls per clock minute (a fixed
   window in the shared cache, Redis in production); one more is 429 with `Retry-After` (seconds to the
   next window). Refused calls count too: a system that hammers the gateway stays refused.
2. **Resource** — a published resource, found by its code; otherwise 404.
3. **Grant** — the system holds a grant on it in force today (not withdrawn, inside its period);
   otherwise 403 saying which. A withdrawal takes effect at once: the grant is remembered in the
   process only until any grant, resource, field or consumer system changes (`grant_cache`).
4. **Purpose and case** — every call names its purpose (`X-Purpose`, the reason of this call, e.g.
   社保待遇资格审核). A call made for a case names the case (`X-Case-Number`) and then must carry the
   person's consent reference (`X-Consent`), as 《个人信息保护法》 art. 13–14 ask of processing based
   on consent. A **single-person lookup** of a resource whose granted fields include personal
   information (`is_personal`) is always for a case: both headers are required. A batch or a page of
   changes serves a bulk use under the grant's own purpose and legal basis; the case headers are
   optional there (checked the same way when given).
5. **Fields** — only the granted fields are returned; a field of sensitivity 3 (敏感) is masked unless
   the grant lists it in `unmasked_fields`. Sensitivity 4 is never granted, so never returned.
6. **Evidence and metering** — every served call appends one entry to the exchange Merkle log
   (`evidence.evidence_record`) before the call is answered: consumer, its department, operation,
   resource, purpose, case, consent, the fields returned, how many records, SHA-256 of the request and
   of the response `data` — never the data. The entry is committed before the answer leaves (staged,
   placed in the log within seconds: `evidence.py`). A single-person lookup also stores the keyed hash of the
   key, so the person sees the lookup at 我的数据使用记录. The entries are the meter (`usage.py`).

Request hash: SHA-256 of the canonical JSON (sorted keys, no spaces, UTF-8) of
`{"operation", "resource", "purpose", "case_number", "consent"}` plus `key` (lookup), `keys` (batch, as
sent) or `since` and `limit` (changes). Response hash: SHA-256 of the canonical JSON of the answer's
`data` member. Either side recomputes both from what it sent and received.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from django.db import connection
from django.utils import timezone

from govplus.core.crypto import mask_id_number, mask_middle, mask_name, mask_phone
from govplus.core.errors import NotFound, PermissionDenied, RateLimited, ValidationFailed
from govplus.core.ratelimit import limit_hit, limit_key, limit_retry_after
from govplus.exchange.evidence import evidence_record
from govplus.exchange.grant_cache import allowed_remember, allowed_remembered, grants_generation
from govplus.exchange.models import ConsumerSystem, Grant, Resource, ResourceField
from govplus.exchange.records import (
    record_key,
    record_key_hash,
    record_values,
    records_changed_since,
    records_values_by_keys,
)

MAX_BATCH_KEYS = 1_000
MAX_CHANGES = 1_000
RATE_WINDOW_SECONDS = 60


@dataclass(frozen=True)
class CallPurpose:
    """What a call says about itself: its purpose, and for a case the case and the person's consent."""

    purpose: str
    case_number: str = ""
    consent: str = ""


def gateway_rate_check(*, consumer: ConsumerSystem) -> None:
    """Count one call of the consumer; 429 (`RateLimited`, with its Retry-After) past its rate."""
    key = limit_key(consumer.application.client_id)
    count = limit_hit(name="gateway", key=key, window=RATE_WINDOW_SECONDS)
    limit = int(consumer.rate_per_minute)
    if count > limit:
        wait = limit_retry_after(name="gateway", key=key, limit=limit, window=RATE_WINDOW_SECONDS)
        raise RateLimited(
            f"调用过于频繁：每分钟最多 {limit} 次",
            f"too many calls: at most {limit} a minute",
            retry_after=wait or 1,
        )


@dataclass(frozen=True)
class _Field:
    name: str
    sensitivity: int
    is_personal: bool


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str | bytes) else value


def _grant_in_force(consumer: ConsumerSystem, resource_code: str) -> tuple[int, str, str, list[Any]] | None:
    """(resource id, code, key field, [(grant fields, unmasked, field name, sensitivity, personal)…]) of
    the consumer's grant in force today on the published resource — the same grant `grant_active` picks
    (the longest-lasting) — with the resource's fields, in one plain statement: it runs on every call.
    None when the resource is unknown; the rows' grant columns are None when there is no grant."""
    day = timezone.localdate()
    with connection.cursor() as cursor:
        cursor.execute(_grant_sql(connection.vendor), [consumer.pk, day, day, resource_code, True])
        rows = cursor.fetchall()
    if not rows:
        return None
    return rows[0][0], rows[0][1], rows[0][2], [row[3:] for row in rows]


@cache
def _grant_sql(vendor: str) -> str:
    quote = connection.ops.quote_name
    resources, grants, fields = (quote(m._meta.db_table) for m in (Resource, Grant, ResourceField))
    return (
        f"SELECT r.id, r.code, r.key_field, g.id, g.fields, g.unmasked_fields, f.name, f.sensitivity, f.is_personal "
        f"FROM {resources} r "
        f"LEFT JOIN {grants} g ON g.id = (SELECT g2.id FROM {grants} g2 WHERE g2.resource_id = r.id "
        f"AND g2.consumer_id = %s AND g2.withdrawn_at IS NULL AND g2.valid_from <= %s AND g2.valid_until >= %s "
        f"ORDER BY g2.valid_until DESC, g2.id DESC LIMIT 1) "
        f"LEFT JOIN {fields} f ON f.resource_id = r.id "
        f"WHERE r.code = %s AND r.is_published = %s ORDER BY f.position, f.id"
    )


@dataclass(frozen=True)
class _Allowed:
    resource_id: int
    resource_code: str
    key_field: str
    fields: list[_Field]  # the granted fields, in the resource's order
    masked: frozenset[str]
    is_personal: bool


def _allowed(consumer: ConsumerSystem, resource_code: str) -> _Allowed:
    """What the consumer may read of the resource today; remembered in the process until a grant, a
    resource, a field or a consumer system changes anywhere (`grant_cache`)."""
    key = (consumer.pk, resource_code, timezone.localdate())
    generation = grants_generation()
    known = allowed_remembered(key, generation)
    if known is not None:
        return known  # type: ignore[no-any-return]
    allowed = _allowed_read(consumer, resource_code)
    allowed_remember(key, generation, allowed)
    return allowed


def _allowed_read(consumer: ConsumerSystem, resource_code: str) -> _Allowed:
    found = _grant_in_force(consumer, resource_code)
    if found is None:
        raise NotFound("没有这个数据资源", "no such resource")
    resource_id, code, key_field, rows = found
    if rows[0][0] is None:
        withdrawn = Grant.objects.filter(
            consumer=consumer, resource_id=resource_id, withdrawn_at__isnull=False
        ).exists()
        if withdrawn:
            raise PermissionDenied(
                f"对资源 {code} 的授权已被撤销，请重新申请",
                f"the grant on {code} was withdrawn; ask again",
                code="grant_withdrawn",
            )
        raise PermissionDenied(
            f"本系统没有资源 {code} 的有效授权（未申请、未批准或已过期）",
            f"this system holds no grant in force on {code} (never asked, not granted, or expired)",
            code="no_grant",
        )
    granted, unmasked = set(_json(rows[0][1])), set(_json(rows[0][2]) or [])
    fields = [
        _Field(name, int(sensitivity), bool(personal))
        for _grant_id, _fields, _unmasked, name, sensitivity, personal in rows
        if name in granted and int(sensitivity) < ResourceField.Sensitivity.SECRET
    ]
    masked = frozenset(
        f.name for f in fields if f.sensitivity == ResourceField.Sensitivity.SENSITIVE and f.name not in unmasked
    )
    return _Allowed(resource_id, code, key_field, fields, masked, any(f.is_personal for f in fields))


def _check_purpose(call: CallPurpose, *, case_required: bool) -> None:
    problems: dict[str, list[str]] = {}
    if not call.purpose.strip():
        problems["X-Purpose"] = ["必填：说明本次调用的用途 / required: the purpose of this call"]
    elif len(call.purpose) > 200:
        problems["X-Purpose"] = ["不超过 200 个字符 / at most 200 characters"]
    if len(call.case_number) > 40:
        problems["X-Case-Number"] = ["不超过 40 个字符 / at most 40 characters"]
    if len(call.consent) > 100:
        problems["X-Consent"] = ["不超过 100 个字符 / at most 100 characters"]
    if case_required and not call.case_number.strip():
        problems["X-Case-Number"] = ["查询个人信息须注明办件编号 / a lookup of personal data names the case it is for"]
    if (case_required or call.case_number.strip()) and not call.consent.strip():
        problems["X-Consent"] = [
            "为办件调取个人信息须注明本人授权（同意）编号 / personal data fetched for a case needs the "
            "person's consent reference"
        ]
    if problems:
        raise ValidationFailed(problems)


def mask_value(value: Any) -> Any:
    """A sensitive value as shown without an unmasking grant: an ID number 330521********1234, a mobile
    138****5678, a name 张*, other text with its middle starred; other values starred whole (a string)."""
    if value is None or value == "":
        return value
    text = str(value)
    if len(text) == 18 and text[:17].isdigit():
        return mask_id_number(text)
    if len(text) == 11 and text.isdigit() and text.startswith("1"):
        return mask_phone(text)
    if len(text) <= 4:
        return mask_name(text)
    return mask_middle(text, min(6, len(text) // 3), min(4, len(text) // 4))


def _values(allowed: _Allowed, values: dict[str, Any]) -> dict[str, Any]:
    shown: dict[str, Any] = {}
    for field in allowed.fields:
        if field.name in values:
            value = values[field.name]
            shown[field.name] = mask_value(value) if field.name in allowed.masked else value
    return shown


def _evidence(
    *,
    consumer: ConsumerSystem,
    allowed: _Allowed,
    operation: str,
    call: CallPurpose,
    record_count: int,
    request: dict[str, Any],
    data: Any,
    subject_hash: str = "",
) -> str:
    """Write the call's evidence before it is answered: one INSERT of the staged entry, committed on
    its own (autocommit; a single statement needs no BEGIN and COMMIT around it)."""
    entry = evidence_record(
        consumer=consumer.application.client_id,
        consumer_department=consumer.department.code,
        operation=operation,
        resource_code=allowed.resource_code,
        purpose=call.purpose,
        fields=[f.name for f in allowed.fields],
        record_count=record_count,
        request=request,
        response=data,
        case_number=call.case_number,
        consent=call.consent,
        subject_hash=subject_hash,
    )
    return entry.evidence_id


def call_request(operation: str, resource_code: str, call: CallPurpose, **more: Any) -> dict[str, Any]:
    """What a call's request hash is taken over (see the module's rules); a peer node forwarding a
    lookup builds the same, so both nodes' entries carry the same hash."""
    return {
        "operation": operation,
        "resource": resource_code,
        "purpose": call.purpose,
        "case_number": call.case_number,
        "consent": call.consent,
        **more,
    }


def gateway_lookup(*, consumer: ConsumerSystem, resource_code: str, key: str, call: CallPurpose) -> dict[str, Any]:
    """One record by its key: `{"evidence_id", "resource", "data": {"key", "version", "values"}}`. A key
    without a record is 404 — after its evidence is written (the consumer did learn that much)."""
    gateway_rate_check(consumer=consumer)
    allowed = _allowed(consumer, resource_code)
    _check_purpose(call, case_required=allowed.is_personal)
    found = records_values_by_keys(allowed.resource_id, [key]).get(key)
    data: dict[str, Any] | None = (
        {"key": key, "version": found[0], "values": _values(allowed, found[1])} if found else None
    )
    evidence_id = _evidence(
        consumer=consumer,
        allowed=allowed,
        operation="lookup",
        call=call,
        record_count=1 if found else 0,
        request=call_request("lookup", allowed.resource_code, call, key=key),
        data=data,
        subject_hash=record_key_hash(key) if allowed.is_personal else "",
    )
    if data is None:
        missing = NotFound("没有这个记录", "no record with this key", code="no_record")
        missing.headers = {"X-Evidence-Id": evidence_id}  # type: ignore[attr-defined]
        raise missing
    return {"evidence_id": evidence_id, "resource": allowed.resource_code, "data": data}


def gateway_batch(
    *, consumer: ConsumerSystem, resource_code: str, keys: Sequence[str], call: CallPurpose
) -> dict[str, Any]:
    """Up to `MAX_BATCH_KEYS` records in one call: `{"evidence_id", "resource", "data": {"records":
    [{"key", "version", "values"}], "missing": [keys without a record]}}`, in the order asked."""
    gateway_rate_check(consumer=consumer)
    if not keys:
        raise ValidationFailed({"keys": ["请至少给出一个主键 / give at least one key"]})
    if len(keys) > MAX_BATCH_KEYS:
        raise ValidationFailed(
            {"keys": [f"一次最多 {MAX_BATCH_KEYS} 个主键，收到 {len(keys)} 个 / at most {MAX_BATCH_KEYS} keys a call"]}
        )
    allowed = _allowed(consumer, resource_code)
    _check_purpose(call, case_required=False)
    wanted = list(dict.fromkeys(str(key) for key in keys))
    found = records_values_by_keys(allowed.resource_id, wanted)
    records = [
        {"key": key, "version": found[key][0], "values": _values(allowed, found[key][1])}
        for key in wanted
        if key in found
    ]
    data = {"records": records, "missing": [key for key in wanted if key not in found]}
    evidence_id = _evidence(
        consumer=consumer,
        allowed=allowed,
        operation="batch",
        call=call,
        record_count=len(records),
        request=call_request("batch", allowed.resource_code, call, keys=list(keys)),
        data=data,
    )
    return {"evidence_id": evidence_id, "resource": allowed.resource_code, "data": data}


def gateway_changes(
    *, consumer: ConsumerSystem, resource_code: str, since: int, limit: int, call: CallPurpose
) -> dict[str, Any]:
    """The records changed after version `since`, oldest first, at most `limit` (≤ `MAX_CHANGES`):
    `{"evidence_id", "resource", "data": {"records": [{"key", "version", "deleted", "values"}],
    "next_since", "has_more"}}`. A deleted record comes as a tombstone (`deleted` true, `values` null);
    the consumer stores `next_since` and asks from it next time, missing no change."""
    gateway_rate_check(consumer=consumer)
    problems: dict[str, list[str]] = {}
    if since < 0:
        problems["since"] = ["不能为负数 / must not be negative"]
    if not 1 <= limit <= MAX_CHANGES:
        problems["limit"] = [f"应在 1 到 {MAX_CHANGES} 之间 / must be between 1 and {MAX_CHANGES}"]
    if problems:
        raise ValidationFailed(problems)
    allowed = _allowed(consumer, resource_code)
    _check_purpose(call, case_required=False)
    rows = records_changed_since(Resource(pk=allowed.resource_id), since, limit=limit + 1)
    has_more = len(rows) > limit
    rows = rows[:limit]
    key_field = allowed.key_field
    records: list[dict[str, Any]] = []
    for row in rows:
        if row.is_deleted:
            records.append({"key": record_key(row, key_field), "version": row.version, "deleted": True, "values": None})
        else:
            values = record_values(row)
            key = values.get(key_field)
            records.append(
                {
                    "key": None if key is None else str(key),
                    "version": row.version,
                    "deleted": False,
                    "values": _values(allowed, values),
                }
            )
    data = {"records": records, "next_since": rows[-1].version if rows else since, "has_more": has_more}
    evidence_id = _evidence(
        consumer=consumer,
        allowed=allowed,
        operation="changes",
        call=call,
        record_count=len(records),
        request=call_request("changes", allowed.resource_code, call, since=since, limit=limit),
        data=data,
    )
    return {"evidence_id": evidence_id, "resource": allowed.resource_code, "data": data}
