"""Stratified 5-fold cross-validation of the appeals classifier candidates on train.csv.

    /work/main/.venv/bin/python bench/appeals_classifier_cv.py [path/to/train.csv]

Honesty: every candidate's hyperparameters are fixed here, up front (scikit-learn defaults, C=1), except
`chosen`, which is `train_text_model` itself: it picks C by a 3-fold CV inside each outer training fold
and never sees the outer test fold. Features are fitted on the outer training fold only. classify/s is
the whole outer test fold (≈466 texts) classified in one batch, feature extraction included, one process.
"""

import csv
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics import accuracy_score, f1_score
from sklearn.model_selection import StratifiedKFold
from sklearn.naive_bayes import ComplementNB
from sklearn.pipeline import make_pipeline, make_union
from sklearn.svm import LinearSVC

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
from govplus.appeals.char_ngrams import CharNgramVectorizer
from govplus.appeals.text_model import read_labelled_csv, train_text_model

DEFAULT_DATA = "/work/shared/data/appeals/train.csv"
Predictor = Callable[[list[str]], Sequence[str]]


def jieba_words(text: str) -> list[str]:
    import jieba

    return [word for word in jieba.lcut(text.lower(), HMM=False) if word.strip()]


def lowered(texts: Sequence[str]) -> list[str]:
    return [text.lower() for text in texts]


class Pipeline:
    """A scikit-learn pipeline over lower-cased text (our numpy vectorizer is not a scikit-learn estimator)."""

    def __init__(self, vectorizer: CharNgramVectorizer, classifier: object):
        self.vectorizer, self.classifier = vectorizer, classifier

    def fit(self, texts: list[str], labels: Sequence[str]) -> "Pipeline":
        self.classifier.fit(self.vectorizer.fit_transform(lowered(texts)), labels)  # type: ignore[attr-defined]
        return self

    def predict(self, texts: list[str]) -> Sequence[str]:
        return self.classifier.predict(self.vectorizer.transform(lowered(texts)))  # type: ignore[attr-defined]


class AverageOfSvms:
    """Sum of the decision scores of one balanced SVM per n-gram range."""

    def __init__(self, ranges: Sequence[tuple[int, int]]):
        self.members = [
            Pipeline(CharNgramVectorizer(ngram_range=ngrams), LinearSVC(class_weight="balanced")) for ngrams in ranges
        ]

    def fit(self, texts: list[str], labels: Sequence[str]) -> "AverageOfSvms":
        for member in self.members:
            member.fit(texts, labels)
        return self

    def predict(self, texts: list[str]) -> Sequence[str]:
        total = sum(m.classifier.decision_function(m.vectorizer.transform(lowered(texts))) for m in self.members)
        return self.members[0].classifier.classes_[np.asarray(total).argmax(axis=1)]


class Chosen:
    def fit(self, texts: list[str], labels: Sequence[str]) -> "Chosen":
        self.model = train_text_model(texts, labels)
        return self

    def predict(self, texts: list[str]) -> Sequence[str]:
        return [result.label for result in self.model.classify(texts)]


def sklearn_char(low: int, high: int, **options: object) -> TfidfVectorizer:
    return TfidfVectorizer(analyzer="char", ngram_range=(low, high), **options)  # type: ignore[arg-type]


CANDIDATES: dict[str, Callable[[], object]] = {
    "baseline: sklearn char 1-3 sublinear + LinearSVC": lambda: make_pipeline(
        sklearn_char(1, 3, sublinear_tf=True), LinearSVC()
    ),
    "baseline: sklearn char 2-4 sublinear + LinearSVC": lambda: make_pipeline(
        sklearn_char(2, 4, sublinear_tf=True), LinearSVC()
    ),
    "char 1-3 raw tf, min_df 2 + LinearSVC": lambda: Pipeline(CharNgramVectorizer(), LinearSVC()),
    "char 1-3 raw tf + LinearSVC balanced": lambda: Pipeline(CharNgramVectorizer(), LinearSVC(class_weight="balanced")),
    "char 1-4 raw tf + LinearSVC balanced": lambda: Pipeline(
        CharNgramVectorizer(ngram_range=(1, 4)), LinearSVC(class_weight="balanced")
    ),
    "char 1-3 raw tf + ComplementNB a=0.03": lambda: Pipeline(CharNgramVectorizer(), ComplementNB(alpha=0.03)),
    "jieba words + LinearSVC balanced": lambda: make_pipeline(
        TfidfVectorizer(analyzer=jieba_words, min_df=2), LinearSVC(class_weight="balanced")
    ),
    "sklearn char 1-3 + jieba words + LinearSVC bal.": lambda: make_pipeline(
        make_union(sklearn_char(1, 3, min_df=2), TfidfVectorizer(analyzer=jieba_words, min_df=2)),
        LinearSVC(class_weight="balanced"),
    ),
    "sum of SVM scores, char 1-3 and char 1-2": lambda: AverageOfSvms([(1, 3), (1, 2)]),
    "chosen: train_text_model (C by inner CV)": Chosen,
}


def cross_validate(rows: list[tuple[str, str]], make: Callable[[], object]) -> dict[str, float]:
    texts = np.array([text for text, _ in rows], dtype=object)
    labels = np.array([label for _, label in rows])
    f1s, accuracies, speeds, train_seconds = [], [], [], []
    for train, test in StratifiedKFold(5, shuffle=True, random_state=0).split(texts, labels):
        model = make()
        started = time.perf_counter()
        model.fit(list(texts[train]), labels[train])  # type: ignore[attr-defined]
        train_seconds.append(time.perf_counter() - started)
        started = time.perf_counter()
        predicted = model.predict(list(texts[test]))  # type: ignore[attr-defined]
        speeds.append(len(test) / (time.perf_counter() - started))
        f1s.append(f1_score(labels[test], predicted, average="macro"))
        accuracies.append(accuracy_score(labels[test], predicted))
    return {
        "f1": float(np.mean(f1s)),
        "f1_std": float(np.std(f1s)),
        "accuracy": float(np.mean(accuracies)),
        "per_second": float(np.mean(speeds)),
        "train_seconds": float(np.mean(train_seconds)),
    }


def main() -> None:
    import jieba

    jieba.setLogLevel(60)
    jieba.dt.tmp_dir = "/tmp"  # its prefix-dictionary cache; the package directory may be read-only
    rows = read_labelled_csv(sys.argv[1] if len(sys.argv) > 1 else DEFAULT_DATA)
    only = sys.argv[2:]
    print(f"{len(rows)} texts, stratified 5-fold CV (random_state=0)\n")
    print(f"| {'candidate':50s} | macro-F1 mean±std | accuracy | classify/s | train s |")
    print(f"|{'-' * 52}|-------------------|----------|------------|---------|")
    for name, make in CANDIDATES.items():
        if only and not any(word in name for word in only):
            continue
        figures = cross_validate(rows, make)
        print(
            f"| {name:50s} | {figures['f1']:.4f} ± {figures['f1_std']:.4f}   | {figures['accuracy']:.4f}   "
            f"| {figures['per_second']:10.0f} | {figures['train_seconds']:7.1f} |",
            flush=True,
        )


if __name__ == "__main__":
    csv.field_size_limit(1 << 24)
    main()
