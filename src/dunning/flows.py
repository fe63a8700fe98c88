"""Every composition across domains: the daily loop, what comes back, maintenance, and the acts of
operators. Edges (the CLI today; the API, webhooks and a scheduler later) open a unit of work, call
one of these, and print or serve; domains never import this module.

=================================  =================================================================
portfolio                          :func:`import_portfolio` (import, cancel what it makes stale, log),
                                   :func:`hold_debtor`, :func:`release_debtor`
planning                           :func:`load_config`, :func:`plan_day`, :func:`recheck_before_submit`
sending                            :func:`send_day` (async, inside the caller's loop),
                                   :func:`check_provider`, :func:`run_worker`
what comes back                    :func:`ingest_receipts`, :func:`ingest_replies` (any edge: the
                                   sender's collector, a webhook) — replies → intents → actions
payments and follow-up             :func:`record_payments` (the one way payments come in),
                                   :func:`follow_up` (:func:`settle_promises`,
                                   :func:`escalate_silent`; run before each plan)
work for people                    :func:`list_tasks`, :func:`show_task`, :func:`claim_task`,
                                   :func:`note_task`, :func:`close_task`, :func:`export_dialler`,
                                   :func:`debtor_timeline`
maintenance, each on its own       :func:`release_stale_claims`, :func:`lapse_window_closed`,
                                   :func:`retry_parked_receipts`, :func:`finalise_overdue_parts`,
                                   :func:`run_maintenance`
the day and its figures            :func:`run_day`, :func:`report_day`, :func:`due`, :func:`read_events`
operators' acts                    :func:`init_install`, :func:`add_operator`, :func:`set_operator_active`,
                                   :func:`approve_template`, :func:`requeue_unknown`,
                                   :func:`unknown_messages`
keys                               :func:`key_status`, :func:`rotate_keys`, :func:`reencrypt`,
                                   :func:`retire_key`
=================================  =================================================================

Functions taking a ``Connection`` run in the caller's unit of work; those taking an ``Engine``
commit in several steps of their own (a sender must commit before it calls a provider).
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import hashlib
import json
import logging
import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from time import perf_counter
from typing import TYPE_CHECKING, Any, cast

import polars as pl
from sqlalchemy.engine import Connection, Engine

from dunning import events
from dunning.access import Act, OperatorRecord, authorize, ensure_default_operator
from dunning.access import add_operator as _add_operator
from dunning.access import set_active as _set_active
from dunning.analytics.attribution import attribute, recovered_between, store_attributions
from dunning.analytics.report import build_report, build_return_path
from dunning.compliance import ComplianceProfile, Violation, evaluate, explain, load_profile, rule_table
from dunning.core.clock import local_date, utcnow, zone
from dunning.core.counters import Counters
from dunning.core.crypto import Keyring, PersonalDataCipher
from dunning.core.db import unit_of_work
from dunning.core.errors import ConcurrencyError, ConfigError, InputError
from dunning.core.kinds import MessageKind
from dunning.core.profiles import PROFILE_TIME_ZONE, Profile
from dunning.core.settings import Settings
from dunning.events import EventKind, NewEvent
from dunning.learning import repository as decision_log
from dunning.learning.features import context_of, feature_frame
from dunning.learning.offpolicy import evaluate_policy
from dunning.learning.outcomes import attach_outcomes
from dunning.learning.policy import SKIP, Learned, PolicySpec, choose, learn, split_action
from dunning.messages import outbox
from dunning.messages import repository as messages
from dunning.messages.outbox import ClaimedMessage, StaleClaims
from dunning.messages.repository import DueSummary
from dunning.messages.wire import InboundSms, Receipt, ReceiptIdFormat, SubmitOutcome
from dunning.portfolio import repository as portfolio
from dunning.portfolio.columns import FileKind
from dunning.portfolio.dpd import primary_zone
from dunning.portfolio.repository import ActiveHold, load_debtor_frame
from dunning.portfolio.service import ImportResult, ProgressCallback, import_file
from dunning.promises import repository as promises_repo
from dunning.promises.repository import PromiseRecord
from dunning.propensity.segments import HISTORY_COLUMNS, SEGMENT_NAMES, ability_willingness
from dunning.sending.providers.base import SmsProvider
from dunning.sending.providers.registry import build_provider
from dunning.sending.worker import SendSummary, collect_inbound, send_due, sender_lock
from dunning.strategy import experiments
from dunning.strategy.engine import assign, candidates, required_columns, with_experiment
from dunning.strategy.loader import load_default_strategy, load_strategy
from dunning.strategy.models import HOLDOUT, Strategy, parse_window
from dunning.strategy.planner import (
    PlanResult,
    Window,
    attach_history,
    load_history,
    local_minutes_at,
    run_plan,
)
from dunning.tasks import repository as tasks_repo
from dunning.tasks.repository import TaskRecord
from dunning.templates.catalog import approve_version, load_default_templates, load_templates
from dunning.templates.models import TemplateCatalog, TemplateVersion
from dunning.templates.render import RenderContext, render_frame
from dunning.tracking.receipts import ReceiptSummary, apply_receipts, retry_parked
from dunning.tracking.receipts import finalise_overdue_parts as _finalise_overdue_parts
from dunning.tracking.replies import (
    IntentRecord,
    ReplySummary,
    StoredReply,
    flush_stale_parts,
    intent_counts_between,
    reassemble,
    record_intents,
    replies_of,
    store_replies,
)

if TYPE_CHECKING:
    from dunning.replies import Classification, PromiseTerms
    from dunning.templates.models import Template

log = logging.getLogger("dunning.flows")

#: How long a claim or hand-over may sit before another sender treats its worker as gone (PostgreSQL).
STALE_AFTER = timedelta(minutes=10)

#: ``recheck(conn, claimed, now) -> {message_id: violations}`` (the submit-time gate).
Recheck = Callable[[Connection, Sequence[ClaimedMessage], datetime], Mapping[int, Sequence[Violation]]]


# --------------------------------------------------------------------------------------------------
# Configuration of a day


@dataclass(frozen=True, slots=True)
class DailyConfig:
    """What a day's plan needs besides the data: the profile, the strategy and the templates."""

    profile: ComplianceProfile
    strategy: Strategy
    catalog: TemplateCatalog
    context: RenderContext
    default_zone: str
    notices: tuple[str, ...] = ()
    strategy_source: str = ""

    @property
    def window(self) -> Window:
        return Window(self.profile.window_start_min, self.profile.window_end_min)


def builtin_config(profile: str) -> DailyConfig:
    """The shipped strategy, templates and compliance profile of ``profile`` (no files read)."""
    name = cast(Profile, profile.upper())
    if name not in PROFILE_TIME_ZONE:
        raise InputError(f"unknown profile {profile!r} (CN or US)", f"未知配置 {profile!r}（CN 或 US）")
    settings = Settings(profile=name)
    return DailyConfig(
        profile=load_profile(name, settings),
        strategy=load_default_strategy(name),
        catalog=load_default_templates(name),
        context=RenderContext.from_settings(settings),
        default_zone=PROFILE_TIME_ZONE[name],
        strategy_source=f"built-in {name}",
    )


def load_config(settings: Settings) -> DailyConfig:
    """Read strategy.yaml / templates.yaml / compliance.yaml from the working directory, falling back
    to the shipped examples for the profile (with a notice) when a file does not exist."""
    notices = []
    name = settings.profile
    if settings.strategy_file.exists():
        strategy = load_strategy(settings.strategy_file)
        source = str(settings.strategy_file)
    else:
        strategy = load_default_strategy(name)
        source = f"built-in {name}"
        notices.append(
            f"未找到 {settings.strategy_file}，使用内置 {name} 策略 / using the built-in {name} strategy"
        )
    if settings.templates_file.exists():
        catalog = load_templates(settings.templates_file)
    else:
        catalog = load_default_templates(name)
        notices.append(
            f"未找到 {settings.templates_file}，使用内置 {name} 模板 / using the built-in {name} templates"
        )
    profile = load_profile(name, settings)
    return DailyConfig(
        profile=profile,
        strategy=strategy,
        catalog=catalog,
        context=RenderContext.from_settings(settings),
        default_zone=PROFILE_TIME_ZONE[name],
        notices=tuple(notices),
        strategy_source=source,
    )


# --------------------------------------------------------------------------------------------------
# Portfolio


@dataclass(slots=True)
class PortfolioImport:
    """An import and what it set off: queued messages of debtors whose state changed are cancelled."""

    result: ImportResult
    cancelled: int = 0
    sha256: str = ""
    payments: PaymentsRecorded | None = None  # what a payments file set off


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def import_portfolio(
    conn: Connection,
    kind: FileKind,
    path: Path,
    *,
    cipher: PersonalDataCipher,
    profile: str,
    now: datetime,
    skip_invalid: bool = False,
    progress: ProgressCallback | None = None,
    actor: str = "importer",
    config: DailyConfig | None = None,
) -> PortfolioImport:
    """Import one file; a payment, opt-out, dispute, complaint, bankruptcy or death it records cancels
    the debtor's queued messages at once; the import is logged (file name, sha256, counts).

    A payments file goes through :func:`record_payments` (promises, holds, tasks, attribution) with
    ``config`` (the built-in one of ``profile`` when not given)."""
    recorded: PaymentsRecorded | None = None
    if kind == "payments":
        recorded = record_payments(
            conn, path, now, cipher=cipher, config=config or builtin_config(profile),
            skip_invalid=skip_invalid, progress=progress, actor=actor,
        )  # fmt: skip
        result = recorded.result
    else:
        result = import_file(
            conn,
            kind,
            path,
            cipher=cipher,
            profile=profile,
            now=now,
            skip_invalid=skip_invalid,
            progress=progress,
        )
    if recorded is None:
        cancelled = len(messages.cancel(conn, now, "portfolio_update", debtor_ids=result.affected_debtor_pks))
    else:
        cancelled = recorded.cancelled  # record_payments cancelled the payers' messages already
    outcome = PortfolioImport(result, cancelled, _sha256(path))
    outcome.payments = recorded
    events.append(
        conn,
        EventKind.PORTFOLIO_IMPORTED,
        at=now,
        actor=actor,
        subject=path.name,
        detail={
            "kind": kind,
            "file": path.name,
            "sha256": outcome.sha256,
            "rows": result.rows,
            "imported_rows": result.imported_rows,
            "skipped_rows": result.skipped_rows,
            "counts": {name: vars(c) for name, c in result.counts.items()},
            "debtors_changed": len(result.affected_debtor_pks),
            "messages_cancelled": outcome.cancelled,
        },
    )
    return outcome


def hold_debtor(
    conn: Connection,
    debtor_ref: str,
    reason: str,
    *,
    by: str | None,
    now: datetime,
    until: datetime | None = None,
    note: str | None = None,
) -> tuple[int, int]:
    """Pause contact with a debtor (a reason, an optional expiry): their queued messages are cancelled
    and the gate blocks new ones while the hold lasts. Returns ``(hold id, messages cancelled)``."""
    operator = authorize(conn, by, Act.HOLD_DEBTOR)
    debtor_id = portfolio.debtor_ids(conn, [debtor_ref])[debtor_ref]
    return _place_hold(
        conn, debtor_id, reason, until=until, now=now, actor=operator.username, note=note, subject=debtor_ref
    )


def release_debtor(conn: Connection, debtor_ref: str, *, by: str | None, now: datetime) -> list[ActiveHold]:
    """Clear the debtor's holds (the next plan may contact them again)."""
    operator = authorize(conn, by, Act.HOLD_DEBTOR)
    debtor_id = portfolio.debtor_ids(conn, [debtor_ref])[debtor_ref]
    cleared = portfolio.release_holds(conn, debtor_id, now)
    if cleared:
        events.append(
            conn,
            EventKind.DEBTOR_RELEASED,
            at=now,
            actor=operator.username,
            debtor_id=debtor_id,
            subject=debtor_ref,
            detail={"holds": [h.hold_id for h in cleared], "reasons": sorted({h.reason for h in cleared})},
        )
    return cleared


# --------------------------------------------------------------------------------------------------
# Planning


