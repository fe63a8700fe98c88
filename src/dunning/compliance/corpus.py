"""The shipped test corpus: realistic collection SMS that must be blocked and ones that must pass.

A linter that blocks everything is as broken as one that blocks nothing, so both rates are measured.
Each must-block line names the rule(s) expected to catch it (``expect``); it counts as caught on
target only when one of them fires, so a text blocked for some unrelated reason does not hide a gap.

The texts are written for a fixed deployment (``CORPUS_DEPLOYMENT``: the CN defaults of
``Settings`` and a US lender), independent of the local dunning.toml, and run against the shipped
profile defaults.

Line format (JSON)::

    {"id": "cn-b-001", "text": "…", "expect": ["content.threat_arrest"], "context": {"time_barred": true}}

Five sets, kept apart (``CORPUS_SETS``):

- ``shipped`` (``corpus/*.jsonl``): the lines the word lists and rules were written against;
- ``train`` (``corpus/train/``): other seed messages, mutated and recombined to train the second
  opinion, usable for tuning too;
- ``eval`` (``corpus/eval/``): written separately and never used for training, word lists or
  rules; lines carry the sender's ``identity`` and are measured in ``content`` scope, as an
  outside examiner would;
- ``blind`` (``corpus/blind/``): a second set written without sight of the code or of the other
  sets; held out for one round, then its misses were read to broaden the concepts, so it is a
  development set now, like ``eval``;
- ``sealed`` (``corpus/sealed/``): the held-out set, written by writers who saw neither the code nor
  any other set; never used for training, word lists or rules, only its rates are read
  (``--no-show-misses``). Its figures are the ones to quote.

``train``, ``eval`` and ``blind`` all seed the second opinion (``classifier.load_seeds``);
``sealed`` never does.

Lines written without a sender (part of ``train``) carry ``"scope": "content"``.

Lines may carry ``kind``, ``class`` (what the line tests) and ``identity`` (see
``gate.Identity``). A line held for review counts as stopped for the block rate and as not passed
for the pass rate; both are reported apart.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

from dunning.compliance.gate import SCOPES, Identity, Verdict, judge_records
from dunning.compliance.profiles import ComplianceProfile, default_profile
from dunning.core.errors import ConfigError, InputError
from dunning.core.kinds import parse_kind
from dunning.core.profiles import PROFILE_IDENTITY
from dunning.core.settings import Settings

__all__ = [
    "CORPUS_DEPLOYMENT",
    "CORPUS_SETS",
    "HELD_OUT_SETS",
    "CorpusCase",
    "CorpusMiss",
    "CorpusReport",
    "case_record",
    "corpus_profile",
    "judge_cases",
    "load_corpus",
    "run_corpus",
]

#: The deployment the corpus texts are written for: each profile's example identity.
CORPUS_DEPLOYMENT: dict[str, dict[str, Any]] = {
    name: dict(identity) for name, identity in PROFILE_IDENTITY.items()
}


#: corpus set → (folder under corpus/, default scope)
CORPUS_SETS: dict[str, tuple[str, str]] = {
    "shipped": ("", "full"),
    "train": ("train", "full"),
    "eval": ("eval", "content"),
    "blind": ("blind", "content"),
    "sealed": ("sealed", "content"),
}
#: Sets whose lines are never printed: only their rates are read (ADR 0022).
HELD_OUT_SETS: frozenset[str] = frozenset({"sealed"})


@dataclass(frozen=True, slots=True)
class CorpusCase:
    id: str
    text: str
    must_block: bool
    expect: tuple[str, ...] = ()
    context: dict[str, Any] = field(default_factory=dict)
    kind: str | None = None
    label: str | None = None  # the line's "class": what it tests
    identity: Identity | None = None
    scope: str | None = None  # the line's own scope, else its set's (lines written without a sender)


@dataclass(frozen=True, slots=True)
class CorpusMiss:
    id: str
    kind: str  # "not_blocked" | "off_target" | "false_block"
    text: str
    expected: tuple[str, ...]
    got: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class CorpusReport:
    profile: str
    block_total: int
    blocked: int
    on_target: int
    pass_total: int
    passed: int
    misses: tuple[CorpusMiss, ...]
    corpus: str = "shipped"
    scope: str = "full"
    reviewed_block: int = 0  # must-block lines held for review (counted in ``blocked``)
    reviewed_pass: int = 0  # must-pass lines held for review (not counted in ``passed``)

    @property
    def block_rate(self) -> float:
        return self.blocked / self.block_total if self.block_total else 1.0

    @property
    def target_rate(self) -> float:
        return self.on_target / self.block_total if self.block_total else 1.0

    @property
    def pass_rate(self) -> float:
        return self.passed / self.pass_total if self.pass_total else 1.0

    def summary(self) -> str:
        return (
            f"{self.profile} {self.corpus} ({self.scope}): block {self.blocked}/{self.block_total} "
            f"({self.block_rate:.1%}, {self.reviewed_block} by review), "
            f"on target {self.on_target}/{self.block_total} ({self.target_rate:.1%}), "
            f"pass {self.passed}/{self.pass_total} "
            f"({self.pass_rate:.1%}, {self.reviewed_pass} held for review)"
        )


def corpus_profile(name: str) -> ComplianceProfile:
    """The shipped defaults of profile ``name`` for the corpus deployment."""
    checked = default_profile(name, Settings())  # raises InputError for an unknown name
    return default_profile(checked.name, Settings(**CORPUS_DEPLOYMENT[checked.name]))


def _corpus_set(which: str) -> tuple[str, str]:
    if which not in CORPUS_SETS:
        raise InputError(
            f"unknown corpus {which!r}: use {', '.join(CORPUS_SETS)}",
            f"未知语料 {which!r}：请用 {'、'.join(CORPUS_SETS)}",
        )
    return CORPUS_SETS[which]


def load_corpus(name: str, which: str = "shipped") -> list[CorpusCase]:
    """The must-block and must-pass lines of profile ``name`` in corpus set ``which``."""
    cases: list[CorpusCase] = []
    folder = resources.files("dunning.compliance").joinpath("corpus")
    sub, _ = _corpus_set(which)
    if sub:
        folder = folder.joinpath(sub)
    for kind in ("block", "pass"):
        resource = folder.joinpath(f"{name.lower()}_{kind}.jsonl")
        if not resource.is_file():
            continue
        for number, line in enumerate(resource.read_text(encoding="utf-8").splitlines(), start=1):
            if not line.strip():
                continue
            try:
                raw = json.loads(line)
                identity = raw.get("identity")
                cases.append(
                    CorpusCase(
                        id=str(raw["id"]),
                        text=str(raw["text"]),
                        must_block=kind == "block",
                        expect=tuple(raw.get("expect", ())),
                        context=dict(raw.get("context", {})),
                        kind=parse_kind(raw["kind"]) if raw.get("kind") is not None else None,
                        label=raw.get("class"),
                        identity=Identity.parse(identity) if identity is not None else None,
                        scope=_line_scope(raw.get("scope")),
                    )
                )
            except (ValueError, KeyError, TypeError, InputError) as exc:
                raise ConfigError(
                    f"corpus {resource.name} line {number} is malformed: {exc}",
                    f"语料 {resource.name} 第 {number} 行格式错误：{exc}",
                ) from exc
    return cases


def _line_scope(value: Any) -> str | None:
    if value is None:
        return None
    if value not in SCOPES:
        raise InputError(f"scope must be one of {', '.join(SCOPES)}", f"scope 须为 {'、'.join(SCOPES)} 之一")
    return str(value)


def case_record(case: CorpusCase, text: str | None = None) -> dict[str, Any]:
    """The gate record of ``case`` (its text, or ``text`` instead), with its context and kind."""
    record: dict[str, Any] = {"body": case.text if text is None else text, **case.context}
    if case.kind is not None:
        record["kind"] = case.kind
    return record


def judge_cases(
    cases: Sequence[CorpusCase],
    profile: ComplianceProfile,
    scope: str,
    *,
    texts: Sequence[str] | None = None,
    forced: bool = False,
) -> list[Verdict]:
    """Verdicts of ``cases`` (or of ``texts`` in their place), each in its own scope if it has one,
    else in ``scope``; ``forced``: ``scope`` for every line."""
    scopes = [scope if forced else (c.scope or scope) for c in cases]
    by_index: dict[int, Verdict] = {}
    for one in dict.fromkeys(scopes):
        picked = [i for i, s in enumerate(scopes) if s == one]
        judged = judge_records(
            [case_record(cases[i], None if texts is None else texts[i]) for i in picked],
            profile,
            scope=one,
            identities=[cases[i].identity for i in picked],
        )
        by_index.update(zip(picked, judged, strict=True))
    return [by_index[i] for i in range(len(cases))]


def run_corpus(name: str, which: str = "shipped", *, scope: str | None = None) -> CorpusReport:
    """Run the profile's corpus set through the gate and measure both rates."""
    profile = corpus_profile(name)
    chosen_scope = scope or _corpus_set(which)[1]
    if chosen_scope not in SCOPES:
        raise InputError(f"scope must be one of {', '.join(SCOPES)}", f"scope 须为 {'、'.join(SCOPES)} 之一")
    cases = load_corpus(profile.name, which)
    verdicts = judge_cases(cases, profile, chosen_scope, forced=scope is not None)
    misses: list[CorpusMiss] = []
    blocked = on_target = passed = reviewed_block = reviewed_pass = 0
    for case, verdict in zip(cases, verdicts, strict=True):
        got = verdict.violations
        held = verdict.outcome == "review"
        if case.must_block:
            hit = bool(set(case.expect) & set(got)) if case.expect else bool(got)
            stopped = bool(got) or held
            blocked += stopped
            reviewed_block += held
            on_target += hit or held
            if not (hit or held):
                kind = "off_target" if got else "not_blocked"
                misses.append(CorpusMiss(case.id, kind, case.text, case.expect, got))
        elif got or held:
            reviewed_pass += held and not got
            misses.append(CorpusMiss(case.id, "review" if not got else "false_block", case.text, (), got))
        else:
            passed += 1
    n_block = sum(c.must_block for c in cases)
    return CorpusReport(
        profile.name,
        n_block,
        blocked,
        on_target,
        len(cases) - n_block,
        passed,
        tuple(misses),
        corpus=which,
        scope=chosen_scope,
        reviewed_block=reviewed_block,
        reviewed_pass=reviewed_pass,
    )
