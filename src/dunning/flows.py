"""Orchestration across domains: the daily loop (plan → gate → outbox → send → receipts → report).

Domains never import each other's services for orchestration; this module does. Each function takes
an open connection (one unit of work) or an engine when it must commit in several steps.
"""

from __future__ import annotations

import asyncio
import signal
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from time import perf_counter

import polars as pl
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from dunning.compliance import (
    ComplianceProfile,
    Violation,
    evaluate,
    explain,
    load_profile,
    record_violations,
    violation_records,
)
from dunning.core.crypto import PersonalDataCipher
from dunning.core.frames import read_frame
from dunning.core.settings import PROFILE_TIME_ZONE, Settings
from dunning.portfolio.models import Contact
from dunning.portfolio.repository import load_debtor_frame
from dunning.portfolio.service import ImportResult
from dunning.sending.models import Message
from dunning.sending.outbox import ClaimedMessage, cancel_queued_for_debtors
from dunning.sending.providers.base import SmsProvider, build_provider
from dunning.sending.service import SendSummary, send_due
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
from dunning.templates.catalog import load_default_templates, load_templates
from dunning.templates.models import TemplateCatalog
from dunning.templates.render import RenderContext, render_frame


@dataclass(frozen=True, slots=True)
class DailyConfig:
    """What a day's plan needs besides the data: the profile, the strategy and the templates."""

    profile: ComplianceProfile
    strategy: Strategy
    catalog: TemplateCatalog
    context: RenderContext
    default_zone: str
    notices: tuple[str, ...] = ()

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
    else:
        strategy = load_default_strategy(name)
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
    )


def plan_day(conn: Connection, config: DailyConfig, now: datetime, *, dry_run: bool = False) -> PlanResult:
    """Plan today's slot for every debtor in scope, in one unit of work."""
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
        record_blocked=lambda c, blocked, at: record_violations(
            c, violation_records(blocked, config.profile, "plan", at)
        ),
        dry_run=dry_run,
    )
    result.stage_seconds = {"load": round(load_seconds, 3), **result.stage_seconds}
    result.seconds += load_seconds
    return result


def recheck_before_submit(
    config: DailyConfig,
) -> Callable[[Connection, Sequence[ClaimedMessage], datetime], Mapping[int, Sequence[Violation]]]:
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
        ids = [c.message_id for c in claimed]
        messages = _message_facts(conn, ids)
        debtor_pks = messages["debtor_pk"].unique().to_list()
        state = load_debtor_frame(conn, now, default_time_zone=config.default_zone, debtor_pks=debtor_pks)
        recipients = _recipient_facts(conn, messages["contact_pk"].drop_nulls().unique().to_list())
        frame = (
            messages.join(
                state.drop(
                    "contact_pk",
                    "recipient_relation",
                    "recipient_verified",
                    "recipient_opted_out",
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


_EIGHT_DAYS = timedelta(days=8)


def _message_facts(conn: Connection, ids: Sequence[int]) -> pl.DataFrame:
    statement = sa.select(
        Message.id,
        Message.debtor_id,
        Message.contact_id,
        Message.body,
        Message.segments,
        Message.template_id,
        Message.template_version,
    ).where(Message.id.in_(ids))
    schema = {
        "message_pk": pl.Int64,
        "debtor_pk": pl.Int64,
        "contact_pk": pl.Int64,
        "body": pl.String,
        "segments": pl.Int32,
        "template_id": pl.String,
        "template_version": pl.Int32,
    }
    return read_frame(conn, statement, schema=schema)


def _recipient_facts(conn: Connection, contact_pks: Sequence[int]) -> pl.DataFrame:
    statement = sa.select(
        Contact.id, Contact.relation, Contact.verified, Contact.opted_out_at.is_not(None)
    ).where(Contact.id.in_(contact_pks))
    schema = {
        "contact_pk": pl.Int64,
        "recipient_relation": pl.String,
        "recipient_verified": pl.Boolean,
        "recipient_opted_out": pl.Boolean,
    }
    return read_frame(conn, statement, schema=schema)


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


def send_day(
    engine: Engine,
    config: DailyConfig,
    provider: SmsProvider,
    cipher: PersonalDataCipher,
    now: datetime,
    *,
    batch_size: int = 500,
    on_progress: Callable[[SendSummary], None] | None = None,
    await_receipts: float = 0.0,
) -> SendSummary:
    """Send everything due at ``now`` through ``provider``, re-checking each message first.

    SIGTERM (and Ctrl-C) stop it gracefully: no new claims, the batch in hand is finished and
    recorded, the window drains and the provider unbinds. Replies are stored and opt-outs obeyed
    with the profile's keywords.
    """

    async def go() -> SendSummary:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        handled = _on_signals(loop, stop)
        try:
            return await send_due(
                engine,
                provider,
                now=now,
                cipher=cipher,
                recheck=recheck_before_submit(config),
                batch_size=batch_size,
                on_progress=on_progress,
                stop=stop,
                await_receipts=await_receipts,
                is_opt_out=config.profile.is_opt_out,
            )
        finally:
            try:
                await provider.close()
            finally:
                for sig in handled:
                    loop.remove_signal_handler(sig)

    return asyncio.run(go())


def _on_signals(loop: asyncio.AbstractEventLoop, stop: asyncio.Event) -> list[signal.Signals]:
    """SIGTERM/SIGINT set ``stop`` (main thread of a POSIX process only; elsewhere a no-op)."""
    if threading.current_thread() is not threading.main_thread():
        return []
    handled = []
    for sig in (signal.SIGTERM, signal.SIGINT):
        try:
            loop.add_signal_handler(sig, stop.set)
        except (NotImplementedError, RuntimeError, ValueError):  # pragma: no cover - not POSIX
            continue
        handled.append(sig)
    return handled


def send_times(conn: Connection, now: datetime) -> list[datetime]:
    """The distinct instants at which queued messages become due, from ``now`` on (for replaying a day)."""
    due = conn.execute(
        sa.select(Message.scheduled_at).distinct().where(Message.status == "queued", Message.window_end > now)
    ).scalars()
    return sorted({max(now, at) for at in due})


def merge_summaries(parts: Sequence[SendSummary]) -> SendSummary:
    """One summary for several sender passes over a day."""
    total = SendSummary(worker_id=parts[0].worker_id, provider=parts[0].provider)
    for part in parts:
        total.merge(part)
    return total


def provider_from(settings: Settings) -> SmsProvider:
    return build_provider(settings.provider_url)


def after_import(conn: Connection, result: ImportResult, now: datetime) -> int:
    """A payment, opt-out, dispute, complaint, bankruptcy or death cancels queued messages at once."""
    debtor_pks = sorted(result.affected_debtor_pks)
    if not debtor_pks:
        return 0
    return cancel_queued_for_debtors(conn, debtor_pks, now, "portfolio_update")
