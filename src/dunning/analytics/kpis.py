"""The dashboard's portfolio figures (docs/kpis.md defines each): roll rates by bucket month on
month, the DPD1 entry rate (入催率) by due-date cohort, recovery by bucket and the promise funnel.

Pure functions of frames the portfolio domain reads (:func:`dunning.portfolio.repository.balance_frames`).
A balance at an earlier instant is rebuilt as today's outstanding plus the payments made after it:
the ledger has no other history, so charges added later (fees, interest) are not seen — the figures
are exact for a book of fixed dues, and say so in the docs.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from typing import Any

import polars as pl

__all__ = ["ROLL_BUCKETS", "entry_rate_by_cohort", "month_ends", "promise_funnel", "roll_rates"]

#: Month-end buckets of a roll-rate matrix (DPD at the month's last day).
ROLL_BUCKETS = ("M0", "M1", "M2", "M3", "M4", "M5+")


def _bucket(dpd: pl.Expr) -> pl.Expr:
    return (
        pl.when(dpd <= 30)
        .then(pl.lit("M0"))
        .when(dpd <= 60)
        .then(pl.lit("M1"))
        .when(dpd <= 90)
        .then(pl.lit("M2"))
        .when(dpd <= 120)
        .then(pl.lit("M3"))
        .otherwise(pl.lit("M4+"))
    )


def _balance_at(accounts: pl.DataFrame, payments: pl.DataFrame, instant: datetime) -> pl.DataFrame:
    later = (
        payments.filter(pl.col("paid_at") > instant)
        .group_by("account_pk")
        .agg(pl.col("amount_minor").sum().alias("paid_after"))
    )
    return accounts.join(later, on="account_pk", how="left").with_columns(
        (pl.col("outstanding_minor") + pl.col("paid_after").fill_null(0)).alias("balance")
    )


def month_ends(today: date, months: int) -> list[date]:
    """The last day of each of the ``months`` months before ``today``'s month, oldest first."""
    ends: list[date] = []
    cursor = today.replace(day=1) - timedelta(days=1)
    for _ in range(months):
        ends.append(cursor)
        cursor = cursor.replace(day=1) - timedelta(days=1)
    return ends[::-1]


def _buckets_at(accounts: pl.DataFrame, payments: pl.DataFrame, day: date) -> pl.DataFrame:
    instant = datetime.combine(day + timedelta(days=1), time(0), tzinfo=UTC)
    frame = _balance_at(accounts, payments, instant).with_columns(
        (pl.lit(day) - pl.col("due_date")).dt.total_days().alias("dpd")
    )
    return frame.filter(pl.col("balance") > 0, pl.col("dpd") >= 0).with_columns(
        _bucket(pl.col("dpd")).alias("bucket")
    )


def roll_rates(
    accounts: pl.DataFrame, payments: pl.DataFrame, today: date, months: int = 6
) -> dict[str, Any]:
    """For each month end and each bucket Mk: the balance in M(k+1) at this month end ÷ the balance
    in Mk at the previous month end (迁徙率). None where the previous balance is zero."""
    ends = month_ends(today, months + 1)
    balances: list[dict[str, int]] = []
    for day in ends:
        by = _buckets_at(accounts, payments, day).group_by("bucket").agg(pl.col("balance").sum())
        balances.append({str(b): int(v) for b, v in by.iter_rows()})
    rows = []
    for previous, current, day in zip(balances, balances[1:], ends[1:], strict=False):
        rates: dict[str, float | None] = {}
        for source, target in pairwise(ROLL_BUCKETS[:-1]):  # M5+ is where balances stay: no roll out
            base = previous.get(source, 0)
            rates[f"{source}→{target}"] = round(current.get(target, 0) / base, 4) if base else None
        rows.append({"month": day.strftime("%Y-%m"), "rates": rates, "balance": current})
    return {
        "months": rows,
        "transitions": [f"{a}→{b}" for a, b in pairwise(ROLL_BUCKETS[:-1])],
    }


def entry_rate_by_cohort(
    accounts: pl.DataFrame, payments: pl.DataFrame, today: date, days: int = 14
) -> list[dict[str, Any]]:
    """入催率: of the accounts due on each day, the share (by count and by amount) still unpaid at
    the start of the next day (DPD 1). The newest cohorts are the only mature figure of the last
    days; later DPD figures of them are not (REFERENCE.md §4.1)."""
    out = []
    for offset in range(days, 0, -1):
        due = today - timedelta(days=offset)
        cohort = accounts.filter(pl.col("due_date") == due)
        if cohort.is_empty():
            out.append(
                {"due_date": due.isoformat(), "accounts": 0, "entered": 0, "rate": None, "amount_rate": None}
            )
            continue
        instant = datetime.combine(due + timedelta(days=1), time(0), tzinfo=UTC)
        at_dpd1 = _balance_at(cohort, payments, instant)
        due_amount = _balance_at(cohort, payments, datetime.combine(due, time(0), tzinfo=UTC))[
            "balance"
        ].sum()
        entered = at_dpd1.filter(pl.col("balance") > 0)
        out.append(
            {
                "due_date": due.isoformat(),
                "accounts": cohort.height,
                "entered": entered.height,
                "rate": round(entered.height / cohort.height, 4),
                "amount_rate": round(int(entered["balance"].sum()) / int(due_amount), 4)
                if due_amount
                else None,
            }
        )
    return out


