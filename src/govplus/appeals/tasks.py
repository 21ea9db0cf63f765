"""Background work of appeals (Huey): retraining the classifier every week on what the dispatchers and
the history labelled; the new model is used only if it is better on the held-out slice."""

from __future__ import annotations

import logging

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from govplus.appeals.training import model_train
from govplus.core.errors import ValidationFailed

logger = logging.getLogger(__name__)


@db_periodic_task(crontab(day_of_week="0", hour="3", minute="10"))
def retrain_appeals_classifier() -> None:
    """Sundays 03:10: train, compare on the held-out slice, keep the better (figures in the log)."""
    try:
        model = model_train(actor=None, note="weekly retraining")
    except ValidationFailed:
        logger.info("appeals classifier not retrained: too few labelled appeals")
        return
    logger.info(
        "appeals classifier %s: macro-F1 %s on %s held out (%s)",
        model.pk,
        model.figures.get("macro_f1"),
        model.held_out,
        "activated" if model.is_active else "kept inactive, not better",
    )
