"""Off-policy estimators on a synthetic log whose answer is known exactly."""

from __future__ import annotations

import numpy as np
import pytest

from dunning.learning.offpolicy import evaluate_policy


def _log(n: int, seed: int) -> tuple[np.ndarray, ...]:
    """Contexts x ~ U(0, 1); reward of sending 0.1 + 0.3x, of skipping 0.2; the logger sends with
    probability 0.2 + 0.6x (so it over-samples high x, and naive means are biased)."""
    rng = np.random.default_rng(seed)
    x = rng.random(n)
    p_send = 0.2 + 0.6 * x
    sent = rng.random(n) < p_send
    mean = np.where(sent, 0.1 + 0.3 * x, 0.2)
    reward = (rng.random(n) < mean).astype(float)
    return x, p_send, sent, reward


def test_ips_snips_and_dr_recover_a_target_policy_value_the_log_did_not_follow() -> None:
    x, p_send, sent, reward = _log(200_000, 1)
    target = (x > 1 / 3).astype(float)  # send exactly where sending beats skipping (0.1 + 0.3x > 0.2)
    # True value: ∫0^⅓ 0.2 dx + ∫⅓^1 (0.1 + 0.3x) dx = 0.2/3 + [0.1x + 0.15x²]⅓¹ = 0.0667 + 0.1333 = 0.2
    truth = 0.2 / 3 + (0.1 + 0.15) - (0.1 / 3 + 0.15 / 9)
    q_send = 0.1 + 0.3 * x
    q_skip = np.full_like(x, 0.2)
    out = evaluate_policy(reward, sent, p_send, target, q_send=q_send, q_skip=q_skip)
    assert out["ips"]["value"] == pytest.approx(truth, abs=0.005)  # type: ignore[index]
    assert out["snips"]["value"] == pytest.approx(truth, abs=0.005)  # type: ignore[index]
    assert out["dr"]["value"] == pytest.approx(truth, abs=0.003)  # type: ignore[index]
    assert out["dr"]["ci_low"] < truth < out["dr"]["ci_high"]  # type: ignore[index]
    # The logged policy's own mean is not the target's value.
    logged_truth = float(np.mean(p_send * (0.1 + 0.3 * x) + (1 - p_send) * 0.2))
    assert out["logged"]["value"] == pytest.approx(logged_truth, abs=0.005)  # type: ignore[index]
    assert abs(logged_truth - truth) > 0.01
    assert out["unsupported_share"] == 0.0


def test_doubly_robust_survives_a_wrong_outcome_model() -> None:
    x, p_send, sent, reward = _log(200_000, 2)
    target = np.full_like(x, 0.5)
    truth = float(np.mean(0.5 * (0.1 + 0.3 * x) + 0.5 * 0.2))
    wrong = evaluate_policy(
        reward, sent, p_send, target, q_send=np.full_like(x, 0.9), q_skip=np.zeros_like(x)
    )
    assert wrong["dm"]["value"] == pytest.approx(0.45, abs=1e-9)  # type: ignore[index]  # the model alone is wrong
    assert wrong["dr"]["value"] == pytest.approx(truth, abs=0.005)  # type: ignore[index]  # DR corrects it


def test_dr_with_the_true_model_is_steadier_than_ips() -> None:
    x, p_send, sent, reward = _log(20_000, 3)
    target = (x > 0.5).astype(float)
    out = evaluate_policy(reward, sent, p_send, target, q_send=0.1 + 0.3 * x, q_skip=np.full_like(x, 0.2))
    width = lambda e: e["ci_high"] - e["ci_low"]  # noqa: E731
    assert width(out["dr"]) < width(out["ips"])  # type: ignore[arg-type]


def test_mass_the_logger_never_puts_on_an_action_is_reported_as_unsupported() -> None:
    reward = np.array([1.0, 0.0, 1.0, 0.0])
    sent = np.array([False, False, True, True])
    logged = np.array([0.0, 0.0, 1.0, 0.5])  # two rows could not send, one had to
    target = np.ones(4)
    out = evaluate_policy(reward, sent, logged, target)
    assert out["unsupported_share"] == pytest.approx(0.5)
