"""Days past due and delinquency buckets — scalar functions and Polars expressions that agree.

DPD is counted on the debtor's local calendar: ``local_date − due_date`` in days, where the local date
is the date at ``now`` in the debtor's primary time zone. Negative means not yet due.

    DPD < −3      current   (not in collection scope)
    −3 … −1       pre-due
    0             D0        (due today)
    1–3, 4–7, 8–15, 16–30, 31–60, 61–90
    > 90          90+
"""

from __future__ import annotations

from datetime import date, datetime

import polars as pl

from dunning.core.clock import local_date

PRE_DUE_DAYS = 3
CURRENT = "current"
BUCKETS = ("pre-due", "D0", "1-3", "4-7", "8-15", "16-30", "31-60", "61-90", "90+")
# Upper bound (inclusive) of each overdue bucket after D0.
_BOUNDS = ((3, "1-3"), (7, "4-7"), (15, "8-15"), (30, "16-30"), (60, "31-60"), (90, "61-90"))


def days_past_due(local_day: date, due_date: date) -> int:
    return (local_day - due_date).days


def primary_zone(time_zones: str | None, default_time_zone: str) -> str:
    """The first of a debtor's comma-separated candidate zones (the default when there are none)."""
    first = (time_zones or "").split(",")[0].strip()
    return first or default_time_zone


def debtor_days_past_due(
    now: datetime, time_zones: str | None, due_date: date, default_time_zone: str
) -> int:
    """DPD of a due date for a debtor at instant ``now``, on the debtor's local date."""
    return days_past_due(local_date(now, primary_zone(time_zones, default_time_zone)), due_date)


def bucket_of(dpd: int) -> str:
    if dpd < -PRE_DUE_DAYS:
        return CURRENT
    if dpd < 0:
        return "pre-due"
    if dpd == 0:
        return "D0"
    for upper, name in _BOUNDS:
        if dpd <= upper:
            return name
    return "90+"


def in_scope(dpd: int) -> bool:
    return dpd >= -PRE_DUE_DAYS


def dpd_expr(local_day: pl.Expr, due_date: pl.Expr) -> pl.Expr:
    """Polars: ``local_day − due_date`` in whole days, Int32."""
    return (local_day - due_date).dt.total_days().cast(pl.Int32)


def bucket_expr(dpd: pl.Expr) -> pl.Expr:
    """Polars version of :func:`bucket_of`."""
    expr = pl.when(dpd < -PRE_DUE_DAYS).then(pl.lit(CURRENT)).when(dpd < 0).then(pl.lit("pre-due"))
    expr = expr.when(dpd == 0).then(pl.lit("D0"))
    for upper, name in _BOUNDS:
        expr = expr.when(dpd <= upper).then(pl.lit(name))
    return expr.otherwise(pl.lit("90+"))


def in_scope_expr(dpd: pl.Expr) -> pl.Expr:
    return dpd >= -PRE_DUE_DAYS


def local_dates(zones: pl.Series, now: datetime) -> pl.Series:
    """Local date at ``now`` for each zone name; computed once per distinct zone."""
    distinct = zones.drop_nulls().unique().to_list()
    mapping = {z: local_date(now, z) for z in distinct}
    return zones.replace_strict(mapping, default=None, return_dtype=pl.Date).cast(pl.Date)


def dpd_range(bucket: str) -> tuple[int, int | None]:
    """The DPD values of a bucket, ``(lowest, highest)``; ``None`` = no upper end ("90+")."""
    if bucket == "pre-due":
        return -PRE_DUE_DAYS, -1
    if bucket == "D0":
        return 0, 0
    lower = 1
    for upper, name in _BOUNDS:
        if name == bucket:
            return lower, upper
        lower = upper + 1
    if bucket == "90+":
        return 91, None
    from dunning.core.errors import InputError

    names = ", ".join(BUCKETS)
    raise InputError(
        f"unknown bucket {bucket!r}; buckets: {names}", f"未知的账龄段 {bucket!r}；可选：{names}"
    )
