"""The adaptive policy's model and choices, on synthetic decisions whose truth is known."""

from __future__ import annotations

import json

import numpy as np
import polars as pl
import pytest

from dunning.learning.features import FEATURES
from dunning.learning.model import fit_logit, sigmoid
from dunning.learning.policy import SKIP, PolicySpec, choose, learn

SPEC = PolicySpec(
    templates=("t-a", "t-b"), slots=("09:00-11:00", "18:30-20:30"), message_cost=1.0, harm_cost=50.0
)


def _features(n: int, rng: np.random.Generator) -> pl.DataFrame:
    data = {name: np.zeros(n) for name in FEATURES}
    data["stage_early"] = np.ones(n)
    data["risk"] = rng.random(n)
    data["risk_under_20"] = (data["risk"] < 0.2).astype(float)
    return pl.DataFrame(data)


def test_newton_fit_recovers_known_weights() -> None:
    rng = np.random.default_rng(0)
    x = np.hstack([np.ones((20_000, 1)), rng.standard_normal((20_000, 2))])
    truth = np.array([-1.0, 0.8, -0.5])
    y = (rng.random(20_000) < sigmoid(x @ truth)).astype(float)
    post = fit_logit(x, y, prior_mean=np.zeros(3), prior_precision=np.full(3, 0.01))
    assert post.mean == pytest.approx(truth, abs=0.06)
    assert np.all(post.sd < 0.05)


def test_with_no_data_the_posterior_is_the_prior() -> None:
    post = fit_logit(
        np.zeros((0, 2)), np.zeros(0), prior_mean=np.array([1.0, -1.0]), prior_precision=np.array([4.0, 1.0])
    )
    assert post.mean == pytest.approx([1.0, -1.0])
    assert post.sd == pytest.approx([0.5, 1.0])


def _synthetic_log(n: int, seed: int) -> pl.DataFrame:
    """Random sends; a morning message adds 10 pp to P(pay) for risk ≥ 0.2 and takes 5 pp from the
    others; evenings do half as much good."""
    rng = np.random.default_rng(seed)
    feats = _features(n, rng)
    send = rng.random(n) < 0.5
    morning = rng.random(n) < 0.5
    risk = feats["risk"].to_numpy()
    effect = np.where(risk >= 0.2, 0.10, -0.05) * np.where(morning | (risk < 0.2), 1.0, 0.5)
    p = 0.10 + np.where(send, effect, 0.0)
    paid = (rng.random(n) < p).astype(float)
    actions = [
        SKIP if not s else f"{'t-a' if i % 2 else 't-b'}@{SPEC.slots[0] if m else SPEC.slots[1]}"
        for i, (s, m) in enumerate(zip(send, morning, strict=True))
    ]
    return pl.DataFrame(
        {
            "features": [json.dumps(r) for r in feats.to_dicts()],
            "action": actions,
            "paid": paid,
            "harm": np.zeros(n),
            "observed": np.ones(n),
        }
    )


def test_learned_uplift_targets_who_benefits_and_prefers_the_better_window() -> None:
    learned = learn(_synthetic_log(40_000, 1), SPEC)
    summary = learned.summary()
    assert summary["slots"]["09:00-11:00"]["pay"] > summary["slots"]["18:30-20:30"]["pay"]
    rng = np.random.default_rng(2)
    feats = _features(2_000, rng)
    risk = feats["risk"].to_numpy()
    amount = np.full(2_000, 100.0)
    choice = choose(feats, amount, [["t-a", "t-b"]] * 2_000, learned, rng)
    helped = risk >= 0.2
    assert choice.p_send[helped].mean() > 0.85
    assert choice.p_send[~helped].mean() < 0.2
    morning = np.array([a.endswith(SPEC.slots[0]) for a in choice.action])
    sent = np.array([a != SKIP for a in choice.action])
    assert morning[sent & helped].mean() > 0.8


def test_probabilities_are_a_distribution_and_the_logged_one_is_the_drawn_actions() -> None:
    learned = learn(_synthetic_log(5_000, 3), SPEC)
    rng = np.random.default_rng(4)
    feats = _features(500, rng)
    allowed = [["t-a"] if i % 3 else ["t-a", "t-b"] for i in range(500)]
    may_send = np.arange(500) % 10 != 0
    choice = choose(feats, np.full(500, 100.0), allowed, learned, rng, may_send=may_send)
    assert choice.probabilities.sum(axis=1) == pytest.approx(np.ones(500))
    index = {a: i for i, a in enumerate(choice.actions)}
    for row, action in enumerate(choice.action):
        assert choice.probability[row] == pytest.approx(choice.probabilities[row, index[action]])
        assert choice.probability[row] > 0
        if not may_send[row]:
            assert action == SKIP and choice.probability[row] == 1.0
        if action != SKIP:
            assert action.split("@")[0] in allowed[row]
    # Exploration keeps every allowed action possible.
    assert (choice.probabilities[may_send][:, 0] >= SPEC.explore / 5 - 1e-12).all()
