"""The adaptive policy: an uplift model of payment and harm, and Thompson sampling over it.

For each debtor the policy chooses ``skip`` or a ``template@window`` among those it is allowed. Two
Bayesian logistic models (:mod:`.model`) are learned from the decision log and what followed:

* **payment**: P(pays within the horizon | features, action) with the features, and the features
  again times "a message was sent", plus the window and template of a sent message. The treatment
  terms are the **uplift**: how much a message changes the chance of payment, per debtor. It can be
  zero (they would pay anyway, or never) or negative (reminders put some people off).
* **harm**: P(complaint or opt-out within the horizon | a message with this window and template).

The value of sending is ``balance × uplift − harm_cost × P(harm) − message_cost``; skipping is
worth 0. Thompson sampling draws the weights ``draws`` times from the posteriors; the share of draws
in which an action is best is its probability, mixed with ``explore`` spread over every allowed
action so that each keeps some chance (the log then supports off-policy evaluation). The action is
drawn from those probabilities and the probability of what was drawn is logged.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import polars as pl

from dunning.learning.features import FEATURES, matrix
from dunning.learning.model import Posterior, fit_logit, sigmoid

__all__ = ["SKIP", "Choice", "Learned", "PolicySpec", "action_name", "choose", "learn", "split_action"]

SKIP = "skip"
#: The features a message's effect may depend on (the uplift terms). Fewer than the features of
#: the baseline: each one costs data before the policy can tell who benefits.
TREATED: tuple[str, ...] = (
    "stage_pre_due",
    "stage_due",
    "stage_early",
    "stage_mid",
    "risk_under_20",
    "risk_20_40",
    "risk_40_60",
    "risk_60_80",
    "log_amount",
    "ability",
    "willingness",
    "delivered_7d",
    "contacted_yesterday",
    "refused",
    "promises_broken",
)
#: columns of the design matrix (intercept first) the uplift terms use
_T = np.array([0, *(1 + FEATURES.index(name) for name in TREATED)])
#: Prior mean of the payment intercept: a few debtors in a hundred pay on a given few days.
_PAY_PRIOR = -3.0
#: Prior mean of the harm intercept: about one message in a hundred draws a complaint or opt-out.
_HARM_PRIOR = -4.5
_CHUNK = 20_000


@dataclass(frozen=True)
class PolicySpec:
    templates: tuple[str, ...]
    slots: tuple[str, ...]
    message_cost: float = 1.0
    harm_cost: float = 300.0
    explore: float = 0.1
    draws: int = 64
    horizon_days: int = 3
    #: spread of the posterior draws (1 = plain Thompson sampling; below 1 exploits more)
    posterior_scale: float = 1.0

    @property
    def n_pay(self) -> int:
        return 1 + len(FEATURES) + len(_T) + len(self.slots) + len(self.templates)

    @property
    def n_harm(self) -> int:
        return 1 + len(FEATURES) + len(self.slots) + len(self.templates)


def action_name(template: str, slot: str) -> str:
    return f"{template}@{slot}"


def split_action(action: str) -> tuple[str, str] | None:
    if action == SKIP or "@" not in action:
        return None
    template, _, slot = action.rpartition("@")
    return template, slot


@dataclass(frozen=True)
class Learned:
    spec: PolicySpec
    pay: Posterior
    harm: Posterior
    rows: int = 0
    sends: int = 0
    payers: int = 0
    harms: int = 0

    def summary(self) -> dict[str, Any]:
        """Posterior means of what the policy has learned (for ``dunning learn``)."""
        d, k = 1 + len(FEATURES), len(_T)
        s, t = len(self.spec.slots), len(self.spec.templates)
        pay_mean, pay_sd, harm_mean = self.pay.mean, self.pay.sd, self.harm.mean
        names = ("intercept", *TREATED)
        return {
            "rows": self.rows,
            "sends": self.sends,
            "payers": self.payers,
            "harms": self.harms,
            "uplift_terms": {
                n: {"mean": round(float(pay_mean[d + i]), 4), "sd": round(float(pay_sd[d + i]), 4)}
                for i, n in enumerate(names)
            },
            "slots": {
                slot: {
                    "pay": round(float(pay_mean[d + k + i]), 4),
                    "harm": round(float(harm_mean[d + i]), 4),
                }
                for i, slot in enumerate(self.spec.slots)
            },
            "templates": {
                tpl: {
                    "pay": round(float(pay_mean[d + k + s + i]), 4),
                    "harm": round(float(harm_mean[d + s + i]), 4),
                }
                for i, tpl in enumerate(self.spec.templates)
            },
            "_shape": [d, s, t],
        }


def _decode(features: pl.Series) -> np.ndarray:
    dtype = pl.Struct({name: pl.Float64() for name in FEATURES})
    decoded = (
        features.str.json_decode(dtype).struct.unnest()
        if features.len()
        else pl.DataFrame(schema=dict.fromkeys(FEATURES, pl.Float64()))
    )
    return matrix(decoded.fill_null(0.0))


def _one_hots(actions: list[str], spec: PolicySpec) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    n = len(actions)
    send = np.zeros(n)
    slots = np.zeros((n, len(spec.slots)))
    templates = np.zeros((n, len(spec.templates)))
    slot_index = {s: i for i, s in enumerate(spec.slots)}
    template_index = {t: i for i, t in enumerate(spec.templates)}
    for row, action in enumerate(actions):
        parts = split_action(action)
        if parts is None:
            continue
        send[row] = 1.0
        if parts[1] in slot_index:
            slots[row, slot_index[parts[1]]] = 1.0
        if parts[0] in template_index:
            templates[row, template_index[parts[0]]] = 1.0
    return send, slots, templates


def _pay_prior(spec: PolicySpec) -> tuple[np.ndarray, np.ndarray]:
    d = 1 + len(FEATURES)
    mean = np.zeros(spec.n_pay)
    mean[0] = _PAY_PRIOR
    precision = np.full(spec.n_pay, 1.0)
    precision[0] = 0.25
    # The treatment terms are shrunk harder: most things a message could do, it does not do much.
    precision[d:] = 4.0
    # Windows start from what is known (COLLECTIONS.md, the outside measurement): a morning
    # reminder does more than an evening one. The data moves these freely.
    first_slot = d + len(_T)
    for i, slot in enumerate(spec.slots):
        mean[first_slot + i] = _window_prior(slot)
    return mean, precision


def _window_prior(slot: str) -> float:
    """Prior log-odds of a window's effect: +0.15 before noon, −0.15 from 17:00, 0 between."""
    hour = int(slot.split(":", 1)[0]) if slot[:2].isdigit() else 12
    return 0.15 if hour < 12 else (-0.15 if hour >= 17 else 0.0)