def _fingerprint(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def plan_day(
    conn: Connection,
    config: DailyConfig,
    now: datetime,
    *,
    dry_run: bool = False,
    actor: str = "planner",
    chooser: Chooser | None = None,
) -> PlanResult:
    """Plan today's slot for every debtor in scope, in one unit of work, and log the run.

    With ``policy: adaptive`` the policy first learns from the decision log and what followed
    (payments, replies), then chooses; ``chooser`` stands in for it (the simulation's oracle)."""
    started = perf_counter()
    now = now.astimezone(UTC)
    config = _with_blocks(conn, config)
    if not dry_run:
        # Promises that came due and silent debtors first: a broken promise resumes the cadence today.
        follow_up(conn, config, now)
    debtors = load_debtor_frame(conn, now, default_time_zone=config.default_zone)
    load_seconds = perf_counter() - started
    result = run_plan(
        conn,
        debtors,
        now=now,
        window=config.window,
        assign=lambda f: _assign_and_hold_out(conn, f, config, now, dry_run=dry_run, chooser=chooser),
        render=lambda f: render_frame(f, config.catalog, config.context),
        evaluate=lambda f: evaluate(f, config.profile, stage="plan"),
        rules=rule_table(config.profile),
        dry_run=dry_run,
    )
    result.stage_seconds = {"load": round(load_seconds, 3), **result.stage_seconds}
    result.seconds += load_seconds
    if not dry_run:
        _log_plan(conn, config, result, now, actor)
    return result


def _assign_and_hold_out(
    conn: Connection,
    frame: pl.DataFrame,
    config: DailyConfig,
    now: datetime,
    *,
    dry_run: bool,
    chooser: Chooser | None = None,
) -> pl.DataFrame:
    """Today's assignment: the rules' cadence, or the adaptive policy's choices (``chooser``
    replaces the policy, e.g. the simulation's oracle). With an experiment, each debtor's arm is
    recorded the first time it is drawn and held-out debtors are sent nothing. Every choice is
    logged with its probability (not on a dry run)."""
    strategy = config.strategy
    if strategy.policy == "adaptive" or chooser is not None:
        return _adaptive_assign(conn, frame, config, now, dry_run=dry_run, chooser=chooser)
    needs_history = "ability_willingness" in required_columns(strategy)
    enriched = with_debtor_history(conn, frame, now) if needs_history else frame
    assigned = assign(enriched, strategy)
    if strategy.experiment is not None and not dry_run:
        experiments.record_assignments(conn, strategy.experiment.id, assigned, now)
    if not dry_run:
        _log_rules_decisions(conn, assigned, strategy, now)
    if needs_history:
        assigned = assigned.drop(
            [c for c in _HISTORY_ADDED if c in assigned.columns and c not in frame.columns]
        )
    if strategy.experiment is None:
        return assigned
    return assigned.filter(pl.col("arm") != HOLDOUT)


def _log_plan(conn: Connection, config: DailyConfig, result: PlanResult, now: datetime, actor: str) -> None:
    logged: list[NewEvent] = []
    strategy = config.strategy.model_dump(mode="json")
    fingerprint = _fingerprint(strategy)
    last = events.last_of(conn, EventKind.STRATEGY_CHANGED)
    if last is None or last.detail.get("fingerprint") != fingerprint:
        logged.append(
            NewEvent(
                EventKind.STRATEGY_CHANGED,
                now,
                actor,
                {
                    "strategy": config.strategy.id,
                    "version": config.strategy.version,
                    "fingerprint": fingerprint,
                    "source": config.strategy_source,
                    "previous": last.detail.get("fingerprint") if last else None,
                },
                subject=config.strategy.id,
            )
        )
    overrides = [o.model_dump(mode="json") for o in config.profile.audited_overrides]
    fingerprint = _fingerprint(overrides)
    last = events.last_of(conn, EventKind.COMPLIANCE_OVERRIDE, subject=config.profile.name)
    if (last is None and overrides) or (last is not None and last.detail.get("fingerprint") != fingerprint):
        logged.append(
            NewEvent(
                EventKind.COMPLIANCE_OVERRIDE,
                now,
                actor,
                {"profile": config.profile.name, "overrides": overrides, "fingerprint": fingerprint},
                subject=config.profile.name,
            )
        )
    logged.append(
        NewEvent(
            EventKind.PLAN_RUN,
            now,
            actor,
            {k: v for k, v in result.as_dict().items() if k not in ("stage_seconds", "dry_run")},
            subject=result.run_id,
        )
    )
    if result.blocked:
        logged.append(
            NewEvent(
                EventKind.COMPLIANCE_DECISIONS,
                now,
                actor,
                {
                    "stage": "plan",
                    "profile": config.profile.name,
                    "blocked": result.blocked,
                    "allowed": result.queued,
                    "by_rule": dict(sorted(result.blocked_by_rule.items())),
                },
                subject=result.run_id,
            )
        )
    events.append_many(conn, logged)


# --------------------------------------------------------------------------------------------------
# Learning: debtor history, ability × willingness, the adaptive policy and its decision log

#: ``chooser(candidates, slots) -> actions``: stands in for the adaptive policy (the simulation's
#: oracle). Each action is ``skip`` or ``template@slot``; its choices are logged with probability 1.
Chooser = Callable[[pl.DataFrame, tuple[str, ...]], list[str]]

_HISTORY_ADDED = (*HISTORY_COLUMNS, "ability", "willingness", "ability_willingness")
_DELIVERED_LIKE = ("submitted", "unknown", "delivered")
_ENGAGED = ("promise", "paid", "help")
_REFUSALS = ("complaint", "dispute", "opt_out")


def debtor_history(conn: Connection, now: datetime) -> pl.DataFrame:
    """Per debtor (``debtor_pk``), the :data:`HISTORY_COLUMNS`: payments in 90 days, reminders
    delivered and replies in 7/30 days, promises kept and broken (debtors with any history only)."""
    from dunning.tracking.replies import debtor_intents_frame

    month, week, quarter = now - timedelta(days=30), now - timedelta(days=7), now - timedelta(days=90)
    sent = messages.debtor_messages_frame(conn, month)
    contact = sent.filter(pl.col("status").is_in(["queued", "claimed", "submitting", *_DELIVERED_LIKE]))
    delivered = contact.filter(pl.col("status").is_in(list(_DELIVERED_LIKE)))
    messages_part = (
        contact.group_by("debtor_pk")
        .agg(last=pl.col("created_at").max())
        .join(
            delivered.group_by("debtor_pk").agg(
                delivered_30d=pl.len().cast(pl.Int32),
                delivered_7d=(pl.col("created_at") >= week).sum().cast(pl.Int32),
            ),
            on="debtor_pk",
            how="left",
        )
        .with_columns(
            days_since_contact=((pl.lit(now) - pl.col("last")).dt.total_hours() / 24).floor().cast(pl.Int32)
        )
        .drop("last")
    )
    replies = (
        debtor_intents_frame(conn, month)
        .group_by("debtor_pk")
        .agg(
            replies_30d=pl.len().cast(pl.Int32),
            engaged_replies_30d=pl.col("intent").is_in(list(_ENGAGED)).sum().cast(pl.Int32),
            refusals_30d=pl.col("intent").is_in(list(_REFUSALS)).sum().cast(pl.Int32),
            hardship_30d=(pl.col("intent") == "hardship").sum().cast(pl.Int32),
        )
    )
    paid = (
        portfolio.debtor_payments_frame(conn, quarter)
        .group_by("debtor_pk")
        .agg(paid_90d_minor=pl.col("amount_minor").sum().cast(pl.Int64), payments_90d=pl.len().cast(pl.Int32))
    )
    out = promises_repo.outcome_counts_frame(conn)
    for part in (messages_part, replies, paid):
        out = out.join(part, on="debtor_pk", how="full", coalesce=True)
    return out


def with_debtor_history(conn: Connection, frame: pl.DataFrame, now: datetime) -> pl.DataFrame:
    """``frame`` with the history columns and the ability × willingness scores and cell."""
    history = debtor_history(conn, now)
    joined = frame.drop([c for c in _HISTORY_ADDED if c in frame.columns]).join(
        history, on="debtor_pk", how="left"
    )
    filled = joined.with_columns(
        pl.col(c).fill_null(99 if c == "days_since_contact" else 0).cast(t)
        for c, t in HISTORY_COLUMNS.items()
    )
    return ability_willingness(filled)


def policy_spec(config: DailyConfig) -> PolicySpec:
    """The adaptive policy's actions and costs from the strategy: the approved templates its
    segments name, and its send windows."""
    strategy = config.strategy
    named: dict[str, None] = {}
    for segment in strategy.segments:
        for step in segment.steps:
            for template in (step.template, step.template_multi):
                if template is not None:
                    named.setdefault(template, None)
    approved = [
        t
        for t in named
        if t in config.catalog and any(v.state == "approved" for v in config.catalog[t].versions)
    ]
    a = strategy.adaptive
    return PolicySpec(
        templates=tuple(approved),
        slots=strategy.slots(),
        message_cost=float(a.message_cost),
        harm_cost=float(a.harm_cost),
        explore=a.explore,
        draws=a.draws,
        horizon_days=a.horizon_days,
        posterior_scale=a.posterior_scale,
    )


def _outcomes(conn: Connection, spec: PolicySpec, now: datetime, *, days: int = 60) -> pl.DataFrame:
    from dunning.tracking.replies import debtor_intents_frame

    since = now - timedelta(days=days)
    decisions = decision_log.decisions_frame(conn, since)
    return attach_outcomes(
        decisions,
        portfolio.debtor_payments_frame(conn, since),
        debtor_intents_frame(conn, since),
        horizon_days=spec.horizon_days,
        now=now,
    )


def learned_policy(conn: Connection, config: DailyConfig, now: datetime) -> Learned:
    """The adaptive policy after learning from every decision of the last 60 days and what followed."""
    spec = policy_spec(config)
    return learn(_outcomes(conn, spec, now), spec)


def _seeded_rng(strategy: Strategy, now: datetime) -> Any:
    import numpy as np

    digest = hashlib.blake2b(f"{strategy.id}|{now.isoformat()}".encode(), digest_size=8).digest()
    return np.random.default_rng(int.from_bytes(digest, "big"))


def _decided_today(conn: Connection, frame: pl.DataFrame, now: datetime, time_zone: str) -> pl.DataFrame:
    """Rows of debtors the log holds a decision for on their local date already (a second plan on
    the same day neither re-decides nor logs twice)."""
    start = datetime.combine(local_date(now, time_zone), datetime.min.time(), tzinfo=zone(time_zone))
    done = decision_log.decisions_frame(conn, start.astimezone(UTC) - timedelta(hours=14))
    if done.is_empty():
        return frame
    done = done.filter(pl.col("decided_at") >= start.astimezone(UTC))
    return frame.join(done.select("debtor_pk").unique(), on="debtor_pk", how="anti")


def _adaptive_assign(
    conn: Connection,
    frame: pl.DataFrame,
    config: DailyConfig,
    now: datetime,
    *,
    dry_run: bool,
    chooser: Chooser | None,
) -> pl.DataFrame:
    import numpy as np

    strategy = config.strategy
    spec = policy_spec(config)
    enriched = with_debtor_history(conn, frame, now)
    pool = candidates(enriched, strategy).filter(pl.col("exit_reason").is_null())
    pool = _decided_today(conn, pool, now, config.default_zone)
    # What the rules' cadence would have sent today, for evaluating the two against each other.
    due = assign(enriched.join(pool.select("debtor_pk"), on="debtor_pk", how="semi"), strategy)
    pool = pool.join(
        due.select("debtor_pk", rules_send=pl.lit(True)), on="debtor_pk", how="left"
    ).with_columns(pl.col("rules_send").fill_null(False))
    pool = pool.with_columns(arm=pl.lit("adaptive"), probability=pl.lit(1.0))
    if strategy.experiment is not None:
        pool = with_experiment(pool, strategy.experiment)
        if not dry_run:
            experiments.record_assignments(conn, strategy.experiment.id, pool, now)
    held = pool.filter(pl.col("arm") == HOLDOUT)
    deciding = pool.filter(pl.col("arm") != HOLDOUT)
    features = feature_frame(deciding)
    a = strategy.adaptive
    may_send = (
        (deciding["delivered_7d"] < a.max_per_week) & (deciding["days_since_contact"] >= a.min_gap_days)
    ).to_numpy()
    allowed = [
        [t for t in (opts or []) if t in spec.templates] for opts in deciding["template_options"].to_list()
    ]
    if chooser is not None:
        actions = [
            act if ok else SKIP for act, ok in zip(chooser(deciding, spec.slots), may_send, strict=True)
        ]
        probability = np.ones(deciding.height)
        p_send = np.array([0.0 if act == SKIP else 1.0 for act in actions])
        policy = "oracle"
    else:
        amount = deciding["amount_minor"].to_numpy().astype(np.float64) / 100.0
        choice = choose(
            features,
            amount,
            allowed,
            learned_policy(conn, config, now),
            _seeded_rng(strategy, now),
            may_send=may_send,
        )
        actions, probability, p_send = choice.action, choice.probability, choice.p_send
        policy = "adaptive"
    arm_probability = deciding["probability"].to_numpy()
    decided = deciding.with_columns(
        action=pl.Series(actions, dtype=pl.Utf8),
        probability=pl.Series(arm_probability * probability, dtype=pl.Float64),
        p_send=pl.Series(p_send, dtype=pl.Float64),
        policy=pl.lit(policy),
        context=context_of(deciding),
    )
    if not dry_run:
        run = f"plan-{now.strftime('%Y%m%dT%H%M%S')}"
        decision_log.record_decisions(conn, decided, features, plan_run=run, now=now)
        if not held.is_empty():
            holdout = held.with_columns(
                action=pl.lit(SKIP), p_send=pl.lit(0.0), policy=pl.lit(policy), context=context_of(held)
            )
            decision_log.record_decisions(conn, holdout, feature_frame(held), plan_run=run, now=now)
    sends = decided.filter(pl.col("action") != SKIP)
    if sends.is_empty():
        return assign(frame.clear(), strategy)
    parts = [split_action(str(act)) for act in sends["action"].to_list()]
    windows = [parse_window(p[1]) if p else (0, 0) for p in parts]
    out = sends.with_columns(
        step_id=pl.lit("adaptive"),
        template_id=pl.Series([p[0] if p else None for p in parts], dtype=pl.Utf8),
        window_start_min=pl.Series([w[0] for w in windows], dtype=pl.Int32),
        window_end_min=pl.Series([w[1] for w in windows], dtype=pl.Int32),
    )
    from dunning.strategy.engine import ASSIGN_SCHEMA

    return out.select([*frame.columns, *ASSIGN_SCHEMA])


def _log_rules_decisions(conn: Connection, assigned: pl.DataFrame, strategy: Strategy, now: datetime) -> None:
    """The rules' choices for the debtors due today, as decisions (probability = the arm's)."""
    rows = assigned.filter(pl.col("exit_reason").is_null())
    if rows.is_empty():
        return
    rows = with_debtor_history(conn, rows, now)
    holdout = float(strategy.experiment.holdout) if strategy.experiment is not None else 0.0
    windows = [
        f"{s // 60:02d}:{s % 60:02d}-{e // 60:02d}:{e % 60:02d}"
        for s, e in rows.select("window_start_min", "window_end_min").iter_rows()
    ]
    decided = rows.with_columns(
        action=pl.when(pl.col("arm") == HOLDOUT)
        .then(pl.lit(SKIP))
        .otherwise(pl.concat_str([pl.col("template_id"), pl.lit("@"), pl.Series(windows, dtype=pl.Utf8)])),
        p_send=pl.lit(1.0 - holdout),
        rules_send=pl.lit(True),
        policy=pl.lit("rules"),
        context=context_of(rows),
    )
    decision_log.record_decisions(
        conn, decided, feature_frame(rows), plan_run=f"plan-{now.strftime('%Y%m%dT%H%M%S')}", now=now
    )


def learning_report(
    conn: Connection, config: DailyConfig, now: datetime, *, days: int = 14
) -> dict[str, Any]:
    """What the adaptive policy has learned, and what it chose lately: per context and action, the
    decisions, their mean logged probability and the payment rate that followed."""
    spec = policy_spec(config)
    outcomes = _outcomes(conn, spec, now)
    learned = learn(outcomes, spec)
    recent = decision_log.decisions_frame(conn, now - timedelta(days=days))
    choices = (
        recent.group_by("policy", "context", "action")
        .agg(
            decisions=pl.len(),
            mean_probability=pl.col("probability").mean(),
            mean_p_send=pl.col("p_send").mean(),
        )
        .sort("policy", "context", "decisions", descending=[False, False, True])
    )
    by_context = (
        outcomes.with_columns(sent=pl.col("action") != SKIP)
        .group_by("context", "sent")
        .agg(decisions=pl.len(), pay_rate=pl.col("paid").mean(), harm_rate=pl.col("harm").mean())
        .sort("context", "sent")
    )
    from dunning.learning.policy import calibration

    # The payment model as a propensity model of the system's own history: fitted on the older
    # 80 % of decisions with a complete horizon, judged on the newest 20 % it has not seen.
    complete = outcomes.filter(pl.col("observed") >= 1.0).sort("decided_at")
    cut = int(complete.height * 0.8)
    own = calibration(complete.head(cut), complete.slice(cut), spec) if complete.height >= 50 else {"rows": 0}
    return {
        "policy": config.strategy.policy,
        "strategy": config.strategy.id,
        "actions": {"templates": list(spec.templates), "slots": list(spec.slots)},
        "own_history_propensity": own,
        "model": learned.summary(),
        "choices": [
            {k: (round(v, 4) if isinstance(v, float) else v) for k, v in r.items()}
            for r in choices.to_dicts()
        ],
        "outcomes_by_context": [
            {k: (round(v, 4) if isinstance(v, float) else v) for k, v in r.items()}
            for r in by_context.to_dicts()
        ],
    }


def evaluate_policies(
    conn: Connection, config: DailyConfig, now: datetime, *, days: int = 30
) -> dict[str, Any]:
    """Off-policy estimates, from the decision log of the last ``days``, of the payment rate and the
    amount recovered per decision under: the logged policy, never sending, always sending, the
    rules' cadence, and the adaptive policy as it stands now (IPS, SNIPS, DR)."""
    import numpy as np

    from dunning.learning.features import FEATURES, matrix
    from dunning.learning.model import sigmoid

    spec = policy_spec(config)
    outcomes = _outcomes(conn, spec, now, days=days).filter(pl.col("observed") >= 1.0)
    if outcomes.is_empty():
        raise InputError(
            f"no decision of the last {days} days has a complete outcome yet (plan, then wait "
            f"{spec.horizon_days} days)",
            f"最近 {days} 天没有已满观察期的决策（需先排期，并等待 {spec.horizon_days} 天）",
        )
    learned = learn(outcomes, spec)
    dtype = pl.Struct({name: pl.Float64() for name in FEATURES})
    feats = outcomes["features"].str.json_decode(dtype).struct.unnest().fill_null(0.0)
    from dunning.learning.policy import TREATED

    x = matrix(feats)
    d, k = x.shape[1], 1 + len(TREATED)
    treated = [0, *(1 + FEATURES.index(name) for name in TREATED)]
    w = learned.pay.mean
    base = x @ w[:d]
    treat = x[:, treated] @ w[d : d + k]
    n_slots = len(spec.slots)
    sends = [
        sigmoid(base + treat + w[d + k + si] + w[d + k + n_slots + ti])
        for ti in range(len(spec.templates))
        for si in range(n_slots)
    ]
    q_send = np.mean(sends, axis=0) if sends else sigmoid(base + treat)
    q_skip = sigmoid(base)
    sent = (outcomes["action"] != SKIP).to_numpy()
    logged = outcomes["p_send"].to_numpy()
    allowed = [list(spec.templates)] * outcomes.height
    amount = _amount_of(outcomes)
    # The policy as it would run: its weekly cap and minimum gap, read back from the features.
    a = config.strategy.adaptive
    may_send = (feats["delivered_7d"].to_numpy() * 3 < a.max_per_week - 0.5) & (
        feats["days_since_contact"].to_numpy() * 30 >= a.min_gap_days - 0.5
    )
    adaptive = choose(
        feats, amount, allowed, learned, np.random.default_rng(0), may_send=may_send, sample=False
    ).p_send
    targets = {
        "never": np.zeros(outcomes.height),
        "always": np.ones(outcomes.height),
        "rules": outcomes["rules_send"].cast(pl.Float64).to_numpy(),
        "adaptive": adaptive,
    }
    paid = outcomes["paid"].to_numpy()
    recovered = outcomes["paid_minor"].to_numpy() / 100.0
    result: dict[str, Any] = {
        "rows": outcomes.height,
        "days": days,
        "horizon_days": spec.horizon_days,
        "by_policy": outcomes.group_by("policy").len().sort("policy").to_dicts(),
        "pay_rate": {},
        "recovered_per_decision": {},
    }
    for name, target in targets.items():
        result["pay_rate"][name] = evaluate_policy(paid, sent, logged, target, q_send=q_send, q_skip=q_skip)
        result["recovered_per_decision"][name] = evaluate_policy(
            recovered, sent, logged, target, q_send=q_send * amount, q_skip=q_skip * amount
        )
    return result


def _amount_of(outcomes: pl.DataFrame) -> Any:
    """The balance at decision time (major units), from the logged log10 feature."""
    import numpy as np

    dtype = pl.Struct({"log_amount": pl.Float64()})
    log_amount = (
        outcomes["features"].str.json_decode(dtype).struct.field("log_amount").fill_null(0.0).to_numpy()
    )
    return np.power(10.0, log_amount + 3.0) - 1.0


def _mean(series: pl.Series) -> float:
    value = series.mean()
    return float(value) if isinstance(value, (int, float)) else 0.0


def portfolio_segments(conn: Connection, config: DailyConfig, now: datetime) -> dict[str, Any]:
    """The portfolio in scope by ability × willingness (能力 × 意愿): debtors, balance, mean scores,
    and the share who paid in the last 30 days."""
    frame = load_debtor_frame(conn, now, default_time_zone=config.default_zone)
    scored = with_debtor_history(conn, frame, now)
    total = max(scored.height, 1)
    rows = []
    for cell, (zh, en) in SEGMENT_NAMES.items():
        part = scored.filter(pl.col("ability_willingness") == cell)
        rows.append(
            {
                "segment": cell,
                "zh": zh,
                "en": en,
                "debtors": part.height,
                "share": round(part.height / total, 4),
                "balance_minor": int(part["amount_minor"].sum() or 0),
                "mean_ability": round(_mean(part["ability"]), 3),
                "mean_willingness": round(_mean(part["willingness"]), 3),
                "mean_dpd": round(_mean(part["days_past_due"]), 1),
            }
        )
    return {"as_of": now.isoformat(), "debtors": scored.height, "segments": rows}


def use_strategy(
    settings: Settings, which: str, *, by: str | None, now: datetime, conn: Connection
) -> dict[str, Any]:
    """Make the working directory's strategy the shipped ``rules`` or ``adaptive`` one of the
    profile; the operator's file is kept as ``strategy.yaml.bak-<time>``; logged."""
    from dunning.strategy.loader import adaptive_strategy_text, default_strategy_text, parse_strategy

    if which not in ("rules", "adaptive"):
        raise InputError(
            f"choose rules or adaptive, not {which!r}", f"请选择 rules 或 adaptive，而非 {which!r}"
        )
    operator = authorize(conn, by, Act.PROPOSE_STRATEGY)
    text = (
        adaptive_strategy_text(settings.profile)
        if which == "adaptive"
        else default_strategy_text(settings.profile)
    )
    parse_strategy(text, f"shipped {which} strategy")  # shipped files always parse; checked anyway
    path = settings.strategy_file
    backup = None
    if path.exists():
        backup = path.with_name(f"{path.name}.bak-{now.strftime('%Y%m%dT%H%M%S')}")
        backup.write_bytes(path.read_bytes())
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)
    detail = {"policy": which, "file": str(path), "backup": str(backup) if backup else None}
    events.append(
        conn, EventKind.STRATEGY_SWITCHED, at=now, actor=operator.username, subject=which, detail=detail
    )
    return detail


