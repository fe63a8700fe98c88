"""``dunning smsc``: the built-in SMSC simulator, a real SMPP 3.4 server on 127.0.0.1."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from dunning.cli.common import console, handle_errors
from dunning.cli.main import app
from dunning.core.errors import InputError


@app.command("smsc")
@handle_errors
def smsc_command(
    port: Annotated[int, typer.Option("--port", help="端口（0 为随机）/ Port (0 = any free port)")] = 2775,
    scenario: Annotated[
        str,
        typer.Option(
            "--scenario",
            help="行为场景 / Behaviour: normal, throttle, hex_ids, bind_refusal, stall_responses, "
            "drop_connection_after_n, generic_nack, receipts_before_responses",
        ),
    ] = "normal",
    tps: Annotated[
        float | None,
        typer.Option("--tps", help="限速（每绑定或每账号）/ Max submits per second (per bind or account)"),
    ] = None,
    tps_burst: Annotated[
        int, typer.Option("--tps-burst", help="限速令牌桶深度 / Token bucket depth of --tps")
    ] = 5,
    tps_scope: Annotated[
        str,
        typer.Option("--tps-scope", help="限速范围 / Whose rate --tps is: bind | account (shared by binds)"),
    ] = "bind",
    receipt_delay: Annotated[
        float | None,
        typer.Option("--receipt-delay", help="回执延迟秒数 / Seconds from submit_sm_resp to its receipt"),
    ] = None,
    receipts: Annotated[
        str,
        typer.Option(
            "--receipts", help="回执 / Receipts: requested (per registered_delivery) | always | never"
        ),
    ] = "requested",
    seed: Annotated[int, typer.Option("--seed", help="回执结果随机种子 / Seed of receipt outcomes")] = 1,
    journal: Annotated[
        Path | None,
        typer.Option("--journal", help="记录收到的短信（JSON 行）/ Log accepted submits (JSON lines)"),
    ] = None,
    stats: Annotated[
        Path | None,
        typer.Option(
            "--stats",
            help="统计文件（退出及 SIGUSR1 时写入 JSON）/ Stats file, written as JSON on exit and on SIGUSR1",
        ),
    ] = None,
) -> None:
    """SMSC 模拟器（SMPP 3.4，仅本机）/ SMSC simulator (SMPP 3.4, loopback only)."""
    from dunning.sending.smsc import ScenarioName, make_scenario, serve

    names = {s.value for s in ScenarioName}
    if scenario not in names:
        raise InputError(
            f"unknown scenario {scenario!r}; choose one of {', '.join(sorted(names))}",
            f"未知场景 {scenario!r}；可选：{'、'.join(sorted(names))}",
        )
    if tps_scope not in ("bind", "account"):
        raise InputError("--tps-scope must be bind or account", "--tps-scope 须为 bind 或 account")
    if receipts not in ("requested", "always", "never"):
        raise InputError(
            "--receipts must be requested, always or never", "--receipts 须为 requested、always 或 never"
        )
    options: dict[str, object] = {
        "seed": seed,
        "tps": tps,
        "tps_burst": tps_burst,
        "tps_scope": tps_scope,
        "receipt_delay": receipt_delay,
        "receipts": receipts,
    }

    def ready(sim: object) -> None:
        console.print(
            f"SMSC 模拟器已启动 / SMSC simulator listening on 127.0.0.1:{getattr(sim, 'port', port)} "
            f"({scenario}); Ctrl-C 停止 / to stop"
        )

    try:
        make_scenario(scenario, **options)
    except ValueError as exc:
        raise InputError(str(exc), f"模拟器参数无效：{exc}") from None
    serve("127.0.0.1", port, scenario, on_ready=ready, journal=journal, stats=stats, **options)
