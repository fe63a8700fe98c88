"""``dunning init``: create or upgrade the database and write example configuration files."""

from __future__ import annotations

from pathlib import Path

import typer

from dunning.cli.common import console, handle_errors, settings
from dunning.cli.main import app
from dunning.core.db import migrate
from dunning.core.keyring import load_keyring
from dunning.core.urls import redact_url
from dunning.defaults import read_default


def write_example_files(directory: Path, profile: str) -> list[Path]:
    """Copy the shipped strategy, template and compliance examples for ``profile`` where none exist."""
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


@app.command("init")
@handle_errors
def init_command(
    profile: str = typer.Option(None, "--profile", help="CN | US（默认取设置 / default from settings）"),
) -> None:
    """建库或升级并写入示例配置 / Create or upgrade the database; write example files."""
    s = settings()
    chosen = (profile or s.profile).upper()
    source = load_keyring(s, create=True)
    migrate(s.database_url)
    if source.created:
        console.print(f"已生成密钥环（请备份）/ Created keyring (back it up): {source.path}")
    console.print(f"数据库已就绪 / Database ready: {redact_url(s.database_url)}")
    for path in write_example_files(Path.cwd(), chosen):
        shown = path.relative_to(Path.cwd()) if path.is_relative_to(Path.cwd()) else path
        console.print(f"已写入 / Wrote {shown}")
