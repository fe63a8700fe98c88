"""Strategy assignment: which segment, step, template and send window each debtor gets today.

``assign`` is set-based: segment conditions and step schedules become Polars expressions evaluated
over the whole Debtor frame at once; no Python runs per row.

Semantics
- Segments are tried in file order; the first whose ``when`` matches a row wins (a null risk score
  or region never matches a condition on it).
- Within the segment, a step is due when ``days_past_due == day``, or, with ``every: N``, when
  ``days_past_due`` is ``day + k·N`` (k ≥ 1) and before the next step's ``day``; repeats also stop
  when the row leaves the segment, because another segment then matches.
- Rows with no step due today, or whose balance is below ``exit.min_balance`` (major units of the
  row's currency), are dropped.
- ``template_multi`` (optional on a step) replaces ``template`` when the debtor's message covers
  more than one account (``n_accounts > 1``), so totals are never presented as one account's debt.
- ``exit_reason`` names the first ``exit.on`` condition that holds for a row (columns that are absent
  are not evaluated). Rows are *kept*: the compliance gate blocks them and records why.
"""

from __future__ import annotations

import hashlib
from decimal import ROUND_CEILING, Decimal

import polars as pl

from dunning.core.errors import InputError
from dunning.core.money import exponent, is_known_currency
from dunning.strategy.models import HOLDOUT, Experiment, Segment, Step, Strategy, When

#: Columns ``assign`` adds (``exit_reason`` is an addition to the pipeline contract).
ASSIGN_SCHEMA: dict[str, pl.DataType] = {
    "strategy_id": pl.Utf8(),
    "segment_id": pl.Utf8(),
    "step_id": pl.Utf8(),
    "template_id": pl.Utf8(),
    "window_start_min": pl.Int32(),
    "window_end_min": pl.Int32(),
    "arm": pl.Utf8(),
    "probability": pl.Float64(),
    "exit_reason": pl.Utf8(),
}

CHAMPION = "champion"

_SEG = "__assign_segment"
_STEP = "__assign_step"


def _dpd() -> pl.Expr:
    return pl.col("days_past_due")


def _threshold(amount: Decimal, currency: str) -> int:
    """Major-unit amount → the smallest integer minor amount m with m ≥ amount (ranges are [min, max))."""
    return int(amount.scaleb(exponent(currency)).to_integral_value(rounding=ROUND_CEILING))


def _bound(amount: Decimal, currencies: list[str]) -> pl.Expr:
    return pl.col("currency").replace_strict(
        {c: _threshold(amount, c) for c in currencies}, default=None, return_dtype=pl.Int64
    )


def _segment_match(segment: Segment, currencies: list[str]) -> pl.Expr:
    return when_expr(segment.when, currencies)


def when_expr(when: When, currencies: list[str]) -> pl.Expr:
    """Rows of a debtor frame that meet ``when`` (buckets, risk, balance, regions; AND-ed)."""
    conditions: list[pl.Expr] = []
    if when.buckets is not None:
        ranges = []
        for lo, hi in when.dpd_ranges():
            r = pl.lit(True)
            if lo is not None:
                r = r & _dpd().ge(lo)
            if hi is not None:
                r = r & _dpd().le(hi)
            ranges.append(r)
        conditions.append(pl.any_horizontal(ranges))
    if when.risk_score is not None:
        risk = pl.col("risk_score")
        if when.risk_score.min is not None:
            conditions.append(risk >= when.risk_score.min)
        if when.risk_score.max is not None:
            conditions.append(risk < when.risk_score.max)
    if when.balance is not None:
        amount = pl.col("amount_minor")
        if when.balance.min is not None:
            conditions.append(amount >= _bound(when.balance.min, currencies))
        if when.balance.max is not None:
            conditions.append(amount < _bound(when.balance.max, currencies))
    if when.regions is not None:
        conditions.append(pl.col("region").str.to_uppercase().is_in(list(when.regions)))
    if when.ability_willingness is not None:
        conditions.append(pl.col("ability_willingness").is_in(list(when.ability_willingness)))
    if not conditions:
        return pl.lit(True)
    return pl.all_horizontal(conditions).fill_null(False)


