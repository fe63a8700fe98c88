"""Days past due and buckets: scalar and Polars versions agree."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dunning.core.masking import account_tail
from dunning.portfolio.dpd import (
    BUCKETS,
    CURRENT,
    bucket_expr,
    bucket_of,
    days_past_due,
    debtor_days_past_due,
    dpd_expr,
    in_scope,
    in_scope_expr,
    local_dates,
    primary_zone,
)
from dunning.portfolio.repository import tail_expr


@pytest.mark.parametrize(
    ("dpd", "bucket"),
    [
        (-30, CURRENT),
        (-4, CURRENT),
        (-3, "pre-due"),
        (-1, "pre-due"),
        (0, "D0"),
        (1, "1-3"),
        (3, "1-3"),
        (4, "4-7"),
        (7, "4-7"),
        (8, "8-15"),
        (15, "8-15"),
        (16, "16-30"),
        (30, "16-30"),
        (31, "31-60"),
        (60, "31-60"),
        (61, "61-90"),
        (90, "61-90"),
        (91, "90+"),
        (2000, "90+"),
    ],
)
def test_bucket_boundaries(dpd: int, bucket: str) -> None:
    assert bucket_of(dpd) == bucket
    assert pl.select(bucket_expr(pl.lit(dpd))).item() == bucket
    assert in_scope(dpd) == (bucket != CURRENT)
    assert bucket == CURRENT or bucket in BUCKETS


@settings(max_examples=300, deadline=None)
@given(st.lists(st.integers(min_value=-5000, max_value=5000), min_size=1, max_size=50))
def test_scalar_and_polars_buckets_agree(values: list[int]) -> None:
    frame = pl.DataFrame({"dpd": values}, schema={"dpd": pl.Int32}).select(
        bucket_expr(pl.col("dpd")).alias("bucket"), in_scope_expr(pl.col("dpd")).alias("scope")
    )
    assert frame["bucket"].to_list() == [bucket_of(v) for v in values]
    assert frame["scope"].to_list() == [in_scope(v) for v in values]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.dates(), st.dates()), min_size=1, max_size=30))
def test_scalar_and_polars_dpd_agree(pairs: list[tuple[date, date]]) -> None:
    frame = pl.DataFrame({"local": [a for a, _ in pairs], "due": [b for _, b in pairs]})
    result = frame.select(dpd_expr(pl.col("local"), pl.col("due")).alias("dpd"))
    assert result["dpd"].to_list() == [days_past_due(a, b) for a, b in pairs]
    assert result.schema["dpd"] == pl.Int32


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(min_size=0, max_size=20), min_size=1, max_size=20))
def test_polars_account_tail_matches_masking(refs: list[str]) -> None:
    got = pl.DataFrame({"r": refs}, schema={"r": pl.Utf8}).select(tail_expr(pl.col("r")))["r"].to_list()
    assert got == [account_tail(r) for r in refs]


def test_dpd_is_counted_on_the_debtors_local_date() -> None:
    # 01:00 UTC on 15 March 2026: already the 15th in Shanghai, still the 14th in New York.
    now = datetime(2026, 3, 15, 1, 0, tzinfo=UTC)
    due = date(2026, 3, 15)
    assert debtor_days_past_due(now, "Asia/Shanghai", due, "UTC") == 0
    assert debtor_days_past_due(now, "America/New_York,America/Chicago", due, "UTC") == -1
    assert debtor_days_past_due(now, "", due, "Asia/Shanghai") == 0
    assert primary_zone(" America/Denver ,America/Phoenix", "UTC") == "America/Denver"
    zones = pl.Series(["Asia/Shanghai", "America/Los_Angeles", "Asia/Shanghai"])
    assert local_dates(zones, now).to_list() == [due, due - timedelta(days=1), due]
