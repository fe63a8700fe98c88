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


providers_app = typer.Typer(help="短信通道状态 / Provider status (pauses).", no_args_is_help=True)
app.add_typer(providers_app, name="providers")


@providers_app.command("status")
@handle_errors
def providers_status(as_json: JsonOption = False, now: NowOption = None) -> None:
    """暂停中的通道（余额、额度、权限）/ Providers paused for quota, balance or permission."""
    from dunning.core.db import unit_of_work
    from dunning.flows import provider_pauses

    with unit_of_work(engine()) as conn:
        rows = provider_pauses(conn, now_from(now))
    if as_json:
        echo_json(rows)
        return
    if not rows:
        console.print("没有暂停的通道 / No provider is paused")
    for r in rows:
        console.print(
            f"{r['provider']}: {r['error_code'] or ''} {r['reason']} — {r['paused_at']} → {r['until'] or '∞'}"
        )


@providers_app.command("resume")
@handle_errors
def providers_resume(
    provider: Annotated[str, typer.Argument(help="通道名 / Provider name")],
    by: ByOption = None,
    now: NowOption = None,
) -> None:
    """恢复通道（主管或管理员）/ Resume a paused provider (supervisor or admin)."""
    from dunning.core.db import unit_of_work
    from dunning.flows import resume_provider

    with unit_of_work(engine()) as conn:
        ended = resume_provider(conn, provider, by=by, now=now_from(now))
    console.print(f"已恢复 / Resumed {provider} ({ended})")


@providers_app.command("blocks")
@handle_errors
def template_blocks_command(as_json: JsonOption = False) -> None:
    """被通道拒绝的模板 / Templates a provider refused (blocked until released)."""
    from dunning.core.db import unit_of_work
    from dunning.flows import template_blocks

    with unit_of_work(engine()) as conn:
        rows = template_blocks(conn)
    if as_json:
        echo_json(rows)
        return
    if not rows:
        console.print("没有被封禁的模板 / No template is blocked")
    for r in rows:
        console.print(
            f"{r['template_id']}#{r['template_version'] or '*'}: {r['provider']} {r['reason']} "
            f"({r['blocked_at']})"
        )


@providers_app.command("release")
@handle_errors
def template_release(
    template_id: Annotated[str, typer.Argument(help="模板 id / Template id")],
    version: Annotated[int | None, typer.Option("--version", help="版本 / Version (default: all)")] = None,
    by: ByOption = None,
    now: NowOption = None,
) -> None:
    """解除模板封禁（合规或管理员）/ Release a template block (compliance or admin)."""
    from dunning.core.db import unit_of_work
    from dunning.flows import release_template

    with unit_of_work(engine()) as conn:
        released = release_template(conn, template_id, version, by=by, now=now_from(now))
    console.print(f"已解除 / Released {template_id}: {released}")