def _due(step: Step, next_day: int | None) -> pl.Expr:
    dpd = _dpd()
    exact = dpd.eq(step.day)
    if step.every is None:
        return exact
    repeat = dpd.gt(step.day) & ((dpd - step.day) % step.every).eq(0)
    if next_day is not None:
        repeat = repeat & dpd.lt(next_day)
    return exact | repeat


def _exit_reason(strategy: Strategy, columns: set[str]) -> pl.Expr:
    def held(*reasons: str) -> pl.Expr | None:
        # The hold reasons replies set (flows.ingest_replies); "ptp" is what operators typed before.
        return pl.col("hold_reason").is_in(list(reasons)) if "hold_reason" in columns else None

    def either(flag: str, hold: pl.Expr | None) -> pl.Expr | None:
        parts = [e for e in (pl.col(flag) if flag in columns else None, hold) if e is not None]
        return pl.any_horizontal(parts) if parts else None

    flags: dict[str, pl.Expr | None] = {
        "paid": pl.col("paid") if "paid" in columns else None,
        "dispute": either("dispute", held("dispute")),
        "complaint": either("complaint", held("complaint")),
        "bankrupt": pl.col("bankrupt") if "bankrupt" in columns else None,
        "deceased": pl.col("deceased") if "deceased" in columns else None,
        "promise_to_pay": held("ptp", "promise"),
        "hardship": held("hardship"),
    }
    opt_out = [pl.col(c) for c in ("opt_out", "recipient_opted_out") if c in columns]
    flags["opt_out"] = pl.any_horizontal(opt_out) if opt_out else None
    chain: pl.Expr = pl.lit(None, dtype=pl.Utf8)
    for condition in reversed(strategy.exit.on):
        flag = flags[condition]
        if flag is not None:
            chain = pl.when(flag.fill_null(False)).then(pl.lit(condition)).otherwise(chain)
    return chain


def required_columns(strategy: Strategy) -> set[str]:
    """Frame columns ``assign`` needs for this strategy."""
    needed = {"days_past_due", "amount_minor", "currency"}
    for segment in strategy.segments:
        if segment.when.risk_score is not None:
            needed.add("risk_score")
        if segment.when.regions is not None:
            needed.add("region")
        if segment.when.ability_willingness is not None:
            needed.add("ability_willingness")
        if any(step.template_multi is not None for step in segment.steps):
            needed.add("n_accounts")
    if strategy.experiment is not None:
        needed.add("debtor_ref")
    return needed


