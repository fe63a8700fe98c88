"""The labelled reply corpus and an honest measurement of the classifier on it.

Two files in ``corpus/``: ``replies.jsonl`` (training and development: the model is trained on it
and the rule vocabularies were written while reading it) and ``holdout.jsonl`` (written last, never
used to tune a rule or the model). ``evaluate_corpus`` reports:

* ``cross_validated``: ``replies.jsonl`` in k folds; each fold is classified by the rules plus a
  model trained on the *other* folds, so no row is scored by a model that saw it;
* ``holdout``: ``holdout.jsonl`` classified by the rules plus the model trained on all of
  ``replies.jsonl``.

Promise exactness is measured on every row labelled promise with expected terms, by running
``parse_promise`` on it (independently of whether the intent was right): the share whose date is
exact, whose amount is exact, and both.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from importlib import resources

from dunning.replies.intents import PRIORITY, Intent

__all__ = ["CorpusReport", "CorpusRow", "IntentFigures", "SplitReport", "evaluate_corpus", "load_rows"]

BASE_NOW = {"CN": "2026-12-02T10:00:00+08:00", "US": "2026-12-02T10:00:00-05:00"}
FOLDS = 5


@dataclass(frozen=True, slots=True)
class CorpusRow:
    text: str
    profile: str
    intent: str
    now: datetime
    amount_due: Decimal | None
    promise_amount: Decimal | None
    promise_date: date | None
    has_terms: bool  # the row says what the promise terms are


@dataclass(frozen=True, slots=True)
class IntentFigures:
    precision: float
    recall: float
    support: int


@dataclass(frozen=True, slots=True)
class SplitReport:
    rows: int
    accuracy: float
    macro_recall: float
    per_intent: dict[str, IntentFigures]
    promise_rows: int
    promise_date_exact: float
    promise_amount_exact: float
    promise_both_exact: float
    errors: list[tuple[str, str, str]] = field(default_factory=list)  # (text, expected, got)


@dataclass(frozen=True, slots=True)
class CorpusReport:
    cross_validated: SplitReport
    holdout: SplitReport


def load_rows(name: str) -> list[CorpusRow]:
    """Rows of a packaged corpus file (``replies.jsonl`` or ``holdout.jsonl``)."""
    text = resources.files("dunning.replies").joinpath("corpus", name).read_text(encoding="utf-8")
    rows = []
    for line in text.splitlines():
        if not line.strip():
            continue
        raw = json.loads(line)
        profile = raw["profile"]
        promise = raw.get("promise")
        rows.append(
            CorpusRow(
                text=raw["text"],
                profile=profile,
                intent=Intent(raw["intent"]).value,
                now=datetime.fromisoformat(raw.get("now") or BASE_NOW[profile]),
                amount_due=Decimal(raw["amount_due"]) if raw.get("amount_due") else None,
                promise_amount=Decimal(promise["amount"]) if promise and promise.get("amount") else None,
                promise_date=date.fromisoformat(promise["date"]) if promise and promise.get("date") else None,
                has_terms=promise is not None,
            )
        )
    return rows


def _predict(rows: Sequence[CorpusRow], model: object) -> list[str]:
    from dunning.replies.classify import classify_many
    from dunning.replies.model import IntentModel

    assert isinstance(model, IntentModel)
    out: list[str] = [""] * len(rows)
    for profile in {r.profile for r in rows}:
        index = [i for i, r in enumerate(rows) if r.profile == profile]
        results = classify_many(
            [rows[i].text for i in index],
            profile=profile,
            now=[rows[i].now for i in index],
            amount_due=[rows[i].amount_due for i in index],
            model=model,
        )
        for i, result in zip(index, results, strict=True):
            out[i] = result.intent.value
    return out


def _split(rows: Sequence[CorpusRow], predicted: Sequence[str]) -> SplitReport:
    from dunning.core.profiles import PROFILE_TIME_ZONE
    from dunning.replies.promise import parse_promise

    truth = Counter(r.intent for r in rows)
    guessed = Counter(predicted)
    right = Counter(r.intent for r, p in zip(rows, predicted, strict=True) if r.intent == p)
    per_intent = {}
    for intent in PRIORITY:
        key = intent.value
        per_intent[key] = IntentFigures(
            precision=right[key] / guessed[key] if guessed[key] else 0.0,
            recall=right[key] / truth[key] if truth[key] else 0.0,
            support=truth[key],
        )
    present = [f.recall for f in per_intent.values() if f.support]
    promise_rows = [r for r in rows if r.intent == Intent.PROMISE and r.has_terms]
    dates = amounts = both = 0
    for r in promise_rows:
        terms = parse_promise(
            r.text, now=r.now, time_zone=PROFILE_TIME_ZONE[r.profile], amount_due=r.amount_due
        )
        d, a = terms.date == r.promise_date, terms.amount == r.promise_amount
        dates, amounts, both = dates + d, amounts + a, both + (d and a)
    n = len(promise_rows) or 1
    return SplitReport(
        rows=len(rows),
        accuracy=sum(right.values()) / len(rows) if rows else 0.0,
        macro_recall=sum(present) / len(present) if present else 0.0,
        per_intent=per_intent,
        promise_rows=len(promise_rows),
        promise_date_exact=dates / n,
        promise_amount_exact=amounts / n,
        promise_both_exact=both / n,
        errors=[(r.text, r.intent, p) for r, p in zip(rows, predicted, strict=True) if r.intent != p],
    )


def cross_validate(rows: Sequence[CorpusRow], folds: int = FOLDS) -> SplitReport:
    """Rules plus a model trained on the other folds, for each fold (row i is in fold i mod k)."""
    from dunning.replies.model import train
    from dunning.replies.normalise import normalise

    predicted: list[str] = [""] * len(rows)
    for k in range(folds):
        train_rows = [r for i, r in enumerate(rows) if i % folds != k]
        test_index = [i for i in range(len(rows)) if i % folds == k]
        model = train([normalise(r.text) for r in train_rows], [r.intent for r in train_rows])
        for i, p in zip(test_index, _predict([rows[i] for i in test_index], model), strict=True):
            predicted[i] = p
    return _split(rows, predicted)


def evaluate_corpus() -> CorpusReport:
    """Cross-validated figures on replies.jsonl and held-out figures on holdout.jsonl."""
    from dunning.replies.model import default_model

    rows = load_rows("replies.jsonl")
    holdout = load_rows("holdout.jsonl")
    return CorpusReport(
        cross_validated=cross_validate(rows),
        holdout=_split(holdout, _predict(holdout, default_model())),
    )
