"""The planner's own stages: scheduling inside the window and cap/gap history."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import polars as pl

from dunning.core.frames import UTC_DATETIME
from dunning.strategy.planner import Window, attach_history, local_minutes_at, schedule

LEGAL = Window(start_min=8 * 60, end_min=21 * 60)


def _frame(zones: str, ws: int = 8 * 60, we: int = 21 * 60, day: date = date(2026, 11, 28)) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "debtor_pk": [1],
            "time_zones": [zones],
            "local_date": [day],
            "window_start_min": [ws],
            "window_end_min": [we],
        },
        schema_overrides={"window_start_min": pl.Int32, "window_end_min": pl.Int32},
    )


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


def test_early_plan_waits_for_the_step_window() -> None:
    out = schedule(_frame("Asia/Shanghai", ws=9 * 60, we=20 * 60), _at("2026-11-28T07:00:00+08:00"), LEGAL)
    assert out["scheduled_at"][0] == _at("2026-11-28T09:00:00+08:00")
    assert out["window_end"][0] == _at("2026-11-28T20:00:00+08:00")
    assert out["local_minute_min"][0] == 9 * 60


def test_2059_is_inside_and_2100_is_closed() -> None:
    inside = schedule(_frame("Asia/Shanghai"), _at("2026-11-28T20:59:00+08:00"), LEGAL)
    assert inside["scheduled_at"][0] == _at("2026-11-28T20:59:00+08:00")
    assert inside["local_minute_max"][0] == 20 * 60 + 59
    closed = schedule(_frame("Asia/Shanghai"), _at("2026-11-28T21:00:00+08:00"), LEGAL)
    assert closed["scheduled_at"][0] is None


def test_step_window_cannot_widen_the_legal_window() -> None:
    out = schedule(_frame("Asia/Shanghai", ws=6 * 60, we=23 * 60), _at("2026-11-28T06:30:00+08:00"), LEGAL)
    assert out["scheduled_at"][0] == _at("2026-11-28T08:00:00+08:00")
    assert out["window_end"][0] == _at("2026-11-28T21:00:00+08:00")


def test_two_zones_use_a_time_convenient_in_both() -> None:
    # 08:30 in New York is 07:30 in Chicago: wait until 08:00 Chicago (09:00 New York).
    out = schedule(_frame("America/New_York,America/Chicago"), _at("2026-11-28T08:30:00-05:00"), LEGAL)
    assert out["scheduled_at"][0] == _at("2026-11-28T08:00:00-06:00")
    assert out["local_minute_min"][0] == 8 * 60
    assert out["local_minute_max"][0] == 9 * 60
    # The window closes at 21:00 New York (20:00 Chicago).
    assert out["window_end"][0] == _at("2026-11-28T21:00:00-05:00")


def test_local_minutes_at_an_instant() -> None:
    out = local_minutes_at(_frame("America/New_York,America/Los_Angeles"), _at("2026-11-28T20:30:00-05:00"))
    assert out["local_minute_min"][0] == 17 * 60 + 30
    assert out["local_minute_max"][0] == 20 * 60 + 30


def test_history_counts_today_seven_days_and_nearest_gap() -> None:
    sched = _at("2026-11-28T10:00:00+08:00")
    frame = pl.DataFrame(
        {"debtor_pk": [1, 2], "local_date": [date(2026, 11, 28)] * 2, "scheduled_at": [sched, sched]},
        schema_overrides={"scheduled_at": UTC_DATETIME},
    )
    history = pl.DataFrame(
        {
            "message_pk": [10, 11, 12, 13],
            "debtor_pk": [1, 1, 1, 2],
            "slot_date": [date(2026, 11, 28), date(2026, 11, 25), date(2026, 11, 20), date(2026, 11, 27)],
            "sent_at": [
                sched - timedelta(hours=3),
                sched - timedelta(days=3),
                sched - timedelta(days=8),
                sched - timedelta(days=1),
            ],
        },
        schema_overrides={"sent_at": UTC_DATETIME},
    )
    out = attach_history(frame, history).sort("debtor_pk")
    assert out["sends_today"].to_list() == [1, 0]
    assert out["sends_7d"].to_list() == [2, 1]
    assert out["last_sent_at"][0] == sched - timedelta(hours=3)


def test_history_excludes_the_message_itself() -> None:
    sched = _at("2026-11-28T10:00:00+08:00")
    frame = pl.DataFrame(
        {"debtor_pk": [1], "local_date": [date(2026, 11, 28)], "scheduled_at": [sched], "message_pk": [10]},
        schema_overrides={"scheduled_at": UTC_DATETIME},
    )
    history = pl.DataFrame(
        {
            "message_pk": [10, 11],
            "debtor_pk": [1, 1],
            "slot_date": [date(2026, 11, 28), date(2026, 11, 27)],
            "sent_at": [sched, sched - timedelta(days=1)],
        },
        schema_overrides={"sent_at": UTC_DATETIME},
    )
    out = attach_history(frame, history, exclude_pk="message_pk")
    assert out["sends_today"][0] == 0
    assert out["sends_7d"][0] == 1
    assert out["last_sent_at"][0] == sched - timedelta(days=1)
