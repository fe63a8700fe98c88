"""``dunning serve`` (the API and the dashboard over HTTP) and ``dunning api-keys`` (operators' keys)."""

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
    err_console,
    handle_errors,
    now_from,
    settings,
)
from dunning.cli.main import app

api_keys_app = typer.Typer(help="API 密钥（操作员的）/ Operators' API keys.", no_args_is_help=True)
app.add_typer(api_keys_app, name="api-keys")


@app.command("serve")
@handle_errors
def serve_command(
    host: Annotated[
        str | None, typer.Option("--host", help="绑定地址（默认 127.0.0.1）/ Bind address (default loopback)")
    ] = None,
    port: Annotated[int | None, typer.Option("--port", min=1, max=65535, help="端口 / Port (8000)")] = None,
    proxy: Annotated[
        str | None,
        typer.Option(
            "--behind-proxy",
            help="信任该代理的 X-Forwarded-* 头 / Trust X-Forwarded-* from this proxy (e.g. 127.0.0.1)",
        ),
    ] = None,
) -> None:
    """启动 API 与看板 / Serve the REST API (/v1, /docs) and the dashboard (/)."""
    import uvicorn

    from dunning.api.app import create_app
    from dunning.core.db import schema_revision

    s = settings()
    db = engine()
    if schema_revision(db) is None:
        from dunning.core.errors import ConfigError

        raise ConfigError(
            f"no dunning database at {s.database_url} (run `dunning init` or `dunning demo` first)",
            f"{s.database_url} 不是 dunning 数据库（请先运行 `dunning init` 或 `dunning demo`）",
        )
    bind = host or s.http_host
    chosen = port or s.http_port
    err_console.print(
        f"dunning serve: http://{bind}:{chosen}/ — API /v1, 文档 / docs /docs — Ctrl-C 停止 / to stop"
    )
    uvicorn.run(
        create_app(s, engine=db),
        host=bind,
        port=chosen,
        log_level="info",
        proxy_headers=proxy is not None,
        forwarded_allow_ips=proxy or "",
        server_header=False,
    )


@api_keys_app.command("create")
@handle_errors
def create_command(
    operator: Annotated[str, typer.Argument(help="操作员 / Operator the key acts as")],
    label: Annotated[str, typer.Option("--label", help="用途 / What it is for")] = "api",
    by: ByOption = None,
    now: NowOption = None,
) -> None:
    """为操作员创建 API 密钥（只显示一次；须管理员）/ Create a key for an operator (shown once; admin)."""
    from dunning.core.db import unit_of_work
    from dunning.flows import new_api_key

    with unit_of_work(engine()) as conn:
        record, secret = new_api_key(conn, operator, label, by=by or settings().operator, now=now_from(now))
    err_console.print(
        f"已创建 / Created {record['prefix']} for {record['operator']} ({record['role']}). "
        "密钥只显示这一次，请妥善保存 / The key is shown this once: keep it safe."
    )
    console.print(secret, markup=False)


@api_keys_app.command("list")
@handle_errors
def list_command(
    include_revoked: Annotated[bool, typer.Option("--all", help="含已吊销 / Include revoked")] = False,
    as_json: JsonOption = False,
) -> None:
    """列出 API 密钥（不含密钥本身）/ List keys (never the secret)."""
    from rich.table import Table

    from dunning.access import list_api_keys
    from dunning.core.db import unit_of_work

    with unit_of_work(engine()) as conn:
        rows = [k.as_dict() for k in list_api_keys(conn, include_revoked=include_revoked)]
    if as_json:
        echo_json(rows)
        return
    table = Table(title=f"API 密钥 / API keys — {len(rows)}")
    for column in (
        "前缀 / Prefix",
        "操作员 / Operator",
        "角色 / Role",
        "用途 / Label",
        "最近使用 / Last used",
        "吊销 / Revoked",
    ):
        table.add_column(column)
    for r in rows:
        table.add_row(
            str(r["prefix"]), str(r["operator"]), str(r["role"]), str(r["label"]),
            str(r["last_used_at"] or "—"), str(r["revoked_at"] or "—"),
        )  # fmt: skip
    console.print(table)


@api_keys_app.command("revoke")
@handle_errors
def revoke_command(
    prefix: Annotated[str, typer.Argument(help="密钥前缀 / Key prefix")],
    by: ByOption = None,
    now: NowOption = None,
) -> None:
    """吊销密钥（立即失效；须管理员）/ Revoke a key (effective at once; admin)."""
    from dunning.core.db import unit_of_work
    from dunning.flows import revoke_api_key

    with unit_of_work(engine()) as conn:
        revoke_api_key(conn, prefix, by=by or settings().operator, now=now_from(now))
    console.print(f"已吊销 / Revoked {prefix}")