def _harm_prior(spec: PolicySpec) -> tuple[np.ndarray, np.ndarray]:
    mean = np.zeros(spec.n_harm)
    mean[0] = _HARM_PRIOR
    precision = np.full(spec.n_harm, 2.0)
    precision[0] = 0.25
    # Evening messages draw more complaints (COMPLIANCE.md: late sends are the commonest grievance).
    first_slot = 1 + len(FEATURES)
    for i, slot in enumerate(spec.slots):
        mean[first_slot + i] = -_window_prior(slot)
    return mean, precision


def learn(outcomes: pl.DataFrame, spec: PolicySpec, *, max_rows: int = 200_000) -> Learned:
    """Fit both posteriors on decisions with outcomes (:func:`.outcomes.attach_outcomes`); the most
    recent ``max_rows`` at most. No rows: the priors."""
    rows = outcomes.tail(max_rows)
    x = _decode(rows["features"]) if rows.height else np.zeros((0, 1 + len(FEATURES)))
    send, slots, templates = _one_hots(rows["action"].to_list() if rows.height else [], spec)
    paid = rows["paid"].to_numpy().astype(np.float64) if rows.height else np.zeros(0)
    harm = rows["harm"].to_numpy().astype(np.float64) if rows.height else np.zeros(0)
    observed = rows["observed"].to_numpy().astype(np.float64) if rows.height else np.zeros(0)
    # A decision whose horizon has only partly passed counts in part (unless it already paid).
    weight = np.where(paid > 0, 1.0, np.maximum(observed, 0.1))
    design = np.hstack([x, x[:, _T] * send[:, None], slots, templates])
    mean, precision = _pay_prior(spec)
    pay = fit_logit(design, paid, prior_mean=mean, prior_precision=precision, weights=weight)
    sent = send > 0
    harm_design = np.hstack([x, slots, templates])[sent]
    mean_h, precision_h = _harm_prior(spec)
    harm_post = fit_logit(
        harm_design, harm[sent], prior_mean=mean_h, prior_precision=precision_h, weights=weight[sent]
    )
    return Learned(
        spec, pay, harm_post, int(rows.height), int(sent.sum()), int((paid > 0).sum()), int(harm.sum())
    )