_EIGHT_DAYS = timedelta(days=8)


def recheck_before_submit(config: DailyConfig) -> Recheck:
    """The submit-time gate: the same rules on the facts as they are now.

    A payment, opt-out, dispute or complaint may have arrived since planning; the clock may have
    passed the window; another message may have gone out. The message itself never counts against
    its own caps.
    """

    def recheck(
        conn: Connection, claimed: Sequence[ClaimedMessage], now: datetime
    ) -> dict[int, list[Violation]]:
        if not claimed:
            return {}
        now = now.astimezone(UTC)
        facts = messages.message_facts(conn, [c.message_id for c in claimed])
        frame = _gate_frame(conn, _with_blocks(conn, config), facts, now)
        checked = evaluate(frame, config.profile, stage="submit")
        out: dict[int, list[Violation]] = {}
        for message_pk, rules in checked.select("message_pk", "violations").iter_rows():
            if rules:
                out[int(message_pk)] = [explain(r, config.profile) for r in rules]
        return out

    return recheck


def _gate_frame(conn: Connection, config: DailyConfig, facts: pl.DataFrame, now: datetime) -> pl.DataFrame:
    """The gate's input for messages (``message_facts`` columns) as the facts stand at ``now``."""
    debtor_pks = facts["debtor_pk"].unique().to_list()
    state = load_debtor_frame(conn, now, default_time_zone=config.default_zone, debtor_pks=debtor_pks)
    recipients = portfolio.recipient_facts(conn, facts["contact_pk"].drop_nulls().unique().to_list())
    frame = (
        facts.join(
            state.drop(
                "contact_pk",
                "recipient_relation",
                "recipient_verified",
                "recipient_opted_out",
                "recipient_invalid",
                "segments",
                strict=False,
            ),
            on="debtor_pk",
            how="left",
        )
        .join(recipients, on="contact_pk", how="left")
        .with_columns(
            pl.col("recipient_relation").fill_null("unknown"),
            pl.col("recipient_verified").fill_null(False),
            pl.col("recipient_opted_out").fill_null(False),
            pl.col("recipient_invalid").fill_null(False),
            pl.lit(now).dt.convert_time_zone("UTC").alias("scheduled_at"),
            _approved_expr(config.catalog),
        )
    )
    frame = local_minutes_at(frame, now)
    history = load_history(conn, debtor_pks, now - _EIGHT_DAYS)
    return attach_history(frame, history, exclude_pk="message_pk")


def _with_blocks(conn: Connection, config: DailyConfig) -> DailyConfig:
    """The configuration with the template versions a provider refused treated as not approved."""
    from dunning.templates import blocks

    blocked = blocks.active_blocks(conn)
    if not blocked:
        return config
    return dataclasses.replace(config, catalog=blocks.without_blocked(config.catalog, blocked))


def _approved_expr(catalog: TemplateCatalog) -> pl.Expr:
    """Is the message's exact template version still approved (it may have been retired since)?"""
    approved = [
        f"{template_id}#{version.version}"
        for template_id, template in catalog.items()
        for version in template.versions
        if version.state == "approved"
    ]
    key = pl.concat_str([pl.col("template_id"), pl.lit("#"), pl.col("template_version").cast(pl.String)])
    return key.is_in(approved).fill_null(False).alias("template_approved")


# --------------------------------------------------------------------------------------------------
# What comes back


def ingest_receipts(
    conn: Connection,
    receipts: Sequence[Receipt],
    now: datetime,
    *,
    provider: str | None,
    id_format: ReceiptIdFormat,
    cipher: PersonalDataCipher,
) -> ReceiptSummary:
    """Receipts from any edge → final message states (unmatched ones parked, never dropped)."""
    return apply_receipts(
        conn,
        receipts,
        now,
        provider=provider,
        id_format=id_format,
        phone_hash=cipher.lookup_hash,
        hashes=lambda ids: portfolio.contact_hashes(conn, ids),
    )


# ingest_replies: see "The return path" below.


# --------------------------------------------------------------------------------------------------
# Maintenance jobs, each on its own


def release_stale_claims(
    engine: Engine, now: datetime, *, stale_after: timedelta = STALE_AFTER
) -> StaleClaims:
    """Claims of a sender that stopped → queued again; its hand-overs → unknown (never resent).

    On SQLite there is one sender: this takes the sender lock and then treats every leftover as
    stale; while a sender runs (it holds the lock and does this itself) it releases nothing.
    """
    if engine.dialect.name == "sqlite":
        try:
            with sender_lock(engine), unit_of_work(engine) as conn:
                return outbox.release_stale_claims(conn, now, timedelta(0))
        except ConcurrencyError:
            return StaleClaims(0, 0)
    with unit_of_work(engine) as conn:
        return outbox.release_stale_claims(conn, now, stale_after)


def lapse_window_closed(conn: Connection, now: datetime) -> int:
    """Queued messages whose send window has closed → lapsed (they never left)."""
    return outbox.lapse_window_closed(conn, now)


def retry_parked_receipts(conn: Connection, now: datetime, *, provider: str | None = None) -> ReceiptSummary:
    """Parked receipts whose next try is due: matched now, rescheduled with backoff, or orphaned."""
    return retry_parked(conn, now, provider=provider, hashes=lambda ids: portfolio.contact_hashes(conn, ids))


def finalise_overdue_parts(conn: Connection, now: datetime) -> int:
    """Long messages whose remaining parts never reported: final from the parts that did."""
    return _finalise_overdue_parts(conn, now)


@dataclass(slots=True)
class MaintenanceSummary(Counters):
    released: int = 0
    unknown: int = 0
    lapsed: int = 0
    parked_resolved: int = 0
    parked_orphaned: int = 0
    parts_finalised: int = 0


def run_maintenance(
    engine: Engine, now: datetime, *, stale_after: timedelta = STALE_AFTER
) -> MaintenanceSummary:
    """Every maintenance job once, each in its own transaction."""
    summary = MaintenanceSummary()
    stale = release_stale_claims(engine, now, stale_after=stale_after)
    summary.released, summary.unknown = stale.released, stale.unknown
    with unit_of_work(engine) as conn:
        summary.lapsed = lapse_window_closed(conn, now)
    with unit_of_work(engine) as conn:
        parked = retry_parked_receipts(conn, now)
        summary.parked_resolved, summary.parked_orphaned = parked.resolved_parked, parked.orphaned
    with unit_of_work(engine) as conn:
        summary.parts_finalised = finalise_overdue_parts(conn, now)
    return summary


# --------------------------------------------------------------------------------------------------
# Sending


def check_provider(provider: SmsProvider, engine: Engine, settings: Settings) -> None:
    """Refuse the built-in simulator on PostgreSQL (a production database) unless explicitly allowed:
    an install that forgot ``DUNNING_PROVIDER_URL`` must not "deliver" to a simulator."""
    if provider.is_simulated and engine.dialect.name != "sqlite" and not settings.allow_embedded_smsc:
        raise ConfigError(
            "the built-in SMSC simulator (smsc://embedded) delivers nothing, and this database is "
            "PostgreSQL: set DUNNING_PROVIDER_URL to your SMSC (smpp://…), or set "
            "DUNNING_ALLOW_EMBEDDED_SMSC=1 for a test installation",
            "内置短信中心模拟器（smsc://embedded）不会真正发送，而当前数据库为 PostgreSQL："
            "请将 DUNNING_PROVIDER_URL 设为您的短信中心（smpp://…），测试环境可设置 "
            "DUNNING_ALLOW_EMBEDDED_SMSC=1",
        )


def provider_from(settings: Settings) -> SmsProvider:
    return build_provider(settings.provider_url)


@dataclass(slots=True)
class SendDayResult(Counters):
    """A sender run (or several, merged) and what came back during it."""

    send: SendSummary = field(default_factory=SendSummary)
    receipts: ReceiptSummary = field(default_factory=ReceiptSummary)
    replies: ReplySummary = field(default_factory=ReplySummary)

    def as_dict(self) -> dict[str, Any]:
        return {**self.send.as_dict(), "receipts": self.receipts.as_dict(), "replies": self.replies.as_dict()}


class SenderHooks:
    """What the sender needs from the other domains (``sending.worker.SendHooks``): contacts'
    numbers, the re-check, the ingest flows and end-of-run tidying; tallies what came back."""

    def __init__(
        self,
        cipher: PersonalDataCipher,
        config: DailyConfig,
        result: SendDayResult | None = None,
        *,
        recheck: Recheck | None = None,
    ) -> None:
        self.cipher = cipher
        self.config = config
        self._recheck = recheck or recheck_before_submit(config)
        self.result = result if result is not None else SendDayResult()

    @classmethod
    def for_day(cls, config: DailyConfig, cipher: PersonalDataCipher, result: SendDayResult) -> SenderHooks:
        return cls(cipher, config, result)

    @property
    def receipts(self) -> ReceiptSummary:
        return self.result.receipts

    @property
    def replies(self) -> ReplySummary:
        return self.result.replies

    def numbers(self, conn: Connection, contact_ids: Sequence[int]) -> Mapping[int, str]:
        return portfolio.contact_numbers(conn, contact_ids, self.cipher)

    def recheck(
        self, conn: Connection, claimed: Sequence[ClaimedMessage], now: datetime
    ) -> Mapping[int, Sequence[Violation]]:
        return self._recheck(conn, claimed, now)

    def ingest(
        self,
        conn: Connection,
        receipts: Sequence[Receipt],
        replies: Sequence[InboundSms],
        now: datetime,
        provider: SmsProvider,
        *,
        retry_parked: bool,
    ) -> None:
        if replies:
            if provider.is_simulated:
                # A simulator stamps replies with the wall clock; the run's clock is the simulated one.
                replies = [dataclasses.replace(r, received_at=now) for r in replies]
            self.result.replies.merge(
                ingest_replies(
                    conn, replies, now, cipher=self.cipher, config=self.config, provider=provider.name
                )
            )
        if receipts:
            self.result.receipts.merge(
                ingest_receipts(
                    conn,
                    receipts,
                    now,
                    provider=provider.name,
                    id_format=provider.receipt_id_format,
                    cipher=self.cipher,
                )
            )
        if retry_parked:
            self.result.receipts.merge(retry_parked_receipts(conn, now, provider=provider.name))

    def after_run(self, conn: Connection, now: datetime) -> None:
        finalise_overdue_parts(conn, now)

    # What an error class asks beyond a retry or a refusal (sending.worker.ErrorClassHooks).

    def paused_until(self, conn: Connection, provider: str, now: datetime) -> datetime | None:
        return messages.paused_until(conn, provider, now)

    def pause(self, conn: Connection, provider: str, outcome: SubmitOutcome, now: datetime) -> None:
        until = now + timedelta(seconds=max(60.0, outcome.retry_after or 300.0))
        if messages.pause_provider(
            conn,
            provider,
            error_code=outcome.error_code,
            reason=outcome.error or "paused",
            now=now,
            until=until,
        ):
            events.append(
                conn,
                EventKind.PROVIDER_PAUSED,
                at=now,
                actor="sender",
                subject=provider,
                detail={
                    "provider": provider,
                    "error_code": outcome.error_code,
                    "reason": outcome.error,
                    "until": until.isoformat(),
                },
            )

    def suppress(self, conn: Connection, message_ids: Sequence[int], provider: str, now: datetime) -> None:
        contacts = sorted({c for _, c, _, _ in messages.senders_of(conn, message_ids) if c is not None})
        invalidated = portfolio.invalidate_contacts(conn, contacts, now)
        messages.cancel(conn, now, "number_suppressed", contact_ids=contacts, actor="sender")
        events.append_many(
            conn,
            [
                NewEvent(
                    EventKind.CONTACT_INVALIDATED,
                    now,
                    "sender",
                    {"contact": c, "provider": provider, "reason": "provider_suppressed"},
                    debtor_id=d,
                )
                for c, d in invalidated
            ],
        )

    def block_templates(
        self, conn: Connection, message_ids: Sequence[int], provider: str, now: datetime
    ) -> None:
        from dunning.templates import blocks

        for template_id, version in sorted({(t, v) for _, _, t, v in messages.senders_of(conn, message_ids)}):
            if blocks.block(
                conn,
                template_id,
                version,
                provider=provider,
                error_code=None,
                reason="the provider refused the content or signature",
                now=now,
            ):
                cancelled = messages.cancel_template(conn, template_id, version, now, actor="sender")
                events.append(
                    conn,
                    EventKind.TEMPLATE_BLOCKED,
                    at=now,
                    actor="sender",
                    subject=f"{template_id}#{version}",
                    detail={
                        "template": template_id,
                        "version": version,
                        "provider": provider,
                        "messages_cancelled": len(cancelled),
                    },
                )


async def send_day(
    engine: Engine,
    config: DailyConfig,
    provider: SmsProvider,
    cipher: PersonalDataCipher,
    now: datetime | Callable[[], datetime],
    *,
    batch_size: int = 500,
    on_progress: Callable[[SendSummary], None] | None = None,
    await_receipts: float = 0.0,
    settle: float = 0.25,
    stop: asyncio.Event | None = None,
) -> SendDayResult:
    """Send everything due at ``now`` through ``provider``, re-checking each message first; take in
    receipts and replies (opt-outs obeyed with the profile's keywords) while it runs.

    Runs inside the caller's event loop; the caller opens and closes the provider and decides what a
    signal does (set ``stop``: no new claims, the batch in hand is finished and recorded).
    """
    result = SendDayResult()
    result.send = await send_due(
        engine,
        provider,
        SenderHooks.for_day(config, cipher, result),
        now=now,
        batch_size=batch_size,
        on_progress=on_progress,
        stop=stop,
        await_receipts=await_receipts,
        settle=settle,
    )
    return result


def send_times(conn: Connection, now: datetime) -> list[datetime]:
    """The distinct instants at which queued messages become due, from ``now`` on (for replaying a day)."""
    return messages.send_times(conn, now)


def due(conn: Connection, now: datetime) -> DueSummary:
    """When the queued messages are due (``dunning outbox due``)."""
    return messages.due_summary(conn, now)


@dataclass(slots=True)
class WorkerSummary(Counters):
    passes: int = 0
    send: SendDayResult = field(default_factory=SendDayResult)
    maintenance: MaintenanceSummary = field(default_factory=MaintenanceSummary)


