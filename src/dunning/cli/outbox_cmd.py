"""``dunning outbox``: when queued messages are due, and the messages whose outcome is unknown.

A sender that died mid-batch leaves the messages it had in flight ``unknown``: they may have left.
They are never resent automatically (a duplicate collection SMS is worse than a missed one); most
are closed by their late receipt. What remains is listed here, and an operator (supervisor or admin)
who has checked with the SMSC that some never arrived may queue them again, with a reason that is
recorded.
"""

from __future__ import annotations

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

outbox_app = typer.Typer(help="发件箱 / Outbox", no_args_is_help=True)
app.add_typer(outbox_app, name="outbox")


@outbox_app.command("due")
@handle_errors
def due_command(now: NowOption = None, as_json: JsonOption = False) -> None:
    """何时有短信到期 / When the queued messages are due (now, and the next instants)."""
    from rich.table import Table

    from dunning.core.db import unit_of_work
    from dunning.flows import due

    with unit_of_work(engine()) as conn:
        summary = due(conn, now_from(now))
    if as_json:
        echo_json(summary.as_dict())
        return
    console.print(f"现在到期 / Due now: {summary.due_now:,}")
    if summary.window_closed:
        console.print(
            f"[yellow]窗口已关闭仍在队列 / Still queued, window closed: {summary.window_closed:,}"
            "（下次发送时将标记为未发 / the next send marks them lapsed）[/]"
        )
    nxt = summary.next_due
    console.print(f"下一次到期 / Next due: {nxt.isoformat() if nxt else '—'}")
    if summary.upcoming:
        table = Table(title="即将到期 / Upcoming")
        table.add_column("时间 / At (UTC)")
        table.add_column("条数 / Messages", justify="right")
        for at, n in summary.upcoming:
            table.add_row(at.isoformat(timespec="seconds"), f"{n:,}")
        console.print(table)


@outbox_app.command("unknown")
@handle_errors
def unknown_command(
    as_json: JsonOption = False,
    limit: Annotated[int, typer.Option("--limit", min=1, help="最多列出 / At most")] = 1000,
) -> None:
    """列出状态未知的短信（不会自动重发）/ List messages whose outcome is unknown (never resent)."""
    from rich.table import Table

    from dunning.core.db import unit_of_work
    from dunning.flows import unknown_messages

    with unit_of_work(engine()) as conn:
        rows = unknown_messages(conn, limit=limit)
    if as_json:
        echo_json(
            [
                {
                    "message_id": r.message_id,
                    "debtor": r.debtor_ref,
                    "to": r.to_masked,
                    "since": r.since.isoformat(),
                    "window_end": r.window_end.isoformat(),
                    "provider": r.provider,
                }
                for r in rows
            ]
        )
        return
    table = Table(title=f"状态未知 / Unknown outcome — {len(rows):,}")
    for column in (
        "ID",
        "债务人 / Debtor",
        "号码 / To",
        "自 / Since",
        "窗口结束 / Window end",
        "通道 / Provider",
    ):
        table.add_column(column)
    for r in rows:
        table.add_row(
            str(r.message_id),
            r.debtor_ref,
            r.to_masked or "—",
            r.since.isoformat(timespec="seconds"),
            r.window_end.isoformat(timespec="seconds"),
            r.provider or "—",
        )
    console.print(table)


@outbox_app.command("requeue")
@handle_errors
def requeue_command(
    message_ids: Annotated[list[int], typer.Argument(help="短信 ID / Message ids")],
    reason: Annotated[str, typer.Option("--reason", help="原因（如：已与短信中心核实未收到）/ Why")],
    by: ByOption = None,
    now: NowOption = None,
) -> None:
    """重新排队已核实未发出的未知短信 / Queue again unknown messages the SMSC confirms it never got."""
    from dunning.core.db import unit_of_work
    from dunning.flows import requeue_unknown

    with unit_of_work(engine()) as conn:
        moved = requeue_unknown(conn, message_ids, now_from(now), by=by, reason=reason)
    skipped = sorted(set(message_ids) - set(moved))
    console.print(f"已重新排队 / Requeued: {len(moved):,}")
    if skipped:
        console.print(f"[yellow]未处理（不是未知状态）/ Not unknown, left as they are: {skipped}[/]")
