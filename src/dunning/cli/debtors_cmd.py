"""``dunning debtors hold|release|show``: pause contact with a debtor (a reason, an expiry); the timeline."""

from __future__ import annotations

from typing import Annotated, Any

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

debtors_app = typer.Typer(help="债务人：暂停与恢复联系 / Debtors: hold and release.", no_args_is_help=True)
app.add_typer(debtors_app, name="debtors")
app.add_typer(debtors_app, name="debtor", hidden=True)  # `dunning debtor show ID` reads naturally too

REASONS = "ptp | hardship | review | dispute | complaint | other"


@debtors_app.command("hold")
@handle_errors
def hold_command(
    debtor: Annotated[str, typer.Argument(help="债务人编号 / Debtor id (the file's debtor_id)")],
    reason: Annotated[str, typer.Option("--reason", help=REASONS)],
    until: Annotated[
        str | None, typer.Option("--until", help="到期时间（ISO 8601，带时区）/ Until (ISO 8601 with offset)")
    ] = None,
    note: Annotated[str | None, typer.Option("--note", help="备注 / Note")] = None,
    by: ByOption = None,
    now: NowOption = None,
) -> None:
    """暂停联系（取消已排队短信，期间不再排期）/ Hold a debtor: queued messages cancelled, none planned."""
    from dunning.core.db import unit_of_work
    from dunning.core.errors import InputError
    from dunning.flows import hold_debtor

    at = now_from(now)
    end = now_from(until) if until else None
    if end is not None and end <= at:
        raise InputError("--until must be later than now", "--until 须晚于当前时间")
    if not reason.strip() or len(reason) > 32:
        raise InputError("--reason must be 1–32 characters", "--reason 须为 1–32 个字符")
    with unit_of_work(engine()) as conn:
        hold_id, cancelled = hold_debtor(conn, debtor, reason.strip(), by=by, now=at, until=end, note=note)
    console.print(
        f"已暂停 / Held: {debtor} ({reason}) #{hold_id}"
        + (f" 至 / until {end.isoformat()}" if end else "")
        + f"；取消排队短信 / queued messages cancelled: {cancelled}"
    )


@debtors_app.command("release")
@handle_errors
def release_command(
    debtor: Annotated[str, typer.Argument(help="债务人编号 / Debtor id")],
    by: ByOption = None,
    now: NowOption = None,
) -> None:
    """恢复联系 / Release a debtor's holds."""
    from dunning.core.db import unit_of_work
    from dunning.flows import release_debtor

    with unit_of_work(engine()) as conn:
        cleared = release_debtor(conn, debtor, by=by, now=now_from(now))
    if cleared:
        console.print(f"已恢复 / Released: {debtor} ({', '.join(h.reason for h in cleared)})")
    else:
        console.print(f"[yellow]{debtor} 没有生效的暂停 / has no hold in force[/]")


@debtors_app.command("show")
@handle_errors
def show_command(
    debtor: Annotated[str, typer.Argument(help="债务人编号 / Debtor id")],
    as_json: JsonOption = False,
) -> None:
    """债务人时间线（个人信息已掩码）/ The debtor's timeline: messages, replies, payments, promises,
    holds and tasks, personal data masked."""
    from rich.table import Table

    from dunning.flows import debtor_timeline

    with engine().connect() as conn:
        shown = debtor_timeline(conn, debtor)
    if as_json:
        echo_json(shown)
        return
    who = shown["debtor"]
    console.print(f"[bold]{who['id']}[/] {who['name']}  {who['time_zones']}  {who['region'] or ''}")
    for account in who["accounts"]:
        console.print(
            f"  账户 / account {account['id']}: {account['status']}  {account['currency']} outstanding "
            f"{account['outstanding_minor']:,} paid {account['paid_minor']:,} due {account['due_date']}"
        )
    for contact in shown["contacts"]:
        state = (
            "opted out" if contact["opted_out_at"] else ("wrong number" if contact["invalid_at"] else "ok")
        )
        console.print(f"  号码 / number {contact['phone']} ({contact['relation']}): {state}")
    table = Table(title="时间线 / Timeline")
    table.add_column("时间 / At (UTC)")
    table.add_column("类型 / What")
    table.add_column("详情 / Detail")
    for at, what, detail in _timeline_rows(shown):
        table.add_row(at, what, detail)
    console.print(table)


def _when(value: object) -> str:
    return str(value)[:19] if value is not None else ""


def _timeline_rows(shown: dict[str, Any]) -> list[tuple[str, str, str]]:
    rows: list[tuple[str, str, str]] = []
    for m in shown["messages"]:
        detail = f"{m['kind']} {m['template_id']} v{m['template_version']} → {m['status']}"
        rows.append((_when(m["created_at"]), f"短信 / SMS #{m['id']}", detail))
    for r in shown["replies"]:
        detail = f"{r['intent']} ({r['confidence']}) → {r['action'] or '-'}"
        rows.append((_when(r["received_at"]), f"回复 / reply #{r['id']}", detail))
    for p in shown["payments"]:
        detail = f"{p['currency']} {p['amount_minor']:,} ({p['account']})"
        rows.append((_when(p["paid_at"]), "还款 / payment", detail))
    for p in shown["promises"]:
        detail = f"{p['amount_minor']} by {p['promised_date'] or 'no date'} → {p['status']}"
        rows.append((_when(p["created_at"]), f"承诺 / promise #{p['id']}", detail))
    for h in shown["holds"]:
        detail = f"{h['reason']} until {_when(h['until']) or '-'}"
        if h["cleared_at"]:
            detail += f", cleared {_when(h['cleared_at'])}"
        rows.append((_when(h["starts_at"]), f"暂停 / hold #{h['id']}", detail))
    for t in shown["tasks"]:
        detail = f"{t['queue']} {t['reason']} P{t['priority']} → {t['status']} {t['outcome'] or ''}"
        rows.append((_when(t["created_at"]), f"任务 / task #{t['id']}", detail))
    return sorted(rows)
