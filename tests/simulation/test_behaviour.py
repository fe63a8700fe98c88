"""The debtor-behaviour model: calibrated hazards, effects of the right sign, shared luck."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pytest

from dunning.simulation.behaviour import (
    MONTHLY_CURE,
    Behaviour,
    Delivery,
    Population,
    daily_hazard,
    slot_multiplier,
)

UCI = Path(__file__).resolve().parents[3] / "shared" / "data" / "uci_credit_card" / "train.csv"


def _population(n: int = 4000) -> Population:
    rng = np.random.default_rng(5)
    return Population.draw([f"D{i}" for i in range(n)], rng.random(n), rng.integers(-3, 120, n), seed=9)


def test_hazards_follow_the_stages_and_compound_to_the_monthly_cure_rates() -> None:
    h = daily_hazard(np.array([-2, 10, 45, 75, 200]))
    assert list(h) == sorted(h, reverse=True)
    assert 1 - (1 - h[1]) ** 30 == pytest.approx(MONTHLY_CURE["M1"])
    assert 1 - (1 - h[2]) ** 30 == pytest.approx(MONTHLY_CURE["M2"])


@pytest.mark.skipif(not UCI.exists(), reason="the UCI histories are not beside this checkout")
def test_monthly_cure_rates_are_the_uci_transitions() -> None:
    import polars as pl

    df = pl.read_csv(UCI)
    cols = ["PAY_6", "PAY_5", "PAY_4", "PAY_3", "PAY_2", "PAY_0"]
    pairs = pl.concat(
        df.select(pl.col(a).alias("f"), pl.col(b).alias("n")) for a, b in itertools.pairwise(cols)
    )

    def cure(status: int) -> float:
        rows = pairs.filter(pl.col("f") == status)
        return rows.filter(pl.col("n") <= 0).height / rows.height

    assert cure(2) == pytest.approx(MONTHLY_CURE["M2"], abs=0.005)
    assert cure(3) == pytest.approx(MONTHLY_CURE["M3"], abs=0.005)
    current = pairs.filter(pl.col("f") <= 0)
    assert current.filter(pl.col("n") <= 0).height / current.height == pytest.approx(
        MONTHLY_CURE["pre"], abs=0.005
    )


def test_reminder_effects_are_heterogeneous_with_some_negative() -> None:
    pop = _population()
    responsive = pop.effect[pop.kind == 1]
    assert 0.03 <= float(np.mean(responsive[responsive > 0.05])) <= 0.11
    assert (pop.effect < 0).mean() > 0.1  # the best borrowers and the averse few
    assert 0.15 < (pop.kind == 1).mean() < 0.8


def test_mornings_help_more_than_evenings_and_repetition_fades() -> None:
    assert slot_multiplier(9 * 60) / slot_multiplier(19 * 60) == pytest.approx(1 / 0.6)
    pop = _population()
    i = int(np.flatnonzero((pop.kind == 1) & (pop.effect > 0))[0])
    b = Behaviour(pop, days=10, seed=1)
    first = b.uplift(i, 0, 9 * 60, "cn-early", 5)
    b.deliver(0, [Delivery(i, 9 * 60, "cn-early")], {i: 5})
    assert 0 < b.uplift(i, 1, 9 * 60, "cn-early", 6) < first
    assert b.harm(i, 1, 19 * 60, "cn-early") > b.harm(i, 1, 9 * 60, "cn-early")


def test_every_policy_meets_the_same_luck() -> None:
    pop = _population(500)
    a, b = Behaviour(pop, days=5, seed=3), Behaviour(pop, days=5, seed=3)
    debtors = np.arange(500)
    dpd = np.full(500, 10)
    assert a.payments(0, debtors, dpd) == b.payments(0, debtors, dpd)
    # A reminder can only change who pays through its effect: with a positive effect, more pay.
    helped = [int(i) for i in np.flatnonzero(pop.effect > 0.05)]
    a.deliver(0, [Delivery(i, 9 * 60, "cn-early") for i in helped], {})
    paid_a = {i for i, _ in a.payments(1, debtors, dpd)}
    paid_b = {i for i, _ in b.payments(1, debtors, dpd)}
    assert paid_b <= paid_a and len(paid_a) > len(paid_b)