def _values(
    x: np.ndarray,
    amount: np.ndarray,
    mask: np.ndarray,
    learned: Learned,
    rng: np.random.Generator,
    scale: float,
) -> np.ndarray:
    """rows × draws × actions: the value of each action under each posterior draw (skip = 0, an
    action the row may not take = −inf)."""
    spec = learned.spec
    d, k, n_slots = 1 + len(FEATURES), len(_T), len(spec.slots)
    w = learned.pay.draw(spec.draws, rng, scale=scale)
    v = learned.harm.draw(spec.draws, rng, scale=scale)
    base = x @ w[:, :d].T
    treat = x[:, _T] @ w[:, d : d + k].T
    harm_x = x @ v[:, :d].T
    p0 = sigmoid(base)
    values = np.full((x.shape[0], spec.draws, 1 + len(spec.templates) * n_slots), -np.inf)
    values[:, :, 0] = 0.0
    for ti in range(len(spec.templates)):
        for si in range(n_slots):
            a = 1 + ti * n_slots + si
            if not mask[:, a].any():
                continue
            p1 = sigmoid(base + treat + w[:, d + k + si] + w[:, d + k + n_slots + ti])
            ph = sigmoid(harm_x + v[:, d + si] + v[:, d + n_slots + ti])
            value = amount[:, None] * (p1 - p0) - spec.harm_cost * ph - spec.message_cost
            values[:, :, a] = np.where(mask[:, a][:, None], value, -np.inf)
    return values


def _explain(
    x: np.ndarray, amount: np.ndarray, mask: np.ndarray, learned: Learned
) -> tuple[np.ndarray, np.ndarray]:
    """Posterior-mean uplift and harm of each row's best message (to explain a choice)."""
    spec = learned.spec
    d, k, n_slots = 1 + len(FEATURES), len(_T), len(spec.slots)
    w, v = learned.pay.mean, learned.harm.mean
    base, treat, harm_x = x @ w[:d], x[:, _T] @ w[d : d + k], x @ v[:d]
    best = np.full(x.shape[0], -np.inf)
    uplift, harm = np.zeros(x.shape[0]), np.zeros(x.shape[0])
    for ti in range(len(spec.templates)):
        for si in range(n_slots):
            a = 1 + ti * n_slots + si
            up = sigmoid(base + treat + w[d + k + si] + w[d + k + n_slots + ti]) - sigmoid(base)
            ph = sigmoid(harm_x + v[d + si] + v[d + n_slots + ti])
            value = amount * up - spec.harm_cost * ph
            better = mask[:, a] & (value > best)
            best = np.where(better, value, best)
            uplift = np.where(better, up, uplift)
            harm = np.where(better, ph, harm)
    return uplift, harm


@dataclass
class Choice:
    """Per row: the action drawn, its probability, P(send), and the posterior-mean uplift and harm
    of the best send action (for explaining the choice)."""

    action: list[str]
    probability: np.ndarray
    p_send: np.ndarray
    uplift: np.ndarray
    harm: np.ndarray
    actions: list[str] = field(default_factory=list)
    probabilities: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))