def assign(frame: pl.DataFrame, strategy: Strategy) -> pl.DataFrame:
    """Keep the rows with a step due today and add the assignment columns (ASSIGN_SCHEMA)."""
    absent = sorted(required_columns(strategy) - set(frame.columns))
    if absent:
        raise InputError(
            f"assign: the frame lacks columns {absent} that strategy {strategy.id!r} needs",
            f"assign：数据缺少策略 {strategy.id} 所需的列 {absent}",
        )
    base = frame.drop([c for c in ASSIGN_SCHEMA if c in frame.columns])
    if base.height == 0:
        return base.with_columns(
            pl.lit(None, dtype=dtype).alias(name) for name, dtype in ASSIGN_SCHEMA.items()
        )

    currencies = [c for c in base.get_column("currency").unique().to_list() if c is not None]
    unknown = [c for c in currencies if not is_known_currency(c)]
    if unknown:
        raise InputError(f"assign: unknown currency codes {unknown}", f"assign：未知币种代码 {unknown}")

    segment_chain: pl.Expr = pl.lit(None, dtype=pl.Int32)
    for index in range(len(strategy.segments) - 1, -1, -1):
        match = _segment_match(strategy.segments[index], currencies)
        segment_chain = pl.when(match).then(pl.lit(index, dtype=pl.Int32)).otherwise(segment_chain)

    steps: list[tuple[Segment, Step]] = []
    step_chain: pl.Expr = pl.lit(None, dtype=pl.Int32)
    due_conditions: list[tuple[pl.Expr, int]] = []
    for s_index, segment in enumerate(strategy.segments):
        for i, step in enumerate(segment.steps):
            next_day = segment.steps[i + 1].day if i + 1 < len(segment.steps) else None
            due_conditions.append(((pl.col(_SEG) == s_index) & _due(step, next_day), len(steps)))
            steps.append((segment, step))
    for condition, key in reversed(due_conditions):
        step_chain = pl.when(condition).then(pl.lit(key, dtype=pl.Int32)).otherwise(step_chain)

    keep = pl.col(_STEP).is_not_null()
    if strategy.exit.min_balance > 0:
        keep = keep & (pl.col("amount_minor") >= _bound(strategy.exit.min_balance, currencies))

    def lookup(values: list[object], dtype: pl.DataType) -> pl.Expr:
        return pl.col(_STEP).replace_strict(dict(enumerate(values)), default=None, return_dtype=dtype)

    single = lookup([st.template for _, st in steps], pl.Utf8())
    template = single
    if any(st.template_multi for _, st in steps):
        multi = lookup([st.template_multi for _, st in steps], pl.Utf8())
        template = pl.when((pl.col("n_accounts") > 1) & multi.is_not_null()).then(multi).otherwise(single)

    out = (
        base.with_columns(segment_chain.alias(_SEG))
        .with_columns(step_chain.alias(_STEP))
        .filter(keep.fill_null(False))
        .with_columns(
            strategy_id=pl.lit(strategy.id, dtype=pl.Utf8),
            segment_id=lookup([seg.id for seg, _ in steps], pl.Utf8()),
            step_id=lookup([st.id for _, st in steps], pl.Utf8()),
            template_id=template,
            window_start_min=lookup([st.window_minutes[0] for _, st in steps], pl.Int32()),
            window_end_min=lookup([st.window_minutes[1] for _, st in steps], pl.Int32()),
            arm=pl.lit(CHAMPION, dtype=pl.Utf8),
            probability=pl.lit(1.0, dtype=pl.Float64),
            exit_reason=_exit_reason(strategy, set(base.columns)),
        )
        .drop(_SEG, _STEP)
    )
    if strategy.experiment is not None:
        out = with_experiment(out, strategy.experiment)
    return out.select([*base.columns, *ASSIGN_SCHEMA])


#: Columns ``candidates`` adds.
CANDIDATE_SCHEMA: dict[str, pl.DataType] = {
    "strategy_id": pl.Utf8(),
    "segment_id": pl.Utf8(),
    "template_options": pl.List(pl.Utf8()),
    "exit_reason": pl.Utf8(),
}