async def run_worker(
    engine: Engine,
    config: DailyConfig,
    provider: SmsProvider,
    cipher: PersonalDataCipher,
    *,
    stop: asyncio.Event,
    clock: Callable[[], datetime] = utcnow,
    poll: float = 5.0,
    collect_every: float = 1.0,
    batch_size: int = 500,
    on_pass: Callable[[WorkerSummary], None] | None = None,
) -> WorkerSummary:
    """Send and maintain continuously until ``stop`` is set (``dunning worker`` sets it on SIGTERM).

    Each pass runs the maintenance jobs, then sends what is due; between passes it keeps taking in
    receipts and replies every ``collect_every`` seconds and wakes for the next due message or after
    ``poll`` seconds. Several workers may share one PostgreSQL database; on SQLite run one.
    """
    summary = WorkerSummary()
    loop = asyncio.get_running_loop()
    async with provider:
        while not stop.is_set():
            summary.maintenance.merge(run_maintenance(engine, clock()))
            summary.send.merge(
                await send_day(
                    engine, config, provider, cipher, clock, batch_size=batch_size, stop=stop, settle=0
                )
            )
            summary.passes += 1
            if on_pass is not None:
                on_pass(summary)
            with unit_of_work(engine) as conn:
                upcoming = due(conn, clock())
            wake = loop.time() + poll
            if upcoming.next_due is not None:
                wake = min(wake, loop.time() + max(0.0, (upcoming.next_due - clock()).total_seconds()))
            hooks = SenderHooks.for_day(config, cipher, summary.send)
            while not stop.is_set() and loop.time() < wake:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), min(collect_every, max(0.0, wake - loop.time())))
                await collect_inbound(engine, provider, hooks, clock())
    return summary


# --------------------------------------------------------------------------------------------------
# The day


@dataclass(slots=True)
class DayResult:
    plan: PlanResult
    send: SendDayResult
    report: dict[str, Any]

    def as_dict(self) -> dict[str, Any]:
        return {"plan": self.plan.as_dict(), "send": self.send.as_dict(), "report": self.report}


async def run_day(
    engine: Engine,
    config: DailyConfig,
    cipher: PersonalDataCipher,
    now: datetime,
    *,
    provider: Callable[[], SmsProvider],
    replay: bool = False,
    send: Callable[[SmsProvider, datetime], Awaitable[SendDayResult]] | None = None,
    on_plan: Callable[[PlanResult], None] | None = None,
) -> DayResult:
    """Plan, send (with a fresh provider per pass), take in receipts, report the day.

    ``replay`` sends at each instant a message becomes due until the day's last (a day replayed in
    one go, as the demo does); otherwise once, at ``now``. ``send`` replaces the plain
    :func:`send_day` call (an edge adding a progress bar or a stop signal).
    """
    with unit_of_work(engine) as conn:
        planned = plan_day(conn, config, now)
    if on_plan is not None:
        on_plan(planned)

    async def plain(p: SmsProvider, at: datetime) -> SendDayResult:
        return await send_day(engine, config, p, cipher, at)

    one_pass = send or plain
    times = [now]
    if replay:
        with unit_of_work(engine) as conn:
            times = send_times(conn, now) or [now]
    total = SendDayResult()
    for at in times:
        sms = provider()
        async with sms:
            total.merge(await one_pass(sms, at))
    with unit_of_work(engine) as conn:
        report = report_day(conn, times[-1], PROFILE_TIME_ZONE.get(config.profile.name, "UTC"))
    return DayResult(planned, total, report)


def read_events(
    conn: Connection,
    *,
    kinds: Sequence[str] = (),
    debtor_ref: str | None = None,
    after_id: int = 0,
    limit: int = 50,
) -> list[events.LogEntry]:
    """The event log in its order: entries after ``after_id``, or else the newest ``limit`` (oldest
    first), optionally of some kinds or about one debtor (by the lender's id)."""
    debtor_id = portfolio.debtor_ids(conn, [debtor_ref])[debtor_ref] if debtor_ref else None
    if after_id:
        return events.read(conn, kinds=kinds, debtor_id=debtor_id, after_id=after_id, limit=limit)
    newest = events.read(conn, kinds=kinds, debtor_id=debtor_id, limit=limit, newest_first=True)
    return newest[::-1]


def report_day(conn: Connection, now: datetime, time_zone: str) -> dict[str, Any]:
    """The day's figures (the local date of ``now`` in ``time_zone``), from message states only."""
    zone(time_zone)  # validates the name (bilingual InputError)
    day = local_date(now, time_zone)
    report = build_report(
        day=day,
        time_zone=time_zone,
        now=now,
        counts=messages.day_counts(conn, day),
        blocked_by_rule=messages.blocked_by_rule(conn, day),
        debtors_in_scope=portfolio.debtors_in_scope(conn, day),
    )
    start = datetime.combine(day, datetime.min.time(), tzinfo=zone(time_zone)).astimezone(UTC)
    end = _local_midnight_after(day, time_zone)
    report["return_path"] = build_return_path(
        replies_by_intent=intent_counts_between(conn, start, end),
        promises=promises_repo.counts_between(conn, start, end),
        tasks=tasks_repo.counts_between(conn, start, end),
        recovered=portfolio.payments_between(conn, start, end),
        attributed=recovered_between(conn, start, end),
        delivered=int(report["delivered"]),
    )
    return report


# --------------------------------------------------------------------------------------------------
# The operator surface: pages and acts of the API and the dashboard (the edges stay thin)


def _refs(conn: Connection, rows: list[dict[str, Any]], key: str = "debtor_id") -> list[dict[str, Any]]:
    """Replace debtor row ids by the lender's debtor ids (the only ids that leave the system)."""
    refs = portfolio.debtor_refs(conn, sorted({int(r[key]) for r in rows if r.get(key) is not None}))
    for row in rows:
        if row.get(key) is not None:
            row[key] = refs.get(int(row[key]))
    return rows


def list_debtors(
    conn: Connection,
    now: datetime,
    time_zone: str,
    *,
    after: int = 0,
    limit: int = 50,
    bucket: str | None = None,
    dpd_min: int | None = None,
    dpd_max: int | None = None,
    search: str | None = None,
) -> list[dict[str, Any]]:
    """Debtors (masked) with open balance, DPD and bucket on ``now``'s local date in ``time_zone``."""
    from dunning.portfolio.dpd import bucket_of, days_past_due, dpd_range

    today = local_date(now, time_zone)
    low, high = dpd_min, dpd_max
    if bucket is not None:
        b_low, b_high = dpd_range(bucket)
        low = b_low if low is None else max(low, b_low)
        high = b_high if high is None else (high if b_high is None else min(high, b_high))
    rows = portfolio.list_debtors(
        conn,
        after=after,
        limit=limit,
        oldest_due_to=today - timedelta(days=low) if low is not None else None,
        oldest_due_from=today - timedelta(days=high) if high is not None else None,
        search=search,
    )
    for row in rows:
        due = row["oldest_due"]
        row["dpd"] = days_past_due(today, due) if due is not None else None
        row["bucket"] = bucket_of(row["dpd"]) if row["dpd"] is not None else "current"
        row["outstanding_minor"] = int(row["outstanding_minor"] or 0)
        row["open_accounts"] = int(row["open_accounts"] or 0)
    return rows


def debtor_detail(
    conn: Connection,
    debtor_ref: str,
    *,
    unmask: bool = False,
    cipher: PersonalDataCipher | None = None,
    by: str | None = None,
    now: datetime | None = None,
    purpose: str = "api",
) -> dict[str, Any]:
    """The debtor's timeline (masked). ``unmask`` adds the name and numbers in clear, for a role
    that may see them, and logs who saw them (``personal_data.viewed``)."""
    detail = debtor_timeline(conn, debtor_ref)
    if unmask:
        operator = authorize(conn, by, Act.VIEW_PERSONAL_DATA)
        assert cipher is not None and now is not None
        debtor_id = portfolio.debtor_ids(conn, [debtor_ref])[debtor_ref]
        name_enc, numbers = portfolio.personal_data_of(conn, debtor_id)
        detail["debtor"]["name"] = cipher.decrypt(name_enc)
        for contact in detail["contacts"]:
            token = numbers.get(int(contact["id"]))
            if token is not None:
                contact["phone"] = cipher.decrypt(token)
        events.append(
            conn,
            EventKind.PERSONAL_DATA_VIEWED,
            at=now,
            actor=operator.username,
            debtor_id=debtor_id,
            subject=debtor_ref,
            detail={"fields": ["name", "phones"], "via": purpose},
        )
    return detail


def list_accounts(
    conn: Connection,
    *,
    after: int = 0,
    limit: int = 50,
    debtor_ref: str | None = None,
    open_only: bool = False,
) -> list[dict[str, Any]]:
    debtor_id = portfolio.debtor_ids(conn, [debtor_ref])[debtor_ref] if debtor_ref else None
    return portfolio.list_accounts(conn, after=after, limit=limit, debtor_id=debtor_id, open_only=open_only)


def list_payments(
    conn: Connection, *, after: int = 0, limit: int = 50, debtor_ref: str | None = None
) -> list[dict[str, Any]]:
    debtor_id = portfolio.debtor_ids(conn, [debtor_ref])[debtor_ref] if debtor_ref else None
    return portfolio.list_payments(conn, after=after, limit=limit, debtor_id=debtor_id)


def list_messages(
    conn: Connection,
    *,
    after: int = 0,
    limit: int = 50,
    debtor_ref: str | None = None,
    status: str | None = None,
    day: date | None = None,
    template_id: str | None = None,
) -> list[dict[str, Any]]:
    debtor_id = portfolio.debtor_ids(conn, [debtor_ref])[debtor_ref] if debtor_ref else None
    rows = messages.list_messages(
        conn, after=after, limit=limit, debtor_id=debtor_id, status=status, day=day, template_id=template_id
    )
    return _refs(conn, rows)


def message_detail(conn: Connection, message_id: int) -> dict[str, Any]:
    from dunning.core.errors import NotFound

    found = messages.message_detail(conn, message_id)
    if found is None:
        raise NotFound(f"no message {message_id}", f"没有编号为 {message_id} 的短信")
    return _refs(conn, [found])[0]


def list_replies(
    conn: Connection,
    *,
    after: int = 0,
    limit: int = 50,
    intent: str | None = None,
    debtor_ref: str | None = None,
    unmask: bool = False,
    cipher: PersonalDataCipher | None = None,
    by: str | None = None,
    now: datetime | None = None,
) -> list[dict[str, Any]]:
    """Replies with intent and action; their text only with ``unmask`` (a role that may; logged)."""
    from dunning.tracking.replies import list_replies as _list_replies

    operator = authorize(conn, by, Act.VIEW_PERSONAL_DATA) if unmask else None
    debtor_id = portfolio.debtor_ids(conn, [debtor_ref])[debtor_ref] if debtor_ref else None
    rows = _list_replies(conn, after=after, limit=limit, intent=intent, debtor_id=debtor_id)
    for row in rows:
        token = row.pop("body_enc")
        if operator is not None:
            assert cipher is not None
            row["text"] = cipher.decrypt(bytes(cast(bytes, token)))
    if operator is not None and rows:
        assert now is not None
        events.append(
            conn,
            EventKind.PERSONAL_DATA_VIEWED,
            at=now,
            actor=operator.username,
            subject=f"replies {rows[0]['id']}–{rows[-1]['id']}",
            detail={"fields": ["reply_text"], "replies": [r["id"] for r in rows], "via": "api"},
        )
    return _refs(conn, rows)


def list_promises(
    conn: Connection, *, after: int = 0, limit: int = 50, status: str | None = None
) -> list[dict[str, Any]]:
    rows = []
    for record in promises_repo.list_promises(conn, after=after, limit=limit, status=status):
        row = record.as_dict()
        row["debtor_id"] = record.debtor_id
        rows.append(row)
    return _refs(conn, rows)


def template_rows(config: DailyConfig, now: datetime) -> list[dict[str, Any]]:
    """Every template version: state, whether it is the one sent, and a sample render's size."""
    from dunning.core.smstext import text_info
    from dunning.templates import render_version, sample_values

    rows = []
    for template in config.catalog.values():
        active = template.approved
        for version in template.versions:
            body = render_version(
                version, template.profile, sample_values(template.profile, now.date()), config.context
            )
            info = text_info(body)
            rows.append(
                {
                    "id": template.id,
                    "profile": template.profile,
                    "kind": str(template.kind),
                    "description": template.description,
                    "version": version.version,
                    "state": version.state,
                    "sent": active is not None and active.version == version.version,
                    "encoding": info.encoding,
                    "segments": info.segments,
                    "chars": len(body),
                    "approved_by": version.approved_by,
                    "approved_at": version.approved_at.isoformat() if version.approved_at else None,
                    "override_outcome": version.override_outcome,
                    "override_reason": version.override_reason,
                    "notes": version.notes,
                }
            )
    return rows


def template_preview(
    config: DailyConfig, template_id: str, version: int | None, now: datetime
) -> dict[str, Any]:
    """One version rendered with sample values, and what the compliance gate says of the text."""
    template = config.catalog[template_id]
    chosen = template.version(version) if version is not None else template.for_sending()[0]
    return preview_version(template, chosen, config.profile, config.context, now)


_OUTCOME_ZH = {"allowed": "通过", "blocked": "拦截", "review": "待人工复核"}


def preview_version(
    template: Template,
    chosen: TemplateVersion,
    profile: ComplianceProfile,
    context: RenderContext,
    now: datetime,
) -> dict[str, Any]:
    """``chosen`` rendered with sample values and judged as a message of the template's kind:
    ``outcome`` (allowed | blocked | review), the rules broken, the review reasons, the second
    opinion's ``score`` (None when it did not run), and whether a compliance officer may approve it
    anyway (``overridable``, see :func:`approve_template`)."""
    from dunning.compliance.gate import judge_message
    from dunning.core.smstext import text_info
    from dunning.templates import render_version, sample_values

    body = render_version(chosen, template.profile, sample_values(template.profile, now.date()), context)
    info = text_info(body)
    verdict = judge_message(body, profile, {"kind": str(template.kind)})
    violations = [explain(rule_id, profile) for rule_id in verdict.violations]
    override = None
    if chosen.override_outcome is not None:
        override = {
            "outcome": chosen.override_outcome,
            "flags": list(chosen.override_flags),
            "reason": chosen.override_reason,
            "by": chosen.approved_by,
            "at": chosen.approved_at.isoformat() if chosen.approved_at else None,
        }
    return {
        "id": template.id,
        "version": chosen.version,
        "state": chosen.state,
        "kind": str(template.kind),
        "template": chosen.body,
        "body": body,
        "chars": len(body),
        "encoding": info.encoding,
        "segments": info.segments,
        "variables": list(chosen.variables),
        "outcome": verdict.outcome,
        "allowed": verdict.outcome == "allowed",
        "violations": [
            {
                "rule": v.rule,
                "category": v.category,
                "zh": v.reason_zh,
                "en": v.reason_en,
                "legal_basis": v.legal_basis,
            }
            for v in violations
        ],
        "review": list(verdict.review),
        "score": verdict.score,
        "overridable": verdict.outcome != "allowed" and not override_blockers(verdict.violations),
        "override": override,
        "notes": chosen.notes,
    }


def override_blockers(rule_ids: Sequence[str]) -> list[str]:
    """The rules among ``rule_ids`` that no compliance override sets aside: every rule that reads
    anything but the text (suppression, frequency, send window, recipient, approval state). Those are
    facts about a debtor or a day, not properties of a template; the text rules (required elements,
    forbidden content, personal data, links, numbers, length) and review holds may be overridden."""
    from dunning.compliance import get_rule

    return [rule_id for rule_id in rule_ids if set(get_rule(rule_id).columns) != {"body"}]


def propose_template(
    conn: Connection,
    path: Path,
    template_id: str,
    body: str,
    *,
    notes: str | None,
    by: str | None,
    now: datetime,
) -> TemplateVersion:
    """A new draft version in the templates file, by a role that may propose; logged."""
    from dunning.templates.catalog import propose_version

    operator = authorize(conn, by, Act.PROPOSE_TEMPLATE)
    proposed = propose_version(path, template_id, body, by=operator.username, notes=notes)
    events.append(
        conn,
        EventKind.TEMPLATE_PROPOSED,
        at=now,
        actor=operator.username,
        subject=f"{template_id}#{proposed.version}",
        detail={"template": template_id, "version": proposed.version, "file": str(path)},
    )
    return proposed


def reject_template(
    conn: Connection,
    path: Path,
    template_id: str,
    version: int,
    *,
    reason: str,
    by: str | None,
    now: datetime,
) -> TemplateVersion:
    """Retire a draft that review refused (the approving roles only); logged with the reason."""
    from dunning.templates.catalog import reject_version

    operator = authorize(conn, by, Act.APPROVE_TEMPLATE)
    rejected = reject_version(path, template_id, version, by=operator.username, reason=reason)
    events.append(
        conn,
        EventKind.TEMPLATE_REJECTED,
        at=now,
        actor=operator.username,
        subject=f"{template_id}#{version}",
        detail={"template": template_id, "version": version, "reason": reason[:500], "file": str(path)},
    )
    return rejected


def propose_strategy(conn: Connection, text: str, *, by: str | None, now: datetime) -> dict[str, Any]:
    from dunning.strategy import proposals

    operator = authorize(conn, by, Act.PROPOSE_STRATEGY)
    proposal = proposals.propose(conn, text, by=operator.username, now=now)
    events.append(
        conn,
        EventKind.STRATEGY_PROPOSED,
        at=now,
        actor=operator.username,
        subject=f"proposal {proposal.id}",
        detail={"proposal": proposal.id, "sha256": proposal.sha256, "summary": proposal.summary},
    )
    return proposal.as_dict()


