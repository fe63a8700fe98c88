"""The statistical half: character n-gram TF-IDF + logistic regression, trained on the packaged corpus.

Used for replies no rule speaks about. Trained lazily on first use (well under a second for the
corpus) and cached in the process: no pickles to version, no downloads, the same model on every
machine for the same corpus (lbfgs on a fixed corpus is deterministic).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import Any

from dunning.replies.intents import Intent

__all__ = ["IntentModel", "default_model", "train"]


class IntentModel:
    """A fitted pipeline; ``predict`` returns (intent, probability) per normalised text."""

    def __init__(self, vectorizer: Any, classifier: Any) -> None:
        self._vectorizer = vectorizer
        self._classifier = classifier
        self._labels = [Intent(label) for label in classifier.classes_]

    def predict(self, texts: Sequence[str]) -> list[tuple[Intent, float]]:
        if not texts:
            return []
        probabilities = self._classifier.predict_proba(self._vectorizer.transform(texts))
        best = probabilities.argmax(axis=1)
        return [(self._labels[i], float(probabilities[row, i])) for row, i in enumerate(best)]


def train(texts: Sequence[str], labels: Sequence[str]) -> IntentModel:
    """Fit on normalised ``texts``. Char n-grams read Chinese (no spaces) and English typos alike."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    vectorizer = TfidfVectorizer(analyzer="char_wb", ngram_range=(1, 3), sublinear_tf=True, min_df=1)
    matrix = vectorizer.fit_transform(texts)
    classifier = LogisticRegression(C=10.0, max_iter=2000)
    classifier.fit(matrix, list(labels))
    return IntentModel(vectorizer, classifier)


@cache
def default_model() -> IntentModel:
    """The model trained on the packaged training corpus (never on the holdout)."""
    from dunning.replies.corpus import load_rows
    from dunning.replies.normalise import normalise

    rows = load_rows("replies.jsonl")
    return train([normalise(r.text) for r in rows], [r.intent for r in rows])
