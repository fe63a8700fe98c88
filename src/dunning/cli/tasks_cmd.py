"""``dunning tasks list|show|claim|note|close|export``: work for people (phone collection, compliance
review, disputes, hardship, payment checks)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Annotated

import typer

from dunning.cli.common import (
    ByOption,
    JsonOption,
    NowOption,
    console,
    echo_json,
    engine,
    handle_errors,
    now_from,
)
from dunning.cli.main import app

tasks_app = typer.Typer(help="任务队列：转人工处理 / Task queues: work for people.", no_args_is_help=True)
app.add_typer(tasks_app, name="tasks")

QUEUES = "phone_collection | compliance_review | disputes | hardship | payment_check"
OUTCOMES_HELP = (
    "PTP | RTP | NO_ANSWER | CALLBACK | WRONG_PARTY | PAID | PAYMENT_FOUND | PAYMENT_NOT_FOUND | RESOLVED"
    " | ESCALATED"
)
TaskArgument = Annotated[int, typer.Argument(help="任务编号 / Task id")]


@tasks_app.command("list")
@handle_errors
def list_command(
    queue: Annotated[str | None, typer.Option("--queue", help=QUEUES)] = None,
    status: Annotated[
        str, typer.Option("--status", help="active（未关闭）| open | claimed | closed | all")
    ] = "active",
    owner: Annotated[str | None, typer.Option("--owner", help="负责人 / Owner")] = None,
    debtor: Annotated[str | None, typer.Option("--debtor", help="债务人编号 / Debtor id")] = None,
    limit: Annotated[int, typer.Option("--limit", min=1, max=10_000)] = 100,
    as_json: JsonOption = False,
) -> None:
    """按紧急程度列出任务 / Tasks by urgency (priority, then due time)."""
    from rich.table import Table

    from dunning.flows import list_tasks

    with engine().connect() as conn:
        rows = list_tasks(
            conn,
            queue=queue,
            status=None if status == "all" else status,
            owner=owner,
            debtor_ref=debtor,
            limit=limit,
        )
    if as_json:
        echo_json(rows)
        return
    table = Table(title=f"任务 / Tasks ({len(rows)})")
    for column in ("#", "队列 / Queue", "原因 / Reason", "优先级 / P", "到期 / Due (UTC)", "债务人 / Debtor",
                   "状态 / Status", "负责人 / Owner", "结果 / Outcome"):  # fmt: skip
        table.add_column(column)
    for r in rows:
        cells = (r["id"], r["queue"], r["reason"], r["priority"], str(r["due_at"])[:16], r["debtor"])
        table.add_row(*(str(c) for c in cells), r["status"], r["owner"] or "", r["outcome"] or "")
    console.print(table)


@tasks_app.command("show")
@handle_errors
def show_command(task: TaskArgument, as_json: JsonOption = False) -> None:
    """任务详情与备注 / A task and its notes."""
    from dunning.cli.common import cipher
    from dunning.flows import show_task

    with engine().connect() as conn:
        shown = show_task(conn, task, cipher=cipher())
    if as_json:
        echo_json(shown)
        return
    keys = ("id", "queue", "reason", "rule_id", "priority", "status", "owner", "due_at", "debtor", "source")
    for key in (*keys, "outcome", "created_at", "closed_at", "closed_by"):
        console.print(f"{key}: {shown[key]}")
    for note in shown["notes"]:
        console.print(f"  [{note['at'][:16]}] {note['by']}: {note['text']}")


@tasks_app.command("claim")
@handle_errors
def claim_command(task: TaskArgument, by: ByOption = None, now: NowOption = None) -> None:
    """认领任务 / Claim a task."""
    from dunning.core.db import unit_of_work
    from dunning.flows import claim_task

    with unit_of_work(engine()) as conn:
        claimed = claim_task(conn, task, by=by, now=now_from(now))
    console.print(f"已认领 / Claimed: #{claimed.id} ({claimed.queue}) → {claimed.owner}")


@tasks_app.command("note")
@handle_errors
def note_command(
    task: TaskArgument,
    text: Annotated[str, typer.Argument(help="备注 / Note text (stored encrypted)")],
    by: ByOption = None,
    now: NowOption = None,
) -> None:
    """添加备注（加密保存）/ Add a note (stored encrypted)."""
    from dunning.cli.common import cipher
    from dunning.core.db import unit_of_work
    from dunning.flows import note_task

    with unit_of_work(engine()) as conn:
        note_id = note_task(conn, task, text, by=by, now=now_from(now), cipher=cipher())
    console.print(f"已记录备注 / Note added: #{note_id}")


@tasks_app.command("close")
@handle_errors
def close_command(
    task: TaskArgument,
    outcome: Annotated[str, typer.Option("--outcome", help=OUTCOMES_HELP)],
    note: Annotated[str | None, typer.Option("--note", help="备注 / Note")] = None,
    promise_amount: Annotated[
        str | None, typer.Option("--promise-amount", help="PTP：承诺金额（元/美元）/ promised amount")
    ] = None,
    promise_date: Annotated[
        str | None, typer.Option("--promise-date", help="PTP：承诺日期 YYYY-MM-DD / promised date")
    ] = None,
    by: ByOption = None,
    now: NowOption = None,
) -> None:
    """关闭任务并记录结果 / Close a task with an outcome code."""
    from dunning.cli.common import cipher
    from dunning.cli.plan_cmd import daily_config
    from dunning.core.db import unit_of_work
    from dunning.core.errors import InputError
    from dunning.flows import close_task

    try:
        amount = Decimal(promise_amount) if promise_amount else None
        day = date.fromisoformat(promise_date) if promise_date else None
    except (InvalidOperation, ValueError):
        raise InputError(
            "--promise-amount must be a number and --promise-date YYYY-MM-DD",
            "--promise-amount 须为数字，--promise-date 须为 YYYY-MM-DD",
        ) from None
    if amount is not None and amount <= 0:
        raise InputError("--promise-amount must be positive", "--promise-amount 须大于 0")
    with unit_of_work(engine()) as conn:
        closed = close_task(
            conn,
            task,
            outcome,
            by=by,
            now=now_from(now),
            config=daily_config(),
            cipher=cipher(),
            note=note,
            promise_amount=amount,
            promise_date=day,
        )
    console.print(f"已关闭 / Closed: #{closed.id} ({closed.queue}) — {closed.outcome}")


@tasks_app.command("export")
@handle_errors
def export_command(
    queue: Annotated[str, typer.Option("--queue", help=QUEUES)] = "phone_collection",
    out: Annotated[Path, typer.Option("--out", help="CSV 文件 / CSV file")] = Path("dialler.csv"),
    by: ByOption = None,
    now: NowOption = None,
) -> None:
    """导出外呼名单（唯一含完整号码的出口，记录事件）/ Dialler export (the only place numbers leave
    in full; recorded as an event)."""
    from dunning.cli.common import cipher
    from dunning.cli.plan_cmd import daily_config
    from dunning.core.db import unit_of_work
    from dunning.flows import export_dialler

    with unit_of_work(engine()) as conn:
        rows = export_dialler(
            conn, out, queue=queue, by=by, now=now_from(now), cipher=cipher(), config=daily_config()
        )
    console.print(f"已导出 / Exported: {rows:,} 行 / rows → {out}")