def choose(
    features: pl.DataFrame,
    amount_major: np.ndarray,
    allowed: list[list[str]],
    learned: Learned,
    rng: np.random.Generator,
    *,
    may_send: np.ndarray | None = None,
    sample: bool = True,
) -> Choice:
    """Thompson sampling for each row (``allowed``: the templates the row may receive; ``may_send``
    false forces ``skip``). ``sample=False`` computes the probabilities only (for evaluation)."""
    spec = learned.spec
    n = features.height
    actions = [SKIP] + [action_name(t, s) for t in spec.templates for s in spec.slots]
    probabilities = np.zeros((n, len(actions)))
    amount_major = np.asarray(amount_major, dtype=np.float64)
    uplift = np.zeros(n)
    harm_best = np.zeros(n)
    x_all = matrix(features)
    allowed_mask = np.zeros((n, len(actions)), dtype=bool)
    allowed_mask[:, 0] = True
    template_pos = {t: i for i, t in enumerate(spec.templates)}
    for row, templates in enumerate(allowed):
        for t in templates:
            if t in template_pos:
                start = 1 + template_pos[t] * len(spec.slots)
                allowed_mask[row, start : start + len(spec.slots)] = True
    if may_send is not None:
        allowed_mask[~may_send, 1:] = False
    for lo in range(0, n, _CHUNK):
        hi = min(n, lo + _CHUNK)
        x, amount, mask = x_all[lo:hi], amount_major[lo:hi], allowed_mask[lo:hi]
        # Whether to send: the share of draws of the tempered posterior in which the best message
        # is worth more than none. Which window and template: the share of draws of the plain
        # posterior in which each is best (exploring those costs no extra message).
        tempered = _values(x, amount, mask, learned, rng, spec.posterior_scale)
        plain = tempered if spec.posterior_scale == 1.0 else _values(x, amount, mask, learned, rng, 1.0)
        send_share = (tempered[:, :, 1:].max(axis=2) > 0).mean(axis=1)
        best_send = np.argmax(plain[:, :, 1:], axis=2)
        counts = np.zeros((hi - lo, len(actions) - 1))
        np.add.at(counts, (np.repeat(np.arange(hi - lo), spec.draws), best_send.ravel()), 1.0)
        given_send = counts / spec.draws
        thompson = np.hstack([(1.0 - send_share)[:, None], send_share[:, None] * given_send])
        uniform = mask / mask.sum(axis=1, keepdims=True)
        probabilities[lo:hi] = (1.0 - spec.explore) * thompson + spec.explore * uniform
        uplift[lo:hi], harm_best[lo:hi] = _explain(x, amount, mask, learned)
    # Rows that may not send: skip for certain.
    probabilities = np.where(allowed_mask, probabilities, 0.0)
    probabilities /= probabilities.sum(axis=1, keepdims=True)
    p_send = 1.0 - probabilities[:, 0]
    if not sample:
        return Choice([], np.zeros(n), p_send, uplift, harm_best, actions, probabilities)
    cumulative = np.cumsum(probabilities, axis=1)
    draws = rng.random(n)[:, None]
    picked = np.minimum((draws > cumulative).sum(axis=1), len(actions) - 1)
    # A rounding edge must never land on an action of probability 0.
    picked = np.where(probabilities[np.arange(n), picked] > 0, picked, 0)
    chosen = [actions[i] for i in picked]
    return Choice(
        chosen, probabilities[np.arange(n), picked], p_send, uplift, harm_best, actions, probabilities
    )


def predict_paid(learned: Learned, outcomes: pl.DataFrame) -> np.ndarray:
    """P(paid within the horizon | features, the logged action) for decision rows (features JSON and
    action columns): the payment model read as a propensity-to-pay model."""
    x = _decode(outcomes["features"])
    send, slots, templates = _one_hots(outcomes["action"].to_list(), learned.spec)
    design = np.hstack([x, x[:, _T] * send[:, None], slots, templates])
    return sigmoid(design @ learned.pay.mean)


def calibration(learned_on: pl.DataFrame, unseen: pl.DataFrame, spec: PolicySpec) -> dict[str, Any]:
    """Fit on ``learned_on``, then ROC AUC, Brier score and a reliability table on ``unseen``
    (decisions with a complete horizon): how good the system's own propensity model is."""
    from sklearn.metrics import brier_score_loss, roc_auc_score

    if unseen.is_empty():
        return {"rows": 0}
    learned = learn(learned_on, spec)
    p = predict_paid(learned, unseen)
    y = unseen["paid"].to_numpy()
    out: dict[str, Any] = {"trained_rows": learned_on.height, "rows": unseen.height, "payers": int(y.sum())}
    out["brier"] = round(float(brier_score_loss(y, p)), 4)
    out["auc"] = round(float(roc_auc_score(y, p)), 4) if 0 < y.sum() < y.shape[0] else None
    edges = np.quantile(p, np.linspace(0, 1, 6))
    table = []
    for lo, hi in itertools.pairwise(edges):
        inside = (p >= lo) & (p <= hi)
        if inside.any():
            table.append(
                {
                    "predicted": round(float(p[inside].mean()), 4),
                    "observed": round(float(y[inside].mean()), 4),
                    "rows": int(inside.sum()),
                }
            )
    out["reliability"] = table
    return out
