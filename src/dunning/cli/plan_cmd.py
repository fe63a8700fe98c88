"""``dunning plan`` and ``dunning run``: today's slot for every debtor, and the whole daily loop."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Annotated, Any

import typer
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from dunning.cli.common import (
    NowOption,
    cipher,
    console,
    echo_json,
    engine,
    handle_errors,
    now_from,
    settings,
)
from dunning.cli.main import app
from dunning.core.db import unit_of_work
from dunning.core.settings import PROFILE_TIME_ZONE
from dunning.flows import DailyConfig, load_config, plan_day, provider_from, send_day
from dunning.sending.service import SendSummary
from dunning.strategy.planner import PlanResult

DryRunOption = Annotated[bool, typer.Option("--dry-run", help="只计算不写入 / Compute without writing")]
JsonOption = Annotated[bool, typer.Option("--json", help="输出 JSON / JSON output")]

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
    table = Table(title=title)
    table.add_column("指标 / Metric")
    table.add_column("数值 / Value", justify="right")
    for key, (zh, en) in labels.items():
        table.add_row(f"{zh} / {en}", f"{data[key]:,}")
    return table


def render_plan(result: PlanResult) -> None:
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


def _notices(config: DailyConfig) -> None:
    for notice in config.notices:
        console.print(f"[yellow]{notice}[/]")


@app.command("plan")
@handle_errors
def plan_command(now: NowOption = None, dry_run: DryRunOption = False, as_json: JsonOption = False) -> None:
    """排期：每位债务人今日至多一条，经合规闸门后入队 / Plan today's messages through the gate."""
    instant = now_from(now)
    config = load_config(settings())
    if not as_json:
        _notices(config)
    with (
        Progress(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            TimeElapsedColumn(),
            console=console,
            transient=True,
            disable=as_json,
        ) as progress,
    ):
        progress.add_task("排期中 / Planning…", total=None)
        with unit_of_work(engine()) as conn:
            result = plan_day(conn, config, instant, dry_run=dry_run)
    if as_json:
        echo_json(result.as_dict())
    else:
        render_plan(result)


def send_with_progress(config: DailyConfig, instant_now: datetime, *, quiet: bool = False) -> SendSummary:
    s = settings()
    provider = provider_from(s)
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

        return send_day(
            engine(),
            config,
            provider,
            cipher(),
            instant_now,
            batch_size=s.sender_batch,
            on_progress=tick,
            await_receipts=s.receipt_wait,
        )


SEND_LABELS = {
    "claimed": ("领取", "Claimed"),
    "blocked": ("提交前拦截", "Blocked at submit"),
    "submitted": ("已提交", "Submitted"),
    "retried": ("待重试", "To retry"),
    "failed": ("失败", "Failed"),
    "expired": ("窗口已过未发", "Expired (window closed)"),
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


def render_send(summary: SendSummary) -> None:
    table = metric_table(f"发送 / Send — {summary.provider}", SEND_LABELS, summary.as_dict())
    receipts = summary.receipts.as_dict()
    # Parked and then matched within the run (a receipt that overtook its response) is routine;
    # what matters is how many still wait for their message at the end.
    receipts["unmatched"] = max(0, receipts["unmatched"] - receipts["resolved_parked"])
    for key, (zh, en) in RECEIPT_LABELS.items():
        if key == "matched" or receipts[key]:
            table.add_row(f"{zh} / {en}", f"{receipts[key]:,}")
    replies = summary.replies.as_dict()
    for key, (zh, en) in REPLY_LABELS.items():
        if replies[key]:
            table.add_row(f"{zh} / {en}", f"{replies[key]:,}")
    if summary.stopped:
        table.add_row("已按信号停止 / Stopped on signal", "✓")
    console.print(table)


@app.command("run")
@handle_errors
def run_command(now: NowOption = None, as_json: JsonOption = False) -> None:
    """一日全流程：排期 + 发送 + 回执 + 报表 / The day: plan + send + receipts + report."""
    from dunning.analytics.report import daily_report
    from dunning.cli.report_cmd import render as render_report

    instant = now_from(now)
    s = settings()
    config = load_config(s)
    if not as_json:
        _notices(config)
    with unit_of_work(engine()) as conn:
        planned = plan_day(conn, config, instant)
    if not as_json:
        render_plan(planned)
    sent = send_with_progress(config, instant, quiet=as_json)
    if not as_json:
        render_send(sent)
    with unit_of_work(engine()) as conn:
        report = daily_report(conn, instant, PROFILE_TIME_ZONE.get(s.profile, "UTC"))
    if as_json:
        echo_json({"plan": planned.as_dict(), "send": sent.as_dict(), "report": report})
    else:
        render_report(report)