def decide_strategy(
    conn: Connection, proposal_id: int, approve: bool, path: Path, *, by: str | None, now: datetime
) -> dict[str, Any]:
    """Approve (the text becomes the strategy file) or reject a proposal; only compliance or admin,
    and never the proposer's own (four eyes)."""
    from dunning.core.errors import PermissionDenied
    from dunning.strategy import proposals

    operator = authorize(conn, by, Act.APPROVE_STRATEGY)
    current = proposals.get_proposal(conn, proposal_id)
    if approve and current.proposed_by == operator.username:
        raise PermissionDenied(
            "a strategy cannot be approved by the operator who proposed it",
            "策略不能由提交人本人审批",
        )
    decided = proposals.decide(
        conn, proposal_id, "approved" if approve else "rejected", by=operator.username, now=now
    )
    if approve:
        proposals.parse_proposal(decided.text)  # still loads with today's code
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(decided.text, encoding="utf-8")
        tmp.replace(path)
    events.append(
        conn,
        EventKind.STRATEGY_APPROVED if approve else EventKind.STRATEGY_REJECTED,
        at=now,
        actor=operator.username,
        subject=f"proposal {proposal_id}",
        detail={"proposal": proposal_id, "sha256": decided.sha256, "file": str(path) if approve else None},
    )
    return decided.as_dict()


def new_api_key(
    conn: Connection, username: str, label: str, *, by: str | None, now: datetime
) -> tuple[dict[str, Any], str]:
    """A key for ``username`` (admin only); the full key is returned once and never stored."""
    from dunning.access import create_api_key

    operator = authorize(conn, by, Act.MANAGE_KEYS)
    record, secret = create_api_key(conn, username, label, by=operator.username, now=now)
    events.append(
        conn,
        EventKind.API_KEY_CREATED,
        at=now,
        actor=operator.username,
        subject=record.prefix,
        detail={"prefix": record.prefix, "operator": record.operator, "label": record.label},
    )
    return record.as_dict(), secret


def revoke_api_key(conn: Connection, prefix: str, *, by: str | None, now: datetime) -> dict[str, Any]:
    from dunning.access import revoke_api_key as _revoke

    operator = authorize(conn, by, Act.MANAGE_KEYS)
    record = _revoke(conn, prefix, by=operator.username, now=now)
    events.append(
        conn,
        EventKind.API_KEY_REVOKED,
        at=now,
        actor=operator.username,
        subject=prefix,
        detail={"prefix": prefix, "operator": record.operator},
    )
    return record.as_dict()


def record_webhook_refusal(conn: Connection, provider: str, kind: str, reason: str, now: datetime) -> None:
    """A callback that failed its signature check: refused, and kept on record (no payload: it may
    hold personal data and is not trusted)."""
    events.append(
        conn,
        EventKind.WEBHOOK_REFUSED,
        at=now,
        actor=f"webhook:{provider}"[:128],
        subject=f"{provider}/{kind}",
        detail={"provider": provider, "kind": kind, "reason": reason[:300]},
    )


def _row_error(error: object) -> dict[str, Any]:
    """One bad row of an import as data (line, column, value, reason in both languages)."""
    line = getattr(error, "line", None)
    return {
        "line": line,
        "column": getattr(error, "column", None),
        "value": getattr(error, "value", None),
        "zh": getattr(error, "reason_zh", str(error)),
        "en": getattr(error, "reason_en", str(error)),
    }


def run_import_job(
    engine: Engine,
    job_id: int,
    kind: FileKind,
    path: Path,
    *,
    cipher: PersonalDataCipher,
    config: DailyConfig,
    by: str,
    skip_invalid: bool = False,
    on_progress: Callable[[float], None] | None = None,
) -> None:
    """Run an uploaded file through the importer as job ``job_id``: ``on_progress`` (0–1) as it
    goes, then the row report in the job. The import is one transaction: a rejected file writes
    nothing but the job's report."""
    from dunning import jobs
    from dunning.core.errors import DunningError, ImportRejected

    with unit_of_work(engine) as conn:
        jobs.start_job(conn, job_id, utcnow())

    def progress(stage: str, fraction: float) -> None:
        # In memory only: on SQLite the import's own transaction holds the write lock until it ends.
        if on_progress is not None:
            on_progress(max(0.0, min(fraction, 1.0)))

    try:
        with unit_of_work(engine) as conn:
            outcome = import_portfolio(
                conn,
                kind,
                path,
                cipher=cipher,
                profile=config.profile.name,
                now=utcnow(),
                skip_invalid=skip_invalid,
                progress=progress,
                actor=by,
                config=config,
            )
        result: dict[str, Any] = {
            "rows": outcome.result.rows,
            "imported_rows": outcome.result.imported_rows,
            "skipped_rows": outcome.result.skipped_rows,
            "errors": [_row_error(e) for e in outcome.result.errors][:1000],
            "messages_cancelled": outcome.cancelled,
            "sha256": outcome.sha256,
        }
        if outcome.payments is not None:
            result["payments"] = outcome.payments.as_dict()
        with unit_of_work(engine) as conn:
            jobs.finish_job(conn, job_id, utcnow(), result=result)
    except ImportRejected as exc:
        errors = [_row_error(e) for e in exc.errors][:1000]
        with unit_of_work(engine) as conn:
            jobs.finish_job(
                conn,
                job_id,
                utcnow(),
                error={"code": "import_rejected", "zh": exc.zh, "en": exc.en, "rows": errors},
            )
    except DunningError as exc:
        with unit_of_work(engine) as conn:
            jobs.finish_job(
                conn, job_id, utcnow(), error={"code": type(exc).__name__, "zh": exc.zh, "en": exc.en}
            )
    except Exception as exc:  # a job must end in a state, never stay "running"
        log.exception("import job %s failed", job_id)
        with unit_of_work(engine) as conn:
            jobs.finish_job(
                conn,
                job_id,
                utcnow(),
                error={
                    "code": "internal_error",
                    "zh": "导入时发生内部错误",
                    "en": f"internal error ({type(exc).__name__})",
                },
            )
    finally:
        path.unlink(missing_ok=True)


def run_send_job(
    engine: Engine, job_id: int, settings: Settings, config: DailyConfig, cipher: PersonalDataCipher
) -> None:
    """Send what is due now through the configured provider, as job ``job_id`` (a thread of the
    server; its own event loop). The job ends done with the run's summary, or failed with why."""
    from dunning import jobs
    from dunning.core.errors import DunningError

    with unit_of_work(engine) as conn:
        jobs.start_job(conn, job_id, utcnow())

    async def go() -> SendDayResult:
        provider = provider_from(settings)
        check_provider(provider, engine, settings)
        async with provider:
            return await send_day(engine, config, provider, cipher, utcnow, batch_size=settings.sender_batch)

    try:
        result = asyncio.run(go())
        with unit_of_work(engine) as conn:
            jobs.finish_job(conn, job_id, utcnow(), result=result.as_dict())
    except DunningError as exc:
        with unit_of_work(engine) as conn:
            jobs.finish_job(
                conn, job_id, utcnow(), error={"code": type(exc).__name__, "zh": exc.zh, "en": exc.en}
            )
    except Exception as exc:  # a job must end in a state, never stay "running"
        log.exception("send job %s failed", job_id)
        with unit_of_work(engine) as conn:
            jobs.finish_job(
                conn,
                job_id,
                utcnow(),
                error={
                    "code": "internal_error",
                    "zh": "发送时发生内部错误",
                    "en": f"internal error ({type(exc).__name__})",
                },
            )


def provider_pauses(conn: Connection, now: datetime) -> list[dict[str, Any]]:
    """Providers that said their account cannot send, while the pause lasts."""
    return messages.open_pauses(conn, now)


def resume_provider(conn: Connection, provider: str, *, by: str | None, now: datetime) -> int:
    """End a provider's pause (its balance or quota is fixed): the sender offers it messages again."""
    operator = authorize(conn, by, Act.RUN_DAY)
    ended = messages.resume_provider(conn, provider, by=operator.username, now=now)
    if ended:
        events.append(
            conn,
            EventKind.PROVIDER_RESUMED,
            at=now,
            actor=operator.username,
            subject=provider,
            detail={"provider": provider, "pauses_ended": ended},
        )
    return ended


def template_blocks(conn: Connection) -> list[dict[str, Any]]:
    from dunning.templates import blocks

    return blocks.list_blocks(conn)


def release_template(
    conn: Connection, template_id: str, version: int | None, *, by: str | None, now: datetime
) -> int:
    """Lift a provider's block of a template (after the content or registration is fixed)."""
    from dunning.templates import blocks

    operator = authorize(conn, by, Act.APPROVE_TEMPLATE)
    released = blocks.release(conn, template_id, version, by=operator.username, now=now)
    if released:
        events.append(
            conn,
            EventKind.TEMPLATE_RELEASED,
            at=now,
            actor=operator.username,
            subject=f"{template_id}#{version or '*'}",
            detail={"template": template_id, "version": version, "blocks_released": released},
        )
    return released


def dashboard_kpis(conn: Connection, now: datetime, time_zone: str, *, days: int = 30) -> dict[str, Any]:
    """The portfolio figures of the dashboard (docs/kpis.md): roll rates month on month, the DPD1
    entry rate by due-date cohort, recovery by bucket and by template, and the promise funnel, over
    the ``days`` before ``now``."""
    from dunning.analytics import kpis

    today = local_date(now, time_zone)
    end = _local_midnight_after(today, time_zone)
    start = end - timedelta(days=days)
    accounts, payments = portfolio.balance_frames(conn)
    attributed = recovered_between(conn, start, end)
    return {
        "today": today.isoformat(),
        "days": days,
        "roll_rates": kpis.roll_rates(accounts, payments, today),
        "entry_rate": kpis.entry_rate_by_cohort(accounts, payments, today),
        "recovery_by_bucket": kpis.recovery_by_bucket(accounts, payments, start, end),
        "recovery_by_template": attributed["by_template"],
        "promise_funnel": kpis.promise_funnel(promises_repo.counts_between(conn, start, end)),
    }


def experiment_report(conn: Connection, experiment_id: str, *, days: int = 14) -> dict[str, Any]:
    """Per arm of an experiment, within ``days`` of each debtor's assignment: messages, delivered,
    payers, recovered, promises, complaints, opt-outs; uplift over the holdout with 95 % CIs."""
    from dunning.analytics.experiments import arm_report
    from dunning.core.errors import NotFound
    from dunning.strategy import experiments
    from dunning.tracking.replies import debtor_intents_frame

    assignments = experiments.assignments_frame(conn, experiment_id)
    if assignments.is_empty():
        raise NotFound(
            f"no debtor has been assigned in experiment {experiment_id!r} (in the strategy? planned?)",
            f"实验 {experiment_id} 尚无分组记录（策略中是否定义了该实验，是否已生成计划？）",
        )
    since = assignments["assigned_at"].min()
    assert isinstance(since, datetime)
    report = arm_report(
        assignments,
        messages.debtor_messages_frame(conn, since),
        portfolio.debtor_payments_frame(conn, since),
        debtor_intents_frame(conn, since),
        promises_repo.made_frame(conn, since),
        days=days,
    )
    return {"experiment": experiment_id, **report}


def promote_arm(
    conn: Connection, path: Path, experiment_id: str, arm: str, *, by: str | None, now: datetime
) -> Strategy:
    """Make ``arm`` the champion of the experiment in the strategy file (every debtor not held out
    gets it from the next plan); supervisor or admin; logged."""
    from dunning.core.errors import NotFound
    from dunning.strategy.loader import parse_strategy

    operator = authorize(conn, by, Act.PROPOSE_STRATEGY)
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    current = parse_strategy(text, str(path)) if text else None
    if current is None or current.experiment is None or current.experiment.id != experiment_id:
        raise NotFound(f"{path} has no experiment {experiment_id!r}", f"{path} 中没有实验 {experiment_id}")
    if arm not in {a.id for a in current.experiment.arms}:
        raise InputError(
            f"experiment {experiment_id!r} has no arm {arm!r}", f"实验 {experiment_id} 没有组 {arm}"
        )
    import yaml

    data = yaml.safe_load(text)
    data["experiment"]["promoted"] = arm
    new_text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
    promoted = parse_strategy(new_text, str(path))
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(new_text, encoding="utf-8")
    tmp.replace(path)
    events.append(
        conn,
        EventKind.EXPERIMENT_PROMOTED,
        at=now,
        actor=operator.username,
        subject=experiment_id,
        detail={"experiment": experiment_id, "arm": arm, "file": str(path)},
    )
    return promoted


# --------------------------------------------------------------------------------------------------
# Operators and their acts


def init_install(conn: Connection, now: datetime) -> OperatorRecord | None:
    """A fresh install gets its first operator (admin), logged; None when operators exist."""
    created = ensure_default_operator(conn, now)
    if created is not None:
        events.append(
            conn,
            EventKind.OPERATOR_ADDED,
            at=now,
            actor="dunning init",
            subject=created.username,
            detail={"role": str(created.role), "default": True},
        )
    return created


def add_operator(
    conn: Connection,
    username: str,
    role: str,
    *,
    by: str | None,
    now: datetime,
    display_name: str | None = None,
) -> OperatorRecord:
    admin = authorize(conn, by, Act.MANAGE_OPERATORS)
    created = _add_operator(conn, username, role, now, display_name=display_name)
    events.append(
        conn,
        EventKind.OPERATOR_ADDED,
        at=now,
        actor=admin.username,
        subject=created.username,
        detail={"role": str(created.role), "display_name": created.display_name},
    )
    return created


def set_operator_active(
    conn: Connection, username: str, active: bool, *, by: str | None, now: datetime
) -> OperatorRecord:
    admin = authorize(conn, by, Act.MANAGE_OPERATORS)
    if not active and admin.username == username:
        raise InputError("an admin cannot disable themself", "管理员不能停用自己")
    changed = _set_active(conn, username, active)
    events.append(
        conn,
        EventKind.OPERATOR_ENABLED if active else EventKind.OPERATOR_DISABLED,
        at=now,
        actor=admin.username,
        subject=changed.username,
        detail={"role": str(changed.role)},
    )
    return changed


def approve_template(
    conn: Connection,
    path: Path,
    template_id: str,
    version: int,
    *,
    profile: ComplianceProfile,
    context: RenderContext,
    by: str | None,
    now: datetime,
    reason: str | None = None,
) -> TemplateVersion:
    """Approve one template version in its YAML file, as an operator whose role allows it; logged.

    The version is previewed first (:func:`preview_version`, sample values, ``profile`` and
    ``context``). A preview that is not ``allowed`` is approved only by the compliance role
    (``Act.APPROVE_FLAGGED_TEMPLATE``) with a non-empty ``reason``, and only when every rule it
    breaks is a text rule (:func:`override_blockers`); the outcome, the rules, the review reasons and
    the reason go into the file (``override_*``) and into a ``template.approved_override`` event.
    """
    from dunning.access import may
    from dunning.core.errors import Conflict, PermissionDenied
    from dunning.templates.catalog import Override

    operator = authorize(conn, by, Act.APPROVE_TEMPLATE)
    template = load_templates(path)[template_id]
    chosen = template.version(version)
    preview = preview_version(template, chosen, profile, context, now)
    override: Override | None = None
    if chosen.state == "draft" and preview["outcome"] != "allowed":  # approve_version refuses the rest
        outcome = preview["outcome"]
        rules = [v["rule"] for v in preview["violations"]]
        flags = [*rules, *preview["review"]]
        what_en = (
            f"the preview of template {template_id!r} version {version} is {outcome} ({', '.join(flags)})"
        )
        what_zh = (
            f"模板 {template_id} 第 {version} 版的预览未通过合规检查"
            f"（{_OUTCOME_ZH[outcome]}：{'、'.join(flags)}）"
        )
        blockers = override_blockers(rules)
        if blockers:
            raise Conflict(
                f"{what_en}; {', '.join(blockers)} are not properties of the text, so no override "
                "sets them aside: change the template",
                f"{what_zh}；{'、'.join(blockers)} 不是文本本身的问题，不能附理由放行，请修改模板",
            )
        if not may(operator.role, Act.APPROVE_FLAGGED_TEMPLATE):
            raise PermissionDenied(
                f"{what_en}; only an operator with the compliance role may approve it, with a reason "
                f"({operator.username!r} is {operator.role})",
                f"{what_zh}；只有合规角色（compliance）的操作员可附理由审批"
                f"（{operator.username!r} 的角色是 {operator.role}）",
            )
        written = (reason or "").strip()
        if not written:
            raise InputError(
                f'{what_en}; approving it anyway needs a reason (--reason, or "reason" in the request)',
                f'{what_zh}；如仍要审批，须填写理由（--reason，或请求中的 "reason"）',
            )
        override = Override(outcome, flags, written[:500])
    approved = approve_version(path, template_id, version, by=operator.username, at=now, override=override)
    detail: dict[str, Any] = {"template": template_id, "version": approved.version, "file": str(path)}
    if override is not None:
        detail |= {
            "outcome": override.outcome,
            "rules": [v["rule"] for v in preview["violations"]],
            "review": preview["review"],
            "score": preview["score"],
            "reason": override.reason,
            "operator": operator.username,
            "role": str(operator.role),
        }
    events.append(
        conn,
        EventKind.TEMPLATE_APPROVED_OVERRIDE if override is not None else EventKind.TEMPLATE_APPROVED,
        at=now,
        actor=operator.username,
        subject=f"{template_id}#{approved.version}",
        detail=detail,
    )
    return approved


