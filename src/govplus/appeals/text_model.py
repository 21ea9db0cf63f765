"""The first-level category of a citizen's appeal (12345 诉求), from its subject and body.

The model: TF-IDF of the text's character 1–3-grams (lower-cased, subject + space + body, raw term
counts, n-grams in at least 2 training texts) and a one-vs-rest linear SVM with balanced class weights
(so that 交通运输, a third the size of 劳动和社会保障, is not drowned). Its regularisation C is chosen
among `C_CANDIDATES` by a 3-fold cross-validation inside the training texts alone, never by the texts
it is judged on. docs/appeals-classification.md lists what else was tried and the figures.

Confidence: the softmax of the SVM's decision scores divided by a temperature. The temperature is
fitted (least log-loss) on the out-of-fold decision scores of that same inner cross-validation, so a
confidence of 0.8 means about 80 % of such appeals were right on texts the model had not seen. It
never changes which label wins. The words that decided it: the up-to-5 n-grams with the largest
TF-IDF value × coefficient towards the chosen label; an n-gram overlapping one already shown
is skipped, so the words read as words (入学, 学区 rather than 入学, 学, 入).

Pure Python (numpy, scipy, scikit-learn): no Django, nothing downloaded at run time.
"""

import csv
import io
import pickle
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy.optimize import minimize_scalar
from sklearn.metrics import accuracy_score, f1_score
from sklearn.model_selection import StratifiedKFold
from sklearn.svm import LinearSVC

from govplus.appeals.char_ngrams import CharNgramVectorizer

C_CANDIDATES = (1.0, 3.0)
INNER_FOLDS = 3
WORDS_SHOWN = 5
_FORMAT = "govplus.appeals.text_model/1"


@dataclass(frozen=True)
class Classification:
    """One appeal's label, the confidence in it (0–1, see the module docstring) and the words behind it."""

    label: str
    confidence: float
    words: tuple[str, ...]


class TextModel:
    """A trained classifier; build one with `train_text_model`, store it with `to_bytes`."""

    def __init__(self, vectorizer: CharNgramVectorizer, svm: LinearSVC, temperature: float):
        self.vectorizer = vectorizer
        self.svm = svm
        self.temperature = temperature

    @property
    def labels(self) -> tuple[str, ...]:
        return tuple(str(label) for label in self.svm.classes_)

    def classify(self, texts: Sequence[str]) -> list[Classification]:
        features = self.vectorizer.transform([_normalise(text) for text in texts])
        scores = self.svm.decision_function(features)
        probabilities = _softmax(scores / self.temperature)
        chosen = scores.argmax(axis=1)
        results = []
        for row, label_index in enumerate(chosen):
            start, end = features.indptr[row], features.indptr[row + 1]
            columns = features.indices[start:end]
            pushes = features.data[start:end] * self.svm.coef_[label_index, columns]
            results.append(
                Classification(
                    label=self.labels[label_index],
                    confidence=float(probabilities[row, label_index]),
                    words=self._deciding_words(columns, pushes),
                )
            )
        return results

    def _deciding_words(self, columns: np.ndarray, pushes: np.ndarray) -> tuple[str, ...]:
        """The n-grams pushing hardest towards the label; one contained in a shown n-gram is not repeated."""
        shown: list[str] = []
        for position in np.argsort(-pushes):
            if pushes[position] <= 0 or len(shown) == WORDS_SHOWN:
                break
            term = self.vectorizer.feature_text(int(columns[position])).strip()
            if len(term) < 2 or not all(ch.isalnum() for ch in term):  # no punctuation or spaces shown
                continue
            if any(_overlapping(term, other) for other in shown):
                continue
            shown.append(term)
        return tuple(shown)

    def to_bytes(self) -> bytes:
        """Pickle: load only models this platform trained and stored itself, never one from outside."""
        return pickle.dumps((_FORMAT, self), protocol=pickle.HIGHEST_PROTOCOL)

    @staticmethod
    def from_bytes(data: bytes) -> "TextModel":
        marker, model = pickle.loads(data)  # our own stored models only, see to_bytes
        if marker != _FORMAT or not isinstance(model, TextModel):
            raise ValueError("not a stored govplus appeals text model")
        return model


