"""``file://path.jsonl``: append one JSON line per accepted message; deliver it by receipt.

``file://outbox.jsonl`` is relative to the working directory, ``file:///var/spool/out.jsonl``
absolute. Numbers are masked (138****8000) unless the URL says ``?clear_numbers=1`` — a file of clear
numbers is personal data at rest, so only turn it on for a hand-off that needs it. Outcome options:
see :mod:`dunning.sending.providers.sink`.
"""

from __future__ import annotations

import asyncio
import json
import os
from pathlib import Path
from typing import Any

from dunning.core.errors import ConfigError
from dunning.sending.providers.base import OutgoingSms
from dunning.sending.providers.sink import SinkProvider


class FileProvider(SinkProvider):
    name = "file"

    def __init__(self, url: str) -> None:
        super().__init__(url)
        if not self.options.path:
            raise ConfigError(
                f"file provider needs a path, e.g. file://outbox.jsonl: {self.safe_url}",
                f"文件通道需要路径，例如 file://outbox.jsonl：{self.safe_url}",
            )
        self.path = Path(self.options.path)
        self.clear_numbers = self.options.flag("clear_numbers")

    async def open(self) -> None:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ConfigError(
                f"cannot create the directory of {self.path}: {exc.strerror}",
                f"无法创建 {self.path} 所在目录：{exc.strerror}",
            ) from exc

    async def _emit(self, lines: list[dict[str, Any]], accepted: list[tuple[OutgoingSms, str]]) -> None:
        if self.clear_numbers:
            for line, (sms, _pid) in zip(lines, accepted, strict=True):
                line["to"] = sms.to
        text = "".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines)
        await asyncio.to_thread(self._append, text)

    def _append(self, text: str) -> None:
        # Accepted means durable in the sink: flush and fsync before the outcomes are recorded.
        with self.path.open("a", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
