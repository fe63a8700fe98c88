"""``dunning send``: submit what is due, re-checking every message right before submission."""

from __future__ import annotations

from typing import Annotated

import typer

from dunning.cli.common import NowOption, echo_json, handle_errors, now_from, settings
from dunning.cli.main import app
from dunning.cli.plan_cmd import render_send, send_with_progress
from dunning.flows import load_config

JsonOption = Annotated[bool, typer.Option("--json", help="输出 JSON / JSON output")]


@app.command("send")
@handle_errors
def send_command(now: NowOption = None, as_json: JsonOption = False) -> None:
    """发送到期短信（提交前再次合规检查）/ Send due messages (re-checked before submission)."""
    instant = now_from(now)
    config = load_config(settings())
    summary = send_with_progress(config, instant, quiet=as_json)
    if as_json:
        echo_json(summary.as_dict())
    else:
        render_send(summary)
