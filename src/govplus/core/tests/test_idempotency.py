"""Idempotency keys: one claim per key, replay for repeats, and the work's own errors left alone."""

from __future__ import annotations

import pytest
from django.db import IntegrityError

from govplus.core.errors import ValidationFailed
from govplus.core.idempotency import run_once
from govplus.core.models import IdempotencyRecord


def test_a_repeat_replays_the_first_response_without_running_again(county):
    runs: list[int] = []

    def produce():
        runs.append(1)
        return 201, {"receipt_no": "R-1"}

    first = run_once(actor=county.citizen, scope="t", key="k1", payload={"a": 1}, produce=produce)
    again = run_once(actor=county.citizen, scope="t", key="k1", payload={"a": 1}, produce=produce)
    assert first == (201, {"receipt_no": "R-1"}, False)
    assert again == (201, {"receipt_no": "R-1"}, True)
    assert len(runs) == 1
    assert IdempotencyRecord.objects.get(key="k1").response_status == 201


def test_the_same_key_with_another_body_is_refused_naming_the_header(county):
    run_once(actor=county.citizen, scope="t", key="k2", payload={"a": 1}, produce=lambda: (201, {}))
    with pytest.raises(ValidationFailed) as refused:
        run_once(actor=county.citizen, scope="t", key="k2", payload={"a": 2}, produce=lambda: (201, {}))
    assert "Idempotency-Key" in refused.value.fields


def test_an_integrity_error_of_the_work_itself_is_not_retried(county):
    """Before: any IntegrityError was taken for a concurrent claim and the work ran 20 times."""
    runs: list[int] = []

    def produce():
        runs.append(1)
        raise IntegrityError("UNIQUE constraint failed: something of the work's own")

    with pytest.raises(IntegrityError):
        run_once(actor=county.citizen, scope="t", key="k3", payload={}, produce=produce)
    assert len(runs) == 1
    assert not IdempotencyRecord.objects.filter(key="k3").exists(), "a failed request pins nothing"
