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
                                   sender's collector, a webhook)
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
import hashlib
import json
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from time import perf_counter
from typing import Any

import polars as pl
from sqlalchemy.engine import Connection, Engine

from dunning import events
from dunning.access import Act, OperatorRecord, authorize, ensure_default_operator
from dunning.access import add_operator as _add_operator
from dunning.access import set_active as _set_active
from dunning.analytics.report import build_report
from dunning.compliance import ComplianceProfile, Violation, evaluate, explain, load_profile, rule_table
from dunning.core.clock import local_date, utcnow, zone
from dunning.core.counters import Counters
from dunning.core.crypto import Keyring, PersonalDataCipher
from dunning.core.db import unit_of_work
from dunning.core.errors import ConcurrencyError, ConfigError, InputError
from dunning.core.profiles import PROFILE_TIME_ZONE
from dunning.core.settings import Settings
from dunning.events import EventKind, NewEvent
from dunning.messages import outbox
from dunning.messages import repository as messages
from dunning.messages.outbox import ClaimedMessage, StaleClaims
from dunning.messages.repository import DueSummary
from dunning.messages.wire import InboundSms, Receipt, ReceiptIdFormat
from dunning.portfolio import repository as portfolio
from dunning.portfolio.columns import FileKind
from dunning.portfolio.repository import ActiveHold, load_debtor_frame
from dunning.portfolio.service import ImportResult, ProgressCallback, import_file
from dunning.sending.providers.base import SmsProvider
from dunning.sending.providers.registry import build_provider
from dunning.sending.worker import SendSummary, collect_inbound, send_due, sender_lock
from dunning.strategy.engine import assign
from dunning.strategy.loader import load_default_strategy, load_strategy
from dunning.strategy.models import Strategy
from dunning.strategy.planner import (
    PlanResult,
    Window,
    attach_history,
    load_history,
    local_minutes_at,
    run_plan,
)
from dunning.templates.catalog import approve_version, load_default_templates, load_templates
from dunning.templates.models import TemplateCatalog, TemplateVersion
from dunning.templates.render import RenderContext, render_frame
from dunning.tracking.receipts import ReceiptSummary, apply_receipts, retry_parked
from dunning.tracking.receipts import finalise_overdue_parts as _finalise_overdue_parts
from dunning.tracking.replies import ReplySummary, store_replies

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
) -> PortfolioImport:
    """Import one file; a payment, opt-out, dispute, complaint, bankruptcy or death it records cancels
    the debtor's queued messages at once; the import is logged (file name, sha256, counts)."""
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
    cancelled = messages.cancel(conn, now, "portfolio_update", debtor_ids=result.affected_debtor_pks)
    outcome = PortfolioImport(result, len(cancelled), _sha256(path))
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
    hold_id = portfolio.add_hold(
        conn, debtor_id, reason, starts_at=now, until=until, note=note, by=operator.username
    )
    cancelled = messages.cancel(conn, now, f"hold:{reason}", debtor_ids=[debtor_id], actor=operator.username)
    events.append(
        conn,
        EventKind.DEBTOR_HELD,
        at=now,
        actor=operator.username,
        debtor_id=debtor_id,
        subject=debtor_ref,
        detail={
            "hold_id": hold_id,
            "reason": reason,
            "until": until.isoformat() if until else None,
            "note": note,
            "messages_cancelled": len(cancelled),
        },
    )
    return hold_id, len(cancelled)


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
    conn: Connection, config: DailyConfig, now: datetime, *, dry_run: bool = False, actor: str = "planner"
) -> PlanResult:
    """Plan today's slot for every debtor in scope, in one unit of work, and log the run."""
    started = perf_counter()
    now = now.astimezone(UTC)
    debtors = load_debtor_frame(conn, now, default_time_zone=config.default_zone)
    load_seconds = perf_counter() - started
    result = run_plan(
        conn,
        debtors,
        now=now,
        window=config.window,
        assign=lambda f: assign(f, config.strategy),
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
        frame = attach_history(frame, history, exclude_pk="message_pk")
        checked = evaluate(frame, config.profile, stage="submit")
        out: dict[int, list[Violation]] = {}
        for message_pk, rules in checked.select("message_pk", "violations").iter_rows():
            if rules:
                out[int(message_pk)] = [explain(r, config.profile) for r in rules]
        return out

    return recheck


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


def ingest_replies(
    conn: Connection,
    replies: Sequence[InboundSms],
    now: datetime,
    *,
    cipher: PersonalDataCipher,
    is_opt_out: Callable[[str], bool],
    provider: str | None,
) -> ReplySummary:
    """Replies from any edge: stored encrypted; an opt-out marks every contact with that number
    opted out, cancels what is queued for them, and is logged — all in the caller's transaction."""
    stored = store_replies(
        conn,
        replies,
        now,
        cipher=cipher,
        owners=lambda hashes: portfolio.contacts_by_hash(conn, hashes),
        provider=provider,
        is_opt_out=is_opt_out,
    )
    summary = stored.summary
    if not stored.opted_out:
        return summary
    contact_ids = [c for c, _ in stored.opted_out]
    changed = portfolio.opt_out_contacts(conn, contact_ids, now)
    cancelled = messages.cancel(conn, now, "opt_out_reply", contact_ids=contact_ids)
    summary.contacts_opted_out = len(changed)
    summary.cancelled = len(cancelled)
    events.append_many(
        conn,
        [
            NewEvent(
                EventKind.CONTACT_OPTED_OUT,
                now,
                provider or "reply",
                {"contact_id": contact_id, "via": "reply"},
                debtor_id=debtor_id,
                subject=f"contact:{contact_id}",
            )
            for contact_id, debtor_id in changed
        ],
    )
    return summary


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
        recheck: Recheck,
        is_opt_out: Callable[[str], bool],
        result: SendDayResult | None = None,
    ) -> None:
        self.cipher = cipher
        self.is_opt_out = is_opt_out
        self._recheck = recheck
        self.result = result if result is not None else SendDayResult()

    @classmethod
    def for_day(cls, config: DailyConfig, cipher: PersonalDataCipher, result: SendDayResult) -> SenderHooks:
        return cls(cipher, recheck_before_submit(config), config.profile.is_opt_out, result)

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
            self.result.replies.merge(
                ingest_replies(
                    conn, replies, now, cipher=self.cipher, is_opt_out=self.is_opt_out, provider=provider.name
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
    return build_report(
        day=day,
        time_zone=time_zone,
        now=now,
        counts=messages.day_counts(conn, day),
        blocked_by_rule=messages.blocked_by_rule(conn, day),
        debtors_in_scope=portfolio.debtors_in_scope(conn, day),
    )


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
    conn: Connection, path: Path, template_id: str, version: int, *, by: str | None, now: datetime
) -> TemplateVersion:
    """Approve one template version in its YAML file, as an operator whose role allows it; logged."""
    operator = authorize(conn, by, Act.APPROVE_TEMPLATE)
    approved = approve_version(path, template_id, version, by=operator.username, at=now)
    events.append(
        conn,
        EventKind.TEMPLATE_APPROVED,
        at=now,
        actor=operator.username,
        subject=f"{template_id}#{approved.version}",
        detail={"template": template_id, "version": approved.version, "file": str(path)},
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
