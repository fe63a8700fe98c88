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


@pytest.mark.parametrize("name", ["CN", "US"])
def test_training_and_evaluation_corpora_are_kept_apart(name: str) -> None:
    shipped, train, held_out = (load_corpus(name, which) for which in ("shipped", "train", "eval"))
    assert len(held_out) >= 400 and sum(c.must_block for c in held_out) >= 250
    assert len(train) >= 400
    texts = {
        which: {c.text for c in cases} for which, cases in (("s", shipped), ("t", train), ("e", held_out))
    }
    assert not texts["e"] & (texts["s"] | texts["t"])
    ids = [c.id for c in (*shipped, *train, *held_out)]
    assert len(ids) == len(set(ids))
    # evaluation lines come from many senders, each with its identity: content scope is measured
    assert all(c.identity is not None for c in held_out)
    assert len({c.identity.creditor for c in held_out if c.identity}) >= 15


@pytest.mark.parametrize("name", ["CN", "US"])
def test_the_blind_set_shares_nothing_with_the_others(name: str) -> None:
    others = [c for which in ("shipped", "train", "eval") for c in load_corpus(name, which)]
    blind = load_corpus(name, "blind")
    assert len(blind) >= 400 and sum(c.must_block for c in blind) >= 250
    assert not {c.text for c in blind} & {c.text for c in others}
    assert not {c.id for c in blind} & {c.id for c in others}
    assert all(c.identity is not None for c in blind)
    assert len({c.identity.creditor for c in blind if c.identity}) >= 15


def test_lines_without_a_sender_are_measured_in_content_scope() -> None:
    # train lines written without the corpus deployment's identity carry their own scope
    train = load_corpus("US", "train")
    assert {c.scope for c in train} == {None, "content"}
    report = run_corpus("US", "train")
    assert report.pass_rate >= 0.95


def test_an_unknown_corpus_set_is_refused() -> None:
    from dunning.core.errors import InputError

    with pytest.raises(InputError, match="unknown corpus"):
        load_corpus("CN", "secret")
