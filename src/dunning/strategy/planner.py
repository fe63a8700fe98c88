"""The planner: for every debtor at most one message for today's slot, scheduled inside the send
window, checked by the compliance gate, written to the outbox (queued) or recorded as blocked.

Set-based throughout: each stage is a Polars frame operation over all debtors; writes are bulk.
Planning the same day twice never plans duplicates: today's plan keys are anti-joined first and the
``plan_key`` unique constraint (``ON CONFLICT DO NOTHING``) settles races between planners.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from datetime import time as dt_time
from time import perf_counter

import polars as pl
from sqlalchemy.engine import Connection

from dunning.core.clock import local_window_utc, zone
from dunning.core.frames import UTC_DATETIME
from dunning.messages import repository as messages

SLOT = "day"

Stage = Callable[[pl.DataFrame], pl.DataFrame]


@dataclass(frozen=True, slots=True)
class Window:
    """The profile's legal send window in local minutes of the day: [start, end)."""

    start_min: int
    end_min: int


@dataclass(slots=True)
class PlanResult:
    run_id: str
    now: datetime
    debtors_in_scope: int = 0
    due_today: int = 0
    already_planned: int = 0
    window_closed: int = 0
    queued: int = 0
    blocked: int = 0
    blocked_by_rule: dict[str, int] = field(default_factory=dict)
    segments: int = 0
    seconds: float = 0.0
    dry_run: bool = False
    sample: list[dict[str, object]] = field(default_factory=list)
    stage_seconds: dict[str, float] = field(default_factory=dict)

    def lap(self, stage: str, started: float) -> float:
        """Record the seconds since ``started`` under ``stage``; return the new start."""
        now = perf_counter()
        self.stage_seconds[stage] = round(self.stage_seconds.get(stage, 0.0) + now - started, 3)
        return now

    def as_dict(self) -> dict[str, object]:
        return {
            "run_id": self.run_id,
            "now": self.now.isoformat(),
            "debtors_in_scope": self.debtors_in_scope,
            "due_today": self.due_today,
            "already_planned": self.already_planned,
            "window_closed": self.window_closed,
            "queued": self.queued,
            "blocked": self.blocked,
            "blocked_by_rule": dict(sorted(self.blocked_by_rule.items())),
            "segments": self.segments,
            "seconds": round(self.seconds, 3),
            "dry_run": self.dry_run,
            "stage_seconds": self.stage_seconds,
        }


def plan_key_expr() -> pl.Expr:
    return pl.concat_str(
        [pl.col("debtor_pk").cast(pl.String), pl.col("local_date").cast(pl.String), pl.lit(SLOT)],
        separator=":",
    )


def schedule(frame: pl.DataFrame, now: datetime, window: Window) -> pl.DataFrame:
    """Add scheduled_at, window_end and the local minute of scheduled_at in every candidate zone.

    The window of a debtor is the step's window ∩ the legal window, on the debtor's local date, in
    every candidate zone (a US number can span two zones: only a time convenient in all is used).
    Rows whose window has already closed today get ``scheduled_at`` null. Work is per distinct
    (zones, date, step window) combination — a handful — never per debtor.
    """
    keys = ["time_zones", "local_date", "window_start_min", "window_end_min"]
    combos = frame.select(keys).unique()
    out: dict[str, list[object]] = {k: [] for k in keys}
    for extra in ("scheduled_at", "window_end", "local_minute_min", "local_minute_max"):
        out[extra] = []
    for zones_text, day, ws, we in combos.iter_rows():
        zones = [z for z in str(zones_text).split(",") if z]
        start_min = max(int(ws), window.start_min)
        end_min = min(int(we), window.end_min)
        begins, ends = [], []
        for tz in zones:
            b, e = local_window_utc(day, tz, _to_time(start_min), _to_time(end_min))
            begins.append(b)
            ends.append(e)
        start_utc, end_utc = max(begins), min(ends)
        at = max(now, start_utc)
        for k, v in zip(keys, (zones_text, day, ws, we), strict=True):
            out[k].append(v)
        if at >= end_utc or end_min <= start_min:
            out["scheduled_at"].append(None)
            out["window_end"].append(None)
            out["local_minute_min"].append(None)
            out["local_minute_max"].append(None)
            continue
        minutes = [_local_minute(at, tz) for tz in zones]
        out["scheduled_at"].append(at)
        out["window_end"].append(end_utc)
        out["local_minute_min"].append(min(minutes))
        out["local_minute_max"].append(max(minutes))
    schedule_frame = pl.DataFrame(
        out,
        schema={
            "time_zones": pl.String,
            "local_date": pl.Date,
            "window_start_min": frame.schema["window_start_min"],
            "window_end_min": frame.schema["window_end_min"],
            "scheduled_at": UTC_DATETIME,
            "window_end": UTC_DATETIME,
            "local_minute_min": pl.Int32,
            "local_minute_max": pl.Int32,
        },
    )
    return frame.join(schedule_frame, on=keys, how="left", nulls_equal=True)