def candidates(frame: pl.DataFrame, strategy: Strategy) -> pl.DataFrame:
    """Every row some segment matches, whatever its step days (the adaptive policy decides the day),
    with the segment's templates (``template_multi`` instead where the message covers several
    accounts) and the exit reason; rows below ``exit.min_balance`` are dropped."""
    absent = sorted(required_columns(strategy) - set(frame.columns))
    if absent:
        raise InputError(
            f"candidates: the frame lacks columns {absent} that strategy {strategy.id!r} needs",
            f"candidates：数据缺少策略 {strategy.id} 所需的列 {absent}",
        )
    base = frame.drop([c for c in CANDIDATE_SCHEMA if c in frame.columns])
    if base.height == 0:
        return base.with_columns(pl.lit(None, dtype=d).alias(n) for n, d in CANDIDATE_SCHEMA.items())
    currencies = [c for c in base.get_column("currency").unique().to_list() if c is not None]
    chain: pl.Expr = pl.lit(None, dtype=pl.Int32)
    for index in range(len(strategy.segments) - 1, -1, -1):
        match = _segment_match(strategy.segments[index], currencies)
        chain = pl.when(match).then(pl.lit(index, dtype=pl.Int32)).otherwise(chain)
    keep = pl.col(_SEG).is_not_null()
    if strategy.exit.min_balance > 0:
        keep = keep & (pl.col("amount_minor") >= _bound(strategy.exit.min_balance, currencies))
    singles = {i: sorted({st.template for st in seg.steps}) for i, seg in enumerate(strategy.segments)}
    multis = {
        i: sorted({st.template_multi or st.template for st in seg.steps})
        for i, seg in enumerate(strategy.segments)
    }
    several = pl.col("n_accounts") > 1 if "n_accounts" in base.columns else pl.lit(False)
    list_type = pl.List(pl.Utf8())
    options = (
        pl.when(several)
        .then(pl.col(_SEG).replace_strict(multis, default=None, return_dtype=list_type))
        .otherwise(pl.col(_SEG).replace_strict(singles, default=None, return_dtype=list_type))
    )
    out = (
        base.with_columns(chain.alias(_SEG))
        .filter(keep.fill_null(False))
        .with_columns(
            strategy_id=pl.lit(strategy.id, dtype=pl.Utf8),
            segment_id=pl.col(_SEG).replace_strict(
                dict(enumerate(s.id for s in strategy.segments)), default=None, return_dtype=pl.Utf8
            ),
            template_options=options,
            exit_reason=_exit_reason(strategy, set(base.columns)),
        )
        .drop(_SEG)
    )
    return out.select([*base.columns, *CANDIDATE_SCHEMA])


def experiment_draw(experiment_id: str, debtor_ref: str) -> float:
    """A debtor's stable position in [0, 1) for one experiment (a keyed hash: the same debtor gets
    the same arm in every plan, and different experiments draw independently)."""
    digest = hashlib.blake2b(debtor_ref.encode(), key=experiment_id.encode()[:64], digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2**64


def arm_of(experiment: Experiment, draw: float) -> tuple[str, float]:
    """``(arm, probability of that arm)`` for a draw: the holdout first, then the arms by share."""
    holdout = float(experiment.holdout)
    if draw < holdout:
        return HOLDOUT, holdout
    if experiment.promoted is not None:
        return experiment.promoted, 1.0 - holdout
    position = (draw - holdout) / (1.0 - holdout) if holdout < 1 else 0.0
    cumulative = 0.0
    for arm in experiment.arms:
        cumulative += float(arm.share)
        if position < cumulative:
            return arm.id, (1.0 - holdout) * float(arm.share)
    last = experiment.arms[-1]
    return last.id, (1.0 - holdout) * float(last.share)


def with_experiment(frame: pl.DataFrame, experiment: Experiment) -> pl.DataFrame:
    """Each row's arm and its probability, and the arm's window and template substitutions. Held-out
    rows keep their arm ``holdout``: the planner records them and sends them nothing."""
    if frame.height == 0:
        return frame
    drawn = [
        arm_of(experiment, experiment_draw(experiment.id, str(ref))) for ref in frame["debtor_ref"].to_list()
    ]
    out = frame.with_columns(
        arm=pl.Series([a for a, _ in drawn], dtype=pl.Utf8),
        probability=pl.Series([p for _, p in drawn], dtype=pl.Float64),
    )
    for arm in experiment.arms:
        mine = pl.col("arm") == arm.id
        changes = []
        if arm.window_minutes is not None:
            start, end = arm.window_minutes
            changes += [
                pl.when(mine)
                .then(pl.lit(start, dtype=pl.Int32))
                .otherwise(pl.col("window_start_min"))
                .alias("window_start_min"),
                pl.when(mine)
                .then(pl.lit(end, dtype=pl.Int32))
                .otherwise(pl.col("window_end_min"))
                .alias("window_end_min"),
            ]
        if arm.templates:
            swapped = pl.col("template_id").replace(arm.templates)
            changes.append(pl.when(mine).then(swapped).otherwise(pl.col("template_id")).alias("template_id"))
        if changes:
            out = out.with_columns(changes)
    return out
