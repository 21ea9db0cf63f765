"""`govplus appeals evaluate --train A.csv --test B.csv`: train the appeals classifier on one labelled
file (columns `text,label`), classify the other, print one JSON object with macro_f1, accuracy,
per_class (F1 by label), classify_per_second and train_seconds."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from govplus.appeals.text_model import evaluate, read_labelled_csv


class Command(BaseCommand):
    help = "诉求分类模型：评估 / the appeals classifier: evaluate"

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        assess = actions.add_parser("evaluate", help="train on --train, classify --test, print the figures as JSON")
        assess.add_argument("--train", required=True, help="CSV with columns text,label to learn from")
        assess.add_argument("--test", required=True, help="CSV with columns text,label to classify")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "evaluate":
            try:
                train, test = read_labelled_csv(options["train"]), read_labelled_csv(options["test"])
            except (OSError, ValueError) as error:
                raise CommandError(f"无法读取 / cannot read: {error}") from error
            if len({label for _text, label in train}) < 2:
                raise CommandError("训练集至少需要两个类别 / the training file needs at least two labels")
            self.stdout.write(json.dumps(evaluate(train, test), ensure_ascii=False))