@dataclass(frozen=True, slots=True)
class UnknownRow:
    message_id: int
    debtor_ref: str
    to_masked: str | None
    since: datetime
    window_end: datetime
    provider: str | None


def unknown_messages(conn: Connection, *, limit: int = 1000) -> list[UnknownRow]:
    """Messages whose submission outcome is unknown, with the debtor's id and the masked number."""
    rows = messages.list_unknown(conn, limit=limit)
    refs = portfolio.debtor_refs(conn, [r.debtor_id for r in rows])
    masks = portfolio.contact_masks(conn, [r.contact_id for r in rows if r.contact_id is not None])
    return [
        UnknownRow(
            r.message_id,
            refs.get(r.debtor_id, str(r.debtor_id)),
            masks.get(r.contact_id) if r.contact_id is not None else None,
            r.since,
            r.window_end,
            r.provider,
        )
        for r in rows
    ]


def requeue_unknown(
    conn: Connection, message_ids: Sequence[int], now: datetime, *, by: str | None, reason: str
) -> list[int]:
    """An operator who has checked with the SMSC that these never arrived queues them again
    (``unknown`` → ``queued``; the submit-time gate re-checks them); logged with who and why."""
    operator = authorize(conn, by, Act.REQUEUE_UNKNOWN)
    if not reason.strip():
        raise InputError("requeueing an unknown message needs a reason", "重新发送状态未知的短信须注明原因")
    moved = messages.requeue_unknown(conn, message_ids, now, actor=operator.username, note=reason)
    if moved:
        events.append(
            conn,
            EventKind.MESSAGES_REQUEUED,
            at=now,
            actor=operator.username,
            subject=f"{len(moved)} messages",
            detail={"messages": moved, "reason": reason},
        )
    return moved


# --------------------------------------------------------------------------------------------------
# Keys: rotation and re-encryption of personal data


def encrypted_columns() -> dict[str, tuple[str, ...]]:
    """Every token column of every domain (each declares its own ``ENCRYPTED_COLUMNS``)."""
    from dunning.portfolio.models import ENCRYPTED_COLUMNS as portfolio_columns
    from dunning.tracking.models import ENCRYPTED_COLUMNS as tracking_columns

    return {**portfolio_columns, **tracking_columns}


def _table(name: str) -> Any:
    from dunning.models import metadata

    return metadata.tables[name]


@dataclass(slots=True)
class KeyStatus:
    active: int
    key_ids: tuple[int, ...]
    lookup_version: int
    source: tuple[str, str]
    writable: bool
    #: ``{table: {key_id: rows}}`` (a row with tokens under two keys counts under both)
    rows: dict[str, dict[int, int]]

    @property
    def pending(self) -> int:
        """Rows holding a token under a key other than the active one (what re-encryption has left)."""
        return sum(n for counts in self.rows.values() for k, n in counts.items() if k != self.active)

    def as_dict(self) -> dict[str, Any]:
        return {
            "active": self.active,
            "key_ids": list(self.key_ids),
            "lookup_version": self.lookup_version,
            "source": self.source[0],
            "writable": self.writable,
            "rows": {t: {str(k): n for k, n in c.items()} for t, c in self.rows.items()},
            "pending": self.pending,
        }


def key_status(conn: Connection, settings: Settings) -> KeyStatus:
    """Which keys exist, which is active, and how many rows each key still holds, per table."""
    from dunning.core.keyring import count_by_key, load_keyring

    source = load_keyring(settings)
    rows = {name: count_by_key(conn, _table(name), cols) for name, cols in encrypted_columns().items()}
    keyring = source.keyring
    return KeyStatus(
        keyring.active, keyring.key_ids, keyring.lookup_version, source.describe(), source.writable, rows
    )


#: ``progress(table, rows_done_in_this_table)`` after each batch.
KeyProgress = Callable[[str, int], None]


def reencrypt(
    engine: Engine,
    cipher: PersonalDataCipher,
    *,
    by: str | None,
    now: datetime,
    batch: int = 5000,
    progress: KeyProgress | None = None,
) -> dict[str, int]:
    """Re-encrypt under the active key every token that is under another one, table by table, one
    short transaction per batch, while the system runs (a concurrent writer is never overwritten).
    Resumable: after a kill, run it again — it only reads rows still under an old key. Logged."""
    from dunning.core.keyring import reencrypt_batch

    with unit_of_work(engine) as conn:
        operator = authorize(conn, by, Act.ROTATE_KEYS)
    done: dict[str, int] = {}
    for name, columns in encrypted_columns().items():
        table = _table(name)
        done[name] = 0
        after: int | None = 0
        while after is not None:
            with unit_of_work(engine) as conn:
                after, changed = reencrypt_batch(
                    conn, table, "id", columns, cipher, after_id=after, limit=batch
                )
            done[name] += changed
            if progress is not None:
                progress(name, done[name])
    with unit_of_work(engine) as conn:
        events.append(
            conn,
            EventKind.KEYS_REENCRYPTED,
            at=now,
            actor=operator.username,
            subject=f"key {cipher.active_key_id}",
            detail={"active": cipher.active_key_id, "rows": done},
        )
    return done


@dataclass(slots=True)
class Rotation:
    previous: int
    active: int
    rows: dict[str, int]


def rotate_keys(
    engine: Engine,
    settings: Settings,
    *,
    by: str | None,
    now: datetime,
    batch: int = 5000,
    progress: KeyProgress | None = None,
) -> Rotation:
    """Add a new data key, make it active (the keyring file is saved atomically first: from then on
    everything new is sealed under it and old tokens still open), then re-encrypt everything under
    it (:func:`reencrypt`). Look-up hashes use their own key and do not change. Logged.

    A keyring that comes from the environment cannot be written: add the key in the secret store
    (``Keyring.with_new_key``) and run ``dunning keys reencrypt``.
    """
    from dunning.core.keyring import load_keyring, save_keyring

    with unit_of_work(engine) as conn:
        operator = authorize(conn, by, Act.ROTATE_KEYS)
    source = load_keyring(settings)
    previous = source.keyring.active
    saved = save_keyring(source, source.keyring.with_new_key())
    with unit_of_work(engine) as conn:
        events.append(
            conn,
            EventKind.KEYS_ROTATED,
            at=now,
            actor=operator.username,
            subject=f"key {saved.keyring.active}",
            detail={
                "previous": previous,
                "active": saved.keyring.active,
                "key_ids": list(saved.keyring.key_ids),
                "keyring": str(saved.path),
            },
        )
    rows = reencrypt(
        engine,
        PersonalDataCipher(saved.keyring),
        by=operator.username,
        now=now,
        batch=batch,
        progress=progress,
    )
    return Rotation(previous, saved.keyring.active, rows)


def retire_key(engine: Engine, settings: Settings, key_id: int, *, by: str | None, now: datetime) -> Keyring:
    """Drop a data key no row uses any more (refused, naming the tables, while one does). Logged."""
    from dunning.core.keyring import count_by_key, load_keyring, save_keyring

    with unit_of_work(engine) as conn:
        operator = authorize(conn, by, Act.ROTATE_KEYS)
        used = {
            name: n
            for name, cols in encrypted_columns().items()
            if (n := count_by_key(conn, _table(name), cols).get(key_id, 0))
        }
    if used:
        where = ", ".join(f"{t} ({n:,})" for t, n in used.items())
        raise InputError(
            f"key {key_id} still holds data in {where}: run `dunning keys reencrypt` first",
            f"密钥 {key_id} 仍在使用（{where}）：请先运行 `dunning keys reencrypt`",
        )
    source = load_keyring(settings)
    saved = save_keyring(source, source.keyring.without_key(key_id))
    with unit_of_work(engine) as conn:
        events.append(
            conn,
            EventKind.KEYS_RETIRED,
            at=now,
            actor=operator.username,
            subject=f"key {key_id}",
            detail={"retired": key_id, "key_ids": list(saved.keyring.key_ids)},
        )
    return saved.keyring


# --------------------------------------------------------------------------------------------------
# The return path: replies → intents → actions; promises; payments; follow-up to people

#: How long an answer to a reply may wait for the sender before it lapses (the US opt-out
#: confirmation must go within 5 minutes or not at all).
_ANSWER_WINDOW: dict[str, timedelta] = {"opt_out_confirmation": timedelta(minutes=5)}
_DEFAULT_ANSWER_WINDOW = timedelta(hours=2)
#: Hold reasons replies set (the gate blocks while one is in force; strategy exits read them).
HOLD_FOR_INTENT: dict[str, str] = {
    "complaint": "complaint",
    "dispute": "dispute",
    "hardship": "hardship",
    "paid": "paid_claim",
    "promise": "promise",
}


@dataclass(frozen=True, slots=True)
class _Facts:
    """What the return path needs of a debtor: zone, local date, balance in scope."""

    time_zone: str
    local_date: date
    currency: str
    amount_minor: int


def _facts(
    conn: Connection, config: DailyConfig, debtor_ids: Sequence[int], now: datetime
) -> dict[int, _Facts]:
    if not debtor_ids:
        return {}
    frame = load_debtor_frame(conn, now, default_time_zone=config.default_zone, debtor_pks=list(debtor_ids))
    out: dict[int, _Facts] = {}
    for row in frame.select("debtor_pk", "time_zones", "currency", "amount_minor").iter_rows(named=True):
        tz = primary_zone(row["time_zones"], config.default_zone)
        out[int(row["debtor_pk"])] = _Facts(
            tz, local_date(now, tz), row["currency"] or "CNY", int(row["amount_minor"] or 0)
        )
    return out


def _local_midnight_after(day: date, time_zone: str) -> datetime:
    """The instant the local day after ``day`` starts (a hold "until the end of ``day``")."""
    return datetime.combine(day + timedelta(days=1), datetime.min.time(), tzinfo=zone(time_zone)).astimezone(
        UTC
    )


