"""``dunning events``: read the event log (imports, plans, approvals, opt-outs, holds, requeues, …)."""

from __future__ import annotations

from typing import Annotated

import typer

from dunning.cli.common import JsonOption, console, echo_json, engine, handle_errors
from dunning.cli.main import app


@app.command("events")
@handle_errors
def events_command(
    kind: Annotated[list[str] | None, typer.Option("--kind", help="类型，可多次 / Kind (repeatable)")] = None,
    debtor: Annotated[str | None, typer.Option("--debtor", help="债务人编号 / Debtor id")] = None,
    after: Annotated[int, typer.Option("--after", help="只看此序号之后 / Only after this id")] = 0,
    limit: Annotated[int, typer.Option("--limit", min=1, help="最多 / At most")] = 50,
    as_json: JsonOption = False,
) -> None:
    """事件日志（最新在后）/ The event log, in its total order (newest last)."""
    import json

    from rich.markup import escape
    from rich.table import Table

    from dunning.core.db import unit_of_work
    from dunning.flows import read_events

    with unit_of_work(engine()) as conn:
        rows = read_events(conn, kinds=kind or (), debtor_ref=debtor, after_id=after, limit=limit)
    if as_json:
        echo_json([r.as_dict() for r in rows])
        return
    table = Table(title=f"事件日志 / Event log — {len(rows)}")
    for column in ("#", "时间 / At", "类型 / Kind", "操作者 / Actor", "对象 / Subject", "详情 / Detail"):
        table.add_column(column, overflow="fold")
    for r in rows:
        detail = json.dumps(r.detail, ensure_ascii=False, separators=(",", ":"))
        table.add_row(
            str(r.id),
            r.at.isoformat(timespec="seconds"),
            r.kind,
            escape(r.actor),
            escape(r.subject or "—"),
            escape(detail if len(detail) <= 160 else detail[:157] + "…"),
        )
    console.print(table)
