"""`govplus appeals evaluate --train A.csv --test B.csv`: train the appeals classifier on one labelled
file (columns `text,label`), classify the other, print one JSON object with macro_f1, accuracy,
per_class (F1 by label), classify_per_second and train_seconds.

`govplus appeals train [--csv history.csv]`: train on the labelled appeals (`training.py`); the new
model replaces the active one only if it is better on the held-out slice; prints the figures."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from govplus.appeals.text_model import evaluate, read_labelled_csv
from govplus.appeals.training import model_train
from govplus.core.errors import ValidationFailed


class Command(BaseCommand):
    help = "诉求分类模型：评估 / the appeals classifier: evaluate"

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        assess = actions.add_parser("evaluate", help="train on --train, classify --test, print the figures as JSON")
        assess.add_argument("--train", required=True, help="CSV with columns text,label to learn from")
        assess.add_argument("--test", required=True, help="CSV with columns text,label to classify")
        learn = actions.add_parser(
            "train", help="train on the labelled appeals (and --csv), activate the model only if it is better"
        )
        learn.add_argument("--csv", help="more labelled rows (text,label), e.g. the government's history")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "evaluate":
            try:
                train, test = read_labelled_csv(options["train"]), read_labelled_csv(options["test"])
            except (OSError, ValueError) as error:
                raise CommandError(f"无法读取 / cannot read: {error}") from error
            if len({label for _text, label in train}) < 2:
                raise CommandError("训练集至少需要两个类别 / the training file needs at least two labels")
            self.stdout.write(json.dumps(evaluate(train, test), ensure_ascii=False))
        elif options["action"] == "train":
            try:
                extra = read_labelled_csv(options["csv"]) if options.get("csv") else []
            except (OSError, ValueError) as error:
                raise CommandError(f"无法读取 / cannot read: {error}") from error
            try:
                model = model_train(actor=None, extra=extra, note="govplus appeals train")
            except ValidationFailed as error:
                raise CommandError("; ".join(m for ms in error.fields.values() for m in ms)) from error
            figures = {k: model.figures.get(k) for k in ("macro_f1", "accuracy", "active_model_on_same_slice")}
            self.stdout.write(
                json.dumps(
                    {
                        "model": model.pk,
                        "activated": model.is_active,
                        "trained_on": model.trained_on,
                        "held_out": model.held_out,
                        **figures,
                    },
                    ensure_ascii=False,
                )
            )