def _due_in_contact_hours(now: datetime, hours: float, time_zone: str, window: Window) -> datetime:
    """``now + hours``, moved forward into the debtor's contact hours (the profile's window)."""
    due = (now + timedelta(hours=hours)).astimezone(zone(time_zone))
    minute = due.hour * 60 + due.minute
    start = due.replace(hour=window.start_min // 60, minute=window.start_min % 60, second=0, microsecond=0)
    if minute < window.start_min:
        due = start
    elif minute >= window.end_min:
        due = start + timedelta(days=1)
    return due.astimezone(UTC)


def _place_hold(
    conn: Connection,
    debtor_id: int,
    reason: str,
    *,
    until: datetime | None,
    now: datetime,
    actor: str,
    note: str | None = None,
    subject: str | None = None,
) -> tuple[int, int]:
    """Hold a debtor (queued messages cancelled at once) and log it: ``(hold id, cancelled)``.
    The event's subject is ``subject`` (an operator's hold names the debtor), else the hold."""
    hold_id = portfolio.add_hold(conn, debtor_id, reason, starts_at=now, until=until, note=note, by=actor)
    cancelled = messages.cancel(conn, now, f"hold:{reason}", debtor_ids=[debtor_id], actor=actor)
    events.append(
        conn,
        EventKind.DEBTOR_HELD,
        at=now,
        actor=actor,
        debtor_id=debtor_id,
        subject=subject or f"hold:{hold_id}",
        detail={
            "hold_id": hold_id,
            "reason": reason,
            "until": until.isoformat() if until else None,
            "note": note,
            "messages_cancelled": len(cancelled),
        },
    )
    return hold_id, len(cancelled)


def _open_task(
    conn: Connection,
    config: DailyConfig,
    trigger: str,
    debtor_id: int,
    now: datetime,
    *,
    time_zone: str,
    actor: str,
    source: str | None = None,
    hold_id: int | None = None,
    contact_id: int | None = None,
    streak: int = 0,
) -> int | None:
    """The task an escalation rule of the strategy opens for ``trigger`` (None when no rule does).

    With several ``broken_promise`` rules the one for the longest streak reached wins; a task already
    open for the same cause is kept (made more urgent if this rule is more urgent).
    """
    rules = [r for r in config.strategy.escalation_rules() if r.on == trigger]
    if trigger == "broken_promise":
        rules = sorted((r for r in rules if r.broken_promises <= streak), key=lambda r: -r.broken_promises)
    if not rules:
        return None
    rule = rules[0]
    due = _due_in_contact_hours(now, rule.due_hours, time_zone, config.window)
    task_id, opened = tasks_repo.open_task(
        conn,
        queue=rule.queue,
        debtor_id=debtor_id,
        reason=trigger,
        rule_id=rule.id,
        priority=rule.priority,
        due_at=due,
        owner=rule.owner,
        source=source,
        hold_id=hold_id,
        contact_id=contact_id,
        now=now,
    )
    if opened:
        events.append(
            conn,
            EventKind.TASK_OPENED,
            at=now,
            actor=actor,
            debtor_id=debtor_id,
            subject=f"task:{task_id}",
            detail={
                "task_id": task_id,
                "queue": rule.queue,
                "reason": trigger,
                "rule": rule.id,
                "priority": rule.priority,
                "due_at": due.isoformat(),
                "source": source,
            },
        )
    else:
        tasks_repo.raise_priority(conn, task_id, rule.priority, now)
    return task_id if opened else None


def _queue_answer(
    conn: Connection,
    config: DailyConfig,
    kind: MessageKind,
    debtor_id: int,
    contact_id: int | None,
    now: datetime,
    *,
    key: str,
    actor: str,
    amount_minor: int | None = None,
    due_date: date | None = None,
) -> str:
    """An answer to what a debtor did, from the approved template of its kind, checked by the gate
    before it is queued (and again before it is submitted). Returns what happened: ``queued``,
    ``blocked``, ``no_template``, ``no_number``, ``unrenderable`` or ``duplicate``."""
    template = config.catalog.for_kind(kind)
    if template is None:
        return "no_template"
    if contact_id is None:
        return "no_number"
    state = load_debtor_frame(conn, now, default_time_zone=config.default_zone, debtor_pks=[debtor_id])
    if state.is_empty():
        return "no_number"
    overrides: list[pl.Expr] = [pl.lit(contact_id, dtype=pl.Int64).alias("contact_pk")]
    if amount_minor is not None:
        overrides.append(pl.lit(amount_minor, dtype=pl.Int64).alias("amount_minor"))
    if due_date is not None:
        overrides.append(pl.lit(due_date, dtype=pl.Date).alias("due_date"))
    frame = state.with_columns(*overrides, pl.lit(template.id).alias("template_id"))
    rendered = render_frame(frame, config.catalog, config.context)
    if rendered["body"][0] is None:
        log.warning("answer %s for debtor %s not rendered: %s", kind, debtor_id, rendered["render_error"][0])
        return "unrenderable"
    facts = rendered.select(
        pl.lit(-1, dtype=pl.Int64).alias("message_pk"),
        "debtor_pk",
        "contact_pk",
        "body",
        "segments",
        "template_id",
        "template_version",
        pl.lit(kind).alias("kind"),
    )
    checked = evaluate(_gate_frame(conn, config, facts, now), config.profile, stage="plan")
    violations = checked["violations"][0].to_list()
    window_end = now + _ANSWER_WINDOW.get(kind, _DEFAULT_ANSWER_WINDOW)
    row = rendered.select(
        pl.lit(f"{kind}:{key}").alias("plan_key"),
        pl.col("debtor_pk").alias("debtor_id"),
        pl.col("contact_pk").alias("contact_id"),
        pl.col("local_date").alias("slot_date"),
        pl.lit(config.strategy.id).alias("strategy_id"),
        pl.lit("answer").alias("segment_id"),
        pl.lit(kind).alias("step_id"),
        pl.lit("answer").alias("arm"),
        pl.lit(1.0).alias("probability"),
        "template_id",
        "template_version",
        pl.col("amount_minor").fill_null(0),
        pl.col("currency").fill_null(""),
        pl.col("days_past_due").fill_null(0),
        pl.col("bucket").fill_null(""),
        "body",
        "encoding",
        "segments",
        pl.lit(now).dt.convert_time_zone("UTC").alias("scheduled_at"),
        pl.lit(window_end).dt.convert_time_zone("UTC").alias("window_end"),
        pl.col("account_pks").fill_null([]).alias("account_ids"),
        pl.lit(violations, dtype=pl.List(pl.String)).alias("violations"),
        pl.lit(kind).alias("kind"),
    )
    written = messages.enqueue(
        conn,
        row,
        run_id=f"answer-{uuid.uuid4().hex[:20]}",
        now=now,
        rules=rule_table(config.profile),
        actor=actor,
    )
    if written.queued:
        return "queued"
    return "blocked" if written.blocked else "duplicate"


def _confirms_opt_out(config: DailyConfig) -> bool:
    chosen = config.strategy.follow_up.confirm_opt_out
    return (config.profile.name == "US") if chosen is None else chosen


def ingest_replies(
    conn: Connection,
    replies: Sequence[InboundSms],
    now: datetime,
    *,
    cipher: PersonalDataCipher,
    config: DailyConfig,
    provider: str | None,
) -> ReplySummary:
    """Replies from any edge (SMPP MO now, HTTP webhooks next), all in the caller's transaction:
    parts reassembled, retried deliveries stored once, each reply classified, and the action its
    intent calls for taken and logged on the debtor's timeline (docs/decisions/0016).

    An opt-out found anywhere in a reply suppresses the number, even when another intent (a
    complaint) drives the rest of the action.
    """
    # A reply cannot have arrived after the instant it is taken in: on a replayed or simulated clock
    # the run's ``now`` is the time (promise dates are resolved from it).
    replies = [r if r.received_at <= now else dataclasses.replace(r, received_at=now) for r in replies]
    stale = [r for source, r in flush_stale_parts(conn, now, cipher=cipher) if source == (provider or "")]
    whole, waiting = reassemble(conn, [*stale, *replies], now, cipher=cipher, provider=provider)
    stored = store_replies(
        conn,
        whole,
        now,
        cipher=cipher,
        owners=lambda hashes: portfolio.contacts_by_hash(conn, hashes),
        provider=provider,
    )
    summary = stored.summary
    summary.parts_waiting = waiting
    if not stored.stored:
        return summary
    debtor_ids = sorted({r.debtor_id for r in stored.stored if r.debtor_id is not None})
    facts = _facts(conn, config, debtor_ids, now)
    understood = _classify(stored.stored, facts, config)
    records: list[IntentRecord] = []
    actor = f"reply:{provider or 'edge'}"
    for reply, found in zip(stored.stored, understood, strict=True):
        intent = str(found.intent)
        summary.intents[intent] = summary.intents.get(intent, 0) + 1
        actions = _act_on_reply(
            conn, config, reply, found, facts.get(reply.debtor_id or -1), now, actor, summary
        )
        records.append(
            IntentRecord(
                reply.inbound_id,
                intent,
                found.confidence,
                tuple(str(i) for i in found.intents),
                tuple(actions),
            )
        )
        if reply.debtor_id is not None:
            promise = found.promise
            events.append(
                conn,
                EventKind.REPLY_RECEIVED,
                at=now,
                actor=actor,
                debtor_id=reply.debtor_id,
                subject=f"reply:{reply.inbound_id}",
                detail={
                    "reply_id": reply.inbound_id,
                    "received_at": reply.received_at.isoformat(),
                    "intent": intent,
                    "confidence": round(found.confidence, 3),
                    "intents": [str(i) for i in found.intents],
                    "source": found.source,
                    "promise": _promise_json(promise),
                    "actions": actions,
                },
            )
    record_intents(conn, records, now)
    return summary


def _promise_json(terms: PromiseTerms | None) -> dict[str, Any] | None:
    if terms is None:
        return None
    return {
        "amount": f"{terms.amount:.2f}" if terms.amount is not None else None,
        "date": terms.date.isoformat() if terms.date else None,
        "vague": terms.vague,
        "follow_up": terms.follow_up.isoformat() if terms.follow_up else None,
    }


def _classify(
    stored: Sequence[StoredReply], facts: Mapping[int, _Facts], config: DailyConfig
) -> list[Classification]:
    """Classify in batches per time zone (promise dates are resolved in the debtor's zone)."""
    from dunning.core.money import from_minor
    from dunning.replies import classify_many

    zones: dict[str, list[int]] = {}
    for i, reply in enumerate(stored):
        fact = facts.get(reply.debtor_id) if reply.debtor_id is not None else None
        zones.setdefault(fact.time_zone if fact else config.default_zone, []).append(i)
    out: list[Classification | None] = [None] * len(stored)
    for tz, indexes in zones.items():
        dues: list[Decimal | None] = []
        for i in indexes:
            debtor = stored[i].debtor_id
            fact = facts.get(debtor) if debtor is not None else None
            dues.append(from_minor(fact.amount_minor, fact.currency) if fact and fact.amount_minor else None)
        results = classify_many(
            [stored[i].text for i in indexes],
            profile=config.profile.name,
            now=[stored[i].received_at for i in indexes],
            time_zone=tz,
            amount_due=dues,
            opt_out_keywords=config.profile.opt_out_keywords,
        )
        for i, result in zip(indexes, results, strict=True):
            out[i] = result
    return [c for c in out if c is not None]


def _act_on_reply(
    conn: Connection,
    config: DailyConfig,
    reply: StoredReply,
    found: Classification,
    fact: _Facts | None,
    now: datetime,
    actor: str,
    summary: ReplySummary,
) -> list[str]:
    """Do what the reply's intent calls for; returns the action codes (stored with the reply)."""
    from dunning.replies import Intent

    follow = config.strategy.follow_up
    intent = found.intent
    acts: list[str] = []
    if Intent.OPT_OUT in found.intents and reply.contacts:
        summary.opt_outs += 1
        contact_ids = [c for c, _ in reply.contacts]
        changed = portfolio.opt_out_contacts(conn, contact_ids, now)
        cancelled = messages.cancel(conn, now, "opt_out_reply", contact_ids=contact_ids)
        summary.contacts_opted_out += len(changed)
        summary.cancelled += len(cancelled)
        acts.append("suppressed")
        events.append_many(
            conn,
            [
                NewEvent(
                    EventKind.CONTACT_OPTED_OUT,
                    now,
                    actor,
                    {"contact_id": contact_id, "via": "reply", "reply_id": reply.inbound_id},
                    debtor_id=debtor_id,
                    subject=f"contact:{contact_id}",
                )
                for contact_id, debtor_id in changed
            ],
        )
        if intent == Intent.OPT_OUT and changed and reply.debtor_id and _confirms_opt_out(config):
            outcome = _queue_answer(
                conn,
                config,
                "opt_out_confirmation",
                reply.debtor_id,
                reply.contact_id,
                now,
                key=str(reply.inbound_id),
                actor=actor,
            )
            acts.append(f"confirmation_{outcome}")
            summary.answers_queued += outcome == "queued"
    debtor = reply.debtor_id
    if debtor is None or fact is None or intent in (Intent.OPT_OUT, Intent.OTHER):
        return acts
    source = f"reply:{reply.inbound_id}"
    tz = fact.time_zone

    def hold(reason: str, until: datetime | None = None) -> int:
        hold_id, cancelled = _place_hold(conn, debtor, reason, until=until, now=now, actor=actor, note=source)
        summary.holds += 1
        summary.cancelled += cancelled
        acts.append(f"hold:{reason}")
        return hold_id

    def task(trigger: str, hold_id: int | None = None, contact_id: int | None = None) -> None:
        opened = _open_task(
            conn,
            config,
            trigger,
            debtor,
            now,
            time_zone=tz,
            actor=actor,
            source=source,
            hold_id=hold_id,
            contact_id=contact_id,
        )
        if opened is not None:
            summary.tasks_opened += 1
            acts.append(f"task:{opened}")

    if intent in (Intent.COMPLAINT, Intent.DISPUTE, Intent.HARDSHIP):
        task(str(intent), hold(HOLD_FOR_INTENT[str(intent)]))
    elif intent == Intent.WRONG_NUMBER:
        wrong = [reply.contact_id] if reply.contact_id is not None else []
        changed = portfolio.invalidate_contacts(conn, wrong, now)
        summary.cancelled += len(messages.cancel(conn, now, "wrong_number", contact_ids=wrong))
        summary.contacts_invalidated += len(changed)
        for contact_id, owner in changed:
            events.append(
                conn,
                EventKind.CONTACT_INVALIDATED,
                at=now,
                actor=actor,
                debtor_id=owner,
                subject=f"contact:{contact_id}",
                detail={"contact_id": contact_id, "reply_id": reply.inbound_id},
            )
        acts.append("contact_invalid")
        task("wrong_number", contact_id=reply.contact_id)
    elif intent == Intent.PAID:
        until = _local_midnight_after(fact.local_date + timedelta(days=follow.paid_hold_days - 1), tz)
        task("paid_claim", hold("paid_claim", until))
    elif intent == Intent.PROMISE:
        _promise_from_reply(conn, config, reply, found.promise, fact, now, actor, summary, acts)
    elif intent == Intent.HELP and follow.help_answers:
        since = now - timedelta(days=follow.help_every_days)
        if messages.answers_since(conn, debtor, "help_answer", since):
            acts.append("help_already_answered")
        else:
            # The answer replaces today's queued reminder: it says how to pay, and the caps and the
            # gap between messages would otherwise block the answer to a question the debtor asked.
            summary.cancelled += len(
                messages.cancel(conn, now, "answered_instead", debtor_ids=[debtor], actor=actor)
            )
            outcome = _queue_answer(
                conn,
                config,
                "help_answer",
                debtor,
                reply.contact_id,
                now,
                key=str(reply.inbound_id),
                actor=actor,
            )
            acts.append(f"help_{outcome}")
            summary.answers_queued += outcome == "queued"
    return acts


def _promise_from_reply(
    conn: Connection,
    config: DailyConfig,
    reply: StoredReply,
    terms: PromiseTerms | None,
    fact: _Facts,
    now: datetime,
    actor: str,
    summary: ReplySummary,
    acts: list[str],
) -> None:
    from dunning.core.money import to_minor

    amount = to_minor(terms.amount, fact.currency) if terms and terms.amount is not None else None
    promised = terms.date if terms else None
    follow_up = (terms.follow_up if terms else None) or fact.local_date + timedelta(
        days=config.strategy.follow_up.vague_follow_up_days
    )
    promise_id = _make_promise(
        conn,
        config,
        reply.debtor_id or 0,
        fact,
        now,
        amount_minor=amount,
        promised_date=promised,
        follow_up=follow_up,
        source="reply",
        actor=actor,
        inbound_id=reply.inbound_id,
    )
    summary.promises += 1
    summary.holds += 1
    acts.extend([f"promise:{promise_id}", "hold:promise"])
    if config.strategy.follow_up.confirm_promise and reply.debtor_id:
        outcome = _queue_answer(
            conn,
            config,
            "promise_confirmation",
            reply.debtor_id,
            reply.contact_id,
            now,
            key=str(reply.inbound_id),
            actor=actor,
            amount_minor=amount or fact.amount_minor,
            due_date=promised or follow_up,
        )
        acts.append(f"confirmation_{outcome}")
        summary.answers_queued += outcome == "queued"


def _make_promise(
    conn: Connection,
    config: DailyConfig,
    debtor_id: int,
    fact: _Facts,
    now: datetime,
    *,
    amount_minor: int | None,
    promised_date: date | None,
    follow_up: date,
    source: str,
    actor: str,
    inbound_id: int | None = None,
    task_id: int | None = None,
) -> int:
    """Record a promise and hold the debtor until its check date (promised date + grace, at most
    ``promise_max_days`` ahead; a vague promise until its follow-up date)."""
    follow = config.strategy.follow_up
    latest = fact.local_date + timedelta(days=follow.promise_max_days)
    if promised_date is not None:
        check = min(promised_date, latest) + timedelta(days=follow.promise_grace_days)
    else:
        check = min(follow_up, latest)
    target = amount_minor if amount_minor else fact.amount_minor
    promise_id, replaced = promises_repo.make(
        conn,
        debtor_id=debtor_id,
        currency=fact.currency,
        amount_minor=amount_minor,
        target_minor=max(target, 0),
        promised_date=promised_date,
        check_date=check,
        time_zone=fact.time_zone,
        source=source,
        now=now,
        by=actor,
        inbound_id=inbound_id,
        task_id=task_id,
    )
    old_holds = [p.hold_id for p in replaced if p.hold_id is not None]
    portfolio.clear_holds(conn, old_holds, now)
    hold_id, _ = _place_hold(
        conn,
        debtor_id,
        "promise",
        until=_local_midnight_after(check, fact.time_zone),
        now=now,
        actor=actor,
        note=f"promise:{promise_id}",
    )
    promises_repo.set_hold(conn, promise_id, hold_id)
    events.append(
        conn,
        EventKind.PROMISE_MADE,
        at=now,
        actor=actor,
        debtor_id=debtor_id,
        subject=f"promise:{promise_id}",
        detail={
            "promise_id": promise_id,
            "source": source,
            "amount_minor": amount_minor,
            "target_minor": target,
            "currency": fact.currency,
            "promised_date": promised_date.isoformat() if promised_date else None,
            "check_date": check.isoformat(),
            "replaced": [p.id for p in replaced],
        },
    )
    return promise_id


@dataclass(slots=True)
class FollowUpSummary(Counters):
    promises_kept: int = 0
    promises_partly_kept: int = 0
    promises_broken: int = 0
    tasks_opened: int = 0


def _settle(
    conn: Connection,
    config: DailyConfig,
    promise: PromiseRecord,
    now: datetime,
    actor: str,
    *,
    final: bool,
) -> str | None:
    """Judge a pending promise by the payments since it was made. Before its check date (``final``
    false) only a kept promise settles; at the check date it is kept, partly kept or broken."""
    paid = portfolio.paid_since(conn, promise.debtor_id, promise.created_at, promise.currency)
    share = config.strategy.follow_up.promise_kept_share
    kept = promise.target_minor <= 0 or paid >= promise.target_minor * share
    if not kept and not final:
        return None
    status = "kept" if kept else ("partly_kept" if paid > 0 else "broken")
    if not promises_repo.settle(conn, promise.id, status, paid, now):
        return None
    if promise.hold_id is not None:
        portfolio.clear_holds(conn, [promise.hold_id], now)
    events.append(
        conn,
        EventKind.PROMISE_SETTLED,
        at=now,
        actor=actor,
        debtor_id=promise.debtor_id,
        subject=f"promise:{promise.id}",
        detail={
            "promise_id": promise.id,
            "status": status,
            "paid_minor": paid,
            "target_minor": promise.target_minor,
        },
    )
    return status


def settle_promises(
    conn: Connection, config: DailyConfig, now: datetime, *, actor: str = "follow_up"
) -> FollowUpSummary:
    """Promises whose check date has passed in the debtor's zone → kept, partly kept or broken; a
    broken one resumes the cadence (its hold ends) and counts toward escalation."""
    summary = FollowUpSummary()
    for promise in promises_repo.pending(conn, check_before=(now + timedelta(hours=14)).date()):
        if local_date(now, promise.time_zone) <= promise.check_date:
            continue
        status = _settle(conn, config, promise, now, actor, final=True)
        if status == "kept":
            summary.promises_kept += 1
        elif status == "partly_kept":
            summary.promises_partly_kept += 1
        if status in ("broken", "partly_kept"):
            summary.promises_broken += status == "broken"
            streak = promises_repo.broken_streak(conn, promise.debtor_id)
            if status == "partly_kept":
                streak = max(streak, 1)
            opened = _open_task(
                conn,
                config,
                "broken_promise",
                promise.debtor_id,
                now,
                time_zone=promise.time_zone,
                actor=actor,
                source=f"promise:{promise.id}",
                streak=streak,
            )
            summary.tasks_opened += opened is not None
    return summary


def escalate_silent(conn: Connection, config: DailyConfig, now: datetime, *, actor: str = "follow_up") -> int:
    """``no_response`` rules: debtors matching the rule's conditions who got at least K delivered
    reminders since their last payment, promise or task of that rule, and answered with neither a
    payment nor a promise, go to the rule's queue. Returns the tasks opened."""
    from dunning.strategy.engine import when_expr

    rules = [r for r in config.strategy.escalation_rules() if r.on == "no_response"]
    if not rules:
        return 0
    since = now - timedelta(days=120)
    deliveries = messages.delivered_frame(conn, since)
    if deliveries.is_empty():
        return 0
    debtors = load_debtor_frame(
        conn,
        now,
        default_time_zone=config.default_zone,
        debtor_pks=deliveries["debtor_pk"].unique().to_list(),
    ).filter(~pl.col("paid"))
    last_paid = portfolio.last_payment_frame(conn)
    last_promise = promises_repo.last_made_frame(conn)
    opened = 0
    for rule in rules:
        last_task = tasks_repo.last_of_rule_frame(conn, rule.id)
        resets = (
            debtors.select("debtor_pk", "time_zones")
            .join(last_paid, on="debtor_pk", how="left")
            .join(last_promise, on="debtor_pk", how="left")
            .join(last_task, on="debtor_pk", how="left")
            .with_columns(
                pl.max_horizontal("last_paid_at", "last_promise_at", "last_task_at")
                .fill_null(pl.lit(since).dt.convert_time_zone("UTC"))
                .alias("reset_at")
            )
        )
        currencies = [c for c in debtors["currency"].unique().to_list() if c]
        eligible = debtors.filter(when_expr(rule.when, currencies)).select("debtor_pk")
        counts = (
            deliveries.join(resets, on="debtor_pk", how="inner")
            .join(eligible, on="debtor_pk", how="inner")
            .filter(pl.col("delivered_at") > pl.col("reset_at"))
            .group_by("debtor_pk", "time_zones")
            .agg(pl.len().alias("delivered"))
            .filter(pl.col("delivered") >= (rule.after_delivered or 1))
            .sort("debtor_pk")
        )
        for debtor_pk, zones, delivered in counts.iter_rows():
            task_id = _open_task(
                conn,
                config,
                "no_response",
                int(debtor_pk),
                now,
                time_zone=primary_zone(zones, config.default_zone),
                actor=actor,
                source=f"rule:{rule.id}:{delivered}",
            )
            opened += task_id is not None
    return opened


def follow_up(conn: Connection, config: DailyConfig, now: datetime) -> FollowUpSummary:
    """The daily follow-up, before planning: settle promises, escalate the silent."""
    summary = settle_promises(conn, config, now)
    summary.tasks_opened += escalate_silent(conn, config, now)
    return summary


# ---- payments ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PaymentIn:
    """One payment given by a program (the API): the same fields and checks as a payments file."""

    payment_id: str
    account_id: str
    amount: str  # major units as text ("1500.00"), as in a file
    currency: str
    paid_at: str  # ISO 8601


@dataclass(slots=True)
class PaymentsRecorded:
    result: ImportResult
    cancelled: int = 0
    promises_kept: int = 0
    holds_released: int = 0
    tasks_closed: int = 0
    attributed: int = 0
    notes_queued: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "payments": len(self.result.payment_pks),
            "debtors_changed": len(self.result.affected_debtor_pks),
            "cancelled": self.cancelled,
            "promises_kept": self.promises_kept,
            "holds_released": self.holds_released,
            "tasks_closed": self.tasks_closed,
            "attributed": self.attributed,
            "notes_queued": self.notes_queued,
        }


