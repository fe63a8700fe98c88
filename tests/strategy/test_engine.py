from __future__ import annotations

from typing import Any

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dunning.core.errors import InputError
from dunning.strategy import ASSIGN_SCHEMA, Strategy, assign, load_default_strategy, parse_strategy
from dunning.strategy.checks import _fires

SCHEMA: dict[str, pl.DataType] = {
    "debtor_pk": pl.Int64(),
    "days_past_due": pl.Int32(),
    "amount_minor": pl.Int64(),
    "currency": pl.Utf8(),
    "risk_score": pl.Float64(),
    "region": pl.Utf8(),
    "n_accounts": pl.Int32(),
    "paid": pl.Boolean(),
    "dispute": pl.Boolean(),
    "complaint": pl.Boolean(),
    "opt_out": pl.Boolean(),
    "recipient_opted_out": pl.Boolean(),
    "hold_reason": pl.Utf8(),
}
DEFAULT_ROW: dict[str, Any] = {
    "days_past_due": 1,
    "amount_minor": 100_000,
    "currency": "CNY",
    "risk_score": 0.5,
    "region": None,
    "n_accounts": 1,
    "paid": False,
    "dispute": False,
    "complaint": False,
    "opt_out": False,
    "recipient_opted_out": False,
    "hold_reason": None,
}

CN = load_default_strategy("CN")
US = load_default_strategy("US")


def debtors(*rows: dict[str, Any]) -> pl.DataFrame:
    full = [{"debtor_pk": i, **DEFAULT_ROW, **row} for i, row in enumerate(rows)]
    return pl.DataFrame(full, schema=SCHEMA)


def by_dpd(strategy: Strategy, dpds: range | list[int], **row: Any) -> dict[int, tuple[str, str, str]]:
    out = assign(debtors(*({"days_past_due": d, **row} for d in dpds)), strategy)
    return {
        r["days_past_due"]: (r["segment_id"], r["step_id"], r["template_id"])
        for r in out.iter_rows(named=True)
    }


def test_cn_cadence_by_days_past_due() -> None:
    got = by_dpd(CN, range(-3, 200))
    assert sorted(got) == [
        -3, -1, 0, 1, 3, 5, 7, 10, 15, 20, 25, 30,  # pre-due and early (risk 0.5)
        31, 37, 43, 49, 55,  # every 6 days in 31-60
        61, 68, 75, 82, 89,  # weekly in 61-90
        91, 105, 119, 133, 147, 161, 175, 189,  # every 14 days from 91
    ]  # fmt: skip
    assert got[-3] == ("pre-due", "d-3", "cn-predue")
    assert got[0] == ("pre-due", "d0", "cn-due")
    assert got[7] == ("early", "d7", "cn-early")
    assert got[10] == ("early", "d10", "cn-early-firm")
    assert got[43] == ("mid", "d31", "cn-mid")
    assert got[68] == ("late", "d61", "cn-late")
    assert got[119] == ("severe", "d91", "cn-late")


def test_risk_segments_and_null_risk() -> None:
    low = by_dpd(CN, range(1, 31), risk_score=0.1)
    assert sorted(low) == [1, 5, 10, 20, 30] and {s for s, _, _ in low.values()} == {"early-low-risk"}
    assert set(by_dpd(CN, range(1, 31), risk_score=0.2)) == {1, 3, 5, 7, 10, 15, 20, 25, 30}  # max exclusive
    unknown = by_dpd(CN, [3], risk_score=None)
    assert unknown[3][0] == "early"  # a null score never matches a risk condition


def test_windows_and_output_columns() -> None:
    out = assign(debtors({"days_past_due": -1}, {"days_past_due": 43}), CN)
    assert out.columns == [*SCHEMA, *ASSIGN_SCHEMA]
    for name, dtype in ASSIGN_SCHEMA.items():
        assert out.schema[name] == dtype
    rows = out.to_dicts()
    assert (rows[0]["window_start_min"], rows[0]["window_end_min"]) == (18 * 60 + 30, 20 * 60 + 30)
    assert (rows[1]["window_start_min"], rows[1]["window_end_min"]) == (600, 1200)
    assert {r["strategy_id"] for r in rows} == {"cn-default"}
    assert {r["arm"] for r in rows} == {"champion"} and {r["probability"] for r in rows} == {1.0}


def test_min_balance_in_major_units_per_currency() -> None:
    out = assign(
        debtors(
            {"amount_minor": 999},  # 9.99 元 < 10
            {"amount_minor": 1000},  # 10.00 元
            {"amount_minor": 9, "currency": "JPY"},  # ¥9 < 10
            {"amount_minor": 10, "currency": "JPY"},
        ),
        CN,
    )
    assert out["debtor_pk"].to_list() == [1, 3]


def test_balance_and_region_conditions() -> None:
    strategy = parse_strategy(
        """
id: s
profile: US
version: 1
exit: {min_balance: 0}
segments:
  - id: big
    when: {balance: {min: 1000.50}}
    steps: [{id: a, day: 1, template: t-big, window: "09:00-10:00"}]
  - id: ny-ma
    when: {regions: [ny, MA], balance: {max: 1000.50}}
    steps: [{id: b, day: 1, template: t-region, window: "09:00-10:00"}]
  - id: rest
    steps: [{id: c, day: 1, template: t-rest, window: "09:00-10:00"}]
"""
    )
    out = assign(
        debtors(
            {"amount_minor": 100_050, "currency": "USD"},
            {"amount_minor": 100_049, "currency": "USD", "region": "ma"},
            {"amount_minor": 100_049, "currency": "USD", "region": "CA"},
            {"amount_minor": 100_049, "currency": "USD"},
            {"amount_minor": 1001, "currency": "JPY"},  # ¥1001 ≥ 1000.50
        ),
        strategy,
    )
    assert out["segment_id"].to_list() == ["big", "ny-ma", "rest", "rest", "big"]


