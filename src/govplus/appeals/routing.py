"""Routing (分办): the category of an appeal and the department that answers it, with a confidence and
the words that decided it.

Rules:
- The active classifier (`ClassifierModel`, trained by `govplus appeals train`) names a first-level
  category with a confidence in [0, 1] and the words that pushed it there.
- A hint (the citizen's or the partner's chosen category) that agrees with the classifier's first level
  refines it: the hint's more precise category is kept. A hint that disagrees sends the appeal to the
  dispatcher with the classifier's category as the suggestion (the hint stays on the appeal beside
  it). Without any classifier, a hint is taken as it is; without either, the dispatcher decides.
- Only a confident routing names the department; otherwise the department the category would go to is
  the dispatcher's suggestion (`category_department`), and the appeal belongs to nobody until 分办.
- Confident means: a category, a department for it (`taxonomy.category_department`), and a
  confidence of at least GOVPLUS_APPEALS_ROUTING_THRESHOLD. Anything else goes to the dispatcher's
  queue (待分办), whose decisions become training data.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from django.conf import settings

from govplus.appeals.models import Category, ClassifierModel
from govplus.appeals.taxonomy import category_department, first_level_of, first_levels_by_name
from govplus.identity.models import Department


@dataclass(frozen=True)
class Routing:
    category: Category | None
    department: Department | None
    confidence: float
    words: tuple[str, ...]
    is_confident: bool
    source: str  # "model", "hint" or "" (nothing decided)


_loaded: dict[int, Any] = {}


_checked: list[float] = [0.0, -1.0]  # (until when, the active model's id then)
CHECK_SECONDS = 30


def active_classifier() -> Any | None:
    """The active trained model (a `text_model.TextModel`), loaded once per process; which one is
    active is asked again every `CHECK_SECONDS` (a newly activated model is used everywhere within
    half a minute; in this process at once, as training forgets the answer); None if none."""
    now = time.monotonic()
    if _checked[0] < now:
        _checked[0], _checked[1] = now + CHECK_SECONDS, -1.0
        _checked[1] = ClassifierModel.objects.filter(is_active=True).values_list("pk", flat=True).first() or 0
    found = int(_checked[1]) or None
    if found is None:
        return None
    if found not in _loaded:
        from govplus.appeals.text_model import TextModel

        _loaded.clear()
        row = ClassifierModel.objects.get(pk=found)
        _loaded[found] = TextModel.from_bytes(bytes(row.model))
    return _loaded[found]


def classifier_forget() -> None:
    """Ask again which model is active at the next appeal (after training, in tests)."""
    _checked[0] = 0.0


def appeal_route(*, title: str, body: str, hint: Category | None) -> Routing:
    """Route one appeal (see the module's rules)."""
    threshold = float(settings.GOVPLUS_APPEALS_ROUTING_THRESHOLD)
    model = active_classifier()
    category: Category | None = hint
    confidence = 1.0 if hint is not None else 0.0
    words: tuple[str, ...] = ()
    agrees = True
    if model is not None:
        decided = model.classify([f"{title} {body}"])[0]
        predicted = first_levels_by_name().get(decided.label)
        confidence, words = float(decided.confidence), tuple(decided.words)
        if hint is None:
            category = predicted
        else:
            agrees = predicted is not None and first_level_of(hint).pk == predicted.pk
            if not agrees and predicted is not None:
                category = predicted  # the suggestion; the hint is kept beside it
    department = category_department(category) if category is not None else None
    confident = category is not None and department is not None and agrees and confidence >= threshold
    source = "" if category is None else ("hint" if category == hint else "model")
    return Routing(category, department if confident else None, round(confidence, 4), words, confident, source)
