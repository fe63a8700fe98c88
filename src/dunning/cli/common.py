"""What every CLI command shares: settings, the engine, the console, ``--now``, and error exits.

Commands are edges: they open a unit of work, call services, commit, and print. A DunningError
becomes a bilingual message and exit code 2 (input) or 1 (other), never a traceback.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any, ParamSpec, TypeVar

import typer
from rich.console import Console
from sqlalchemy.engine import Engine

from dunning.core.clock import parse_now
from dunning.core.crypto import PersonalDataCipher
from dunning.core.db import make_engine
from dunning.core.errors import DunningError, InputError
from dunning.core.keyring import load_cipher
from dunning.core.settings import Settings, get_settings

console = Console(highlight=False)
err_console = Console(stderr=True, highlight=False)

NowOption = Annotated[
    str | None,
    typer.Option("--now", help="As-of instant, ISO 8601 with offset / 基准时间（带时区偏移）"),
]

P = ParamSpec("P")
R = TypeVar("R")


def settings() -> Settings:
    return get_settings()


def engine() -> Engine:
    return make_engine(settings().database_url)


def cipher(*, create: bool = False) -> PersonalDataCipher:
    return load_cipher(settings(), create=create)


def now_from(value: str | None) -> datetime:
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
            from sqlalchemy.exc import OperationalError

            if isinstance(exc, OperationalError):
                fail(
                    DunningError(
                        f"database unavailable: {str(exc.orig).splitlines()[0]}",
                        f"数据库不可用：{str(exc.orig).splitlines()[0]}",
                    )
                )
            raise
        raise AssertionError("unreachable")

    return wrapper


def echo_json(payload: Any) -> None:
    import json

    sys.stdout.write(json.dumps(payload, ensure_ascii=False, default=str) + "\n")
