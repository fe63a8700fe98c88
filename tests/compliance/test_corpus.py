from __future__ import annotations

import pytest

from dunning.compliance import run_corpus
from dunning.compliance.corpus import load_corpus
from dunning.compliance.lexicon import FORBIDDEN

# COMPLIANCE.md's twelve forbidden-content categories, by the rule that covers each.
CATEGORIES = {
    1: "content.threat_arrest",
    2: "content.impersonation",
    3: "content.third_party_contact",
    4: "content.public_shaming",
    5: "content.intimidation",
    6: "content.false_consequence",
    7: "content.invented_fee",
    8: "content.new_borrowing",
    9: "content.private_channel",
    10: "personal_data.terms",
    11: "content.time_barred_litigation",
    12: "content.pretext",
}


@pytest.mark.parametrize("name", ["CN", "US"])
def test_corpus_rates(name: str) -> None:
    report = run_corpus(name)
    print(report.summary())
    misses = "\n".join(f"{m.id} {m.kind} expected={m.expected} got={m.got}: {m.text}" for m in report.misses)
    assert report.target_rate == 1.0, f"{report.summary()}\n{misses}"
    assert report.pass_rate == 1.0, f"{report.summary()}\n{misses}"
    assert report.block_rate == 1.0


@pytest.mark.parametrize("name", ["CN", "US"])
def test_corpus_is_broad(name: str) -> None:
    cases = load_corpus(name)
    block = [c for c in cases if c.must_block]
    passing = [c for c in cases if not c.must_block]
    assert len(block) >= 120 and len(passing) >= 75
    assert len({c.id for c in cases}) == len(cases)
    expected = {rule for c in block for rule in c.expect}
    assert set(CATEGORIES.values()) <= expected
    assert set(FORBIDDEN) <= expected
    assert {"link.not_allowed", "number.not_allowed", "personal_data.account_number"} <= expected
    for rule in CATEGORIES.values():
        assert sum(rule in c.expect for c in block) >= 4, rule
    # Truthful statements about litigation are in the must-pass set with the time-barred flag off.
    assert any(c.context.get("time_barred") is False for c in passing)
    assert any(c.context.get("time_barred") is True for c in passing)
