"""``dunning init``: create or upgrade the database, the data key and the first operator; write
example configuration files."""

from __future__ import annotations

from pathlib import Path

import typer

from dunning.cli.common import console, handle_errors, settings
from dunning.cli.main import app


def write_example_files(directory: Path, profile: str) -> list[Path]:
    """Copy the shipped strategy, template and compliance examples for ``profile`` where none exist."""
    from dunning.defaults import read_default

    written = []
    s = settings()
    targets = {
        s.strategy_file: f"strategy_{profile.lower()}.yaml",
        s.templates_file: f"templates_{profile.lower()}.yaml",
        s.compliance_file: "compliance.yaml",
    }
    for target, source in targets.items():
        path = target if target.is_absolute() else directory / target
        if path.exists():
            continue
        data = read_default(source)
        path.write_text(data, encoding="utf-8")
        written.append(path)
    return written


def prepare_install(profile: str) -> list[str]:
    """Everything ``dunning init`` does (also the demo's first step); returns what to tell the user."""
    from dunning.core.clock import utcnow
    from dunning.core.db import make_engine, migrate, unit_of_work
    from dunning.core.keyring import load_keyring
    from dunning.core.urls import redact_url
    from dunning.flows import init_install

    s = settings()
    source = load_keyring(s, create=True)
    migrate(s.database_url)
    lines = []
    if source.created:
        lines.append(f"已生成密钥环（请备份）/ Created keyring (back it up): {source.path}")
    lines.append(f"数据库已就绪 / Database ready: {redact_url(s.database_url)}")
    with unit_of_work(make_engine(s.database_url)) as conn:
        created = init_install(conn, utcnow())
    if created is not None:
        lines.append(
            f"默认操作员 / Default operator: {created.username} ({created.role}) — "
            f"用 --by {created.username} 新增其他操作员 / add the others with "
            f"`dunning operators add NAME --role ROLE --by {created.username}`"
        )
    for path in write_example_files(Path.cwd(), profile):
        shown = path.relative_to(Path.cwd()) if path.is_relative_to(Path.cwd()) else path
        lines.append(f"已写入 / Wrote {shown}")
    return lines


@app.command("init")
@handle_errors
def init_command(
    profile: str = typer.Option(None, "--profile", help="CN | US（默认取设置 / default from settings）"),
) -> None:
    """建库或升级、数据密钥、默认操作员，并写入示例配置 / Create or upgrade the database, the data key, the
    first operator; write example files."""
    for line in prepare_install((profile or settings().profile).upper()):
        console.print(line)
