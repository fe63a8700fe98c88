"""``dunning plan``, ``dunning send`` and ``dunning run``: today's slot for every debtor, sending what
is due, and the whole daily loop."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any

import typer

from dunning.cli.common import (
    JsonOption,
    NowOption,
    cipher,
    console,
    echo_json,
    engine,
    handle_errors,
    now_from,
    run_until_signal,
    settings,
)
from dunning.cli.main import app

if TYPE_CHECKING:
    from rich.table import Table

    from dunning.flows import DailyConfig, SendDayResult
    from dunning.sending.providers.base import SmsProvider
    from dunning.strategy.planner import PlanResult

DryRunOption = Annotated[bool, typer.Option("--dry-run", help="只计算不写入 / Compute without writing")]

PLAN_LABELS = {
    "debtors_in_scope": ("在催债务人", "Debtors in scope"),
    "due_today": ("今日有步骤", "With a step due today"),
    "already_planned": ("今日已排期（跳过）", "Already planned today (skipped)"),
    "window_closed": ("今日发送窗口已过", "Send window closed for today"),
    "queued": ("放行入队", "Queued (allowed)"),
    "blocked": ("合规拦截", "Blocked by compliance"),
    "segments": ("计费条数", "Segments queued"),
}


def metric_table(title: str, labels: dict[str, tuple[str, str]], data: Mapping[str, Any]) -> Table:
    """A two-column table of bilingual metric names and their values."""
    from rich.table import Table

    table = Table(title=title)
    table.add_column("指标 / Metric")
    table.add_column("数值 / Value", justify="right")
    for key, (zh, en) in labels.items():
        table.add_row(f"{zh} / {en}", f"{data[key]:,}")
    return table


def render_plan(result: PlanResult) -> None:
    from rich.table import Table

    title = "排期 / Plan" + ("（试算 / dry run）" if result.dry_run else "")
    table = metric_table(f"{title} — {result.now.isoformat()}", PLAN_LABELS, result.as_dict())
    table.add_row("耗时 / Seconds", f"{result.seconds:.2f}")
    console.print(table)
    if result.blocked_by_rule:
        rules = Table(title="按规则拦截 / Blocked by rule")
        rules.add_column("规则 / Rule")
        rules.add_column("条数 / Messages", justify="right")
        for rule, n in sorted(result.blocked_by_rule.items(), key=lambda kv: -kv[1]):
            rules.add_row(rule, f"{n:,}")
        console.print(rules)


def notices(config: DailyConfig) -> None:
    for notice in config.notices:
        console.print(f"[yellow]{notice}[/]")


def daily_config() -> DailyConfig:
    from dunning.flows import load_config

    return load_config(settings())


@app.command("plan")
@handle_errors
def plan_command(now: NowOption = None, dry_run: DryRunOption = False, as_json: JsonOption = False) -> None:
    """排期：每位债务人今日至多一条，经合规闸门后入队 / Plan today's messages through the gate."""
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    from dunning.core.db import unit_of_work
    from dunning.flows import plan_day

    instant = now_from(now)
    config = daily_config()
    if not as_json:
        notices(config)
    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        TimeElapsedColumn(),
        console=console,
        transient=True,
        disable=as_json,
    ) as progress:
        progress.add_task("排期中 / Planning…", total=None)
        with unit_of_work(engine()) as conn:
            result = plan_day(conn, config, instant, dry_run=dry_run)
    if as_json:
        echo_json(result.as_dict())
    else:
        render_plan(result)


def checked_provider() -> SmsProvider:
    """The configured provider, refused when it is the simulator on a production database."""
    from dunning.flows import check_provider, provider_from

    provider = provider_from(settings())
    check_provider(provider, engine(), settings())
    return provider


async def send_with_progress(
    config: DailyConfig,
    provider: SmsProvider,
    instant: datetime,
    *,
    quiet: bool = False,
    stop: asyncio.Event | None = None,
) -> SendDayResult:
    """One sender pass over an open provider, with a progress bar."""
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from dunning.flows import send_day
    from dunning.sending.worker import SendSummary

    s = settings()
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed:,} 条 / msgs"),
        TimeElapsedColumn(),
        console=console,
        transient=True,
        disable=quiet,
    ) as progress:
        task = progress.add_task("发送中 / Sending", total=None)

        def tick(summary: SendSummary) -> None:
            progress.update(task, completed=summary.claimed)

        return await send_day(
            engine(),
            config,
            provider,
            cipher(),
            instant,
            batch_size=s.sender_batch,
            on_progress=tick,
            await_receipts=s.receipt_wait,
            settle=s.inbound_settle,
            stop=stop,
        )