def test_every_stops_at_the_next_step() -> None:
    strategy = parse_strategy(
        """
id: s
profile: CN
version: 1
segments:
  - id: all
    steps:
      - {id: a, day: 1, every: 3, template: t, window: "09:00-10:00"}
      - {id: b, day: 10, template: t, window: "09:00-10:00"}
      - {id: c, day: 12, every: 5, template: t, window: "09:00-10:00"}
"""
    )
    got = by_dpd(strategy, range(-3, 40))
    assert {d: step for d, (_, step, _) in got.items()} == {
        1: "a", 4: "a", 7: "a", 10: "b", 12: "c", 17: "c", 22: "c", 27: "c", 32: "c", 37: "c"
    }  # fmt: skip


def test_multi_account_template() -> None:
    out = assign(debtors({"days_past_due": 3, "n_accounts": 1}, {"days_past_due": 3, "n_accounts": 3}), CN)
    assert out["template_id"].to_list() == ["cn-early", "cn-multi-overdue"]


def test_exit_reason_is_recorded_not_dropped() -> None:
    out = assign(
        debtors(
            {},
            {"paid": True, "dispute": True},
            {"dispute": True},
            {"hold_reason": "ptp"},
            {"recipient_opted_out": True},
            {"complaint": None},
            {"hold_reason": "review"},
        ),
        CN,
    )
    assert out["exit_reason"].to_list() == [None, "paid", "dispute", "promise_to_pay", "opt_out", None, None]
    minimal = assign(
        debtors({}).select("days_past_due", "amount_minor", "currency", "risk_score", "n_accounts"), CN
    )
    assert minimal["exit_reason"].to_list() == [None]  # absent columns are not evaluated


def test_empty_and_invalid_frames() -> None:
    empty = assign(debtors().head(0), CN)
    assert empty.height == 0 and list(ASSIGN_SCHEMA) == empty.columns[-len(ASSIGN_SCHEMA) :]
    with pytest.raises(InputError) as info:
        assign(debtors({}).drop("risk_score"), CN)
    assert "risk_score" in info.value.en and "缺少" in info.value.zh
    with pytest.raises(InputError):
        assign(debtors({"currency": "XYZ"}), CN)
    again = assign(assign(debtors({}), CN), CN)  # re-assigning replaces the columns
    assert again.columns == [*SCHEMA, *ASSIGN_SCHEMA]


def test_us_massachusetts_segment() -> None:
    ma = by_dpd(US, range(-3, 60), currency="USD", region="MA")
    assert sorted(ma) == [-3, 3, 10, 20, 31, 41, 51]
    other = by_dpd(US, range(-3, 40), currency="USD", region="TX")
    assert sorted(other) == [-3, 0, 3, 7, 14, 21, 28, 31, 38]


# ------------------------------------------------------------------------------- property: reference


def _reference(strategy: Strategy, row: dict[str, Any]) -> tuple[str, str, str] | None:
    """One row at a time, straight from the rules as written in engine.py's docstring."""
    from decimal import Decimal

    from dunning.core.money import exponent

    scale = Decimal(10) ** exponent(row["currency"])
    balance = Decimal(row["amount_minor"]) / scale
    if balance < strategy.exit.min_balance:
        return None
    dpd = row["days_past_due"]
    for segment in strategy.segments:
        when = segment.when
        if when.buckets is not None and not when.covers_day(dpd):
            continue
        if when.risk_score is not None:
            score = row["risk_score"]
            if score is None:
                continue
            if when.risk_score.min is not None and score < when.risk_score.min:
                continue
            if when.risk_score.max is not None and score >= when.risk_score.max:
                continue
        if when.balance is not None:
            if when.balance.min is not None and balance < when.balance.min:
                continue
            if when.balance.max is not None and balance >= when.balance.max:
                continue
        if when.regions is not None and (row["region"] or "").upper() not in when.regions:
            continue
        steps = segment.steps
        for i, step in enumerate(steps):
            if _fires(step, steps[i + 1].day if i + 1 < len(steps) else None, dpd):
                multi = row["n_accounts"] is not None and row["n_accounts"] > 1 and step.template_multi
                return segment.id, step.id, (step.template_multi if multi else step.template) or ""
        return None
    return None


rows = st.fixed_dictionaries(
    {
        "days_past_due": st.integers(-3, 400),
        "amount_minor": st.integers(1, 10_000_000),
        "currency": st.sampled_from(["CNY", "USD", "JPY"]),
        "risk_score": st.one_of(st.none(), st.floats(0, 1)),
        "region": st.one_of(st.none(), st.sampled_from(["MA", "ma", "NY", "TX", "GD"])),
        "n_accounts": st.one_of(st.none(), st.integers(1, 4)),
    }
)


@settings(max_examples=200, deadline=None)
@given(st.lists(rows, min_size=1, max_size=30), st.sampled_from(["CN", "US"]))
def test_assign_matches_reference(examples: list[dict[str, Any]], profile: str) -> None:
    strategy = CN if profile == "CN" else US
    out = assign(debtors(*examples), strategy)
    got = {
        r["debtor_pk"]: (r["segment_id"], r["step_id"], r["template_id"]) for r in out.iter_rows(named=True)
    }
    expected = {i: ref for i, row in enumerate(examples) if (ref := _reference(strategy, row)) is not None}
    assert got == expected
    assert out["debtor_pk"].to_list() == sorted(got)  # order kept