def train_text_model(texts: Sequence[str], labels: Sequence[str], *, seed: int = 0) -> TextModel:
    """Fit the features, choose C by inner cross-validation, fit the SVM and its confidence temperature."""
    if len(texts) != len(labels) or not texts:
        raise ValueError("texts and labels must be non-empty and of the same length")
    targets = np.asarray(labels)
    vectorizer = CharNgramVectorizer(ngram_range=(1, 3), min_df=2)
    features = vectorizer.fit_transform([_normalise(text) for text in texts])
    smallest_class = int(np.unique(targets, return_counts=True)[1].min())
    folds = list(
        StratifiedKFold(min(INNER_FOLDS, smallest_class), shuffle=True, random_state=seed).split(features, targets)
    )
    best_f1, best_c, best_scores = -1.0, C_CANDIDATES[0], np.zeros((0, 0))
    for c in C_CANDIDATES:
        scores = np.zeros((len(targets), len(np.unique(targets))))
        for inner_train, inner_test in folds:
            svm = _svm(c, seed).fit(features[inner_train], targets[inner_train])
            scores[inner_test] = svm.decision_function(features[inner_test])
        predicted = np.unique(targets)[scores.argmax(axis=1)]
        f1 = f1_score(targets, predicted, average="macro")
        if f1 > best_f1:
            best_f1, best_c, best_scores = f1, c, scores
    svm = _svm(best_c, seed).fit(features, targets)
    return TextModel(vectorizer, svm, _fitted_temperature(best_scores, np.searchsorted(svm.classes_, targets)))


def evaluate(train_rows: Iterable[tuple[str, str]], test_rows: Iterable[tuple[str, str]]) -> dict[str, object]:
    """Train on one labelled set, classify the other in one batch; the figures `govplus appeals evaluate` prints."""
    train_texts, train_labels = _columns(train_rows)
    test_texts, test_labels = _columns(test_rows)
    started = time.perf_counter()
    model = train_text_model(train_texts, train_labels)
    train_seconds = time.perf_counter() - started
    started = time.perf_counter()
    predicted = [result.label for result in model.classify(test_texts)]
    classify_seconds = time.perf_counter() - started
    labels = sorted(set(test_labels) | set(model.labels))
    per_class = f1_score(test_labels, predicted, labels=labels, average=None, zero_division=0)
    return {
        "macro_f1": round(float(f1_score(test_labels, predicted, average="macro", zero_division=0)), 4),
        "accuracy": round(float(accuracy_score(test_labels, predicted)), 4),
        "per_class": {label: round(float(f1), 4) for label, f1 in zip(labels, per_class, strict=True)},
        "classify_per_second": round(len(test_texts) / classify_seconds, 1),
        "train_seconds": round(train_seconds, 2),
        "n_train": len(train_texts),
        "n_test": len(test_texts),
    }


def read_labelled_csv(path: str | Path) -> list[tuple[str, str]]:
    """The (text, label) rows of a UTF-8 CSV (BOM or none) with columns `text` and `label`."""
    with open(path, encoding="utf-8-sig", newline="") as file:
        content = file.read()
    reader = csv.DictReader(io.StringIO(content))
    missing = [column for column in ("text", "label") if column not in (reader.fieldnames or [])]
    if missing:
        raise ValueError(f"{path}: row 1 (header) lacks the column(s) {', '.join(missing)}")
    rows = []
    for row in reader:
        text, label = (row.get("text") or "").strip(), (row.get("label") or "").strip()
        if not label:
            raise ValueError(f"{path}: row {reader.line_num} has an empty label")
        if not text:
            raise ValueError(f"{path}: row {reader.line_num} has an empty text")
        rows.append((text, label))
    return rows


def _overlapping(term: str, other: str) -> bool:
    """One inside the other, or one running into the other (司机 and 车司 of 公交车司机): shown once."""
    return term in other or other in term or term[-1] == other[0] or other[-1] == term[0]


def _columns(rows: Iterable[tuple[str, str]]) -> tuple[list[str], list[str]]:
    pairs = list(rows)
    return [text for text, _ in pairs], [label for _, label in pairs]


def _normalise(text: str) -> str:
    return " ".join(text.lower().split())


def _svm(c: float, seed: int) -> LinearSVC:
    return LinearSVC(C=c, class_weight="balanced", random_state=seed)


def _softmax(scores: np.ndarray) -> np.ndarray:
    shifted = np.exp(scores - scores.max(axis=1, keepdims=True))
    return shifted / shifted.sum(axis=1, keepdims=True)


def _fitted_temperature(scores: np.ndarray, truth: np.ndarray) -> float:
    """The temperature T minimising the log-loss of softmax(scores / T) against the true labels."""

    def log_loss(temperature: float) -> float:
        probabilities = _softmax(scores / temperature)
        return float(-np.log(probabilities[np.arange(len(truth)), truth] + 1e-12).mean())

    return float(minimize_scalar(log_loss, bounds=(0.01, 10.0), method="bounded").x)
