"""Mutations keep what a message needs and change what they claim to; the harness reports per class."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from dunning.compliance.mutations import MUTATIONS, classes_for, mutate
from dunning.compliance.normalise import compact
from dunning.compliance.redteam import redteam

CN = "【安信金融】张*您好，您的借款已逾期12天，欠款892.00元，再不还款将移交经侦立案侦查。客服95000。退订回T"
US = (
    "Harbor Lending: pay $120.00 today or we will have you arrested. Call 1-800-555-0100. "
    "Reply STOP to opt out."
)

_KEPT = re.compile(r"【[^】]*】|\d[\d,.:/\-]*|STOP|退订")


def test_every_class_changes_text_and_keeps_signature_numbers_and_opt_out() -> None:
    for mutation in MUTATIONS:
        text = CN if "CN" in mutation.profiles else US
        out = mutate(text, mutation, seed=1)
        assert out != text, mutation.name
        for kept in _KEPT.findall(text):
            assert kept in out, (mutation.name, kept)


def test_mutations_are_deterministic_per_seed() -> None:
    for mutation in classes_for("US"):
        assert mutate(US, mutation, seed=3) == mutate(US, mutation, seed=3)


@settings(deadline=None)  # the first example loads pypinyin's tables
@given(st.text(min_size=0, max_size=60))
def test_no_mutation_crashes_on_any_text(text: str) -> None:
    for mutation in MUTATIONS:
        mutate(text, mutation, seed=0)


def test_separator_and_traditional_mutations_are_undone_by_normalisation() -> None:
    for name in ("separators", "emoji", "traditional", "fullwidth"):
        assert "移交经侦立案侦查" in compact(mutate(CN, name, seed=2)), name


def test_the_harness_reports_every_class_and_the_corpus_as_written() -> None:
    report = redteam("US")
    names = [c.name for c in report.classes]
    assert names[0] == "none" and set(names[1:]) == {m.name for m in classes_for("US")}
    baseline = report.classes[0]
    assert baseline.block_rate == 1.0 and baseline.pass_rate == 1.0
    assert all(
        c.block_total == baseline.block_total and c.pass_total == baseline.pass_total for c in report.classes
    )
