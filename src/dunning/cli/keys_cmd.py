"""``dunning keys``: the data keys of personal data — status, rotate, re-encrypt, retire (admin)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
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
    settings,
)
from dunning.cli.main import app

keys_app = typer.Typer(
    help="个人数据密钥：状态、轮换、重新加密、停用 / Personal-data keys.", no_args_is_help=True
)
app.add_typer(keys_app, name="keys")

BatchOption = Annotated[int, typer.Option("--batch", min=100, help="每批行数 / Rows per transaction")]


@keys_app.command("status")
@handle_errors
def status_command(as_json: JsonOption = False) -> None:
    """密钥与各表仍使用各密钥的行数 / Keys, the active one, and rows still under each key."""
    from rich.table import Table

    from dunning.core.db import unit_of_work
    from dunning.flows import key_status

    with unit_of_work(engine()) as conn:
        status = key_status(conn, settings())
    if as_json:
        echo_json(status.as_dict())
        return
    en, zh = status.source
    console.print(f"密钥来源 / Keyring: {zh} / {en}")
    console.print(
        f"当前密钥 / Active key: {status.active}   全部 / Keys: {list(status.key_ids)}   "
        f"查找密钥版本 / Look-up key version: {status.lookup_version}"
    )
    table = Table(title="各密钥加密的行数 / Rows by data key")
    table.add_column("表 / Table")
    for key_id in status.key_ids:
        table.add_column(f"key {key_id}" + (" ▶" if key_id == status.active else ""), justify="right")
    for name, counts in status.rows.items():
        table.add_row(name, *[f"{counts.get(k, 0):,}" for k in status.key_ids])
    console.print(table)
    if status.pending:
        console.print(
            f"[yellow]待重新加密 / Still under an old key: {status.pending:,} — `dunning keys reencrypt`[/]"
        )


@contextmanager
def _bar(total: int) -> Iterator[Callable[[str, int], None]]:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    done: dict[str, int] = {}
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
    ) as progress:
        task = progress.add_task("重新加密 / Re-encrypting", total=max(total, 1))

        def tick(table: str, rows: int) -> None:
            done[table] = rows
            progress.update(
                task, completed=sum(done.values()), description=f"重新加密 / Re-encrypting {table}"
            )

        yield tick


def _pending() -> int:
    from dunning.core.db import unit_of_work
    from dunning.flows import key_status

    with unit_of_work(engine()) as conn:
        return key_status(conn, settings()).pending


@keys_app.command("rotate")
@handle_errors
def rotate_command(by: ByOption = None, now: NowOption = None, batch: BatchOption = 5000) -> None:
    """新增并启用新密钥，再分批重新加密（可随时中断后用 reencrypt 继续）/ Add a new active key and
    re-encrypt in batches (resumable with `dunning keys reencrypt`)."""
    from dunning.core.db import unit_of_work
    from dunning.flows import key_status, rotate_keys

    with unit_of_work(engine()) as conn:
        total = sum(sum(c.values()) for c in key_status(conn, settings()).rows.values())
    with _bar(total) as tick:
        rotation = rotate_keys(engine(), settings(), by=by, now=now_from(now), batch=batch, progress=tick)
    console.print(
        f"已轮换 / Rotated: key {rotation.previous} → key {rotation.active}; "
        f"重新加密 / re-encrypted: {', '.join(f'{t} {n:,}' for t, n in rotation.rows.items())}"
    )
    console.print("旧密钥确认不再使用后可停用 / Retire the old key once unused: "
                  f"`dunning keys retire {rotation.previous} --by …`")  # fmt: skip


@keys_app.command("reencrypt")
@handle_errors
def reencrypt_command(by: ByOption = None, now: NowOption = None, batch: BatchOption = 5000) -> None:
    """把仍在旧密钥下的数据重新加密到当前密钥 / Re-encrypt what is still under an old key."""
    from dunning.core.keyring import load_cipher
    from dunning.flows import reencrypt

    with _bar(_pending()) as tick:
        rows = reencrypt(
            engine(), load_cipher(settings()), by=by, now=now_from(now), batch=batch, progress=tick
        )
    console.print(f"重新加密 / Re-encrypted: {', '.join(f'{t} {n:,}' for t, n in rows.items())}")


@keys_app.command("retire")
@handle_errors
def retire_command(
    key_id: Annotated[int, typer.Argument(help="密钥编号 / Key id")],
    by: ByOption = None,
    now: NowOption = None,
) -> None:
    """从密钥环删除不再使用的密钥 / Drop a key no row uses any more."""
    from dunning.flows import retire_key

    keyring = retire_key(engine(), settings(), key_id, by=by, now=now_from(now))
    console.print(f"已停用 / Retired key {key_id}; 剩余 / keys: {list(keyring.key_ids)}")