def promise_funnel(counts: dict[str, int]) -> dict[str, Any]:
    """made → kept / partly kept / broken / pending, with the kept rate of the settled ones."""
    made = int(counts.get("made", 0))
    kept, partly, broken = (int(counts.get(k, 0)) for k in ("kept", "partly_kept", "broken"))
    settled = kept + partly + broken
    return {
        "made": made,
        "kept": kept,
        "partly_kept": partly,
        "broken": broken,
        "pending": max(made - settled - int(counts.get("replaced", 0)), 0),
        "kept_rate": round(kept / settled, 4) if settled else None,
    }


def recovery_by_bucket(
    accounts: pl.DataFrame, payments: pl.DataFrame, start: datetime, end: datetime
) -> list[dict[str, Any]]:
    """Paid in [start, end) by the bucket the account was in when it paid (DPD at the payment), and
    the recovery rate: paid ÷ (paid + what the accounts that paid from that bucket still owe)."""
    from dunning.portfolio.dpd import BUCKETS, bucket_of

    paid = payments.filter(pl.col("paid_at") >= start, pl.col("paid_at") < end).join(
        accounts, on="account_pk", how="inner"
    )
    if paid.is_empty():
        return []
    paid = paid.with_columns(
        (pl.col("paid_at").dt.date() - pl.col("due_date")).dt.total_days().alias("dpd")
    ).with_columns(pl.col("dpd").map_elements(bucket_of, return_dtype=pl.String).alias("bucket"))
    by = paid.group_by("bucket").agg(
        pl.col("amount_minor").sum().alias("paid_minor"),
        pl.col("account_pk").n_unique().alias("accounts"),
    )
    owing = (
        paid.select("bucket", "account_pk")
        .unique()
        .join(accounts, on="account_pk")
        .group_by("bucket")
        .agg(pl.col("outstanding_minor").sum().alias("still_owed_minor"))
    )
    rows = by.join(owing, on="bucket", how="left").to_dicts()
    order = {name: i for i, name in enumerate(("current", *BUCKETS))}
    for row in rows:
        base = int(row["paid_minor"]) + int(row["still_owed_minor"] or 0)
        row["rate"] = round(int(row["paid_minor"]) / base, 4) if base else None
    return sorted(rows, key=lambda r: order.get(str(r["bucket"]), 99))


#: How each figure is computed, in Chinese and English (the dashboard's definitions page and
#: docs/kpis.md say the same).
DEFINITIONS: dict[str, tuple[str, str]] = {
    "入催率 / DPD1 entry rate": (
        "按到期日分组：当天到期的账户中，到次日零点仍未还清的比例（按户数与按金额）。",
        "By due-date cohort: of the accounts due that day, the share still unpaid at the start "
        "of the next day (by count and by amount).",
    ),
    "迁徙率 / Roll rate": (
        "月末余额按逾期天数分为 M0（≤30）M1（31–60）M2 M3 M4 M5+；"
        "Mk→Mk+1 = 本月末 Mk+1 余额 ÷ 上月末 Mk 余额。历史余额 = "
        "当前余额 + 其后的还款（不含之后新增的费用）。",
        "Month-end balances by DPD: M0 (≤30), M1 (31–60), M2, M3, M4, M5+; Mk→Mk+1 = this month "
        "end's Mk+1 balance ÷ last month end's Mk balance. A past balance is today's plus the "
        "payments made since (charges added later are not seen).",
    ),
    "回收率（按账龄段）/ Recovery by bucket": (
        "期间内的还款按还款时账户所处账龄段汇总；比率 = 还款 ÷（还款 + 这些账户仍欠的金额）。",
        "Payments in the period by the bucket the account was in when it paid; rate = paid ÷ (paid "
        "+ what those accounts still owe).",
    ),
    "按模板回收 / Recovery by template": (
        "期间内还款的末次触达归因：还款前 3 天内送达的最后一条短信的模板。相关而非因果；因果看实验。",
        "Last-touch attribution of the period's payments: the template of the last message delivered "
        "in the 3 days before the payment. Correlation, not cause (experiments measure cause).",
    ),
    "送达率 / Delivery rate": (
        "已送达 ÷ 已发送。",
        "Delivered ÷ sent.",
    ),
    "回复率 / Reply rate": (
        "回复数 ÷ 已送达。",
        "Replies ÷ delivered.",
    ),
    "承诺率与兑现率 / PTP rate and kept rate": (
        "承诺率 = 承诺数 ÷ 已送达；兑现率 = 已兑现 ÷（已兑现 + 部分兑现 + "
        "违约），承诺额的 90% 以上视为兑现。",
        "PTP rate = promises ÷ delivered; kept rate = kept ÷ (kept + partly kept + broken); 90 "
        "% of the promised amount counts as kept.",
    ),
    "每回收一元的成本 / Cost per recovered yuan": (
        "短信费用（计费段数 × 每段单价）÷ 归因回收金额。",
        "SMS cost (segments billed × price per segment) ÷ attributed amount recovered.",
    ),
    "投诉率 / Complaint rate": (
        "投诉回复 ÷ 已送达，亦按每万条短信计。",
        "Complaint replies ÷ delivered, also per 10,000 messages.",
    ),
}
