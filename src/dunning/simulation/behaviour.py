"""A debtor-behaviour model for ``dunning simulate``: who pays, when, and how reminders change it.

Pure (numpy only): the runner feeds it what was delivered and asks what happened. Documented with
its calibration in ``docs/simulation.md``. In short:

* **Paying without reminders**: a daily hazard per delinquency stage, from the month-to-month cure
  rates of the UCI credit-card histories (:data:`MONTHLY_CURE`), times a debtor multiplier.
* **Types** (hidden from the policies, drawn per debtor with probabilities that depend on the
  lender's risk score, the one thing a policy can see): *self-curers* pay anyway and reminders put
  some of them off a little; *responsive* debtors pay more after a reminder (+3 to +9 percentage
  points over the following days, as in the field studies); *indifferent* ones hardly react;
  *averse* ones pay less after reminders and complain.
* **Timing and fatigue**: the positive effect is largest in the morning (evening messages do 60 % as
  much) and halves with each further reminder in seven days; complaints and opt-outs rise with
  frequency, in the evening, and with firm templates.
* **Replies** of every intent, worded by the SMSC simulator's untidy reply bank.

Random numbers are drawn per debtor and day from the seed before anything happens, so every policy
meets the same debtors with the same luck: differences between policies come from the policies.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Final

import numpy as np

__all__ = [
    "MONTHLY_CURE",
    "TYPES",
    "Behaviour",
    "Delivery",
    "Population",
    "daily_hazard",
    "slot_multiplier",
]

#: Share of accounts at each stage that are current a month later (UCI credit-card histories,
#: PAY_6 → PAY_0 transitions: `bench/calibrate_behaviour.py` recomputes them). "pre" is the share of
#: accounts current this month that stay current (pay by the due date). M1 is extrapolated from
#: M2 and M3 (the UCI layout rarely records a one-month delay that is followed by a next month).
MONTHLY_CURE: Final[dict[str, float]] = {"pre": 0.939, "M1": 0.43, "M2": 0.254, "M3": 0.149, "M3+": 0.04}

TYPES: Final = ("self_cure", "responsive", "indifferent", "averse")
#: Risk-score bounds of the types (what a policy can see): the best borrowers pay anyway and some
#: take reminders badly (Bracha & Meier 2015); the middle responds (Cadena & Schoar 2011: +7 to +9
#: pp); the worst, or those far behind, mostly cannot pay. A few debtors anywhere are averse.
GOOD_RISK: Final = 0.2
WEAK_RISK: Final = 0.65
FAR_BEHIND_DPD: Final = 60
AVERSE_SHARE: Final = 0.05
#: multiplier of the stage hazard per type
_BASE_MULTIPLIER: Final = (2.0, 1.0, 0.5, 0.8)
#: mean total effect of one reminder (morning, the first in seven days) on P(pay) in the next days;
#: each debtor's is the mean times a draw in [0.5, 1.5]
_EFFECT: Final = (-0.015, 0.07, 0.005, -0.03)
#: the responsive effect further behind (31–60 DPD)
_EFFECT_LATER: Final = 0.035
#: P(complaint | a delivered reminder), before frequency and timing
_COMPLAINT: Final = (0.02, 0.002, 0.003, 0.05)
EFFECT_DAYS: Final = 3
#: each further reminder within seven days keeps this share of the effect of the one before
FATIGUE: Final = 0.35


def daily_hazard(dpd: np.ndarray) -> np.ndarray:
    """P(pays today | stage) with no reminder, from :data:`MONTHLY_CURE` (pre-due: over the four
    days D-3..D0)."""
    pre = 1.0 - (1.0 - MONTHLY_CURE["pre"]) ** (1 / 4)

    def per_day(monthly: float) -> float:
        return float(1.0 - (1.0 - monthly) ** (1 / 30))

    return np.select(
        [dpd <= 0, dpd <= 30, dpd <= 60, dpd <= 90],
        [pre, per_day(MONTHLY_CURE["M1"]), per_day(MONTHLY_CURE["M2"]), per_day(MONTHLY_CURE["M3"])],
        per_day(MONTHLY_CURE["M3+"]),
    )


def slot_multiplier(start_minute: int) -> float:
    """How much of a reminder's positive effect a window keeps: mornings most, evenings least."""
    if start_minute < 12 * 60:
        return 1.0
    if start_minute < 17 * 60:
        return 0.8
    return 0.6


def _firm(template_id: str) -> bool:
    return any(word in template_id for word in ("firm", "late", "mid"))


@dataclass(frozen=True, slots=True)
class Delivery:
    debtor: int  # index into the population
    start_minute: int  # local start of the message's window
    template_id: str