def local_minutes_at(frame: pl.DataFrame, at: datetime) -> pl.DataFrame:
    """local_minute_min/max of one instant ``at`` in each row's candidate zones (submit re-check)."""
    zones = frame.select("time_zones").unique()
    lo, hi = [], []
    for (zones_text,) in zones.iter_rows():
        minutes = [_local_minute(at, tz) for tz in str(zones_text).split(",") if tz]
        lo.append(min(minutes))
        hi.append(max(minutes))
    table = zones.with_columns(
        pl.Series("local_minute_min", lo, dtype=pl.Int32), pl.Series("local_minute_max", hi, dtype=pl.Int32)
    )
    return frame.join(table, on="time_zones", how="left")


def _to_time(minute: int) -> dt_time:
    return dt_time(minute // 60, minute % 60) if minute < 24 * 60 else dt_time(23, 59, 59, 999999)


def _local_minute(at: datetime, tz: str) -> int:
    local = at.astimezone(zone(tz))
    return local.hour * 60 + local.minute


def load_history(conn: Connection, debtor_pks: Sequence[int] | None, since: datetime) -> pl.DataFrame:
    """Counted messages since ``since``: one row each (message_pk, debtor_pk, slot_date, sent_at).

    ``debtor_pks`` narrows the read to those debtors (the submit-time re-check of one batch).
    """
    return messages.counted_history(conn, debtor_pks, since)


def attach_history(
    frame: pl.DataFrame, history: pl.DataFrame, *, exclude_pk: str | None = None
) -> pl.DataFrame:
    """Add sends_today, sends_7d and last_sent_at (the nearest other counted message).

    ``exclude_pk`` names a frame column holding the row's own message id (submit re-check), so a
    message never counts against itself.
    """
    base = frame.select(
        ["debtor_pk", "local_date", "scheduled_at"] + ([exclude_pk] if exclude_pk else [])
    ).with_row_index("_row")
    joined = base.join(history.rename({"message_pk": "_history_pk"}), on="debtor_pk", how="inner")
    if exclude_pk:
        joined = joined.filter(pl.col("_history_pk") != pl.col(exclude_pk))
    delta = pl.col("scheduled_at") - pl.col("sent_at")
    stats = joined.group_by("_row").agg(
        sends_today=(pl.col("slot_date") == pl.col("local_date")).sum().cast(pl.Int32),
        sends_7d=((delta < timedelta(days=7)) & (delta > -timedelta(days=7))).sum().cast(pl.Int32),
        last_sent_at=pl.col("sent_at").sort_by(delta.abs()).first(),
    )
    result = frame.with_row_index("_row").join(stats, on="_row", how="left").drop("_row")
    return result.with_columns(
        pl.col("sends_today").fill_null(0),
        pl.col("sends_7d").fill_null(0),
    )


def plan_frame(
    conn: Connection,
    debtors: pl.DataFrame,
    *,
    now: datetime,
    window: Window,
    assign: Stage,
    render: Stage,
    evaluate: Stage,
    result: PlanResult,
) -> pl.DataFrame:
    """Everything but the write: the frame of today's candidate messages with their violations."""
    t = perf_counter()
    result.debtors_in_scope = debtors.height
    frame = assign(debtors)
    result.due_today = frame.height
    t = result.lap("assign", t)
    if frame.is_empty():
        return frame.with_columns(plan_key=pl.lit(None, pl.String))
    frame = frame.with_columns(plan_key=plan_key_expr())
    planned = _existing_plan_keys(conn, frame)
    before = frame.height
    frame = frame.join(planned, on="plan_key", how="anti")
    result.already_planned = before - frame.height
    frame = schedule(frame, now, window)
    open_rows = frame.filter(pl.col("scheduled_at").is_not_null())
    result.window_closed = frame.height - open_rows.height
    t = result.lap("schedule", t)
    if open_rows.is_empty():
        return open_rows
    history = load_history(conn, None, now - timedelta(days=8))
    open_rows = attach_history(open_rows, history)
    t = result.lap("history", t)
    open_rows = render(open_rows)
    t = result.lap("render", t)
    checked = evaluate(open_rows)
    result.lap("compliance", t)
    return checked


def _existing_plan_keys(conn: Connection, frame: pl.DataFrame) -> pl.DataFrame:
    return messages.plan_keys_on(conn, frame.select(pl.col("local_date").unique()).to_series().to_list())


def write_plan(
    conn: Connection,
    frame: pl.DataFrame,
    *,
    run_id: str,
    now: datetime,
    rules: pl.DataFrame,
    result: PlanResult,
) -> None:
    """Hand today's messages (queued or blocked, with their violations) to the outbox in bulk."""
    if frame.is_empty():
        return
    # A row that could not be rendered (its template vanished, a value was missing) has no body; the
    # gate has blocked it for the missing elements, and the record keeps an empty body.
    planned = frame.with_columns(
        pl.col("body").fill_null(""),
        pl.col("encoding").fill_null("GSM-7"),
        pl.col("segments").fill_null(0),
        pl.col("template_version").fill_null(0),
    ).rename(
        {
            "debtor_pk": "debtor_id",
            "contact_pk": "contact_id",
            "local_date": "slot_date",
            "account_pks": "account_ids",
        }
    )
    written = messages.enqueue(conn, planned, run_id=run_id, now=now, rules=rules)
    # Figures from what was actually written (a concurrent planner may have taken some keys).
    result.queued = written.queued
    result.blocked = written.blocked
    result.segments = written.segments


def summarise(frame: pl.DataFrame, result: PlanResult) -> None:
    """Figures for a dry run (nothing written)."""
    if frame.is_empty():
        return
    blocked = frame.filter(pl.col("violations").list.len() > 0)
    result.blocked = blocked.height
    result.queued = frame.height - blocked.height
    result.segments = int(frame.filter(pl.col("violations").list.len() == 0)["segments"].sum() or 0)
    counts = blocked.select(pl.col("violations").explode()).to_series().value_counts()
    result.blocked_by_rule = {str(r): int(c) for r, c in counts.iter_rows()}


def new_run_id(now: datetime) -> str:
    return now.strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:8]


def run_plan(
    conn: Connection,
    debtors: pl.DataFrame,
    *,
    now: datetime,
    window: Window,
    assign: Stage,
    render: Stage,
    evaluate: Stage,
    rules: pl.DataFrame,
    dry_run: bool = False,
) -> PlanResult:
    started = perf_counter()
    now = now.astimezone(UTC)
    result = PlanResult(run_id=new_run_id(now), now=now, dry_run=dry_run)
    frame = plan_frame(
        conn, debtors, now=now, window=window, assign=assign, render=render, evaluate=evaluate, result=result
    )
    summarise(frame, result)
    if not frame.is_empty():
        result.sample = (
            frame.head(5)
            .select("debtor_ref", "bucket", "template_id", "body", "segments", "violations")
            .to_dicts()
        )
    if not dry_run:
        t = perf_counter()
        write_plan(conn, frame, run_id=result.run_id, now=now, rules=rules, result=result)
        result.lap("write", t)
    result.seconds = perf_counter() - started
    return result
