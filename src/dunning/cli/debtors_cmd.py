"""``dunning debtors hold|release``: pause contact with a debtor, with a reason and an expiry."""

from __future__ import annotations

from typing import Annotated

import typer

from dunning.cli.common import ByOption, NowOption, console, engine, handle_errors, now_from
from dunning.cli.main import app

debtors_app = typer.Typer(help="债务人：暂停与恢复联系 / Debtors: hold and release.", no_args_is_help=True)
app.add_typer(debtors_app, name="debtors")

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
