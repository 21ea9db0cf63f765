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
import re
from functools import lru_cache

from django.utils import timezone

from govplus.appeals.models import Appeal, Category
from govplus.appeals.taxonomy import categories_by_code, first_level_of
from govplus.identity.models import Region

WINDOW_DAYS = 30
CANDIDATES = 300
THRESHOLD = 0.45
OPEN = (Appeal.Status.DISPATCHING, Appeal.Status.ASSIGNED, Appeal.Status.SIGNED)


_NOT_LETTERS = re.compile(r"[\W_]+")


@lru_cache(maxsize=8192)  # the newest open appeals of a place are compared again and again
def bigrams(text: str) -> frozenset[str]:
    letters = _NOT_LETTERS.sub("", text)
    return frozenset(map(letters.__getitem__, map(slice, range(len(letters) - 1), range(2, len(letters) + 1))))


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
        prefix = first_level_of(category).code  # a category's code starts with its first level's
        rows = rows.filter(
            category_id__in=[c.pk for code, c in categories_by_code().items() if code.startswith(prefix)]
        )
    text = f"{title} {body}"
    best: tuple[int, int | None, float] | None = None
    candidates = rows.order_by("-submitted_at").values_list("id", "duplicate_of_id", "title", "body")[:CANDIDATES]
    for pk, original_id, other_title, other_body in candidates:  # plain tuples: no model per candidate
        score = similarity(text, f"{other_title} {other_body}")
        if score >= THRESHOLD and (best is None or score > best[2]):
            best = (pk, original_id, score)
    if best is None:
        return None
    found = Appeal.objects.filter(pk=best[1] or best[0]).first()  # an appeal already linked passes it on
    return (found, best[2]) if found is not None else None
