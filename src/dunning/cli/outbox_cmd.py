"""``dunning outbox``: review the messages whose submission outcome is unknown.

A sender that died mid-batch leaves the messages it had in flight ``unknown``: they may have left.
They are never resent automatically (a duplicate collection SMS is worse than a missed one); most
are closed by their late receipt. What remains is listed here, and an operator who has checked with
the SMSC that some never arrived may queue them again, with a reason that is recorded.
"""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from dunning.cli.common import NowOption, console, echo_json, engine, handle_errors, now_from
from dunning.cli.main import app
from dunning.core.db import unit_of_work
from dunning.sending.outbox import list_unknown, requeue_unknown

outbox_app = typer.Typer(help="发件箱 / Outbox", no_args_is_help=True)
app.add_typer(outbox_app, name="outbox")


@outbox_app.command("unknown")
@handle_errors
def unknown_command(
    as_json: Annotated[bool, typer.Option("--json", help="输出 JSON / JSON output")] = False,
    limit: Annotated[int, typer.Option("--limit", min=1, help="最多列出 / At most")] = 1000,
) -> None:
    """列出状态未知的短信（不会自动重发）/ List messages whose outcome is unknown (never resent)."""
    with unit_of_work(engine()) as conn:
        rows = list_unknown(conn, limit=limit)
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
    by: Annotated[str, typer.Option("--by", help="操作人 / Operator")],
    reason: Annotated[str, typer.Option("--reason", help="原因（如：已与短信中心核实未收到）/ Why")],
    now: NowOption = None,
) -> None:
    """重新排队已核实未发出的未知短信 / Queue again unknown messages the SMSC confirms it never got."""
    with unit_of_work(engine()) as conn:
        moved = requeue_unknown(conn, message_ids, now_from(now), actor=by, note=reason)
    skipped = sorted(set(message_ids) - set(moved))
    console.print(f"已重新排队 / Requeued: {len(moved):,}")
    if skipped:
        console.print(f"[yellow]未处理（不是未知状态）/ Not unknown, left as they are: {skipped}[/]")