def record_payments(
    conn: Connection,
    source: Path | Sequence[PaymentIn],
    now: datetime,
    *,
    cipher: PersonalDataCipher,
    config: DailyConfig,
    skip_invalid: bool = False,
    progress: ProgressCallback | None = None,
    actor: str = "importer",
) -> PaymentsRecorded:
    """The one way payments come in (a file now, the API next), in the caller's transaction:
    balances, DPD and buckets recomputed; queued messages of the payers cancelled at once; promises
    kept settled and their holds ended; "I paid" holds ended and their payment checks closed; each
    payment attributed to the reminders delivered before it. Bad rows: ImportRejected with a
    row-level report, nothing written (or only the good rows with ``skip_invalid``)."""
    from dunning.portfolio.service import import_table, table_of_rows

    if isinstance(source, Path):
        result = import_file(
            conn,
            "payments",
            source,
            cipher=cipher,
            profile=config.profile.name,
            now=now,
            skip_invalid=skip_invalid,
            progress=progress,
        )
    else:
        columns = ("payment_id", "account_id", "amount", "currency", "paid_at")
        raw = table_of_rows([{c: getattr(p, c) for c in columns} for p in source], columns, "payments")
        result = import_table(
            conn,
            "payments",
            raw,
            cipher=cipher,
            profile=config.profile.name,
            now=now,
            skip_invalid=skip_invalid,
            progress=progress,
        )
    recorded = PaymentsRecorded(result)
    payers = portfolio.payments_frame(conn, result.payment_pks)
    debtor_ids = sorted(set(payers["debtor_pk"].to_list()) | result.affected_debtor_pks)
    recorded.cancelled = len(messages.cancel(conn, now, "payment", debtor_ids=debtor_ids, actor=actor))
    for promise in promises_repo.pending(conn, debtor_ids=debtor_ids):
        if _settle(conn, config, promise, now, actor, final=False) == "kept":
            recorded.promises_kept += 1
    claims = portfolio.holds_with_reason(conn, debtor_ids, ["paid_claim"], now)
    recorded.holds_released = len(portfolio.clear_holds(conn, claims, now))
    for task in tasks_repo.open_tasks_of(conn, debtor_ids, queue="payment_check"):
        _close_task_record(conn, task, "PAYMENT_FOUND", actor, now)
        recorded.tasks_closed += 1
    window = timedelta(days=config.strategy.follow_up.attribution_days)
    if not payers.is_empty():
        earliest = payers["paid_at"].min()
        assert isinstance(earliest, datetime)
        deliveries = messages.delivered_frame(conn, earliest - window, debtor_ids=debtor_ids)
        recorded.attributed = store_attributions(conn, attribute(payers, deliveries, window), window, now)
    if config.strategy.follow_up.payment_received_note:
        recorded.notes_queued = _payment_notes(conn, config, payers, now, actor)
    events.append(
        conn,
        EventKind.PAYMENTS_RECORDED,
        at=now,
        actor=actor,
        subject=str(source) if isinstance(source, Path) else "api",
        detail={**recorded.as_dict(), "rows": result.rows, "skipped_rows": result.skipped_rows},
    )
    return recorded


def _payment_notes(
    conn: Connection, config: DailyConfig, payers: pl.DataFrame, now: datetime, actor: str
) -> int:
    queued = 0
    for payment_pk, debtor_pk, amount in payers.select("payment_pk", "debtor_pk", "amount_minor").iter_rows():
        contact = portfolio.primary_contact(conn, int(debtor_pk))
        outcome = _queue_answer(
            conn,
            config,
            "payment_received",
            int(debtor_pk),
            contact,
            now,
            key=str(payment_pk),
            actor=actor,
            amount_minor=int(amount),
        )
        queued += outcome == "queued"
    return queued


# ---- tasks -----------------------------------------------------------------------------------------


def _close_task_record(
    conn: Connection, task: TaskRecord, outcome: str, by: str, now: datetime
) -> TaskRecord:
    closed = tasks_repo.close(conn, task.id, outcome, by, now)
    # The person decided: the hold the task kept ends (a found payment keeps its "I paid" hold until
    # the payment is imported or the hold expires).
    if task.hold_id is not None and outcome != "PAYMENT_FOUND":
        portfolio.clear_holds(conn, [task.hold_id], now)
    events.append(
        conn,
        EventKind.TASK_CLOSED,
        at=now,
        actor=by,
        debtor_id=task.debtor_id,
        subject=f"task:{task.id}",
        detail={"task_id": task.id, "queue": task.queue, "reason": task.reason, "outcome": outcome},
    )
    return closed


def list_tasks(
    conn: Connection,
    *,
    queue: str | None = None,
    status: str | None = "active",
    owner: str | None = None,
    debtor_ref: str | None = None,
    limit: int = 100,
) -> list[dict[str, Any]]:
    """Tasks by urgency, each with the debtor's id (the lender's) — no personal data."""
    debtor_id = portfolio.debtor_ids(conn, [debtor_ref])[debtor_ref] if debtor_ref else None
    found = tasks_repo.list_tasks(
        conn, queue=queue, status=status, owner=owner, debtor_id=debtor_id, limit=limit
    )
    refs = portfolio.debtor_refs(conn, [t.debtor_id for t in found])
    return [{**t.as_dict(), "debtor": refs.get(t.debtor_id)} for t in found]


def show_task(conn: Connection, task_id: int, *, cipher: PersonalDataCipher) -> dict[str, Any]:
    task = tasks_repo.get(conn, task_id)
    notes = [
        {"at": n.at.isoformat(), "by": n.by, "text": cipher.decrypt(n.body_enc)}
        for n in tasks_repo.notes(conn, task_id)
    ]
    return {
        **task.as_dict(),
        "debtor": portfolio.debtor_refs(conn, [task.debtor_id]).get(task.debtor_id),
        "notes": notes,
    }


def claim_task(conn: Connection, task_id: int, *, by: str | None, now: datetime) -> TaskRecord:
    operator = authorize(conn, by, Act.WORK_TASKS)
    task = tasks_repo.claim(conn, task_id, operator.username, now)
    events.append(
        conn,
        EventKind.TASK_CLAIMED,
        at=now,
        actor=operator.username,
        debtor_id=task.debtor_id,
        subject=f"task:{task_id}",
        detail={"task_id": task_id, "queue": task.queue},
    )
    return task


def note_task(
    conn: Connection, task_id: int, text: str, *, by: str | None, now: datetime, cipher: PersonalDataCipher
) -> int:
    operator = authorize(conn, by, Act.WORK_TASKS)
    if not text.strip():
        raise InputError("a note needs text", "备注不能为空")
    note_id = tasks_repo.add_note(conn, task_id, operator.username, cipher.encrypt(text.strip()), now)
    task = tasks_repo.get(conn, task_id)
    events.append(
        conn,
        EventKind.TASK_NOTED,
        at=now,
        actor=operator.username,
        debtor_id=task.debtor_id,
        subject=f"task:{task_id}",
        detail={"task_id": task_id, "note_id": note_id},
    )
    return note_id


def close_task(
    conn: Connection,
    task_id: int,
    outcome: str,
    *,
    by: str | None,
    now: datetime,
    config: DailyConfig,
    cipher: PersonalDataCipher,
    note: str | None = None,
    promise_amount: Decimal | None = None,
    promise_date: date | None = None,
) -> TaskRecord:
    """Close a task with an outcome code. PTP records the promise the agent heard (and holds the
    debtor until its date); WRONG_PARTY marks the task's number invalid; PAYMENT_NOT_FOUND ends
    the "I paid" hold early; any closing ends the hold the task kept (except PAYMENT_FOUND)."""
    from dunning.core.money import to_minor

    operator = authorize(conn, by, Act.WORK_TASKS)
    outcome = outcome.strip().upper()
    task = tasks_repo.get(conn, task_id)
    if outcome == "PTP" and promise_date is None and promise_amount is None:
        raise InputError(
            "PTP needs --promise-date and/or --promise-amount",
            "承诺还款（PTP）需要 --promise-date 或 --promise-amount",
        )
    if note:
        note_task(conn, task_id, note, by=operator.username, now=now, cipher=cipher)
    closed = _close_task_record(conn, task, outcome, operator.username, now)
    if outcome == "PTP":
        fact = _facts(conn, config, [task.debtor_id], now)[task.debtor_id]
        if promise_date is not None and promise_date < fact.local_date:
            raise InputError("the promise date is in the past", "承诺日期早于今天")
        amount = to_minor(promise_amount, fact.currency) if promise_amount is not None else None
        follow_up = fact.local_date + timedelta(days=config.strategy.follow_up.vague_follow_up_days)
        _make_promise(
            conn,
            config,
            task.debtor_id,
            fact,
            now,
            amount_minor=amount,
            promised_date=promise_date,
            follow_up=follow_up,
            source="task",
            actor=operator.username,
            task_id=task_id,
        )
    elif outcome == "WRONG_PARTY" and task.contact_id is not None:
        portfolio.invalidate_contacts(conn, [task.contact_id], now)
        messages.cancel(conn, now, "wrong_number", contact_ids=[task.contact_id], actor=operator.username)
    return closed


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: object) -> str:
    """A CSV cell a spreadsheet will not run: text starting like a formula gets a leading quote."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def export_dialler(
    conn: Connection,
    out: Path,
    *,
    queue: str,
    by: str | None,
    now: datetime,
    cipher: PersonalDataCipher,
    config: DailyConfig,
    limit: int = 100_000,
) -> int:
    """Open tasks of ``queue`` as a CSV for a dialler — the only place numbers leave in full (as
    international digits without "+", so no cell starts like a formula). The export is an event
    (operator, queue, rows, file digest). Returns the rows written."""
    import csv

    operator = authorize(conn, by, Act.EXPORT_DIALLER)
    found = tasks_repo.list_tasks(conn, queue=queue, status="active", limit=limit)
    debtor_ids = sorted({t.debtor_id for t in found})
    wanted = ("debtor_pk", "debtor_ref", "name_masked", "time_zones", "amount_minor", "currency")
    frame = load_debtor_frame(conn, now, default_time_zone=config.default_zone, debtor_pks=debtor_ids)
    state = {
        int(r["debtor_pk"]): r for r in frame.select(*wanted, "days_past_due", "bucket").iter_rows(named=True)
    }
    contacts = {t.id: t.contact_id or portfolio.primary_contact(conn, t.debtor_id) for t in found}
    numbers = portfolio.contact_numbers(conn, [c for c in contacts.values() if c is not None], cipher)
    from dunning.core.money import format_money

    header = [
        "task_id",
        "queue",
        "priority",
        "due_local",
        "reason",
        "debtor_id",
        "name",
        "phone",
        "amount",
        "days_past_due",
        "bucket",
        "time_zone",
    ]
    rows = 0
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        for task in found:
            row = state.get(task.debtor_id, {})
            contact = contacts.get(task.id)
            number = numbers.get(contact) if contact is not None else None
            if number is None:
                continue  # no number left to call (all invalid or removed)
            tz = primary_zone(row.get("time_zones"), config.default_zone)
            amount = row.get("amount_minor")
            due_local = task.due_at.astimezone(zone(tz)).strftime("%Y-%m-%d %H:%M")
            currency = row.get("currency")
            money = format_money(int(amount), currency) if amount is not None and currency else ""
            values = (
                *(task.id, task.queue, task.priority, due_local, task.reason, row.get("debtor_ref")),
                *(row.get("name_masked"), number.lstrip("+"), money, row.get("days_past_due")),
                *(row.get("bucket"), tz),
            )
            writer.writerow([_cell(v) for v in values])
            rows += 1
    events.append(
        conn,
        EventKind.TASKS_EXPORTED,
        at=now,
        actor=operator.username,
        subject=out.name,
        detail={"queue": queue, "rows": rows, "file": out.name, "sha256": _sha256(out), "purpose": "dialler"},
    )
    return rows


def debtor_timeline(conn: Connection, debtor_ref: str) -> dict[str, Any]:
    """Everything about one debtor in time order, personal data masked: messages and their
    outcome, replies with intents and actions, payments, promises, holds, tasks, events."""
    debtor_id = portfolio.debtor_ids(conn, [debtor_ref])[debtor_ref]
    return {
        "debtor": portfolio.debtor_summary(conn, debtor_id),
        "contacts": portfolio.contacts_of(conn, debtor_id),
        "messages": messages.for_debtor(conn, debtor_id),
        "replies": replies_of(conn, debtor_id),
        "payments": portfolio.payments_of(conn, debtor_id),
        "promises": [p.as_dict() for p in promises_repo.for_debtor(conn, debtor_id)],
        "holds": portfolio.holds_of(conn, debtor_id),
        "tasks": [t.as_dict() for t in tasks_repo.list_tasks(conn, debtor_id=debtor_id, limit=500)],
        "events": [e.as_dict() for e in events.read(conn, debtor_id=debtor_id, limit=1000)],
    }


def reminders_planned(conn: Connection, start: datetime, end: datetime) -> pl.DataFrame:
    """For simulations: reminders planned in [start, end) with their debtor's id (``debtor_ref``)."""
    planned = messages.reminders_between(conn, start, end)
    refs = portfolio.debtor_refs(conn, planned["debtor_pk"].unique().to_list())
    return planned.with_columns(
        debtor_ref=pl.col("debtor_pk").replace_strict(refs, default=None, return_dtype=pl.String)
    )


def debtors_in_scope(conn: Connection, config: DailyConfig, now: datetime) -> pl.DataFrame:
    """For simulations: ``debtor_pk, debtor_ref, days_past_due, amount_minor`` of every debtor in scope."""
    frame = load_debtor_frame(conn, now, default_time_zone=config.default_zone)
    return frame.select("debtor_pk", "debtor_ref", "days_past_due", "amount_minor")


def open_accounts(conn: Connection, debtor_pk: int) -> list[dict[str, Any]]:
    """For simulations: a debtor's unpaid accounts (lender's id, currency, remaining minor), most
    overdue first."""
    accounts = [a for a in portfolio.debtor_summary(conn, debtor_pk)["accounts"] if a["status"] != "paid"]
    return sorted(
        (
            {
                "account_id": str(a["id"]),
                "currency": a["currency"],
                "remaining_minor": int(a["outstanding_minor"]) - int(a["paid_minor"]),
                "due_date": a["due_date"],
            }
            for a in accounts
        ),
        key=lambda a: str(a["due_date"]),
    )


def simulated_promise_payments(
    conn: Connection, paid_at: datetime, *, share: float, seed: int
) -> list[PaymentIn]:
    """For the demo and simulations: a deterministic ``share`` of the debtors with a pending
    promise pay what they promised (on their most overdue open account in the promise's currency)."""
    from dunning.core.money import from_minor

    out: list[PaymentIn] = []
    for promise in promises_repo.pending(conn):
        digest = hashlib.sha256(f"{seed}:{promise.id}".encode()).digest()
        if int.from_bytes(digest[:4], "big") / 2**32 >= share:
            continue
        accounts = [
            a
            for a in portfolio.debtor_summary(conn, promise.debtor_id)["accounts"]
            if a["status"] != "paid" and a["currency"] == promise.currency
        ]
        if not accounts:
            continue
        account = min(accounts, key=lambda a: a["due_date"])
        remaining = int(account["outstanding_minor"]) - int(account["paid_minor"])
        amount = min(promise.target_minor or remaining, remaining)
        if amount <= 0:
            continue
        out.append(
            PaymentIn(
                payment_id=f"SIM-{seed}-{promise.id}",
                account_id=str(account["id"]),
                amount=str(from_minor(amount, promise.currency)),
                currency=promise.currency,
                paid_at=paid_at.isoformat(),
            )
        )
    return out
