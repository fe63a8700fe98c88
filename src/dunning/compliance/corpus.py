"""The shipped test corpus: realistic collection SMS that must be blocked and ones that must pass.

A linter that blocks everything is as broken as one that blocks nothing, so both rates are measured.
Each must-block line names the rule(s) expected to catch it (``expect``); it counts as caught on
target only when one of them fires, so a text blocked for some unrelated reason does not hide a gap.

The texts are written for a fixed deployment (``CORPUS_DEPLOYMENT``: the CN defaults of
``Settings`` and a US lender), independent of the local dunning.toml, and run against the shipped
profile defaults.

Line format (JSON)::

    {"id": "cn-b-001", "text": "…", "expect": ["content.threat_arrest"], "context": {"time_barred": true}}
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

from dunning.compliance.gate import evaluate_records
from dunning.compliance.profiles import ComplianceProfile, default_profile
from dunning.core.errors import ConfigError
from dunning.core.profiles import PROFILE_IDENTITY
from dunning.core.settings import Settings

__all__ = [
    "CORPUS_DEPLOYMENT",
    "CorpusCase",
    "CorpusMiss",
    "CorpusReport",
    "corpus_profile",
    "load_corpus",
    "run_corpus",
]

#: The deployment the corpus texts are written for: each profile's example identity.
CORPUS_DEPLOYMENT: dict[str, dict[str, Any]] = {
    name: dict(identity) for name, identity in PROFILE_IDENTITY.items()
}


@dataclass(frozen=True, slots=True)
class CorpusCase:
    id: str
    text: str
    must_block: bool
    expect: tuple[str, ...] = ()
    context: dict[str, Any] = field(default_factory=dict)


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
            f"{self.profile}: block {self.blocked}/{self.block_total} ({self.block_rate:.1%}), "
            f"on target {self.on_target}/{self.block_total} ({self.target_rate:.1%}), "
            f"pass {self.passed}/{self.pass_total} ({self.pass_rate:.1%})"
        )


def corpus_profile(name: str) -> ComplianceProfile:
    """The shipped defaults of profile ``name`` for the corpus deployment."""
    checked = default_profile(name, Settings())  # raises InputError for an unknown name
    return default_profile(checked.name, Settings(**CORPUS_DEPLOYMENT[checked.name]))


def load_corpus(name: str) -> list[CorpusCase]:
    cases: list[CorpusCase] = []
    folder = resources.files("dunning.compliance").joinpath("corpus")
    for kind in ("block", "pass"):
        resource = folder.joinpath(f"{name.lower()}_{kind}.jsonl")
        for number, line in enumerate(resource.read_text(encoding="utf-8").splitlines(), start=1):
            if not line.strip():
                continue
            try:
                raw = json.loads(line)
                cases.append(
                    CorpusCase(
                        id=str(raw["id"]),
                        text=str(raw["text"]),
                        must_block=kind == "block",
                        expect=tuple(raw.get("expect", ())),
                        context=dict(raw.get("context", {})),
                    )
                )
            except (ValueError, KeyError, TypeError) as exc:
                raise ConfigError(
                    f"corpus {resource.name} line {number} is malformed: {exc}",
                    f"语料 {resource.name} 第 {number} 行格式错误：{exc}",
                ) from exc
    return cases


def run_corpus(name: str) -> CorpusReport:
    """Run the profile's corpus through the gate and measure both rates."""
    profile = corpus_profile(name)
    cases = load_corpus(profile.name)
    results = evaluate_records([{"body": c.text, **c.context} for c in cases], profile)
    misses: list[CorpusMiss] = []
    blocked = on_target = passed = 0
    for case, ids in zip(cases, results, strict=True):
        got = tuple(ids)
        if case.must_block:
            hit = bool(set(case.expect) & set(got)) if case.expect else bool(got)
            blocked += bool(got)
            on_target += hit
            if not hit:
                kind = "off_target" if got else "not_blocked"
                misses.append(CorpusMiss(case.id, kind, case.text, case.expect, got))
        elif got:
            misses.append(CorpusMiss(case.id, "false_block", case.text, (), got))
        else:
            passed += 1
    n_block = sum(c.must_block for c in cases)
    return CorpusReport(
        profile.name, n_block, blocked, on_target, len(cases) - n_block, passed, tuple(misses)
    )
