"""Idempotency-Key handling for writes that must happen once (a double-clicked submit, a retry).

The first request with a key claims it with one `INSERT … ON CONFLICT DO NOTHING` and stores its response
in the same transaction as its effects; any repeat — concurrent or later — gets that stored response. On
PostgreSQL a concurrent repeat's INSERT waits on the unique index until the first transaction ends: if it
committed, the repeat replays its response; if it rolled back, the repeat's INSERT succeeds and the repeat
runs. On SQLite writers are serialised anyway. Reusing a key with a different body is an error (422).
Failed requests store nothing, so a client may fix its input and retry with the same key. An
IntegrityError raised by the work itself is the work's own error and is never retried here.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from govplus.core.errors import Conflict, ValidationFailed
from govplus.core.models import IdempotencyRecord

MAX_KEY_LENGTH = 200


def _claim(*, actor_id: int, scope: str, key: str, request_hash: str) -> int | None:
    """Insert the key's record; None when a record with this key exists already (committed)."""
    quote = connection.ops.quote_name
    table = quote(IdempotencyRecord._meta.db_table)
    columns = ", ".join(
        quote(name)
        for name in ("actor_id", "scope", "key", "request_hash", "response_status", "response_body", "created_at")
    )
    # Table and column names are quoted constants; every value is a bound parameter.
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({columns}) VALUES (%s, %s, %s, %s, 0, '{{}}', %s) "
            f"ON CONFLICT ({quote('actor_id')}, {quote('scope')}, {quote('key')}) DO NOTHING RETURNING {quote('id')}",
            [actor_id, scope, key, request_hash, timezone.now()],
        )
        row = cursor.fetchone()
    return None if row is None else int(row[0])


def run_once(
    *, actor: Any, scope: str, key: str, payload: Any, produce: Callable[[], tuple[int, dict[str, Any]]]
) -> tuple[int, dict[str, Any], bool]:
    """Returns (status, body, replayed)."""
    if len(key) > MAX_KEY_LENGTH:
        raise ValidationFailed({"Idempotency-Key": ["过长（最多200字符）/ longer than 200 characters"]})
    request_hash = hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()
    with transaction.atomic():
        record_id = _claim(actor_id=actor.pk, scope=scope, key=key, request_hash=request_hash)
        if record_id is None:
            record = IdempotencyRecord.objects.filter(actor=actor, scope=scope, key=key).first()
            if record is None:  # removed between the two statements (an expiry sweep): let the client retry
                raise Conflict("请求冲突，请重试", "conflicting requests; retry")
            if record.request_hash != request_hash:
                raise ValidationFailed(
                    {"Idempotency-Key": ["该键已用于内容不同的请求 / key reused with a different request"]}
                )
            return record.response_status, record.response_body, True
        status, body = produce()
        IdempotencyRecord.objects.filter(pk=record_id).update(response_status=status, response_body=body)
        return status, body, False
