"""Training the category classifier (模型训练) from the platform's own labelled appeals.

Rules:
- Labels are first-level categories of appeals whose category a person settled: a dispatcher's choice
  (`category_source` "dispatcher"), imported history ("history"), or a staff member's answer to an
  appeal the citizen had classified ("hint", once answered). The classifier's own guesses never train
  it. Extra labelled rows (a CSV of the government's history) may be added.
- A fixed slice is held out: the labelled appeals whose number's SHA-256 falls in the lowest
  `HELD_OUT_SHARE` (so the slice stays the same from one training to the next, and a correction moves
  no appeal in or out of it); extra rows are held out the same way by their text.
- A new model replaces the active one only if its macro-F1 on the held-out slice is higher than the
  active one's on the same slice (both recorded); otherwise it is kept, inactive, with its figures.
  Training needs at least `MIN_PER_CLASS` labelled appeals in each of two categories.
- Audited (counts and figures, never the texts).
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any

from django.db import transaction
from sklearn.metrics import accuracy_score, f1_score

from govplus.appeals.models import Appeal, ClassifierModel
from govplus.appeals.routing import active_classifier, classifier_forget
from govplus.appeals.taxonomy import first_level_of
from govplus.appeals.text_model import TextModel, train_text_model
from govplus.core.audit import audit_record
from govplus.core.errors import ValidationFailed

HELD_OUT_SHARE = 0.2
MIN_PER_CLASS = 5
LABEL_SOURCES = ("dispatcher", "history")


def _held_out(key: str) -> bool:
    return int(hashlib.sha256(key.encode("utf-8")).hexdigest()[:8], 16) / 0xFFFFFFFF < HELD_OUT_SHARE


def labelled_appeals() -> list[tuple[str, str, str]]:
    """(key, text, first-level label) of every appeal a person classified (see the module's rules)."""
    rows = (
        Appeal.objects.filter(category__isnull=False)
        .filter(category_source__in=LABEL_SOURCES)
        .select_related("category", "category__parent", "category__parent__parent")
    )
    answered_hints = Appeal.objects.filter(
        category__isnull=False, category_source="hint", status__in=(Appeal.Status.REPLIED, Appeal.Status.CLOSED)
    ).select_related("category", "category__parent", "category__parent__parent")
    out = []
    for appeal in [*rows, *answered_hints]:
        assert appeal.category is not None
        out.append((appeal.number, f"{appeal.title} {appeal.body}", first_level_of(appeal.category).name))
    return out


def _figures(model: TextModel, rows: Sequence[tuple[str, str]]) -> dict[str, Any]:
    texts, labels = [t for t, _ in rows], [label for _, label in rows]
    predicted = [c.label for c in model.classify(texts)]
    names = sorted(set(labels))
    per_class = f1_score(labels, predicted, labels=names, average=None, zero_division=0)
    return {
        "macro_f1": round(float(f1_score(labels, predicted, labels=names, average="macro", zero_division=0)), 4),
        "accuracy": round(float(accuracy_score(labels, predicted)), 4),
        "per_class": {name: round(float(score), 4) for name, score in zip(names, per_class, strict=True)},
    }


def model_train(*, actor: Any, extra: Iterable[tuple[str, str]] = (), note: str = "") -> ClassifierModel:
    """Train on the labelled appeals (and `extra` (text, label) rows), judge on the held-out slice,
    and activate the new model only if it beats the active one there (see the module's rules)."""
    rows = [(key, text, label) for key, text, label in labelled_appeals()]
    rows += [(text, text, label) for text, label in extra]
    train = [(text, label) for key, text, label in rows if not _held_out(key)]
    held = [(text, label) for key, text, label in rows if _held_out(key)]
    counts = Counter(label for _, label in train)
    if sum(1 for n in counts.values() if n >= MIN_PER_CLASS) < 2 or not held:
        raise ValidationFailed(
            {
                "labels": [
                    f"已标注的诉求不足：至少两个类别各需 {MIN_PER_CLASS} 条 / too few labelled appeals: at least "
                    f"{MIN_PER_CLASS} in each of two categories"
                ]
            }
        )
    model = train_text_model([t for t, _ in train], [label for _, label in train])
    figures = _figures(model, held)
    current = active_classifier()
    current_figures = _figures(current, held) if current is not None else None
    better = current_figures is None or figures["macro_f1"] > current_figures["macro_f1"]
    with transaction.atomic():
        if better:
            ClassifierModel.objects.filter(is_active=True).update(is_active=False)
        stored = ClassifierModel.objects.create(
            trained_on=len(train),
            held_out=len(held),
            figures={**figures, "active_model_on_same_slice": current_figures, "labels": dict(counts)},
            model=model.to_bytes(),
            is_active=better,
            note=note[:200],
        )
        classifier_forget()
        transaction.on_commit(classifier_forget)
        audit_record(
            actor=actor,
            action="appeals.model_train",
            object_type="appeals_model",
            object_id=stored.pk,
            changes={
                "trained_on": len(train),
                "held_out": len(held),
                "macro_f1": figures["macro_f1"],
                "previous_macro_f1": current_figures["macro_f1"] if current_figures else None,
                "activated": better,
            },
        )
    return stored
