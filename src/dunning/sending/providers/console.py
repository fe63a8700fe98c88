"""``console://``: print each accepted message (number masked) with Rich; deliver it by receipt.

``console://?stderr=1`` prints to standard error (keeps standard output clean for ``--json``).
Outcome options: see :mod:`dunning.sending.providers.sink`.
"""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.markup import escape

from dunning.sending.providers.base import OutgoingSms
from dunning.sending.providers.sink import SinkProvider


class ConsoleProvider(SinkProvider):
    name = "console"

    def __init__(self, url: str = "console://", console: Console | None = None) -> None:
        super().__init__(url)
        self.console = console or Console(stderr=self.options.flag("stderr"), highlight=False)

    async def _emit(self, lines: list[dict[str, Any]], accepted: list[tuple[OutgoingSms, str]]) -> None:
        for line in lines:
            self.console.print(
                f"[dim]{escape(line['at'])}[/] 短信/SMS #{line['message_id']} → {escape(line['to'])} "
                f"[dim]({escape(line['encoding'])}, {line['segments']} 段/seg, "
                f"id {escape(line['provider_message_id'])})[/] {escape(line['body'])}",
                soft_wrap=True,
            )
