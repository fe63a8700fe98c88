"""The experiment report: per arm, what its debtors received and paid within N days of being
assigned, and the uplift of each arm over the no-SMS holdout with a 95 % confidence interval and
the sample size the observed effect would need (two-sided 5 %, power 80 %)."""

from __future__ import annotations

import math
from datetime import timedelta
from typing import Any

import polars as pl

__all__ = ["arm_report", "difference_ci", "sample_size"]

_Z95 = 1.959964
_Z80 = 0.841621


def difference_ci(p1: float, n1: int, p0: float, n0: int) -> tuple[float, float, float] | None:
    """``(difference, low, high)`` of two proportions (Wald, 95 %); None without both samples."""
    if n1 == 0 or n0 == 0:
        return None
    diff = p1 - p0
    se = math.sqrt(p1 * (1 - p1) / n1 + p0 * (1 - p0) / n0)
    return round(diff, 6), round(diff - _Z95 * se, 6), round(diff + _Z95 * se, 6)


def mean_difference_ci(values1: list[float], values0: list[float]) -> tuple[float, float, float] | None:
    """``(difference, low, high)`` of two means (Welch's standard error, normal, 95 %)."""
    if len(values1) < 2 or len(values0) < 2:
        return None
    m1, m0 = sum(values1) / len(values1), sum(values0) / len(values0)
    v1 = sum((v - m1) ** 2 for v in values1) / (len(values1) - 1)
    v0 = sum((v - m0) ** 2 for v in values0) / (len(values0) - 1)
    se = math.sqrt(v1 / len(values1) + v0 / len(values0))
    diff = m1 - m0
    return round(diff, 4), round(diff - _Z95 * se, 4), round(diff + _Z95 * se, 4)


def sample_size(p1: float, p0: float) -> int | None:
    """Debtors per arm to detect ``p1 − p0`` (two-sided 5 %, power 80 %); None for no effect."""
    if p1 == p0:
        return None
    mean = (p1 + p0) / 2
    top = _Z95 * math.sqrt(2 * mean * (1 - mean)) + _Z80 * math.sqrt(p1 * (1 - p1) + p0 * (1 - p0))
    return math.ceil(top**2 / (p1 - p0) ** 2)


def arm_report(
    assignments: pl.DataFrame,
    messages: pl.DataFrame,
    payments: pl.DataFrame,
    intents: pl.DataFrame,
    promises: pl.DataFrame,
    *,
    days: int,
) -> dict[str, Any]:
    """Per arm: debtors, messages, delivered, payers and payment rate, amount recovered, promises,
    complaints, opt-outs (each within ``days`` of a debtor's assignment); uplift against the holdout."""
    window = timedelta(days=days)
    base = assignments.select("debtor_pk", "arm", "assigned_at").with_columns(
        (pl.col("assigned_at") + window).alias("until")
    )

    def within(frame: pl.DataFrame, at: str) -> pl.DataFrame:
        return frame.join(base, on="debtor_pk", how="inner").filter(
            pl.col(at) >= pl.col("assigned_at"), pl.col(at) < pl.col("until")
        )

    sent = within(messages, "created_at")
    paid = within(payments, "paid_at")
    replies = within(intents, "received_at")
    made = within(promises, "created_at")
    per_debtor = base.join(
        paid.group_by("debtor_pk").agg(pl.col("amount_minor").sum().alias("paid_minor")),
        on="debtor_pk",
        how="left",
    ).with_columns(pl.col("paid_minor").fill_null(0))
    arms: dict[str, dict[str, Any]] = {}
    for arm in sorted(base["arm"].unique().to_list()):
        mine = per_debtor.filter(pl.col("arm") == arm)
        n = mine.height
        payers = int((mine["paid_minor"] > 0).sum())
        arm_sent = sent.filter(pl.col("arm") == arm)
        arm_replies = replies.filter(pl.col("arm") == arm)
        arms[arm] = {
            "debtors": n,
            "messages": arm_sent.height,
            "delivered": int((arm_sent["status"] == "delivered").sum()),
            "payers": payers,
            "payment_rate": round(payers / n, 6) if n else None,
            "recovered_minor": int(mine["paid_minor"].sum()),
            "recovered_per_debtor_minor": round(int(mine["paid_minor"].sum()) / n, 2) if n else None,
            "promises": made.filter(pl.col("arm") == arm).height,
            "complaints": int((arm_replies["intent"] == "complaint").sum()),
            "opt_outs": int((arm_replies["intent"] == "opt_out").sum()),
            "_amounts": [float(v) for v in mine["paid_minor"].to_list()],
        }
    control = arms.get("holdout")
    for arm, figures in arms.items():
        if arm == "holdout" or control is None:
            figures["uplift"] = None
            continue
        p1, p0 = figures["payment_rate"] or 0.0, control["payment_rate"] or 0.0
        rate = difference_ci(p1, figures["debtors"], p0, control["debtors"])
        amount = mean_difference_ci(figures["_amounts"], control["_amounts"])
        figures["uplift"] = {
            "payment_rate": None if rate is None else {"difference": rate[0], "ci95": [rate[1], rate[2]]},
            "recovered_per_debtor_minor": None
            if amount is None
            else {"difference": amount[0], "ci95": [amount[1], amount[2]]},
            "sample_size_per_arm": sample_size(p1, p0),
        }
    for figures in arms.values():
        figures.pop("_amounts", None)
    return {"days": days, "arms": arms}
