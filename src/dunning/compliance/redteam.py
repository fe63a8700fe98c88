"""The red-team harness: every mutation class applied to every line of a corpus, with block and pass
rates per class, so a regression shows which class broke.

A mutated must-block line counts as blocked when one of its expected rules, or any content rule,
still fires, or when the second opinion holds it for review. A mutated must-pass line counts as
passed when no content or personal-data rule fires and it is not held for review (the mutations
leave signature, links, numbers and the opt-out keyword alone, but may reword the rest; the
required elements are the deployment's business, not what is being measured here).

Each corpus set is measured apart (``corpus.CORPUS_SETS``): the shipped lines the rules were written
against, the training seeds of the second opinion, and the evaluation lines that neither saw (judged
in content scope, under each line's own identity).
"""

from __future__ import annotations

from dataclasses import dataclass

from dunning.compliance.corpus import (
    CORPUS_SETS,
    HELD_OUT_SETS,
    CorpusCase,
    corpus_profile,
    judge_cases,
    load_corpus,
)
from dunning.compliance.mutations import classes_for, mutate

__all__ = ["ClassRates", "RedTeamReport", "redteam"]

_CONTENT = ("content.", "personal_data.")


@dataclass(frozen=True, slots=True)
class ClassRates:
    name: str
    zh: str
    en: str
    block_total: int
    blocked: int
    pass_total: int
    passed: int
    misses: tuple[tuple[str, str], ...]  # (case id, mutated text)

    @property
    def block_rate(self) -> float:
        return self.blocked / self.block_total if self.block_total else 1.0

    @property
    def pass_rate(self) -> float:
        return self.passed / self.pass_total if self.pass_total else 1.0

    def as_dict(self) -> dict[str, object]:
        return {
            "class": self.name, "zh": self.zh, "en": self.en,
            "block_total": self.block_total, "blocked": self.blocked, "block_rate": round(self.block_rate, 4),
            "pass_total": self.pass_total, "passed": self.passed, "pass_rate": round(self.pass_rate, 4),
            "misses": [{"id": i, "text": t} for i, t in self.misses[:20]],
        }  # fmt: skip


@dataclass(frozen=True, slots=True)
class RedTeamReport:
    profile: str
    corpus: str
    classes: tuple[ClassRates, ...]

    @property
    def worst(self) -> ClassRates:
        return min(self.classes, key=lambda c: min(c.block_rate, c.pass_rate))


def _judge(
    cases: list[CorpusCase], texts: list[str], profile_name: str, scope: str
) -> tuple[int, int, list[tuple[str, str]]]:
    # a line's own scope (lines written without a sender), else the set's, as run_corpus does
    verdicts = judge_cases(cases, corpus_profile(profile_name), scope, texts=texts)
    blocked = passed = 0
    misses: list[tuple[str, str]] = []
    for case, text, verdict in zip(cases, texts, verdicts, strict=True):
        ids = verdict.violations
        held = verdict.outcome == "review"
        if case.must_block:
            hit = held or any(r in case.expect or r.startswith(_CONTENT) for r in ids)
            blocked += hit
            if not hit:
                misses.append((case.id, text))
        else:
            clean = not held and not any(r.startswith(_CONTENT) for r in ids)
            passed += clean
            if not clean:
                misses.append((case.id, text))
    return blocked, passed, misses


def redteam(profile_name: str, *, corpus: str = "shipped", seed: int = 0) -> RedTeamReport:
    """Rates per mutation class (and ``none``: the corpus as written) on one corpus set."""
    name = profile_name.upper()
    scope = CORPUS_SETS[corpus][1] if corpus in CORPUS_SETS else "full"
    cases = load_corpus(name, corpus)
    n_block = sum(c.must_block for c in cases)
    rows = []
    classes = [("none", "原文", "as written", None), *((m.name, m.zh, m.en, m) for m in classes_for(name))]
    for cls, zh, en, mutation in classes:
        texts = [
            c.text if mutation is None else mutate(c.text, mutation, seed=f"{seed}:{c.id}") for c in cases
        ]
        blocked, passed, misses = _judge(cases, texts, name, scope)
        if corpus in HELD_OUT_SETS:  # a held-out set gives its rates only (ADR 0022)
            misses = []
        rows.append(ClassRates(cls, zh, en, n_block, blocked, len(cases) - n_block, passed, tuple(misses)))
    return RedTeamReport(name, corpus, tuple(rows))
