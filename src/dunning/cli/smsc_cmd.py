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
        int | None, typer.Option("--tps", help="每绑定限速 / Max submits per second per bind")
    ] = None,
    seed: Annotated[int, typer.Option("--seed", help="回执结果随机种子 / Seed of receipt outcomes")] = 1,
    journal: Annotated[
        Path | None,
        typer.Option("--journal", help="记录收到的短信（JSON 行）/ Log accepted submits (JSON lines)"),
    ] = None,
) -> None:
    """SMSC 模拟器（SMPP 3.4，仅本机）/ SMSC simulator (SMPP 3.4, loopback only)."""
    from dunning.sending.smsc import ScenarioName, serve

    names = {s.value for s in ScenarioName}
    if scenario not in names:
        raise InputError(
            f"unknown scenario {scenario!r}; choose one of {', '.join(sorted(names))}",
            f"未知场景 {scenario!r}；可选：{'、'.join(sorted(names))}",
        )
    options: dict[str, object] = {"seed": seed}
    if tps is not None:
        options["tps"] = tps

    def ready(sim: object) -> None:
        console.print(
            f"SMSC 模拟器已启动 / SMSC simulator listening on 127.0.0.1:{getattr(sim, 'port', port)} "
            f"({scenario}); Ctrl-C 停止 / to stop"
        )

    serve("127.0.0.1", port, scenario, on_ready=ready, journal=journal, **options)
