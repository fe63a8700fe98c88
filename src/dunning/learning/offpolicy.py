"""Off-policy evaluation: what another policy would have earned, estimated from the decision log.

Decisions are projected onto *send* / *skip*: the log has, per decision, whether a message was sent,
the logging policy's probability of sending (``p_send``), and the reward that followed. A target
policy gives its own probability of sending for the same row. Then, with ``w = π(a|x) / μ(a|x)``:

* **IPS** (inverse propensity scoring): mean of ``w · r``; unbiased when μ > 0 wherever π > 0.
* **SNIPS** (self-normalised): ``Σ w r / Σ w``; a little biased, much steadier.
* **DR** (doubly robust): mean of ``Σ_a π(a|x) q(x, a) + w (r − q(x, a_logged))``, with ``q`` an
  outcome model; unbiased if either the propensities or the model are right.

Rows where the target would send but the logger could not (μ = 0 for the target's action) are
*unsupported*: their share is reported, since no estimator can speak for them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

__all__ = ["Estimate", "evaluate_policy"]


@dataclass(frozen=True)
class Estimate:
    value: float
    low: float
    high: float

    def as_dict(self) -> dict[str, float]:
        return {"value": self.value, "ci_low": self.low, "ci_high": self.high}


def _mean_ci(terms: np.ndarray) -> Estimate:
    n = terms.shape[0]
    if n == 0:
        return Estimate(math.nan, math.nan, math.nan)
    mean = float(np.mean(terms))
    se = float(np.std(terms, ddof=1) / math.sqrt(n)) if n > 1 else math.nan
    return Estimate(mean, mean - 1.96 * se, mean + 1.96 * se)


def evaluate_policy(
    reward: np.ndarray,
    sent: np.ndarray,
    logged_p_send: np.ndarray,
    target_p_send: np.ndarray,
    *,
    q_send: np.ndarray | None = None,
    q_skip: np.ndarray | None = None,
) -> dict[str, object]:
    """IPS, SNIPS and (with an outcome model ``q_send``/``q_skip``) DR estimates of the mean reward
    per decision under the target, plus the logged policy's own mean and the unsupported share."""
    sent = sent.astype(bool)
    mu = np.where(sent, logged_p_send, 1.0 - logged_p_send)
    pi = np.where(sent, target_p_send, 1.0 - target_p_send)
    supported = mu > 0
    # The target's probability mass on actions the logger never takes for this row.
    unsupported = np.where(logged_p_send <= 0, target_p_send, 0.0) + np.where(
        logged_p_send >= 1, 1.0 - target_p_send, 0.0
    )
    w = np.where(supported, pi / np.where(supported, mu, 1.0), 0.0)
    out: dict[str, object] = {
        "rows": int(reward.shape[0]),
        "logged": _mean_ci(reward).as_dict(),
        "ips": _mean_ci(w * reward).as_dict(),
        "snips": {"value": float(np.sum(w * reward) / np.sum(w)) if np.sum(w) > 0 else math.nan},
        "unsupported_share": float(np.mean(unsupported)) if reward.shape[0] else 0.0,
        "target_send_rate": float(np.mean(target_p_send)) if reward.shape[0] else 0.0,
        "effective_sample_size": float(np.sum(w) ** 2 / np.sum(w**2)) if np.sum(w**2) > 0 else 0.0,
    }
    if q_send is not None and q_skip is not None:
        q_logged = np.where(sent, q_send, q_skip)
        direct = target_p_send * q_send + (1.0 - target_p_send) * q_skip
        out["dm"] = _mean_ci(direct).as_dict()
        out["dr"] = _mean_ci(direct + w * (reward - q_logged)).as_dict()
    return out
