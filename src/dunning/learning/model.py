"""Bayesian logistic regression with a Gaussian prior, fitted by Newton's method, with the Laplace
approximation of its posterior: what Thompson sampling draws from.

scikit-learn's LogisticRegression gives the point estimate but not the posterior covariance, and
needs no more than these few lines once the prior is Gaussian (docs/decisions/0019).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["Posterior", "fit_logit", "sigmoid"]


def sigmoid(z: np.ndarray) -> np.ndarray:
    return np.asarray(1.0 / (1.0 + np.exp(-np.clip(z, -30, 30))), dtype=np.float64)


@dataclass(frozen=True)
class Posterior:
    """N(mean, cov) over the weights; ``rows`` is how many observations it was fitted on."""

    mean: np.ndarray
    cov_chol: np.ndarray
    rows: int = 0

    def draw(self, k: int, rng: np.random.Generator, *, scale: float = 1.0) -> np.ndarray:
        """``k`` weight vectors (k × d); ``scale`` shrinks the spread (tempered posterior)."""
        z = rng.standard_normal((k, self.mean.shape[0]))
        return np.asarray(self.mean + scale * (z @ self.cov_chol.T), dtype=np.float64)

    @property
    def sd(self) -> np.ndarray:
        return np.asarray(np.sqrt(np.sum(self.cov_chol**2, axis=1)), dtype=np.float64)


def fit_logit(
    x: np.ndarray,
    y: np.ndarray,
    *,
    prior_mean: np.ndarray,
    prior_precision: np.ndarray,
    weights: np.ndarray | None = None,
    iterations: int = 30,
) -> Posterior:
    """MAP weights and the inverse Hessian at them. With no rows, the posterior is the prior."""
    d = prior_mean.shape[0]
    w = prior_mean.astype(np.float64).copy()
    obs_w = np.ones(x.shape[0]) if weights is None else weights.astype(np.float64)
    precision = np.diag(prior_precision.astype(np.float64))

    def objective(v: np.ndarray) -> float:
        z = x @ v
        # log σ(z) and log(1 − σ(z)) computed stably
        loglik = float(np.sum(obs_w * (y * -np.logaddexp(0.0, -z) + (1.0 - y) * -np.logaddexp(0.0, z))))
        return loglik - 0.5 * float(np.sum(prior_precision * (v - prior_mean) ** 2))

    current = objective(w)
    hessian = precision
    for _ in range(iterations):
        p = sigmoid(x @ w)
        gradient = x.T @ (obs_w * (y - p)) - prior_precision * (w - prior_mean)
        hessian = (x * (obs_w * p * (1.0 - p))[:, None]).T @ x + precision
        step = np.linalg.solve(hessian, gradient)
        # Newton with step halving: the penalised likelihood never goes down.
        scale = 1.0
        while scale > 1e-4:
            candidate = w + scale * step
            value = objective(candidate)
            if value >= current - 1e-9:
                break
            scale /= 2.0
        else:
            break
        w, previous, current = candidate, current, value
        if float(np.max(np.abs(scale * step))) < 1e-6 or abs(current - previous) < 1e-9:
            break
    p = sigmoid(x @ w)
    hessian = (x * (obs_w * p * (1.0 - p))[:, None]).T @ x + precision
    cov = np.linalg.inv(hessian)
    cov = (cov + cov.T) / 2.0 + np.eye(d) * 1e-12
    return Posterior(w, np.linalg.cholesky(cov), int(x.shape[0]))