@dataclass
class Population:
    refs: list[str]
    risk: np.ndarray
    kind: np.ndarray  # index into TYPES
    base_multiplier: np.ndarray
    effect: np.ndarray
    complaint: np.ndarray
    index: dict[str, int] = field(default_factory=dict)

    @classmethod
    def draw(cls, refs: list[str], risk: np.ndarray, dpd: np.ndarray, seed: int) -> Population:
        """Types from the risk score and DPD at the start (plus the averse few), effects around
        the type's mean."""
        rng = np.random.default_rng([seed, 1])
        n = len(refs)
        kind = np.select([risk < GOOD_RISK, (risk >= WEAK_RISK) | (dpd > FAR_BEHIND_DPD)], [0, 2], 1)
        kind = np.where(rng.random(n) < AVERSE_SHARE, 3, kind)
        mean = np.array(_EFFECT)[kind]
        mean = np.where((kind == 1) & (dpd > 30), _EFFECT_LATER, mean)
        effect = mean * (0.5 + rng.random(n))
        return cls(
            refs=refs,
            risk=risk,
            kind=kind,
            base_multiplier=np.array(_BASE_MULTIPLIER)[kind],
            effect=effect,
            complaint=np.array(_COMPLAINT)[kind],
            index={r: i for i, r in enumerate(refs)},
        )


class Behaviour:
    """The debtors' side of a simulated run of ``days`` days."""

    def __init__(self, population: Population, days: int, seed: int) -> None:
        n = len(population.refs)
        rng = np.random.default_rng([seed, 2])
        self.population = population
        self.pay_draw = rng.random((n, days + 1))
        self.reply_draw = rng.random((n, days + 1))
        self.partial_draw = rng.random((n, days + 1))
        self.reply_seed = seed
        #: per debtor: (day, contribution per day) of the reminders still working
        self.active: dict[int, list[tuple[int, float]]] = defaultdict(list)
        self.sent_days: dict[int, list[int]] = defaultdict(list)
        self.promised_until: dict[int, int] = {}

    # -- what a reminder does

    def reminders_in_week(self, debtor: int, day: int) -> int:
        return sum(1 for d in self.sent_days[debtor] if day - 7 < d <= day)

    def uplift(self, debtor: int, day: int, start_minute: int, template_id: str, dpd: int) -> float:
        """The total change in P(pay) a reminder now would bring (the oracle reads this)."""
        k = self.reminders_in_week(debtor, day)
        effect = float(self.population.effect[debtor])
        if effect > 0:
            effect *= slot_multiplier(start_minute)
            if _firm(template_id) and dpd > 7:
                effect *= 1.15
        return effect * FATIGUE**k

    def harm(self, debtor: int, day: int, start_minute: int, template_id: str) -> float:
        """P(complaint) + P(opt-out) of a reminder now."""
        return 2.5 * self._complaint(debtor, day, start_minute, template_id)

    def _complaint(self, debtor: int, day: int, start_minute: int, template_id: str) -> float:
        k = self.reminders_in_week(debtor, day)
        p = float(self.population.complaint[debtor]) * (1.0 + 0.8 * k)
        if start_minute >= 18 * 60:
            p *= 1.5
        if _firm(template_id):
            p *= 1.3
        return min(p, 0.5)

    # -- a day

    def deliver(self, day: int, deliveries: list[Delivery], dpd: dict[int, int]) -> list[tuple[int, str]]:
        """Take in the day's delivered reminders; return the replies ``(debtor, intent)``."""
        replies: list[tuple[int, str]] = []
        for d in deliveries:
            i = d.debtor
            effect = self.uplift(i, day, d.start_minute, d.template_id, dpd.get(i, 0))
            complaint = self._complaint(i, day, d.start_minute, d.template_id)
            self.sent_days[i].append(day)
            self.active[i].append((day, effect / EFFECT_DAYS))
            u = float(self.reply_draw[i, day])
            kind = TYPES[int(self.population.kind[i])]
            promise = 0.05 if kind == "responsive" else 0.01
            hardship = 0.02 if self.population.risk[i] > 0.6 else 0.003
            shares = (
                ("complaint", complaint),
                ("opt_out", 1.5 * complaint),
                ("promise", promise),
                ("help", 0.01),
                ("hardship", hardship),
                ("dispute", 0.002),
                ("wrong_number", 0.002),
            )
            cumulative = 0.0
            for intent, share in shares:
                cumulative += share
                if u < cumulative:
                    replies.append((i, intent))
                    if intent == "promise":
                        self.promised_until[i] = day + 3
                    break
        return replies

    def pay_probability(self, day: int, debtors: np.ndarray, dpd: np.ndarray) -> np.ndarray:
        base = daily_hazard(dpd) * self.population.base_multiplier[debtors]
        boost = np.zeros(debtors.shape[0])
        for row, i in enumerate(debtors.tolist()):
            boost[row] = sum(c for d, c in self.active.get(i, ()) if 0 <= day - d < EFFECT_DAYS)
            if self.promised_until.get(i, -1) >= day:
                boost[row] += 0.15
        return np.asarray(np.clip(base + boost, 0.0, 0.95), dtype=np.float64)

    def payments(self, day: int, debtors: np.ndarray, dpd: np.ndarray) -> list[tuple[int, float]]:
        """Who of ``debtors`` (in scope, with these DPDs) pays today, and which share of what they owe."""
        p = self.pay_probability(day, debtors, dpd)
        paying = self.pay_draw[debtors, day] < p
        out = []
        for i in debtors[paying].tolist():
            share = 1.0 if self.partial_draw[i, day] < 0.85 else 0.5
            out.append((int(i), share))
        return out
