"""``dunning worker``: the sender and the maintenance jobs, continuously, until SIGTERM.

What a production install runs under systemd (``Restart=always``); on PostgreSQL several may run on
several machines against one database, on SQLite run one.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Annotated

import typer

from dunning.cli.common import cipher, console, engine, err_console, handle_errors, run_until_signal, settings
from dunning.cli.main import app

if TYPE_CHECKING:
    from dunning.flows import WorkerSummary


@app.command("worker")
@handle_errors
def worker_command(
    poll: Annotated[
        float, typer.Option("--poll", min=0.1, help="最长空闲秒数 / Seconds between checks when idle")
    ] = 5.0,
    quiet: Annotated[bool, typer.Option("--quiet", help="不打印每轮摘要 / No line per pass")] = False,
) -> None:
    """持续发送与维护，直到 SIGTERM / Send and maintain continuously until SIGTERM."""
    from dunning.cli.plan_cmd import checked_provider, daily_config
    from dunning.flows import run_worker

    config = daily_config()
    provider = checked_provider()
    s = settings()
    err_console.print(f"dunning worker: {provider.safe_url} — SIGTERM / Ctrl-C 停止 / to stop")
    last = {"claimed": 0}

    def report(summary: WorkerSummary) -> None:
        claimed = summary.send.send.claimed
        if not quiet and claimed != last["claimed"]:
            last["claimed"] = claimed
            console.print(
                f"pass {summary.passes}: claimed {claimed:,}, submitted {summary.send.send.submitted:,}, "
                f"receipts {summary.send.receipts.matched:,}, replies {summary.send.replies.stored:,}"
            )

    async def go(stop: asyncio.Event) -> WorkerSummary:
        return await run_worker(
            engine(),
            config,
            provider,
            cipher(),
            stop=stop,
            poll=poll,
            batch_size=s.sender_batch,
            on_pass=report,
        )

    summary = run_until_signal(go)
    console.print(
        f"已停止 / Stopped after {summary.passes} passes: submitted {summary.send.send.submitted:,}, "
        f"receipts {summary.send.receipts.matched:,}, replies {summary.send.replies.stored:,}"
    )
