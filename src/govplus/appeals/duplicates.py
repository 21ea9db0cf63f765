"""Duplicates (重复诉求): a new appeal about an open one — the same matter, the same place, close in
time — is linked to it, and the citizen is told.

Rules:
- Candidates: appeals not yet answered (待分办, 已分办, 已签收), filed within `WINDOW_DAYS`, of the same
  first-level category when the new one has a category, and at the same place — the same street or grid
  when a region is given, otherwise the same address text when one is given; at most `CANDIDATES`
  newest. An appeal with neither region nor address is compared with none (no place, no duplicate).
- Similarity: the Jaccard index of the character bigrams of the two texts (title and body, without
  spaces and punctuation). The most similar candidate at or above `THRESHOLD` is the one linked; an
  appeal already linked passes the link on to its original.
- Linking changes nothing else: the new appeal is routed and answered as any other, and staff can
  merge it into the original (it closes, answered by the original's answer) or split it off again.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

from django.db.models import Q
from django.utils import timezone

from govplus.appeals.models import Appeal, Category
from govplus.appeals.taxonomy import first_level_of
from govplus.identity.models import Region

WINDOW_DAYS = 30
CANDIDATES = 300
THRESHOLD = 0.45
OPEN = (Appeal.Status.DISPATCHING, Appeal.Status.ASSIGNED, Appeal.Status.SIGNED)


@lru_cache(maxsize=4096)
def bigrams(text: str) -> frozenset[str]:
    letters = "".join(ch for ch in text if ch.isalnum())
    return frozenset(letters[i : i + 2] for i in range(len(letters) - 1))


def similarity(first: str, second: str) -> float:
    a, b = bigrams(first), bigrams(second)
    if not a or not b:
        return 0.0
    return len(a & b) / len(a | b)


def duplicate_find(
    *, title: str, body: str, category: Category | None, region: Region | None, address: str
) -> tuple[Appeal, float] | None:
    """The open appeal the new one repeats, with its similarity (see the module's rules), or None."""
    if region is None and not address.strip():
        return None
    since = timezone.now() - dt.timedelta(days=WINDOW_DAYS)
    rows = Appeal.objects.filter(status__in=OPEN, submitted_at__gte=since, merged=False)
    rows = rows.filter(region=region) if region is not None else rows.filter(address=address.strip())
    if category is not None:
        first = first_level_of(category)
        rows = rows.filter(Q(category=first) | Q(category__parent=first) | Q(category__parent__parent=first))
    text = f"{title} {body}"
    best: tuple[Appeal, float] | None = None
    for candidate in rows.only("id", "number", "title", "body", "duplicate_of_id").order_by("-submitted_at")[
        :CANDIDATES
    ]:
        score = similarity(text, f"{candidate.title} {candidate.body}")
        if score >= THRESHOLD and (best is None or score > best[1]):
            best = (candidate, score)
    if best is not None and best[0].duplicate_of_id is not None:
        original = Appeal.objects.filter(pk=best[0].duplicate_of_id).first()
        if original is not None:
            return original, best[1]
    return best
