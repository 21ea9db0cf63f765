"""Idempotency-Key handling for writes that must happen once (a double-clicked submit, a retry).

The first request with a key runs and its response is stored in the same transaction as its effects;
any repeat — concurrent or later — gets that stored response. On PostgreSQL a concurrent repeat waits
on the unique index until the first commits, then replays; on SQLite writers are serialised anyway.
Reusing a key with a different body is an error (422). Failed requests store nothing, so a client may
fix its input and retry with the same key.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Any

from django.db import IntegrityError, transaction

from govplus.core.errors import ValidationFailed
from govplus.core.models import IdempotencyRecord

MAX_KEY_LENGTH = 200


def run_once(
    *, actor: Any, scope: str, key: str, payload: Any, produce: Callable[[], tuple[int, dict[str, Any]]]
) -> tuple[int, dict[str, Any], bool]:
    """Returns (status, body, replayed)."""
    if len(key) > MAX_KEY_LENGTH:
        raise ValidationFailed({"Idempotency-Key": ["过长（最多200字符）/ longer than 200 characters"]})
    request_hash = hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()
    for _attempt in range(20):
        try:
            with transaction.atomic():
                record = IdempotencyRecord.objects.filter(actor=actor, scope=scope, key=key).first()
                if record is not None:
                    if record.request_hash != request_hash:
                        raise ValidationFailed(
                            {"Idempotency-Key": ["该键已用于内容不同的请求 / key reused with a different request"]}
                        )
                    return record.response_status, record.response_body, True
                record = IdempotencyRecord.objects.create(actor=actor, scope=scope, key=key, request_hash=request_hash)
                status, body = produce()
                record.response_status, record.response_body = status, body
                record.save(update_fields=["response_status", "response_body"])
                return status, body, False
        except IntegrityError:
            continue  # a concurrent request with this key committed first: replay it
    raise ValidationFailed({"Idempotency-Key": ["请求冲突，请重试 / conflicting requests; retry"]})
