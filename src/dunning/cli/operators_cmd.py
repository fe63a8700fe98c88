"""``dunning operators``: the people every act is recorded against (add, list, disable, enable)."""

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

operators_app = typer.Typer(help="操作员与角色 / Operators and roles.", no_args_is_help=True)
app.add_typer(operators_app, name="operators")

ROLE_HELP = "operator | supervisor | compliance | auditor | admin"


@operators_app.command("add")
@handle_errors
def add_command(
    name: Annotated[str, typer.Argument(help="登录名（--by 所用）/ Name used with --by")],
    role: Annotated[str, typer.Option("--role", help=ROLE_HELP)],
    display_name: Annotated[str | None, typer.Option("--display-name", help="显示名 / Display name")] = None,
    by: ByOption = None,
    now: NowOption = None,
) -> None:
    """新增操作员（须管理员）/ Add an operator (an admin does this)."""
    from dunning.core.db import unit_of_work
    from dunning.flows import add_operator

    with unit_of_work(engine()) as conn:
        created = add_operator(conn, name, role, by=by, now=now_from(now), display_name=display_name)
    console.print(f"已新增操作员 / Operator added: {created.username} ({created.role})")


@operators_app.command("list")
@handle_errors
def list_command(as_json: JsonOption = False) -> None:
    """列出操作员 / List operators."""
    from rich.table import Table

    from dunning.access import list_operators
    from dunning.core.db import unit_of_work

    with unit_of_work(engine()) as conn:
        rows = list_operators(conn)
    if as_json:
        echo_json([r.as_dict() for r in rows])
        return
    table = Table(title=f"操作员 / Operators — {len(rows)}")
    for column in ("名称 / Name", "显示名 / Display name", "角色 / Role", "状态 / State", "创建 / Created"):
        table.add_column(column)
    for r in rows:
        state = "在职 / active" if r.active else "[dim]停用 / disabled[/]"
        table.add_row(
            r.username, r.display_name, str(r.role), state, r.created_at.isoformat(timespec="seconds")
        )
    console.print(table)


def _set_active(name: str, active: bool, by: str | None, now: str | None) -> None:
    from dunning.core.db import unit_of_work
    from dunning.flows import set_operator_active

    with unit_of_work(engine()) as conn:
        changed = set_operator_active(conn, name, active, by=by, now=now_from(now))
    state = "已启用 / enabled" if changed.active else "已停用 / disabled"
    console.print(f"{state}: {changed.username} ({changed.role})")


@operators_app.command("disable")
@handle_errors
def disable_command(
    name: Annotated[str, typer.Argument(help="登录名 / Name")], by: ByOption = None, now: NowOption = None
) -> None:
    """停用操作员（其后以其名义的操作被拒绝）/ Disable an operator (their --by is refused from now on)."""
    _set_active(name, False, by, now)


@operators_app.command("enable")
@handle_errors
def enable_command(
    name: Annotated[str, typer.Argument(help="登录名 / Name")], by: ByOption = None, now: NowOption = None
) -> None:
    """重新启用操作员 / Enable an operator again."""
    _set_active(name, True, by, now)
