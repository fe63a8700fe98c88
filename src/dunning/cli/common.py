"""What every CLI command shares: settings, the engine, the console, ``--now``, ``--by``, error exits,
and running an async flow with SIGTERM/Ctrl-C as a graceful stop.

Commands are edges: they open a unit of work, call a flow, and print. A DunningError becomes a
bilingual message and exit code 2 (input) or 1 (other), never a traceback. Heavy modules (the
database layer, Polars, the flows) are imported inside the commands that need them, so
``dunning --help`` and light commands start in a fraction of a second.
"""

from __future__ import annotations

import asyncio
import functools
import signal
import sys
import threading
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any, ParamSpec, TypeVar

import typer
from rich.console import Console

from dunning.core.errors import DunningError, InputError

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from dunning.core.crypto import PersonalDataCipher
    from dunning.core.settings import Settings

console = Console(highlight=False)
err_console = Console(stderr=True, highlight=False)

NowOption = Annotated[
    str | None,
    typer.Option("--now", help="As-of instant, ISO 8601 with offset / 基准时间（带时区偏移）"),
]
ByOption = Annotated[
    str | None,
    typer.Option(
        "--by",
        envvar="DUNNING_OPERATOR",
        help="操作员（须为有权限的在职操作员）/ The operator doing this (active, with a role allowed to)",
    ),
]
JsonOption = Annotated[bool, typer.Option("--json", help="输出 JSON / JSON output")]

P = ParamSpec("P")
R = TypeVar("R")
T = TypeVar("T")


def settings() -> Settings:
    from dunning.core.settings import get_settings

    return get_settings()


def engine() -> Engine:
    from dunning.core.db import make_engine

    return make_engine(settings().database_url)


def cipher(*, create: bool = False) -> PersonalDataCipher:
    from dunning.core.keyring import load_cipher

    return load_cipher(settings(), create=create)


def now_from(value: str | None) -> datetime:
    from dunning.core.clock import parse_now

    return parse_now(value)


def fail(error: DunningError, code: int | None = None) -> None:
    err_console.print(f"[bold red]错误 / Error:[/] {error.bilingual()}")
    raise typer.Exit(code if code is not None else (2 if isinstance(error, InputError) else 1))


def handle_errors(func: Callable[P, R]) -> Callable[P, R]:
    """Turn DunningError (and a broken database connection) into a clean exit."""

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return func(*args, **kwargs)
        except DunningError as exc:
            fail(exc)
        except KeyboardInterrupt:
            err_console.print("已中断 / Interrupted")
            raise typer.Exit(130) from None
        except Exception as exc:
            if type(exc).__name__ == "OperationalError" and type(exc).__module__.startswith("sqlalchemy"):
                first = str(getattr(exc, "orig", exc)).splitlines()[0]
                fail(DunningError(f"database unavailable: {first}", f"数据库不可用：{first}"))
            raise
        raise AssertionError("unreachable")

    return wrapper


def echo_json(payload: Any) -> None:
    import json

    sys.stdout.write(json.dumps(payload, ensure_ascii=False, default=str) + "\n")


def run_until_signal(main: Callable[[asyncio.Event], Awaitable[T]]) -> T:
    """Run ``main(stop)`` in a new event loop; SIGTERM and Ctrl-C set ``stop`` (a graceful stop:
    the flow finishes and records what it has in hand) instead of killing the process."""

    async def go() -> T:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        handled: list[signal.Signals] = []
        if threading.current_thread() is threading.main_thread():
            for sig in (signal.SIGTERM, signal.SIGINT):
                try:
                    loop.add_signal_handler(sig, stop.set)
                except (NotImplementedError, RuntimeError, ValueError):  # pragma: no cover - not POSIX
                    continue
                handled.append(sig)
        try:
            return await main(stop)
        finally:
            for sig in handled:
                loop.remove_signal_handler(sig)

    return asyncio.run(go())
