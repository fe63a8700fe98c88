"""Fixtures for the template tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from dunning.cli.common import console, err_console
from dunning.core.settings import reset_settings_cache


@pytest.fixture
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Run in an empty directory with default settings (no database needed)."""
    monkeypatch.chdir(tmp_path)
    for name in ("DUNNING_PROFILE", "DUNNING_TEMPLATES_FILE", "DUNNING_STRATEGY_FILE"):
        monkeypatch.delenv(name, raising=False)
    # Wide Rich output whatever the terminal (or xdist worker) looks like.
    for rich_console in (console, err_console):
        monkeypatch.setattr(rich_console, "_width", 200)
        monkeypatch.setattr(rich_console, "_height", 50)
    reset_settings_cache()
    yield tmp_path
    reset_settings_cache()
