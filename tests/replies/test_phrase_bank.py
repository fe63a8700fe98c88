"""The classifier on replies it was not written from: the simulator's phrase bank (written apart
from the classifier and its corpus, by intent) — a floor on how it generalises."""

from __future__ import annotations

import random
from datetime import UTC, datetime

from dunning.replies import classify_many
from dunning.sending.smsc.debtors import INTENTS, reply_text


def test_the_simulators_phrase_bank_is_understood() -> None:
    now = datetime(2026, 12, 2, 2, 0, tzinfo=UTC)
    right = total = 0
    for language, profile in (("zh", "CN"), ("en", "US")):
        rng = random.Random(1)
        labelled = [(intent, reply_text(intent, language, rng)) for intent in INTENTS for _ in range(40)]
        found = classify_many([t for _, t in labelled], profile=profile, now=now)
        right += sum(str(c.intent) == intent for (intent, _), c in zip(labelled, found, strict=True))
        total += len(labelled)
    assert right / total >= 0.93  # 96 % measured
