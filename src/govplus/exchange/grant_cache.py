"""The gateway's memory of grants (授权缓存): what a consumer system may read of a resource, remembered
in the web process until anything that could change it changes.

Rule: a withdrawal, a new grant, an edited field, an unpublished resource or a disabled consumer
system takes effect on the very next call, in every process of every machine. Each process remembers
what the gateway found per (consumer system, resource, day), tagged with the *generation* it read from
the shared cache (Redis in production) at the start of the call. Every save or delete of a grant, a
resource, a resource field or a consumer system sets a new generation at once and again when its
transaction commits (a call that read the grant between the two remembers it under the first new
generation, which the second replaces). A call that finds another generation reads the grant again.
The day is part of the key, so a grant's first and last day are exact. Only granted answers are
remembered; a refusal is looked up every time. A change made past the platform (SQL by hand) is seen
within `REMEMBER_SECONDS`. Cost per call: one read of the shared cache instead of
the grant query.
"""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

from django.db import transaction

from govplus.core.shared_counters import generation_next, generation_read

GENERATION_KEY = "govplus:exchange:grants-generation"
_MAX_REMEMBERED = 10_000
REMEMBER_SECONDS = 60

_remembered: dict[tuple[int, str, dt.date], tuple[str, float, Any]] = {}


def grants_generation() -> str:
    """The current generation of grants ("0" before any change was seen); one read of the shared cache."""
    return str(generation_read(GENERATION_KEY))


def _new_generation() -> None:
    generation_next(GENERATION_KEY)


def grants_changed(**_signal: Any) -> None:
    """Receiver of the models' save and delete signals: a new generation now and once committed."""
    _new_generation()
    transaction.on_commit(_new_generation)


def allowed_remembered(key: tuple[int, str, dt.date], generation: str) -> Any | None:
    """What was found for `key` under this generation, or None."""
    found = _remembered.get(key)
    if found is None or found[0] != generation or found[1] < time.monotonic():
        return None
    return found[2]


def allowed_remember(key: tuple[int, str, dt.date], generation: str, value: Any) -> None:
    if len(_remembered) >= _MAX_REMEMBERED:
        _remembered.clear()
    _remembered[key] = (generation, time.monotonic() + REMEMBER_SECONDS, value)


def allowed_forget() -> None:
    """Forget everything remembered (tests)."""
    _remembered.clear()