SEND_LABELS = {
    "claimed": ("领取", "Claimed"),
    "blocked": ("提交前拦截", "Blocked at submit"),
    "submitted": ("已提交", "Submitted"),
    "retried": ("待重试", "To retry"),
    "refused": ("被拒或无号码", "Refused (provider, or no number)"),
    "lapsed": ("窗口已过未发", "Lapsed (window closed)"),
    "unknown": ("状态未知（不重发）", "Unknown (never resent)"),
}
RECEIPT_LABELS = {
    "matched": ("回执匹配", "Receipts matched"),
    "reconciled": ("其中对账补回（未知→终态）", "of which reconciled (unknown → final)"),
    "unmatched": ("仍暂存待匹配的回执", "Receipts still parked for a later match"),
}
REPLY_LABELS = {
    "stored": ("收到回复", "Replies stored"),
    "opt_outs": ("退订回复", "Opt-out replies"),
    "cancelled": ("因退订取消", "Cancelled by opt-out"),
}


def render_send(result: SendDayResult) -> None:
    summary = result.send
    table = metric_table(f"发送 / Send — {summary.provider}", SEND_LABELS, summary.as_dict())
    receipts = result.receipts.as_dict()
    # Parked and then matched within the run (a receipt that overtook its response) is routine;
    # what matters is how many still wait for their message at the end.
    receipts["unmatched"] = max(0, receipts["unmatched"] - receipts["resolved_parked"])
    for key, (zh, en) in RECEIPT_LABELS.items():
        if key == "matched" or receipts[key]:
            table.add_row(f"{zh} / {en}", f"{receipts[key]:,}")
    replies = result.replies.as_dict()
    for key, (zh, en) in REPLY_LABELS.items():
        if replies[key]:
            table.add_row(f"{zh} / {en}", f"{replies[key]:,}")
    if summary.stopped:
        table.add_row("已按信号停止 / Stopped on signal", "✓")
    console.print(table)


@app.command("send")
@handle_errors
def send_command(now: NowOption = None, as_json: JsonOption = False) -> None:
    """发送到期短信（提交前再次合规检查）/ Send due messages (re-checked before submission).

    SIGTERM or Ctrl-C stops it gracefully: nothing more is claimed, the batch in hand is finished
    and recorded, the window drains and the provider unbinds.
    """
    instant = now_from(now)
    config = daily_config()
    provider = checked_provider()

    async def go(stop: asyncio.Event) -> SendDayResult:
        async with provider:
            return await send_with_progress(config, provider, instant, quiet=as_json, stop=stop)

    result = run_until_signal(go)
    if as_json:
        echo_json(result.as_dict())
    else:
        render_send(result)


@app.command("run")
@handle_errors
def run_command(now: NowOption = None, as_json: JsonOption = False) -> None:
    """一日全流程：排期 + 发送 + 回执 + 报表 / The day: plan + send + receipts + report."""
    from dunning.cli.report_cmd import render as render_report
    from dunning.flows import run_day

    instant = now_from(now)
    config = daily_config()
    if not as_json:
        notices(config)
    provider = checked_provider()
    built = [provider]

    def next_provider() -> SmsProvider:
        return built.pop() if built else checked_provider()

    async def go(stop: asyncio.Event) -> Any:
        async def one_pass(p: SmsProvider, at: datetime) -> SendDayResult:
            return await send_with_progress(config, p, at, quiet=as_json, stop=stop)

        return await run_day(
            engine(),
            config,
            cipher(),
            instant,
            provider=next_provider,
            send=one_pass,
            on_plan=None if as_json else render_plan,
        )

    day = run_until_signal(go)
    if as_json:
        echo_json(day.as_dict())
        return
    render_send(day.send)
    render_report(day.report)
